/// The fields of a NIfTI-1 or NIfTI-2 header that nprec uses, as nibabel reads them: after
/// nibabel's load-time checks and fixes (qfac not ±1 becomes 1, pixdim[1...3] become positive and
/// non-zero, unknown qform/sform codes become 0), with `affine` chosen the way `img.affine` is.
public struct NIfTIHeader: Sendable {
    /// 1 or 2.
    public var version: Int
    /// Byte order of the header and the voxel data.
    public var littleEndian: Bool
    /// The data shape, dim[1...dim[0]]: [x, y, z] or [x, y, z, t], ...
    public var dim: [Int]
    public var dataType: NIfTIDataType
    /// pixdim[0...7], after nibabel's fixes.
    public var pixdim: [Double]
    /// Where the voxel data starts in the data file (the .nii, or the .img of a pair). A .nii with
    /// vox_offset 0 gets the end of the header and extension flag (352, or 544 for NIfTI-2), as the
    /// standard says; nibabel would read the header itself as voxels.
    public var voxOffset: Int
    /// scl_slope and scl_inter as stored (NIfTI-1's float32 widened exactly).
    public var sclSlope: Double
    public var sclInter: Double
    public var qformCode: Int
    public var sformCode: Int
    /// Spatial and temporal units of pixdim. nibabel ignores them for the affine, and so does this.
    public var xyztUnits: Int
    /// The 4x4 voxel-to-world matrix nibabel's `img.affine` gives: the sform when sform_code > 0,
    /// else the qform when qform_code > 0, else the pixdim fallback (x flipped, origin at the
    /// centre of the volume).
    public var affine: [[Double]]
    /// `nibabel.affines.voxel_sizes(affine)`: the norms of the columns of affine[:3, :3].
    public var voxelSizes: [Double]
    /// The `descrip` text.
    public var descrip: String
    /// `intent_code` (3000 to 3099 are CIFTI-2).
    public var intentCode: Int

    /// The slope and intercept nibabel's ArrayProxy applies to the stored values, or nil when it
    /// applies none: slope 0 or not finite, or exactly (1, 0). Also nil for RGB24 and RGBA32, which
    /// nibabel cannot scale (it fails on reading such data with scaling set).
    public var scaling: (slope: Double, inter: Double)? {
        guard dataType.componentCount == 1, sclSlope != 0, sclSlope.isFinite else { return nil }
        if sclSlope == 1 && sclInter == 0 { return nil }
        return (sclSlope, sclInter)
    }

    /// The numpy dtype name of nibabel's `img.dataobj[(0,)*ndim]`.
    ///
    /// Without scaling (none in the header, or `ignoreScaling`) this is the storage type. With
    /// scaling, nibabel multiplies and adds float64 arrays (`apply_read_scaling` promotes the
    /// slope and intercept to 1-d arrays, so numpy's value-based casting does not apply): float32
    /// data becomes "float64" too, and so does every integer type, unless the type's extremes
    /// overflow float64 once scaled, when nibabel moves to longdouble ("float128").
    /// RGB24 and RGBA32 give "uint8", the component type neuroglancer-scripts reads them as
    /// (nibabel itself reports the structured dtype, "void24" or "void32").
    public func scaledTypeName(ignoreScaling: Bool) -> String {
        guard !ignoreScaling, let (slope, inter) = scaling else { return dataType.numpyName }
        guard let (low, high) = dataType.integerRange else { return "float64" }
        var ends = [low, high]
        if slope != 1 { ends = ends.map { $0 * slope } }
        if inter != 0 { ends = ends.map { $0 + inter } }
        return ends.allSatisfy(\.isFinite) ? "float64" : "float128"
    }

    /// Bytes in one NIfTI header of `version` (348 or 540), without the 4 extension bytes.
    public static func headerSize(version: Int) -> Int { version == 1 ? 348 : 540 }

