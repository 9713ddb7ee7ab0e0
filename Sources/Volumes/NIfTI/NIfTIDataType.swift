/// A voxel storage type of a NIfTI file (the header's `datatype` field) that nprec reads.
public enum NIfTIDataType: Sendable, Equatable, CaseIterable {
    case uint8, int8, uint16, int16, uint32, int32, uint64, int64, float32, float64, rgb24, rgba32

    /// The NIfTI `datatype` code (`NIFTI_TYPE_*`).
    public var code: Int {
        switch self {
        case .uint8: 2
        case .int16: 4
        case .int32: 8
        case .float32: 16
        case .float64: 64
        case .rgb24: 128
        case .int8: 256
        case .uint16: 512
        case .uint32: 768
        case .int64: 1024
        case .uint64: 1280
        case .rgba32: 2304
        }
    }

    /// The type with NIfTI `datatype` code `code`, or nil for codes nprec cannot read.
    public init?(code: Int) {
        guard let type = Self.allCases.first(where: { $0.code == code }) else { return nil }
        self = type
    }

    /// Bytes of one voxel in the file (3 for RGB24, 4 for RGBA32).
    public var bytesPerVoxel: Int {
        switch self {
        case .uint8, .int8: 1
        case .uint16, .int16: 2
        case .uint32, .int32, .float32: 4
        case .uint64, .int64, .float64: 8
        case .rgb24: 3
        case .rgba32: 4
        }
    }

    /// Values per voxel: 3 for RGB24, 4 for RGBA32, else 1.
    public var componentCount: Int {
        switch self {
        case .rgb24: 3
        case .rgba32: 4
        default: 1
        }
    }

    /// The type of one component: `.uint8` for RGB24 and RGBA32, else the type itself.
    public var componentType: NIfTIDataType {
        componentCount == 1 ? self : .uint8
    }

    /// Bytes of one component (the unit of byte swapping).
    public var bytesPerComponent: Int { bytesPerVoxel / componentCount }

    /// The numpy dtype name of one component ("uint8", ..., "float64"; RGB24 and RGBA32 give
    /// "uint8", as neuroglancer-scripts' `get_dtype` turns nibabel's structured dtype into).
    public var numpyName: String {
        switch self {
        case .uint8, .rgb24, .rgba32: "uint8"
        case .int8: "int8"
        case .uint16: "uint16"
        case .int16: "int16"
        case .uint32: "uint32"
        case .int32: "int32"
        case .uint64: "uint64"
        case .int64: "int64"
        case .float32: "float32"
        case .float64: "float64"
        }
    }

    public var isInteger: Bool {
        switch self {
        case .float32, .float64, .rgb24, .rgba32: false
        default: true
        }
    }

    /// The smallest and largest value of an integer type, converted to `Double` the way numpy
    /// converts them (round to nearest).
    var integerRange: (min: Double, max: Double)? {
        switch self {
        case .uint8: (0, Double(UInt8.max))
        case .int8: (Double(Int8.min), Double(Int8.max))
        case .uint16: (0, Double(UInt16.max))
        case .int16: (Double(Int16.min), Double(Int16.max))
        case .uint32: (0, Double(UInt32.max))
        case .int32: (Double(Int32.min), Double(Int32.max))
        case .uint64: (0, Double(UInt64.max))
        case .int64: (Double(Int64.min), Double(Int64.max))
        default: nil
        }
    }

    /// Names of the NIfTI data types nprec does not read, for error messages.
    static func unsupportedName(code: Int) -> String? {
        switch code {
        case 0: "none (DT_UNKNOWN)"
        case 1: "binary (1 bit per voxel)"
        case 32: "complex64"
        case 255: "all (DT_ALL)"
        case 1536: "float128"
        case 1792: "complex128"
        case 2048: "complex256"
        default: nil
        }
    }
}
