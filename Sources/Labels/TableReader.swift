/// Reads label tables of every dialect, told apart by content unless the format is given.
public enum TableReader {
    /// Parses `bytes` (the content of `file`, named in errors) as a table of `format`.
    public static func read(_ bytes: [UInt8], file: String, format: TableFormat = .auto) throws -> LabelTable {
        let lines = try TextLines.split(bytes, file: file)
        let chosen = format == .auto ? try detect(lines, file: file) : format
        switch chosen {
        case .json:
            return try JSONTable.read(lines.joined(separator: "\n"), file: file)
        case .csv, .tsv:
            return try DelimitedTable.read(lines, file: file, delimiter: chosen == .csv ? "," : "\t", format: chosen)
        case .freesurfer, .slicer, .itksnap, .auto:
            return try ColorTable.read(lines, file: file, format: chosen)
        }
    }

    /// The dialect of a table: JSON when it starts with `{` or `[`; CSV or TSV when its first
    /// line is a header with an `id` column; ITK-SNAP when its first row is seven numbers and a
    /// name; FreeSurfer (or Slicer, when a comment says "Color table") when it is `id name R G B A`.
    static func detect(_ lines: [String], file: String) throws -> TableFormat {
        guard let first = lines.firstIndex(where: { !Fields.trimmed($0).isEmpty }) else {
            throw LabelError(file: file, line: nil, "holds no labels")
        }
        let text = Fields.trimmed(lines[first])
        if text.hasPrefix("{") || text.hasPrefix("[") { return .json }
        if !text.hasPrefix("#") {
            for (delimiter, format) in [(Character("\t"), TableFormat.tsv), (",", .csv)] where text.contains(delimiter)
            {
                let header = (try? DelimitedTable.fields(of: [text], from: 0, delimiter: delimiter, file: file))?.fields
                if let header, header.contains(where: { ["id", "labelvalue"].contains($0.lowercased()) }) {
                    return format
                }
            }
        }
        var slicer = false
        for (index, line) in lines.enumerated() {
            let text = Fields.trimmed(line)
            if text.hasPrefix("#") {
                if text.lowercased().contains("color table") { slicer = true }
                continue
            }
            if text.isEmpty { continue }
            let tokens = try ColorTable.tokens(text, file: file, line: index + 1)
            if tokens.count == 8, tokens[0...6].allSatisfy({ Fields.number($0) != nil }) { return .itksnap }
            if tokens.count == 6, Fields.number(tokens[0]) != nil,
                tokens[2...5].allSatisfy({ Fields.number($0) != nil })
            {
                return slicer ? .slicer : .freesurfer
            }
            throw LabelError(
                file: file, line: index + 1,
                "cannot tell the table's format: not JSON, no CSV or TSV header with an id column, not "
                    + "'id name R G B A' rows (FreeSurfer, Slicer) nor 'id R G B A VIS MSH \"name\"' rows (ITK-SNAP); "
                    + "choose one with --format")
        }
        throw LabelError(file: file, line: nil, "holds no labels")
    }
}

/// A table's text as lines: valid UTF-8 (checked line by line, so that the error names the
/// line), a byte order mark dropped, `\r\n` and `\r` line ends as `\n`.
enum TextLines {
    static func split(_ bytes: [UInt8], file: String) throws -> [String] {
        var start = 0
        if bytes.count >= 3 && bytes[0] == 0xEF && bytes[1] == 0xBB && bytes[2] == 0xBF { start = 3 }
        var lines: [String] = []
        var lineStart = start
        var index = start
        func take(_ end: Int) throws {
            guard let text = String(validating: bytes[lineStart..<end], as: UTF8.self) else {
                throw LabelError(file: file, line: lines.count + 1, "not valid UTF-8 text")
            }
            lines.append(text)
        }
        while index < bytes.count {
            let byte = bytes[index]
            if byte == 0x0A || byte == 0x0D {
                try take(index)
                if byte == 0x0D && index + 1 < bytes.count && bytes[index + 1] == 0x0A { index += 1 }
                lineStart = index + 1
            }
            index += 1
        }
        if lineStart < bytes.count { try take(bytes.count) }
        return lines
    }
}

/// FreeSurfer, Slicer and ITK-SNAP tables: whitespace-separated fields, `"` around a field with
/// spaces, `#` comment lines.
enum ColorTable {
    static func read(_ lines: [String], file: String, format: TableFormat) throws -> LabelTable {
        var builder = TableBuilder(file: file)
        let itk = format == .itksnap
        let expected = itk ? 8 : 6
        let shape = itk ? "id R G B A VIS MSH \"name\" (ITK-SNAP)" : "id name R G B A (\(format.rawValue))"
        for (index, line) in lines.enumerated() {
            let number = index + 1
            let text = Fields.trimmed(line)
            if text.isEmpty || text.hasPrefix("#") { continue }
            let tokens = try tokens(text, file: file, line: number)
            guard tokens.count >= expected else {
                throw LabelError(
                    file: file, line: number,
                    "\(tokens.count) field\(tokens.count == 1 ? "" : "s"), a row has \(expected): \(shape)")
            }
            guard tokens.count == expected else {
                throw LabelError(
                    file: file, line: number,
                    "\(tokens.count) fields, a row has \(expected): \(shape); put a name with spaces in double quotes")
            }
            let id = try Fields.id(tokens[0], file: file, line: number)
            let first = itk ? 1 : 2
            let channels = try zip(["R", "G", "B"], tokens[first..<(first + 3)]).map {
                try Fields.channel($1, $0, file: file, line: number)
            }
            let numbers = itk ? [4, 5, 6] : [5]
            for position in numbers where Fields.number(tokens[position]) == nil {
                throw LabelError(
                    file: file, line: number,
                    "field \(position + 1) \"\(Fields.clipped(tokens[position]))\" is not a number")
            }
            let name = itk ? tokens[7] : tokens[1]
            try builder.add(Label(id: id, name: name, color: Fields.color(channels), line: number))
        }
        return try builder.table(format: format)
    }

    /// The fields of a line: runs of non-blank characters, or text in double quotes (which may
    /// hold blanks; the quotes are dropped).
    static func tokens(_ text: String, file: String, line: Int) throws -> [String] {
        var tokens: [String] = []
        var current = ""
        var inToken = false
        var quoted = false
        for character in text {
            if quoted {
                if character == "\"" {
                    quoted = false
                } else {
                    current.append(character)
                }
            } else if character == " " || character == "\t" {
                if inToken { tokens.append(current) }
                current = ""
                inToken = false
            } else if character == "\"" {
                quoted = true
                inToken = true
            } else {
                current.append(character)
                inToken = true
            }
        }
        guard !quoted else { throw LabelError(file: file, line: line, "a double quote is not closed") }
        if inToken { tokens.append(current) }
        return tokens
    }
}
