/// One line of a labels CSV: a segmentation label and the mesh fragments that draw it.
public struct MeshLink: Sendable, Equatable {
    public var label: UInt64
    public var fragments: [String]
    /// The CSV line the record starts on (1-based).
    public var line: Int

    public init(label: UInt64, fragments: [String], line: Int) {
        self.label = label
        self.fragments = fragments
        self.line = line
    }

    /// The manifest file's name in the mesh directory: `LABEL:0`, or `LABEL` without the
    /// colon suffix (for file systems that forbid colons).
    public func fileName(colonSuffix: Bool = true) -> String { colonSuffix ? "\(label):0" : "\(label)" }

    /// The manifest's content, exactly as the reference writes it (Python's
    /// `json.dumps({"fragments": [...]}, separators=(",", ":"))`).
    public var manifest: [UInt8] {
        Array(("{\"fragments\":[" + fragments.map(PythonJSON.string).joined(separator: ",") + "]}").utf8)
    }
}

/// Reading the labels CSV of `nprec mesh link`.
public enum MeshLinks {
    /// Parses `bytes` (UTF-8 CSV, as Python's `csv` module reads it: commas, double quotes,
    /// `""` for a quote inside quotes). Each non-empty record is an integer label (an unsigned
    /// 64-bit segment ID) followed by fragment names. A label given twice is an error.
    public static func parse(_ bytes: [UInt8], file: String) throws -> [MeshLink] {
        var bytes = bytes[...]
        if bytes.starts(with: [0xef, 0xbb, 0xbf]) { bytes = bytes.dropFirst(3) }
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw MeshError.badLinks(file: file, line: 1, problem: "the file is not UTF-8 text")
        }
        var links: [MeshLink] = []
        var seen: [UInt64: Int] = [:]
        for (line, fields) in CSV.records(text) where !fields.isEmpty {
            guard let label = parseLabel(fields[0]) else {
                throw MeshError.badLinks(
                    file: file, line: line,
                    problem: "the label '\(fields[0])' is not an integer from 0 to \(UInt64.max); "
                        + "each line is: label, fragment names")
            }
            if let first = seen[label] {
                throw MeshError.badLinks(
                    file: file, line: line, problem: "label \(label) is already linked on line \(first)")
            }
            seen[label] = line
            links.append(MeshLink(label: label, fragments: Array(fields.dropFirst()), line: line))
        }
        return links
    }

    /// A label as Python's `int()` reads it (surrounding whitespace, an optional sign,
    /// underscores between digits), limited to segment IDs: 0 to 2^64 - 1.
    static func parseLabel(_ field: String) -> UInt64? {
        var text = Substring(field).drop { $0.isWhitespace }
        while let last = text.last, last.isWhitespace { text = text.dropLast() }
        var negative = false
        if let sign = text.first, sign == "+" || sign == "-" {
            negative = sign == "-"
            text = text.dropFirst()
        }
        guard let first = text.first, first.isASCII && first.isNumber, let last = text.last, last != "_",
            !text.contains("__")
        else { return nil }
        let digits = text.filter { $0 != "_" }
        guard digits.allSatisfy({ $0.isASCII && $0.isNumber }), let value = UInt64(digits) else { return nil }
        if negative && value != 0 { return nil }
        return value
    }
}

/// A CSV reader following Python's `csv.reader` with the default dialect (`excel`, not
/// strict): its state machine, with `\r\n`, `\r` and `\n` ending records outside quotes.
enum CSV {
    private enum State { case startRecord, startField, inField, inQuotes, quoteInQuotes }

    /// The records of `text`, each with the line it starts on. An empty line is an empty record.
    static func records(_ text: String) -> [(line: Int, fields: [String])] {
        var records: [(line: Int, fields: [String])] = []
        var fields: [String] = []
        var field = String.UnicodeScalarView()
        var state = State.startRecord
        var line = 1
        var recordLine = 1
        var scalars = text.unicodeScalars[...]

        func saveField() {
            fields.append(String(field))
            field = String.UnicodeScalarView()
        }
        func endRecord() {
            if state != .startRecord { saveField() }
            records.append((recordLine, fields))
            fields = []
            state = .startRecord
        }

        while let scalar = scalars.popFirst() {
            if scalar == "\r" || scalar == "\n" {
                var newline = String.UnicodeScalarView([scalar])
                if scalar == "\r", scalars.first == "\n" { newline.append(scalars.removeFirst()) }
                if state == .inQuotes {
                    field.append(contentsOf: newline)
                } else {
                    endRecord()
                }
                line += 1
                if state == .startRecord { recordLine = line }
                continue
            }
            switch state {
            case .startRecord, .startField:
                if scalar == "\"" {
                    state = .inQuotes
                } else if scalar == "," {
                    saveField()
                    state = .startField
                } else {
                    field.append(scalar)
                    state = .inField
                }
            case .inField:
                if scalar == "," {
                    saveField()
                    state = .startField
                } else {
                    field.append(scalar)
                }
            case .inQuotes:
                if scalar == "\"" {
                    state = .quoteInQuotes
                } else {
                    field.append(scalar)
                }
            case .quoteInQuotes:
                if scalar == "\"" {
                    field.append(scalar)
                    state = .inQuotes
                } else if scalar == "," {
                    saveField()
                    state = .startField
                } else {
                    field.append(scalar)
                    state = .inField
                }
            }
        }
        if state != .startRecord { endRecord() }
        return records
    }
}

/// Python's `json.dumps` string escaping with its defaults (`ensure_ascii=True`).
enum PythonJSON {
    static func string(_ value: String) -> String {
        var out = "\""
        for unit in value.utf16 {
            switch unit {
            case 0x22: out += "\\\""
            case 0x5c: out += "\\\\"
            case 0x0a: out += "\\n"
            case 0x0d: out += "\\r"
            case 0x09: out += "\\t"
            case 0x08: out += "\\b"
            case 0x0c: out += "\\f"
            case 0x20...0x7e: out.unicodeScalars.append(Unicode.Scalar(UInt8(unit)))
            default:
                let hex = String(unit, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            }
        }
        return out + "\""
    }
}
