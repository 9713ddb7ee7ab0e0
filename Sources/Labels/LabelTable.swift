/// A problem of a label table: `FILE:LINE: problem`, or `FILE: problem` for the whole file.
public struct LabelError: Error, CustomStringConvertible, Sendable, Equatable {
    public var file: String
    /// The 1-based line at fault; nil when the problem is the file as a whole.
    public var line: Int?
    public var problem: String

    public init(file: String, line: Int?, _ problem: String) {
        self.file = file
        self.line = line
        self.problem = problem
    }

    public var description: String { line.map { "\(file):\($0): \(problem)" } ?? "\(file): \(problem)" }
}

/// The dialects of label tables `nprec labels` reads.
public enum TableFormat: String, CaseIterable, Sendable {
    /// Told apart by content.
    case auto
    /// FreeSurfer colour LUT: `id name R G B A` lines, `#` comments.
    case freesurfer
    /// ITK-SNAP label descriptions: `id R G B A VIS MSH "name"`.
    case itksnap
    /// 3D Slicer colour table: `id name R G B A`, as FreeSurfer's.
    case slicer
    /// Comma-separated, with a header row naming the columns.
    case csv
    /// Tab-separated, with a header row naming the columns.
    case tsv
    /// `{"id": "name"}` or a list of objects `{"id": ..., "name": ..., ...}`.
    case json
}

/// One row of a label table.
public struct Label: Sendable, Equatable {
    public var id: UInt64
    public var name: String?
    public var description: String?
    public var tags: [String]
    /// `#rrggbb`, lower case.
    public var color: String?
    /// The values of the table's other columns, in `LabelTable.columns` order ("" when absent).
    public var values: [String]
    /// Where the row starts in the file.
    public var line: Int

    public init(
        id: UInt64, name: String? = nil, description: String? = nil, tags: [String] = [], color: String? = nil,
        values: [String] = [], line: Int
    ) {
        self.id = id
        self.name = name
        self.description = description
        self.tags = tags
        self.color = color
        self.values = values
        self.line = line
    }
}

/// A label table as read: its rows in ascending id order, each id once.
public struct LabelTable: Sendable, Equatable {
    /// The dialect it was read as.
    public var format: TableFormat
    public var labels: [Label]
    /// The names of the other columns (CSV, TSV, JSON fields), in file order.
    public var columns: [String]
    /// Whether the table has a name (label), description or tags column.
    public var hasNames: Bool
    public var hasDescriptions: Bool
    public var hasTags: Bool

    public var hasColors: Bool { labels.contains { $0.color != nil } }
}

/// Collects rows, refusing a second row of an id, and makes the table.
struct TableBuilder {
    let file: String
    var labels: [Label] = []
    var lines: [UInt64: Int] = [:]

    init(file: String) { self.file = file }

    mutating func add(_ label: Label) throws {
        if let first = lines[label.id] {
            throw LabelError(file: file, line: label.line, "id \(label.id) is there twice (first on line \(first))")
        }
        lines[label.id] = label.line
        labels.append(label)
    }

    func table(
        format: TableFormat, columns: [String] = [], names: Bool = true, descriptions: Bool = false, tags: Bool = false
    ) throws -> LabelTable {
        guard !labels.isEmpty else { throw LabelError(file: file, line: nil, "holds no labels") }
        return LabelTable(
            format: format, labels: labels.sorted { $0.id < $1.id }, columns: columns, hasNames: names,
            hasDescriptions: descriptions, hasTags: tags)
    }
}

/// Parsing of the fields every dialect shares.
enum Fields {
    static let idRange = "an integer from 0 to 18446744073709551615"

    /// A decimal id: ASCII digits only, at most 2^64-1.
    static func id(_ text: String, file: String, line: Int) throws -> UInt64 {
        guard !text.isEmpty, text.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }), let id = UInt64(text) else {
            throw LabelError(file: file, line: line, "id \"\(clipped(text))\" is not \(idRange)")
        }
        return id
    }

    /// A colour channel: an integer from 0 to 255.
    static func channel(_ text: String, _ name: String, file: String, line: Int) throws -> Int {
        guard text.utf8.count <= 3, text.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }), let value = Int(text),
            value <= 255
        else {
            throw LabelError(file: file, line: line, "\(name) \"\(clipped(text))\" is not an integer from 0 to 255")
        }
        return value
    }

    /// `#rrggbb` of three channels.
    static func color(_ channels: [Int]) -> String {
        let digits = Array("0123456789abcdef")
        var text = "#"
        for value in channels {
            text.append(digits[value >> 4])
            text.append(digits[value & 15])
        }
        return text
    }

    /// `#rrggbb` (or `#rgb`, or without `#`) as written in a colour column, lower case; nil if not one.
    static func hexColor(_ text: String) -> String? {
        var body = Substring(text)
        if body.hasPrefix("#") { body = body.dropFirst() }
        guard body.count == 6 || body.count == 3, body.allSatisfy({ $0.isHexDigit && $0.isASCII }) else { return nil }
        let lower = body.lowercased()
        return "#" + (lower.count == 3 ? lower.map { "\($0)\($0)" }.joined() : lower)
    }

    /// A finite decimal number (no hexadecimal, no `nan`, no `inf`); nil otherwise.
    static func number(_ text: String) -> Double? {
        guard !text.isEmpty,
            text.utf8.allSatisfy({
                ($0 >= 0x30 && $0 <= 0x39) || $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "-")
                    || $0 == UInt8(ascii: "+") || $0 == UInt8(ascii: "e") || $0 == UInt8(ascii: "E")
            }),
            let value = Double(text), value.isFinite
        else { return nil }
        return value
    }

    /// Tags of a `;`-separated field: trimmed, empty ones dropped, each once.
    static func tags(_ text: String) -> [String] {
        var result: [String] = []
        var seen = Set<String>()
        for part in text.split(separator: ";") {
            let tag = trimmed(String(part))
            if !tag.isEmpty && seen.insert(tag).inserted { result.append(tag) }
        }
        return result
    }

    static func trimmed(_ text: String) -> String {
        String(text.drop { $0 == " " || $0 == "\t" }.reversed().drop { $0 == " " || $0 == "\t" }.reversed())
    }

    /// At most 40 characters of `text`, for messages.
    static func clipped(_ text: String) -> String { text.count <= 40 ? text : String(text.prefix(40)) + "..." }
}
