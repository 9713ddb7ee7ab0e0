import Precomputed

/// An Analyze 7.5 header (348 bytes, no NIfTI magic) as `nibabel.load` reads it: with
/// `Spm2AnalyzeHeader`, the first class whose `may_contain_header` accepts such a header. So the
/// SPM2 reading applies: funused1 is scl_slope, funused2 scl_inter, the originator field holds
/// the SPM origin (five int16), and a .mat file beside the pair overrides the affine.
///
/// Hand-written: a fixed 348-byte struct, and nibabel's rules (byte order guessed from dim[0],
/// pixdim fixes, SPM2 scaling from scl_slope or the gl/cal fields, the origin affine) are what
/// must be matched; no C library reads Analyze with these SPM2 semantics.
public struct AnalyzeHeader: Sendable {
    public static let size = 348

    public var littleEndian: Bool
    /// dim[1...dim[0]].
    public var shape: [Int]
    /// dim[1...3] as stored (int16), which the origin test and centre use even past dim[0].
    public var spatialDims: [Int]
    public var dataType: AnalyzeDataType
    /// pixdim[1...3] after nibabel's fixes (0 becomes 1, negatives their absolute value), float32.
    public var zooms: [Float]
    /// Where the voxels start in the .img (vox_offset truncated to an integer).
    public var voxOffset: Int
    /// The SPM origin, originator[0...2] (int16, 1-based voxel indices).
    public var origin: [Int16]
    /// nibabel's `Spm2AnalyzeHeader.get_slope_inter`, or nil when it gives (None, None) or
    /// (1, 0) (no scaling).
    public var scaling: (slope: Double, inter: Double)?

    public init(bytes: [UInt8], path: String) throws {
        func fail(_ message: String) -> VolumeError { VolumeError(path: path, message: message) }
        guard bytes.count >= Self.size else {
            throw fail("file is truncated: the Analyze header needs \(Self.size) bytes, found \(bytes.count)")
        }
        // nibabel's guessed_endian: dim[0] in 1...7 means native order; 0 defers to sizeof_hdr.
        let hostLittle = 1.littleEndian == 1
        let dim0Native = FieldReader(bytes: bytes, littleEndian: hostLittle).int(40, 2)
        let sizeofSwapped = FieldReader(bytes: bytes, littleEndian: !hostLittle).int(0, 4)
        if dim0Native == 0 {
            littleEndian = sizeofSwapped == Self.size ? !hostLittle : hostLittle
        } else {
            littleEndian = (1...7).contains(dim0Native) ? hostLittle : !hostLittle
        }
        let fields = FieldReader(bytes: bytes, littleEndian: littleEndian)

        let code = fields.int(70, 2)
        guard let dataType = AnalyzeDataType(rawValue: code) else {
            switch code {
            case 0, 1, 255: throw fail("data code \(code) not supported (\(code == 1 ? "1-bit" : "no") data type)")
            case 32: throw fail("unsupported data type complex64 (datatype code 32)")
            default: throw fail("data code \(code) not recognized")
            }
        }
        self.dataType = dataType

        let dim = (0..<8).map { fields.int(40 + 2 * $0, 2) }
        guard (1...7).contains(dim[0]) else {
            throw fail("impossible dimensions: dim[0] is \(dim[0]), must be 1 to 7")
        }
        shape = Array(dim[1...dim[0]])
        let shapeText = shape.map(String.init).joined(separator: "x")
        guard shape.allSatisfy({ $0 > 0 }) else {
            throw fail("impossible dimensions: \(shapeText) (every dimension must be positive)")
        }
        spatialDims = Array(dim[1...3])

        zooms = (1...3).map { i in
            let value = Float(fields.float(76 + 4 * i, 4))
            return value == 0 ? 1 : abs(value)
        }
        let offset = fields.float(108, 4)
        guard offset.isFinite, offset > -1, offset < Double(1 << 40) else {
            throw fail("impossible vox_offset \(offset)")
        }
        voxOffset = Int(offset)
        origin = (0..<3).map { Int16(truncatingIfNeeded: fields.int(253 + 2 * $0, 2)) }

        // Spm2AnalyzeHeader.get_slope_inter.
        let slope = fields.float(112, 4)
        var scale: (Double, Double)?
        if slope.isFinite && slope != 0 {
            let inter = fields.float(116, 4)
            scale = (slope, inter.isFinite ? inter : 0)
        } else {
            // numpy int32 subtraction wraps; the float32 one rounds to float32.
            let unscaled =
                Int32(truncatingIfNeeded: fields.int(140, 4)) &- Int32(truncatingIfNeeded: fields.int(144, 4))
            let calMax = Float(fields.float(124, 4))
            let calMin = Float(fields.float(128, 4))
            let scaled = calMax - calMin
            if unscaled != 0 && scaled != 0 {
                let slope = Double(scaled) / Double(unscaled)
                scale = (slope, Double(calMin) - slope * Double(fields.int(144, 4)))
            }
        }
        if let (slope, inter) = scale, !(slope == 1 && inter == 0) {
            scaling = (slope, inter)
        } else {
            scaling = nil
        }
    }

