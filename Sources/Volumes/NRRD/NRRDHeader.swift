import Codecs
import Precomputed

/// The header of a NRRD file (NRRD0001 to NRRD0005), attached (`.nrrd`) or detached (`.nhdr`),
/// parsed as pynrrd reads it: one `field: value` or `key:=value` per line after the magic line,
/// `#` comments skipped, a blank line (or, detached, the end of the file) ending it.
///
/// Hand-written: the format is a few dozen lines of text, and teem (the reference library) would
/// bring a large C dependency for what is a handful of fields.
public struct NRRDHeader: Sendable {
    /// How the data is encoded.
    public enum Encoding: String, Sendable {
        case raw, gzip, bzip2, ascii, hex
    }

    /// The format version of the magic line (NRRD000`version`).
    public var version: Int
    /// Every field and key/value pair, trimmed, in file order.
    public var fields: [(key: String, value: String)]
    /// The `type` of the values.
    public var type: DataType
    /// `sizes`, fastest axis first (`dimension` of them).
    public var sizes: [Int]
    /// `endian`; true when absent (single-byte types need none).
    public var littleEndian: Bool
    public var encoding: Encoding
    /// `space`, lower-cased, or nil.
    public var space: String?
    /// `space directions`: one vector per axis, nil for `none`; nil when absent.
    public var spaceDirections: [[Double]?]?
    /// `space origin`, or nil.
    public var spaceOrigin: [Double]?
    /// `space units`, one per world axis (the quoted strings, lower-cased), or nil.
    public var spaceUnits: [String]?
    /// `spacings` (NaN for non-spatial axes), or nil.
    public var spacings: [Double]?
    /// `kinds`, lower-cased, or nil.
    public var kinds: [String]?
    /// `byte skip`: bytes skipped before the data (after decompression); -1 means the data is
    /// the end of the file.
    public var byteSkip: Int
    /// `line skip`: lines skipped before the data (before decompression).
    public var lineSkip: Int
    /// `data file`, as written, or nil for attached data.
    public var dataFile: String?
    /// Bytes of the header, including the blank line that ends it.
    public var length: Int

    /// The header's own text is capped: anything longer is not a NRRD header.
    static let maximumLength = 8 << 20

    /// The value of `key` (nil when absent).
    public func value(_ key: String) -> String? { fields.first { $0.key == key }?.value }

    /// Reads and parses the header at the start of `path`.
    public init(path: String) throws {
        let stream = try RawVolumeData.open(path, compressed: false, blockSize: 1 << 16)
        var text: [UInt8] = []
        var length = 0
        var ended = false
        var lines: [String] = []
        // Lines up to the first blank one, or the end of the file.
        reading: while true {
            let block = try RawVolumeData.read(stream, 1 << 16, path: path)
            if block.isEmpty { break }
            if lines.isEmpty && text.isEmpty && block.starts(with: [0x1f, 0x8b]) {
                throw VolumeError(
                    path: path,
                    message:
                        "the whole NRRD file is gzip-compressed: NRRD compresses its data with 'encoding: gzip', "
                        + "so gunzip the file first")
            }
            var start = 0
            for (i, byte) in block.enumerated() where byte == 0x0a {
                text += block[start..<i]
                start = i + 1
                length += text.count + 1
                let line = Self.trimmedEnd(String(decoding: text, as: UTF8.self))
                text = []
                if line.isEmpty && !lines.isEmpty {
                    ended = true
                    break reading
                }
                lines.append(line)
            }
            text += block[start...]
            if length + text.count > Self.maximumLength {
                throw VolumeError(path: path, message: "no blank line ends the NRRD header in its first 8 MiB")
            }
        }
        if !ended && !text.isEmpty {
            length += text.count
            let line = Self.trimmedEnd(String(decoding: text, as: UTF8.self))
            if !line.isEmpty { lines.append(line) }
        }
        try self.init(lines: lines, length: length, path: path)
        if !ended && dataFile == nil {
            throw VolumeError(
                path: path, message: "the NRRD header is not followed by a blank line and data, and names no data file")
        }
    }

