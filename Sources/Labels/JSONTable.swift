/// JSON label tables: `{"ID": "name", ...}` (a value may also be an object of fields), or a list
/// of objects `{"id": ID, "name": ..., "description": ..., "tags": [...] or "a;b", "color": ...,
/// other fields: strings or numbers}`. Parsed here rather than by Foundation so that every
/// problem names its line and a key given twice is found.
enum JSONTable {
    static func read(_ text: String, file: String) throws -> LabelTable {
        var parser = JSONParser(text: Array(text.utf8), file: file)
        let root = try parser.document()
        switch root.value {
        case .object(let members):
            var rows: [(line: Int, fields: [(String, Node)])] = []
            for member in members {
                let idNode = Node(line: member.line, value: .string(member.key))
                switch member.node.value {
                case .string:
                    rows.append((member.line, [("id", idNode), ("name", member.node)]))
                case .object(let fields):
                    rows.append((member.line, [("id", idNode)] + fields.map { ($0.key, $0.node) }))
                default:
                    throw LabelError(
                        file: file, line: member.node.line,
                        "the value of id \"\(Fields.clipped(member.key))\" is not "
                            + "a name (a string) or an object of fields")
                }
            }
            return try table(rows, file: file)
        case .array(let items):
            var rows: [(line: Int, fields: [(String, Node)])] = []
            for item in items {
                guard case .object(let fields) = item.value else {
                    throw LabelError(file: file, line: item.line, "a list item is not an object of fields")
                }
                rows.append((item.line, fields.map { ($0.key, $0.node) }))
            }
            return try table(rows, file: file)
        default:
            throw LabelError(file: file, line: root.line, "not an object {\"id\": name} nor a list of objects")
        }
    }

    /// The rows as records: the header is every field name in order of first appearance.
    static func table(_ rows: [(line: Int, fields: [(String, Node)])], file: String) throws -> LabelTable {
        var header: [String] = []
        var positions: [String: Int] = [:]
        for row in rows {
            for (key, _) in row.fields where positions[key.lowercased()] == nil {
                positions[key.lowercased()] = header.count
                header.append(key)
            }
        }
        var records = RecordTable(header: header, line: rows.first?.line ?? 1, file: file, format: .json)
        try records.checkHeader()
        for row in rows {
            var values = Array(repeating: "", count: header.count)
            var given = Array(repeating: false, count: header.count)
            for (key, node) in row.fields {
                guard let position = positions[key.lowercased()] else { continue }
                given[position] = true
                values[position] = try text(node, key: key, file: file)
            }
            if let id = positions["id"] ?? positions["labelvalue"], !given[id] {
                throw LabelError(file: file, line: row.line, "no id")
            }
            try records.add(values, line: row.line)
        }
        return try records.table()
    }

    /// A field's value as the text of a table cell: strings as they are, numbers as written,
    /// tags lists joined with `;`.
    static func text(_ node: Node, key: String, file: String) throws -> String {
        switch node.value {
        case .string(let text): return text
        case .number(let text): return text
        case .array(let items) where key.lowercased() == "tags":
            return try items.map {
                guard case .string(let tag) = $0.value else {
                    throw LabelError(file: file, line: $0.line, "a tag is not a string")
                }
                return tag
            }.joined(separator: ";")
        default:
            throw LabelError(
                file: file, line: node.line, "field \"\(Fields.clipped(key))\" is not a string or a number")
        }
    }

    struct Node {
        var line: Int
        var value: Value
    }

    struct Member {
        var key: String
        var line: Int
        var node: Node
    }

    indirect enum Value {
        case null
        case bool(Bool)
        /// The number's text, as written.
        case number(String)
        case string(String)
        case array([Node])
        case object([Member])
    }
}

/// A strict JSON parser over UTF-8 bytes that tracks lines, refuses a key given twice in an
/// object, and nests at most `maxDepth` deep (no stack overflow on `[[[[...`).
struct JSONParser {
    let text: [UInt8]
    let file: String
    var index = 0
    var line = 1
    static let maxDepth = 64

    init(text: [UInt8], file: String) {
        self.text = text
        self.file = file
    }

    mutating func document() throws -> JSONTable.Node {
        let node = try value(depth: 0)
        skipSpace()
        guard index == text.count else { throw fail("text after the JSON value") }
        return node
    }

    func fail(_ problem: String) -> LabelError { LabelError(file: file, line: line, problem) }

    mutating func skipSpace() {
        while index < text.count {
            switch text[index] {
            case 0x0A: line += 1
            case 0x20, 0x09, 0x0D: break
            default: return
            }
            index += 1
        }
    }