    /// Bytes of voxel data the header describes.
    public var dataBytes: Int { shape.reduce(dataType.size, *) }

    /// `Spm99AnalyzeHeader.get_origin_affine`: diagonal zooms with x flipped; the translation
    /// from the SPM origin when it is set and within (-dims, 2·dims) (-(origin - 1)·zoom, in
    /// float32 as numpy computes int16 times float32), else from the centre voxel (in float64).
    public var originAffine: [[Double]] {
        let zooms = [-self.zooms[0], self.zooms[1], self.zooms[2]]
        let useOrigin =
            origin.contains { $0 != 0 }
            && (0..<3).allSatisfy { i in
                let d = Int16(truncatingIfNeeded: spatialDims[i])
                return origin[i] > 0 &- d && origin[i] < d &* 2
            }
        var out: [[Double]] = [[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1]]
        for i in 0..<3 {
            out[i][i] = Double(zooms[i])
            if useOrigin {
                let minusOrigin = 0 &- (origin[i] &- 1)
                out[i][3] = Double(Float(minusOrigin) * zooms[i])
            } else {
                let centre = Double(Int16(truncatingIfNeeded: spatialDims[i]) &- 1) / 2
                out[i][3] = -centre * Double(zooms[i])
            }
        }
        return out
    }

    /// The numpy dtype name of nibabel's first value: the stored type, or "float64" once scaled
    /// ("float128" when an integer type's scaled extremes overflow float64, where nibabel moves
    /// to longdouble).
    public func declaredTypeName(ignoreScaling: Bool) -> String {
        guard !ignoreScaling, let (slope, inter) = scaling, dataType != .rgb24 else { return dataType.storage.rawValue }
        guard let (low, high) = dataType.integerRange else { return "float64" }
        var ends = [low, high]
        if slope != 1 { ends = ends.map { $0 * slope } }
        if inter != 0 { ends = ends.map { $0 + inter } }
        return ends.allSatisfy(\.isFinite) ? "float64" : "float128"
    }
}

/// The Analyze 7.5 voxel types nibabel reads.
public enum AnalyzeDataType: Int, Sendable {
    case uint8 = 2
    case int16 = 4
    case int32 = 8
    case float32 = 16
    case float64 = 64
    case rgb24 = 128

    /// The type of one component.
    public var storage: DataType {
        switch self {
        case .uint8, .rgb24: .uint8
        case .int16: .int16
        case .int32: .int32
        case .float32: .float32
        case .float64: .float64
        }
    }

    public var components: Int { self == .rgb24 ? 3 : 1 }
    /// Bytes per voxel.
    public var size: Int { storage.size * components }

    var integerRange: (Double, Double)? {
        switch self {
        case .uint8: (0, 255)
        case .int16: (Double(Int16.min), Double(Int16.max))
        case .int32: (Double(Int32.min), Double(Int32.max))
        default: nil
        }
    }
}
