/// Helpers for the text formats (OBJ, PLY, STL, OFF, GIfTI's ASCII data): lines, words and
/// numbers straight from the file's bytes.
enum Text {
    /// Calls `body` with each line (without its end: `\n`, `\r\n` or `\r`) and its 1-based number.
    static func forEachLine(
        _ bytes: ArraySlice<UInt8>, _ body: (_ number: Int, _ line: ArraySlice<UInt8>) throws -> Void
    ) rethrows {
        var number = 1
        var start = bytes.startIndex
        var index = start
        let end = bytes.endIndex
        while index < end {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\n") || byte == UInt8(ascii: "\r") {
                try body(number, bytes[start..<index])
                number += 1
                if byte == UInt8(ascii: "\r"), index + 1 < end, bytes[index + 1] == UInt8(ascii: "\n") { index += 1 }
                start = index + 1
            }
            index += 1
        }
        if start < end { try body(number, bytes[start..<end]) }
    }

    static func isSpace(_ byte: UInt8) -> Bool {
        byte == 0x20 || (byte >= 0x09 && byte <= 0x0d)
    }

    /// The whitespace-separated words of `line`.
    static func words(_ line: ArraySlice<UInt8>) -> [ArraySlice<UInt8>] {
        var words: [ArraySlice<UInt8>] = []
        var index = line.startIndex
        let end = line.endIndex
        while index < end {
            while index < end && isSpace(line[index]) { index += 1 }
            let start = index
            while index < end && !isSpace(line[index]) { index += 1 }
            if start < index { words.append(line[start..<index]) }
        }
        return words
    }

    /// `line` up to a `#` comment.
    static func strippingComment(_ line: ArraySlice<UInt8>) -> ArraySlice<UInt8> {
        guard let hash = line.firstIndex(of: UInt8(ascii: "#")) else { return line }
        return line[line.startIndex..<hash]
    }

    static func string(_ word: ArraySlice<UInt8>) -> String { String(decoding: word, as: UTF8.self) }

    /// A decimal number (also `nan`, `inf`, exponents); nil when `word` is not one.
    static func double(_ word: ArraySlice<UInt8>) -> Double? {
        guard !word.isEmpty, word.count < 400 else { return nil }
        return Double(string(word))
    }

    /// A decimal number rounded once to float32; nil when `word` is not one.
    static func float(_ word: ArraySlice<UInt8>) -> Float? {
        guard !word.isEmpty, word.count < 400 else { return nil }
        return Float(string(word))
    }

    /// A decimal integer with an optional sign; nil when `word` is not one.
    static func integer(_ word: ArraySlice<UInt8>) -> Int? {
        guard !word.isEmpty, word.count < 40 else { return nil }
        return Int(string(word))
    }

    /// True when `word` equals `keyword`, ignoring ASCII case.
    static func equals(_ word: ArraySlice<UInt8>, _ keyword: String) -> Bool {
        let keyword = Array(keyword.utf8)
        guard word.count == keyword.count else { return false }
        for (a, b) in zip(word, keyword) where a | 0x20 != b | 0x20 { return false }
        return true
    }

    /// How a word is shown in an error message: quoted, shortened when long.
    static func quoted(_ word: ArraySlice<UInt8>) -> String {
        let text = string(word.prefix(40))
        return "'\(text)\(word.count > 40 ? "..." : "")'"
    }
}

/// Fan triangulation of a polygon: (v0, v1, v2), (v0, v2, v3), ..., as OBJ and PLY readers
/// and most tools do. The polygon must have at least 3 corners.
func appendFan(_ corners: [Int], to triangles: inout [Int]) {
    for k in 1..<(corners.count - 1) {
        triangles.append(corners[0])
        triangles.append(corners[k])
        triangles.append(corners[k + 1])
    }
}

/// Little- or big-endian reads of binary numbers from a byte array; `offset` is checked by the caller.
struct BinaryReader {
    let bytes: [UInt8]
    let bigEndian: Bool

    func uint(_ offset: Int, size: Int) -> UInt64 {
        var value: UInt64 = 0
        if bigEndian {
            for k in 0..<size { value = value << 8 | UInt64(bytes[offset + k]) }
        } else {
            for k in (0..<size).reversed() { value = value << 8 | UInt64(bytes[offset + k]) }
        }
        return value
    }

    func float32(_ offset: Int) -> Float { Float(bitPattern: UInt32(truncatingIfNeeded: uint(offset, size: 4))) }
    func float64(_ offset: Int) -> Double { Double(bitPattern: uint(offset, size: 8)) }
}

/// The numeric types of binary mesh data (GIfTI data types, PLY property types).
enum ScalarType: Sendable, Equatable {
    case int8, uint8, int16, uint16, int32, uint32, int64, uint64, float32, float64

    var size: Int {
        switch self {
        case .int8, .uint8: return 1
        case .int16, .uint16: return 2
        case .int32, .uint32, .float32: return 4
        case .int64, .uint64, .float64: return 8
        }
    }

    var isInteger: Bool { self != .float32 && self != .float64 }

    var name: String {
        switch self {
        case .int8: return "int8"
        case .uint8: return "uint8"
        case .int16: return "int16"
        case .uint16: return "uint16"
        case .int32: return "int32"
        case .uint32: return "uint32"
        case .int64: return "int64"
        case .uint64: return "uint64"
        case .float32: return "float32"
        case .float64: return "float64"
        }
    }

    /// The value at `offset` as a Double (exact for every type but 64-bit integers beyond 2^53).
    func double(_ reader: BinaryReader, _ offset: Int) -> Double {
        switch self {
        case .float32: return Double(reader.float32(offset))
        case .float64: return reader.float64(offset)
        case .uint64: return Double(reader.uint(offset, size: 8))
        default: return Double(integer(reader, offset) ?? 0)
        }
    }

    /// The value at `offset` as an Int; nil for floats and for uint64 values beyond Int.max.
    func integer(_ reader: BinaryReader, _ offset: Int) -> Int? {
        let raw = reader.uint(offset, size: size)
        switch self {
        case .int8: return Int(Int8(truncatingIfNeeded: raw))
        case .int16: return Int(Int16(truncatingIfNeeded: raw))
        case .int32: return Int(Int32(truncatingIfNeeded: raw))
        case .int64: return Int(Int64(bitPattern: raw))
        case .uint8, .uint16, .uint32: return Int(raw)
        case .uint64: return raw <= UInt64(Int.max) ? Int(raw) : nil
        case .float32, .float64: return nil
        }
    }
}