    /// Parses the lines of a header, the magic line first.
    init(lines: [String], length: Int, path: String) throws {
        self.length = length
        guard let magic = lines.first, magic.hasPrefix("NRRD"), let version = Int(magic.dropFirst(4)),
            magic.count == 8
        else {
            throw VolumeError(path: path, message: "not a NRRD file: the first line is not NRRD0001 to NRRD0005")
        }
        guard (1...5).contains(version) else {
            throw VolumeError(path: path, message: "NRRD format version \(version) is not supported (1 to 5 are)")
        }
        self.version = version
        var fields: [(key: String, value: String)] = []
        for line in lines.dropFirst() where !line.hasPrefix("#") {
            guard let colon = line.firstIndex(of: ":") else {
                throw VolumeError(path: path, message: "NRRD header line '\(line.prefix(80))' has no ':'")
            }
            var rest = line[line.index(after: colon)...]
            if rest.first == "=" { rest = rest.dropFirst() }
            let key = Self.trimmed(String(line[..<colon]))
            if fields.contains(where: { $0.key == key }) {
                throw VolumeError(path: path, message: "duplicate NRRD header field '\(key)'")
            }
            fields.append((key, Self.trimmed(String(rest))))
            // 'data file: LIST': the lines that follow are data file names, not fields.
            if key == "data file" || key == "datafile", fields.last?.value.hasPrefix("LIST") == true { break }
        }
        self.fields = fields
        func value(_ keys: String...) -> String? {
            for key in keys { if let value = fields.first(where: { $0.key == key })?.value { return value } }
            return nil
        }
        func required(_ key: String) throws -> String {
            guard let value = value(key) else {
                throw VolumeError(path: path, message: "the NRRD header has no '\(key)' field")
            }
            return value
        }
        func integer(_ key: String, _ text: String) throws -> Int {
            guard let number = Int(text) else {
                throw VolumeError(path: path, message: "NRRD field '\(key)': '\(text)' is not an integer")
            }
            return number
        }
        func numbers(_ key: String, _ text: String) throws -> [Double] {
            try text.split(whereSeparator: \.isWhitespace).map { word in
                guard let number = Self.number(word) else {
                    throw VolumeError(path: path, message: "NRRD field '\(key)': '\(word)' is not a number")
                }
                return number
            }
        }
        func vector(_ key: String, _ word: Substring) throws -> [Double] {
            guard word.hasPrefix("("), word.hasSuffix(")"), word.count >= 2 else {
                throw VolumeError(path: path, message: "NRRD field '\(key)': '\(word)' is not a vector like (1,0,0)")
            }
            return try word.dropFirst().dropLast().split(separator: ",", omittingEmptySubsequences: false).map {
                guard let number = Self.number($0) else {
                    throw VolumeError(path: path, message: "NRRD field '\(key)': '\(word)' is not a vector of numbers")
                }
                return number
            }
        }

        let typeName = try required("type")
        guard let type = Self.types[typeName.lowercased()] else {
            throw VolumeError(
                path: path,
                message: typeName == "block"
                    ? "NRRD type 'block' (opaque records) cannot be converted to an image"
                    : "unknown NRRD type '\(typeName)'")
        }
        self.type = type
        let dimension = try integer("dimension", required("dimension"))
        sizes = try required("sizes").split(whereSeparator: \.isWhitespace).map { try integer("sizes", String($0)) }
        guard (1...16).contains(dimension) else {
            throw VolumeError(path: path, message: "NRRD dimension \(dimension) is not between 1 and 16")
        }
        guard sizes.count == dimension else {
            throw VolumeError(
                path: path, message: "the NRRD header gives \(sizes.count) sizes for dimension \(dimension)")
        }
        guard sizes.allSatisfy({ $0 > 0 }) else {
            throw VolumeError(path: path, message: "NRRD sizes must be positive, found \(sizes)")
        }

        let encodingName = try required("encoding").lowercased()
        switch encodingName {
        case "raw": encoding = .raw
        case "gzip", "gz": encoding = .gzip
        case "bzip2", "bz2": encoding = .bzip2
        case "ascii", "text", "txt": encoding = .ascii
        case "hex": encoding = .hex
        default: throw VolumeError(path: path, message: "unknown NRRD encoding '\(encodingName)'")
        }
        switch value("endian")?.lowercased() {
        case nil:
            guard type.size == 1 || encoding == .ascii else {
                throw VolumeError(
                    path: path, message: "the NRRD header has no 'endian' field for \(type.rawValue) data")
            }
            littleEndian = true
        case "little": littleEndian = true
        case "big": littleEndian = false
        case let other?: throw VolumeError(path: path, message: "NRRD endian '\(other)' is not little or big")
        }

        space = value("space")?.lowercased()
        if let text = value("space directions") {
            spaceDirections = try Self.vectorWords(text).map {
                $0 == "none" ? nil : try vector("space directions", $0)
            }
        } else {
            spaceDirections = nil
        }
        if let text = value("space origin") {
            spaceOrigin = try vector("space origin", Substring(text.filter { !$0.isWhitespace }))
        } else {
            spaceOrigin = nil
        }
        spaceUnits = value("space units").map { text in
            text.split(separator: "\"", omittingEmptySubsequences: false).enumerated()
                .filter { $0.offset % 2 == 1 }.map { $0.element.lowercased() }
        }
        spacings = try value("spacings").map { try numbers("spacings", $0) }
        kinds = value("kinds").map { $0.lowercased().split(whereSeparator: \.isWhitespace).map(String.init) }
        byteSkip = try value("byte skip", "byteskip").map { try integer("byte skip", $0) } ?? 0
        lineSkip = try value("line skip", "lineskip").map { try integer("line skip", $0) } ?? 0
        guard byteSkip >= -1 else {
            throw VolumeError(path: path, message: "NRRD byte skip \(byteSkip) is below -1")
        }
        guard lineSkip >= 0 else {
            throw VolumeError(path: path, message: "NRRD line skip \(lineSkip) is negative")
        }
        dataFile = value("data file", "datafile")
    }