    /// The NIfTI version and byte order announced by `sizeof_hdr`, the first 4 header bytes.
    static func identify(_ first4: [UInt8]) -> (version: Int, littleEndian: Bool)? {
        guard first4.count >= 4 else { return nil }
        let little = Int(UInt32(first4[0]) | UInt32(first4[1]) << 8 | UInt32(first4[2]) << 16 | UInt32(first4[3]) << 24)
        let big = Int(UInt32(first4[3]) | UInt32(first4[2]) << 8 | UInt32(first4[1]) << 16 | UInt32(first4[0]) << 24)
        switch (little, big) {
        case (348, _): return (1, true)
        case (_, 348): return (1, false)
        case (540, _): return (2, true)
        case (_, 540): return (2, false)
        default: return nil
        }
    }

    /// Parses a whole header (348 bytes for NIfTI-1, 540 for NIfTI-2). `singleFile` is true for a
    /// .nii file, where a vox_offset inside the header is an error.
    public init(bytes: [UInt8], path: String, singleFile: Bool) throws {
        func fail(_ message: String) -> VolumeError { VolumeError(path: path, message: message) }
        guard bytes.count >= 4, let (version, littleEndian) = Self.identify(Array(bytes[0..<4])) else {
            let shown =
                bytes.count >= 4 ? " (sizeof_hdr bytes \(bytes[0..<4].map { String($0) }.joined(separator: " ")))" : ""
            throw fail("not a NIfTI file: the header size field is neither 348 (NIfTI-1) nor 540 (NIfTI-2)\(shown)")
        }
        let size = Self.headerSize(version: version)
        guard bytes.count >= size else {
            throw fail("file is truncated: the NIfTI-\(version) header needs \(size) bytes, found \(bytes.count)")
        }
        let fields = FieldReader(bytes: bytes, littleEndian: littleEndian)
        let layout = version == 1 ? HeaderLayout.nifti1 : HeaderLayout.nifti2
        self.version = version
        self.littleEndian = littleEndian

        // Magic: "n+1\0" / "ni1\0" (or "n+2\0" / "ni2\0" and the end-of-line check bytes).
        let magic = bytes[layout.magic..<(layout.magic + 4)]
        let magicText = String(decoding: magic.prefix { $0 != 0 }, as: UTF8.self)
        let trailing = magic.drop { $0 != 0 }
        guard magicText == "n+\(version)" || magicText == "ni\(version)", trailing.allSatisfy({ $0 == 0 }) else {
            let shown = magic.map { byte in
                if byte == 0 { return "\\0" }
                if (32..<127).contains(byte) { return String(UnicodeScalar(byte)) }
                return "\\x" + (byte < 16 ? "0" : "") + String(byte, radix: 16)
            }
            throw fail(
                "not a NIfTI-\(version) file: bad magic '\(shown.joined())' (expected 'n+\(version)' or 'ni\(version)')"
            )
        }
        if version == 2 {
            let eol = Array(bytes[8..<12])
            guard eol == [13, 10, 26, 10] || eol == [0, 0, 0, 0] else {
                throw fail(
                    "NIfTI-2 end-of-line check bytes are \(eol), not [13, 10, 26, 10]: "
                        + "the file was corrupted by end-of-line conversion"
                )
            }
        }

        // Data type.
        let code = fields.int(layout.datatype, layout.datatypeWidth)
        guard let dataType = NIfTIDataType(code: code) else {
            if let name = NIfTIDataType.unsupportedName(code: code) {
                throw fail("unsupported data type \(name) (datatype code \(code))")
            }
            throw fail("unknown data type code \(code)")
        }
        self.dataType = dataType

        // Dimensions.
        let rawDim = (0..<8).map { fields.int(layout.dim + $0 * layout.dimWidth, layout.dimWidth) }
        let ndim = rawDim[0]
        guard (1...7).contains(ndim) else {
            throw fail("impossible dimensions: dim[0] is \(ndim), must be 1 to 7")
        }
        var shape = Array(rawDim[1...ndim])
        if version == 1 {
            // nibabel's FreeSurfer conventions for long vectors and the ico7 surface.
            if shape.count >= 3 && shape[0..<3] == [-1, 1, 1] {
                shape[0] = fields.int(144, 4)  // glmin holds the vector length
            } else if shape.count >= 3 && shape[0..<3] == [27307, 1, 6] {
                shape[0...2] = [163842, 1, 1]
            }
        }
        let shapeText = shape.map(String.init).joined(separator: "x")
        guard shape.allSatisfy({ $0 > 0 }) else {
            throw fail(
                "impossible dimensions: \(shapeText) (every dimension must be positive)"
            )
        }
        var bytesTotal = dataType.bytesPerVoxel
        for extent in shape {
            let (product, overflow) = bytesTotal.multipliedReportingOverflow(by: extent)
            guard !overflow, product <= Self.maximumDataBytes else {
                throw fail(
                    "impossible dimensions: \(shapeText) voxels of \(dataType.bytesPerVoxel) bytes is an absurd size"
                )
            }
            bytesTotal = product
        }
        self.dim = shape

        // pixdim, with nibabel's fixes: qfac must be ±1 (else 1), pixdim[1...3] positive (abs)
        // and non-zero (else 1).
        var pixdim = (0..<8).map { fields.float(layout.pixdim + $0 * layout.floatWidth, layout.floatWidth) }
        if pixdim[0] != 1 && pixdim[0] != -1 { pixdim[0] = 1 }
        for i in 1...3 {
            if pixdim[i] == 0 { pixdim[i] = 1 }
            if pixdim[i] < 0 { pixdim[i] = -pixdim[i] }
        }
        self.pixdim = pixdim

        // Data offset. NIfTI-1 stores it as a float; nibabel truncates it to an integer.
        let offsetValue = version == 1 ? fields.float(108, 4) : Double(fields.int(168, 8))
        guard offsetValue.isFinite, offsetValue >= 0, offsetValue < Double(Int.max / 2) else {
            throw fail("impossible vox_offset \(offsetValue)")
        }
        var voxOffset = Int(offsetValue)
        let minimumOffset = size + 4
        if singleFile {
            if voxOffset == 0 {
                // nibabel would read voxels from byte 0, through the header; the NIfTI standard
                // (and niftilib) put them right after the header and the extension flag.
                voxOffset = minimumOffset
            } else if voxOffset < minimumOffset {
                throw fail("vox_offset \(voxOffset) is inside the header (it must be at least \(minimumOffset))")
            }
        }
        self.voxOffset = voxOffset

        // Scaling.
        sclSlope = fields.float(layout.sclSlope, layout.floatWidth)
        sclInter = fields.float(layout.sclSlope + layout.floatWidth, layout.floatWidth)
        if sclSlope != 0 && sclSlope.isFinite && !sclInter.isFinite {
            throw fail("valid scl_slope \(sclSlope) but invalid scl_inter \(sclInter)")
        }

        // Transforms. Codes nibabel does not know (outside 0...5) become 0.
        let validCodes = 0...5
        let qformCode = fields.int(layout.qformCode, layout.codeWidth)
        let sformCode = fields.int(layout.qformCode + layout.codeWidth, layout.codeWidth)
        self.qformCode = validCodes.contains(qformCode) ? qformCode : 0
        self.sformCode = validCodes.contains(sformCode) ? sformCode : 0
        xyztUnits = fields.int(layout.xyztUnits, layout.xyztUnitsWidth)
        intentCode = fields.int(layout.intentCode, layout.codeWidth)
        descrip = String(decoding: bytes[layout.descrip..<(layout.descrip + 80)].prefix { $0 != 0 }, as: UTF8.self)

        let quatern = (0..<6).map { fields.float(layout.quatern + $0 * layout.floatWidth, layout.floatWidth) }
        if self.sformCode != 0 {
            affine =
                (0..<3).map { row in
                    (0..<4).map { fields.float(layout.srow + (row * 4 + $0) * layout.floatWidth, layout.floatWidth) }
                } + [[0, 0, 0, 1]]
        } else if self.qformCode != 0 {
            // nibabel's quaternion threshold follows the precision of the stored values.
            let threshold = version == 1 ? Double(3 * Float.ulpOfOne) : 3 * Double.ulpOfOne
            guard
                let matrix = Self.qformAffine(
                    quaternion: (quatern[0], quatern[1], quatern[2]), threshold: threshold,
                    pixdim: pixdim, offset: Array(quatern[3...5]))
            else {
                let norm = quatern[0] * quatern[0] + quatern[1] * quatern[1] + quatern[2] * quatern[2]
                throw fail(
                    "invalid qform quaternion (b, c, d) = (\(quatern[0]), \(quatern[1]), \(quatern[2])): "
                        + "b² + c² + d² = \(norm) is more than 1"
                )
            }
            affine = matrix
        } else {
            affine = Self.baseAffine(dim: Array(rawDim[1...ndim]), pixdim: Array(pixdim[1...ndim]))
        }
        voxelSizes = Self.voxelSizes(affine)
    }

