/// CSV and TSV tables: a header row, then one record per row. Fields in double quotes may hold
/// the delimiter, line breaks and `""` for a quote; unquoted fields are trimmed of blanks.
enum DelimitedTable {
    static func read(_ lines: [String], file: String, delimiter: Character, format: TableFormat) throws -> LabelTable {
        var index = 0
        while index < lines.count && Fields.trimmed(lines[index]).isEmpty { index += 1 }
        guard index < lines.count else { throw LabelError(file: file, line: nil, "holds no labels") }
        let headerLine = index + 1
        let (header, next) = try fields(of: lines, from: index, delimiter: delimiter, file: file)
        index = next
        var records = RecordTable(header: header, line: headerLine, file: file, format: format)
        try records.checkHeader()
        while index < lines.count {
            let line = index + 1
            if Fields.trimmed(lines[index]).isEmpty {
                index += 1
                continue
            }
            let (values, next) = try fields(of: lines, from: index, delimiter: delimiter, file: file)
            index = next
            guard values.count == header.count else {
                throw LabelError(
                    file: file, line: line,
                    "\(values.count) field\(values.count == 1 ? "" : "s"), the header on line \(headerLine) has "
                        + "\(header.count)")
            }
            try records.add(values, line: line)
        }
        return try records.table()
    }

    /// The fields of the record that starts on `lines[start]`, and the index of the line after it.
    static func fields(of lines: [String], from start: Int, delimiter: Character, file: String) throws -> (
        fields: [String], next: Int
    ) {
        var fields: [String] = []
        var current = ""
        var quoted = false
        var wasQuoted = false
        var afterQuote = false
        var index = start
        while true {
            var characters = Array(lines[index])[...]
            while let character = characters.popFirst() {
                if quoted {
                    if character == "\"" {
                        if characters.first == "\"" {
                            current.append("\"")
                            characters.removeFirst()
                        } else {
                            quoted = false
                            afterQuote = true
                        }
                    } else {
                        current.append(character)
                    }
                } else if character == delimiter {
                    fields.append(wasQuoted ? current : Fields.trimmed(current))
                    current = ""
                    wasQuoted = false
                    afterQuote = false
                } else if afterQuote {
                    guard character == " " || character == "\t" else {
                        throw LabelError(file: file, line: index + 1, "text after a closing double quote")
                    }
                } else if character == "\"" && Fields.trimmed(current).isEmpty {
                    current = ""
                    quoted = true
                    wasQuoted = true
                } else {
                    current.append(character)
                }
            }
            index += 1
            guard quoted else { break }
            guard index < lines.count else {
                throw LabelError(file: file, line: start + 1, "a double quote opened here is not closed")
            }
            current.append("\n")
        }
        fields.append(wasQuoted ? current : Fields.trimmed(current))
        return (fields, index)
    }
}

/// Records of named fields (CSV, TSV, JSON objects) as a label table: `id` (or `LabelValue`, as
/// 3D Slicer's CSV colour tables name it), `name` or `label`, `description`, `tags`
/// (`;`-separated), `color` or `colour` (`#rrggbb`) or the channels `Color_R`, `Color_G`,
/// `Color_B` (0-255, with `Color_A` ignored, as Slicer writes them), any other column a property
/// of its own.
struct RecordTable {
    let header: [String]
    let line: Int
    let file: String
    let format: TableFormat
    var builder: TableBuilder

    init(header: [String], line: Int, file: String, format: TableFormat) {
        self.header = header
        self.line = line
        self.file = file
        self.format = format
        builder = TableBuilder(file: file)
    }

    enum Role: Equatable { case id, name, description, tags, color, channel(Int), ignored, other(Int) }

    /// Each column's role; `columns` the names of the others.
    var roles: [Role] = []
    var columns: [String] = []

    mutating func checkHeader() throws {
        var seen = Set<String>()
        let channels = ["color_r", "color_g", "color_b"]
        let slicerColors = channels.allSatisfy { channel in header.contains { $0.lowercased() == channel } }
        for (position, name) in header.enumerated() {
            guard !name.isEmpty else { throw LabelError(file: file, line: line, "column \(position + 1) has no name") }
            guard seen.insert(name.lowercased()).inserted else {
                throw LabelError(file: file, line: line, "column \"\(Fields.clipped(name))\" is there twice")
            }
            let lower = name.lowercased()
            if slicerColors, let channel = channels.firstIndex(of: lower) {
                roles.append(.channel(channel))
                continue
            }
            if slicerColors && lower == "color_a" {
                roles.append(.ignored)
                continue
            }
            switch lower {
            case "id", "labelvalue":
                guard !roles.contains(.id) else {
                    throw LabelError(file: file, line: line, "both an id and a LabelValue column: keep one")
                }
                roles.append(.id)
            case "name", "label":
                guard !roles.contains(.name) else {
                    throw LabelError(file: file, line: line, "both a name and a label column: keep one")
                }
                roles.append(.name)
            case "description": roles.append(.description)
            case "tags": roles.append(.tags)
            case "color", "colour": roles.append(.color)
            default:
                roles.append(.other(columns.count))
                columns.append(name)
            }
        }
        guard roles.contains(.id) else { throw LabelError(file: file, line: line, "no id column") }
    }

    mutating func add(_ values: [String], line: Int) throws {
        var label = Label(id: 0, values: Array(repeating: "", count: columns.count), line: line)
        var rgb = [Int?](repeating: nil, count: 3)
        for (role, value) in zip(roles, values) {
            switch role {
            case .id: label.id = try Fields.id(value, file: file, line: line)
            case .name: label.name = value
            case .description: label.description = value
            case .tags: label.tags = Fields.tags(value)
            case .color:
                guard !value.isEmpty else { continue }
                guard let color = Fields.hexColor(value) else {
                    throw LabelError(file: file, line: line, "colour \"\(Fields.clipped(value))\" is not #rrggbb")
                }
                label.color = color
            case .channel(let index):
                guard !value.isEmpty else { continue }
                rgb[index] = try Fields.channel(value, ["R", "G", "B"][index], file: file, line: line)
            case .ignored: continue
            case .other(let index): label.values[index] = value
            }
        }
        if case let (red?, green?, blue?) = (rgb[0], rgb[1], rgb[2]) { label.color = Fields.color([red, green, blue]) }
        try builder.add(label)
    }

    func table() throws -> LabelTable {
        try builder.table(
            format: format, columns: columns, names: roles.contains(.name), descriptions: roles.contains(.description),
            tags: roles.contains(.tags))
    }
}