    mutating func value(depth: Int) throws -> JSONTable.Node {
        guard depth < Self.maxDepth else { throw fail("nested more than \(Self.maxDepth) deep") }
        skipSpace()
        guard index < text.count else { throw fail("the JSON text ends early") }
        let start = line
        switch text[index] {
        case UInt8(ascii: "{"):
            index += 1
            var members: [JSONTable.Member] = []
            var keys = Set<String>()
            skipSpace()
            if index < text.count && text[index] == UInt8(ascii: "}") {
                index += 1
                return JSONTable.Node(line: start, value: .object(members))
            }
            while true {
                skipSpace()
                let keyLine = line
                guard index < text.count, text[index] == UInt8(ascii: "\"") else { throw fail("expected a key string") }
                let key = try string()
                guard keys.insert(key).inserted else {
                    throw LabelError(file: file, line: keyLine, "key \"\(Fields.clipped(key))\" is there twice")
                }
                skipSpace()
                guard index < text.count, text[index] == UInt8(ascii: ":") else { throw fail("expected ':'") }
                index += 1
                let node = try value(depth: depth + 1)
                members.append(JSONTable.Member(key: key, line: keyLine, node: node))
                skipSpace()
                guard index < text.count else { throw fail("the JSON text ends early") }
                if text[index] == UInt8(ascii: ",") {
                    index += 1
                    continue
                }
                guard text[index] == UInt8(ascii: "}") else { throw fail("expected ',' or '}'") }
                index += 1
                return JSONTable.Node(line: start, value: .object(members))
            }
        case UInt8(ascii: "["):
            index += 1
            var items: [JSONTable.Node] = []
            skipSpace()
            if index < text.count && text[index] == UInt8(ascii: "]") {
                index += 1
                return JSONTable.Node(line: start, value: .array(items))
            }
            while true {
                items.append(try value(depth: depth + 1))
                skipSpace()
                guard index < text.count else { throw fail("the JSON text ends early") }
                if text[index] == UInt8(ascii: ",") {
                    index += 1
                    continue
                }
                guard text[index] == UInt8(ascii: "]") else { throw fail("expected ',' or ']'") }
                index += 1
                return JSONTable.Node(line: start, value: .array(items))
            }
        case UInt8(ascii: "\""):
            return JSONTable.Node(line: start, value: .string(try string()))
        case UInt8(ascii: "t"):
            try literal("true")
            return JSONTable.Node(line: start, value: .bool(true))
        case UInt8(ascii: "f"):
            try literal("false")
            return JSONTable.Node(line: start, value: .bool(false))
        case UInt8(ascii: "n"):
            try literal("null")
            return JSONTable.Node(line: start, value: .null)
        default:
            return JSONTable.Node(line: start, value: .number(try number()))
        }
    }

    mutating func literal(_ word: String) throws {
        let bytes = Array(word.utf8)
        guard index + bytes.count <= text.count, Array(text[index..<(index + bytes.count)]) == bytes else {
            throw fail("not a JSON value")
        }
        index += bytes.count
    }

    mutating func number() throws -> String {
        let start = index
        func digits() -> Int {
            let first = index
            while index < text.count && text[index] >= 0x30 && text[index] <= 0x39 { index += 1 }
            return index - first
        }
        if index < text.count && text[index] == UInt8(ascii: "-") { index += 1 }
        guard digits() > 0 else { throw fail("not a JSON value") }
        if index < text.count && text[index] == UInt8(ascii: ".") {
            index += 1
            guard digits() > 0 else { throw fail("a number without digits after '.'") }
        }
        if index < text.count && (text[index] == UInt8(ascii: "e") || text[index] == UInt8(ascii: "E")) {
            index += 1
            if index < text.count && (text[index] == UInt8(ascii: "+") || text[index] == UInt8(ascii: "-")) {
                index += 1
            }
            guard digits() > 0 else { throw fail("a number without exponent digits") }
        }
        return String(decoding: text[start..<index], as: UTF8.self)
    }

    /// A string at `index` (on its opening quote), escapes decoded.
    mutating func string() throws -> String {
        let startLine = line
        index += 1
        var bytes: [UInt8] = []
        while true {
            guard index < text.count else {
                throw LabelError(file: file, line: startLine, "a string opened here is not closed")
            }
            let byte = text[index]
            index += 1
            switch byte {
            case UInt8(ascii: "\""):
                return String(decoding: bytes, as: UTF8.self)
            case UInt8(ascii: "\\"):
                guard index < text.count else { throw fail("the JSON text ends early") }
                let escape = text[index]
                index += 1
                switch escape {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): bytes.append(escape)
                case UInt8(ascii: "b"): bytes.append(0x08)
                case UInt8(ascii: "f"): bytes.append(0x0C)
                case UInt8(ascii: "n"): bytes.append(0x0A)
                case UInt8(ascii: "r"): bytes.append(0x0D)
                case UInt8(ascii: "t"): bytes.append(0x09)
                case UInt8(ascii: "u"):
                    var scalar = try hex4()
                    if (0xD800..<0xDC00).contains(scalar) {
                        guard index + 1 < text.count, text[index] == UInt8(ascii: "\\"),
                            text[index + 1] == UInt8(ascii: "u")
                        else { throw fail("a lone UTF-16 surrogate in a string") }
                        index += 2
                        let low = try hex4()
                        guard (0xDC00..<0xE000).contains(low) else { throw fail("a lone UTF-16 surrogate in a string") }
                        scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                    }
                    guard let unicode = Unicode.Scalar(scalar) else {
                        throw fail("a lone UTF-16 surrogate in a string")
                    }
                    bytes.append(contentsOf: Array(String(Character(unicode)).utf8))
                default:
                    throw fail("an unknown escape in a string")
                }
            case 0x0A:
                throw fail("a line break inside a string")
            case 0..<0x20:
                throw fail("a control character inside a string")
            default:
                bytes.append(byte)
            }
        }
    }

    mutating func hex4() throws -> UInt32 {
        guard index + 4 <= text.count else { throw fail("the JSON text ends early") }
        var value: UInt32 = 0
        for byte in text[index..<(index + 4)] {
            guard let digit = Character(Unicode.Scalar(byte)).hexDigitValue else { throw fail("a bad \\u escape") }
            value = value << 4 | UInt32(digit)
        }
        index += 4
        return value
    }
}
