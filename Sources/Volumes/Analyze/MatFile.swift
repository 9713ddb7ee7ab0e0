import Codecs

/// The numeric matrices of a small MATLAB .mat file (level 4, as nibabel writes beside SPM
/// Analyze images, or level 5, plain or zlib-compressed, as SPM writes), for the affine
/// `Spm99AnalyzeImage` takes from a .mat next to a .hdr/.img pair.
///
/// Hand-written: only numeric matrices of a few numbers are needed, which takes a page; MATLAB's
/// own libmat is not available here, and the v7.3 (HDF5) variant is refused with a message.
struct MatFile {
    struct Matrix {
        /// Dimensions, MATLAB order (rows, columns, ...).
        var dims: [Int]
        /// Values, column-major (first index fastest), as Double.
        var values: [Double]
    }

    /// The numeric matrices by name (non-numeric variables are left out).
    var matrices: [String: Matrix] = [:]

    /// The largest .mat file read: an affine file holds a few hundred bytes.
    static let maximumSize = 16 << 20

    init(bytes: [UInt8], path: String) throws {
        func fail(_ message: String) -> VolumeError { VolumeError(path: path, message: message) }
        guard bytes.count >= 4 else { throw fail("not a MATLAB .mat file: only \(bytes.count) bytes") }
        if bytes[0..<4].contains(0) {
            try readLevel4(bytes, fail)
            return
        }
        guard bytes.count >= 128 else { throw fail("not a MATLAB .mat file: a level 5 header needs 128 bytes") }
        let marker = String(decoding: bytes[126..<128], as: UTF8.self)
        guard marker == "IM" || marker == "MI" else { throw fail("not a MATLAB .mat file (unknown format)") }
        let little = marker == "IM"
        let version = little ? Int(bytes[124]) | Int(bytes[125]) << 8 : Int(bytes[125]) | Int(bytes[124]) << 8
        guard version == 0x0100 else {
            throw fail("MATLAB v7.3 (HDF5) .mat files are not supported; save it with -v6 or -v4")
        }
        try readElements(Array(bytes[128...]), little: little, fail)
    }

    // MARK: - Level 4

    private mutating func readLevel4(_ bytes: [UInt8], _ fail: (String) -> VolumeError) throws {
        // scipy's guess: the first mopt read little-endian is 0...5000 for a little-endian file.
        let firstLittle = Int(Int32(bitPattern: word(bytes, 0, little: true)))
        let little = (0...5000).contains(firstLittle)
        var at = 0
        while at < bytes.count {
            guard at + 20 <= bytes.count else { throw fail("MATLAB level 4 file is truncated at byte \(at)") }
            let fields = (0..<5).map { Int(Int32(bitPattern: word(bytes, at + 4 * $0, little: little))) }
            let (mopt, rows, columns, imaginary, nameLength) = (fields[0], fields[1], fields[2], fields[3], fields[4])
            let precision = (mopt / 10) % 10
            let kind = mopt % 10
            let sizes = [8, 4, 4, 2, 2, 1]
            guard mopt >= 0, mopt < 5000, precision < sizes.count, rows >= 0, columns >= 0, nameLength > 0,
                rows < 1 << 24, columns < 1 << 24
            else {
                throw fail("not a valid MATLAB level 4 file (matrix header at byte \(at))")
            }
            let nameStart = at + 20
            let dataStart = nameStart + nameLength
            let count = rows * columns
            let dataBytes = count * sizes[precision] * (imaginary != 0 ? 2 : 1)
            guard dataStart + dataBytes <= bytes.count else {
                throw fail("MATLAB level 4 file is truncated: a matrix needs bytes to \(dataStart + dataBytes)")
            }
            let name = String(decoding: bytes[nameStart..<dataStart].prefix { $0 != 0 }, as: UTF8.self)
            if kind == 0 {
                let type: ElementType = [.double, .single, .int32, .int16, .uint16, .uint8][precision]
                let values = (0..<count).map { type.value(bytes, dataStart + $0 * type.size, little: little) }
                matrices[name] = Matrix(dims: [rows, columns], values: values)
            }
            at = dataStart + dataBytes
        }
    }

    // MARK: - Level 5