    /// NRRD type names (pynrrd's table), lower-cased.
    static let types: [String: DataType] = {
        var table: [String: DataType] = [:]
        let names: [(DataType, [String])] = [
            (.int8, ["signed char", "int8", "int8_t"]),
            (.uint8, ["uchar", "unsigned char", "uint8", "uint8_t"]),
            (.int16, ["short", "short int", "signed short", "signed short int", "int16", "int16_t"]),
            (.uint16, ["ushort", "unsigned short", "unsigned short int", "uint16", "uint16_t"]),
            (.int32, ["int", "signed int", "int32", "int32_t"]),
            (.uint32, ["uint", "unsigned int", "uint32", "uint32_t"]),
            (
                .int64,
                [
                    "longlong", "long long", "long long int", "signed long long", "signed long long int", "int64",
                    "int64_t",
                ]
            ),
            (.uint64, ["ulonglong", "unsigned long long", "unsigned long long int", "uint64", "uint64_t"]),
            (.float32, ["float"]),
            (.float64, ["double"]),
        ]
        for (type, list) in names {
            for name in list { table[name] = type }
        }
        return table
    }()

    /// A number as Python's `float()` reads it (decimal, exponent, nan, inf).
    static func number(_ text: some StringProtocol) -> Double? {
        let word = trimmed(String(text))
        if let value = Double(word) { return value }
        switch word.lowercased() {
        case "nan", "+nan", "-nan": return .nan
        case "inf", "+inf", "infinity", "+infinity": return .infinity
        case "-inf", "-infinity": return -.infinity
        default: return nil
        }
    }

    /// The words of a vector list such as `none (1, 0,0) (0,1,0)`: `none` or a parenthesized
    /// vector, whose spaces are dropped (teem allows them; pynrrd does not).
    static func vectorWords(_ text: String) -> [Substring] {
        var words: [Substring] = []
        var current = ""
        var depth = 0
        for character in text {
            if character == "(" { depth += 1 }
            if character == ")" { depth -= 1 }
            if character.isWhitespace {
                if depth > 0 { continue }
                if !current.isEmpty { words.append(Substring(current)) }
                current = ""
            } else {
                current.append(character)
            }
        }
        if !current.isEmpty { words.append(Substring(current)) }
        return words
    }

    static func trimmed(_ text: String) -> String {
        String(text.drop(while: \.isWhitespace).reversed().drop(while: \.isWhitespace).reversed())
    }

    static func trimmedEnd(_ text: String) -> String {
        String(text.reversed().drop(while: \.isWhitespace).reversed())
    }
}