    /// More voxel bytes than any real image has (64 PiB): a corrupt header.
    static let maximumDataBytes = 1 << 56

    /// Bytes of voxel data the header describes.
    public var dataByteCount: Int { dim.reduce(dataType.bytesPerVoxel, *) }
}

// MARK: - Field layout

/// Offsets and widths of the header fields nprec reads, per NIfTI version.
struct HeaderLayout {
    var datatype: Int, datatypeWidth: Int
    var dim: Int, dimWidth: Int
    var pixdim: Int, floatWidth: Int
    var sclSlope: Int
    var qformCode: Int, codeWidth: Int
    var quatern: Int
    var srow: Int
    var xyztUnits: Int, xyztUnitsWidth: Int
    var descrip: Int
    var magic: Int
    var intentCode: Int

    static let nifti1 = HeaderLayout(
        datatype: 70, datatypeWidth: 2, dim: 40, dimWidth: 2, pixdim: 76, floatWidth: 4,
        sclSlope: 112, qformCode: 252, codeWidth: 2, quatern: 256, srow: 280,
        xyztUnits: 123, xyztUnitsWidth: 1, descrip: 148, magic: 344, intentCode: 68)
    static let nifti2 = HeaderLayout(
        datatype: 12, datatypeWidth: 2, dim: 16, dimWidth: 8, pixdim: 104, floatWidth: 8,
        sclSlope: 176, qformCode: 344, codeWidth: 4, quatern: 352, srow: 400,
        xyztUnits: 500, xyztUnitsWidth: 4, descrip: 240, magic: 4, intentCode: 504)
}

/// Reads signed integers and floats of a given width and byte order from header bytes.
struct FieldReader {
    let bytes: [UInt8]
    let littleEndian: Bool

    private func bits(_ offset: Int, _ width: Int) -> UInt64 {
        var value: UInt64 = 0
        for i in 0..<width {
            let byte = UInt64(bytes[littleEndian ? offset + width - 1 - i : offset + i])
            value = value << 8 | byte
        }
        return value
    }

    /// A signed integer of `width` bytes (1 reads an unsigned byte, as `xyzt_units` is).
    func int(_ offset: Int, _ width: Int) -> Int {
        let raw = bits(offset, width)
        switch width {
        case 1: return Int(raw)
        case 2: return Int(Int16(truncatingIfNeeded: raw))
        case 4: return Int(Int32(truncatingIfNeeded: raw))
        default: return Int(Int64(bitPattern: raw))
        }
    }

    /// A float32 (width 4) or float64 (width 8), as a Double.
    func float(_ offset: Int, _ width: Int) -> Double {
        let raw = bits(offset, width)
        return width == 4 ? Double(Float(bitPattern: UInt32(truncatingIfNeeded: raw))) : Double(bitPattern: raw)
    }
}