    private mutating func readElements(_ bytes: [UInt8], little: Bool, _ fail: (String) -> VolumeError) throws {
        var at = 0
        while at + 8 <= bytes.count {
            let (type, data, next) = try element(bytes, at, little: little, fail)
            if type == 15 {
                let inflated: [UInt8]
                do {
                    inflated = try Gzip.decompress(Array(data))
                } catch {
                    throw fail("corrupt compressed variable in the .mat file")
                }
                guard inflated.count <= Self.maximumSize else { throw fail("a .mat variable is too large") }
                try readElements(inflated, little: little, fail)
            } else if type == 14 {
                try readMatrix(Array(data), little: little, fail)
            }
            at = next
        }
    }

    /// The element at `at`: its type, its data and where the next element starts.
    private func element(_ bytes: [UInt8], _ at: Int, little: Bool, _ fail: (String) -> VolumeError) throws -> (
        Int, ArraySlice<UInt8>, Int
    ) {
        let first = word(bytes, at, little: little)
        if first >> 16 != 0 {
            // Small data element: type and size in the tag, data in its last 4 bytes.
            let size = Int(first >> 16)
            guard size <= 4 else { throw fail("corrupt .mat file (small element of \(size) bytes)") }
            return (Int(first & 0xffff), bytes[(at + 4)..<(at + 4 + size)], at + 8)
        }
        let type = Int(first)
        let size = Int(word(bytes, at + 4, little: little))
        let start = at + 8
        guard size <= bytes.count - start else { throw fail("the .mat file is truncated") }
        let padded = type == 15 ? size : (size + 7) / 8 * 8
        return (type, bytes[start..<(start + size)], min(bytes.count, start + padded))
    }

    private mutating func readMatrix(_ bytes: [UInt8], little: Bool, _ fail: (String) -> VolumeError) throws {
        var parts: [(Int, ArraySlice<UInt8>)] = []
        var at = 0
        while at + 8 <= bytes.count && parts.count < 4 {
            let (type, data, next) = try element(bytes, at, little: little, fail)
            parts.append((type, data))
            at = next
        }
        guard parts.count == 4, parts[0].1.count >= 4 else { return }
        let flags = word(Array(parts[0].1), 0, little: little)
        let matrixClass = Int(flags & 0xff)
        guard (6...15).contains(matrixClass) else { return }  // not numeric
        let dimsData = Array(parts[1].1)
        let dims = (0..<(dimsData.count / 4)).map { Int(Int32(bitPattern: word(dimsData, 4 * $0, little: little))) }
        let name = String(decoding: parts[2].1, as: UTF8.self)
        guard let type = ElementType(code: parts[3].0) else {
            throw fail("unsupported element type \(parts[3].0) in .mat variable '\(name)'")
        }
        let data = Array(parts[3].1)
        let count = data.count / type.size
        guard dims.allSatisfy({ $0 >= 0 }), dims.reduce(1, *) == count else {
            throw fail(".mat variable '\(name)' has \(count) values for dimensions \(dims)")
        }
        matrices[name] = Matrix(
            dims: dims, values: (0..<count).map { type.value(data, $0 * type.size, little: little) })
    }

    private func word(_ bytes: [UInt8], _ at: Int, little: Bool) -> UInt32 {
        (0..<4).reduce(UInt32(0)) { value, i in value << 8 | UInt32(bytes[little ? at + 3 - i : at + i]) }
    }

    /// Numeric element types (level 5 codes).
    enum ElementType: Int {
        case int8 = 1, uint8 = 2, int16 = 3, uint16 = 4, int32 = 5, uint32 = 6, single = 7, double = 9
        case int64 = 12, uint64 = 13

        init?(code: Int) { self.init(rawValue: code) }

        var size: Int {
            switch self {
            case .int8, .uint8: 1
            case .int16, .uint16: 2
            case .int32, .uint32, .single: 4
            case .double, .int64, .uint64: 8
            }
        }

        func value(_ bytes: [UInt8], _ at: Int, little: Bool) -> Double {
            var raw: UInt64 = 0
            for i in 0..<size {
                raw = raw << 8 | UInt64(bytes[little ? at + size - 1 - i : at + i])
            }
            switch self {
            case .int8: return Double(Int8(truncatingIfNeeded: raw))
            case .uint8, .uint16, .uint32: return Double(raw)
            case .int16: return Double(Int16(truncatingIfNeeded: raw))
            case .int32: return Double(Int32(truncatingIfNeeded: raw))
            case .single: return Double(Float(bitPattern: UInt32(truncatingIfNeeded: raw)))
            case .double: return Double(bitPattern: raw)
            case .int64: return Double(Int64(bitPattern: raw))
            case .uint64: return Double(raw)
            }
        }
    }
}
