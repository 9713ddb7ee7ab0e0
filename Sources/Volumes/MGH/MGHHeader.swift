import Precomputed

/// The header of a FreeSurfer MGH/MGZ volume, as nibabel's `MGHHeader` reads it: 90 big-endian
/// bytes at the start of the (decompressed) file, the voxels from byte 284.
///
/// Hand-written rather than taken from a library: the header is a fixed 90-byte struct whose
/// only subtlety is the affine, which must be computed in nibabel's float32/float64 mix to match
/// the reference to the last bit; FreeSurfer's own reader is not a library a tool can link.
public struct MGHHeader: Sendable {
    /// Where the voxels start.
    public static let dataOffset = 284
    /// Bytes nibabel reads as the header.
    public static let size = 90

    /// width, height, depth, frames.
    public var dims: [Int]
    public var type: MGHDataType
    /// Whether delta, Mdc and Pxyz_c were stored (nibabel replaces them by defaults when the
    /// flag is 0, as `MGHHeader.__init__` does).
    public var goodRASFlag: Int
    /// Voxel sizes, as float32.
    public var delta: [Float]
    /// The transpose of the direction cosine matrix, as stored (row-major), float32.
    public var mdc: [[Float]]
    /// RAS of the volume centre, float32.
    public var pxyzC: [Float]

    /// Parses the first 90 bytes of an MGH file.
    public init(bytes: [UInt8], path: String) throws {
        func fail(_ message: String) -> VolumeError { VolumeError(path: path, message: message) }
        guard bytes.count >= Self.size else {
            throw fail("file is truncated: the MGH header needs \(Self.size) bytes, found \(bytes.count)")
        }
        func int32(_ offset: Int) -> Int {
            Int(Int32(bitPattern: (0..<4).reduce(UInt32(0)) { $0 << 8 | UInt32(bytes[offset + $1]) }))
        }
        func float32(_ offset: Int) -> Float { Float(bitPattern: UInt32(truncatingIfNeeded: int32(offset))) }
        let version = int32(0)
        guard version == 1 else {
            throw fail("unknown MGH format version \(version) (only version 1 exists)")
        }
        dims = (0..<4).map { int32(4 + 4 * $0) }
        guard dims.allSatisfy({ $0 > 0 }) else {
            throw fail(
                "impossible dimensions \(dims.map(String.init).joined(separator: "x")) (every dimension must be positive)"
            )
        }
        let code = int32(20)
        guard let type = MGHDataType(rawValue: code) else {
            throw fail(
                "unsupported MGH data type code \(code) (nibabel reads 0 uchar, 1 int, 3 float, 4 short and 10 ushort)")
        }
        self.type = type
        var total = type.size
        for extent in dims {
            let (product, overflow) = total.multipliedReportingOverflow(by: extent)
            guard !overflow, product <= 1 << 56 else {
                throw fail("impossible dimensions \(dims.map(String.init).joined(separator: "x")): an absurd size")
            }
            total = product
        }
        goodRASFlag = Int(Int16(bitPattern: UInt16(bytes[28]) << 8 | UInt16(bytes[29])))
        if goodRASFlag == 0 {
            delta = [1, 1, 1]
            mdc = [[-1, 0, 0], [0, 0, 1], [0, -1, 0]]
            pxyzC = [0, 0, 0]
        } else {
            delta = (0..<3).map { float32(30 + 4 * $0) }
            mdc = (0..<3).map { row in (0..<3).map { float32(42 + 12 * row + 4 * $0) } }
            pxyzC = (0..<3).map { float32(78 + 4 * $0) }
        }
    }

    /// nibabel's `MGHHeader.get_affine`: MdcD = Mdc.T * delta in float32, the volume centre
    /// MdcD · dims / 2 in float64 (numpy promotes float32 · int32 to float64), the translation
    /// Pxyz_c - centre in float64, then the whole matrix in float32 (`from_matvec` takes the
    /// matrix's dtype), widened to float64 by the image.
    public var affine: [[Double]] {
        let mdcD: [[Float]] = (0..<3).map { i in (0..<3).map { j in mdc[j][i] * delta[j] } }
        var out: [[Double]] = [[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1]]
        for i in 0..<3 {
            var centre = 0.0
            for j in 0..<3 {
                centre += Double(mdcD[i][j]) * Double(dims[j])
                out[i][j] = Double(mdcD[i][j])
            }
            out[i][3] = Double(Float(Double(pxyzC[i]) - centre / 2))
        }
        return out
    }
}

/// The MGH voxel types nibabel reads (`mghformat.data_type_codes`); all stored big-endian.
public enum MGHDataType: Int, Sendable {
    case uint8 = 0
    case int32 = 1
    case float32 = 3
    case int16 = 4
    case uint16 = 10

    public var storage: DataType {
        switch self {
        case .uint8: .uint8
        case .int32: .int32
        case .float32: .float32
        case .int16: .int16
        case .uint16: .uint16
        }
    }

    public var size: Int { storage.size }
}
