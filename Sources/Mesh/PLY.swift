/// Stanford PLY, ASCII or binary (either byte order): `x`, `y`, `z` of the `vertex` element
/// and the `vertex_indices` (or `vertex_index`) list of the `face` element, fanned into
/// triangles. Other elements and properties are read past.
public enum PLY {
    enum Format { case ascii, binaryLittleEndian, binaryBigEndian }

    struct Property {
        var name: String
        var type: ScalarType
        /// The type of the item count, for a list property.
        var countType: ScalarType?
    }

    struct Element {
        var name: String
        var count: Int
        var properties: [Property]
    }

    struct Header {
        var format: Format
        var elements: [Element]
        /// The offset of the first byte after `end_header` and its line end.
        var bodyStart: Int
        var lines: Int
    }

    public static func read(_ bytes: [UInt8], path: String) throws -> SurfaceMesh {
        let header = try readHeader(bytes, path: path)
        guard let vertexElement = header.elements.first(where: { $0.name == "vertex" }) else {
            throw MeshError.malformed(file: path, location: "header", problem: "no 'vertex' element")
        }
        var axes: [Int] = []
        for axis in ["x", "y", "z"] {
            guard let index = vertexElement.properties.firstIndex(where: { $0.name == axis && $0.countType == nil })
            else {
                throw MeshError.malformed(
                    file: path, location: "header", problem: "the vertex element has no scalar '\(axis)' property")
            }
            axes.append(index)
        }
        var faceList: Int?
        if let face = header.elements.first(where: { $0.name == "face" }) {
            faceList = face.properties.firstIndex {
                ($0.name == "vertex_indices" || $0.name == "vertex_index") && $0.countType != nil
            }
            guard let list = faceList, face.properties[list].type.isInteger else {
                throw MeshError.malformed(
                    file: path, location: "header",
                    problem: "the face element has no integer list property 'vertex_indices'")
            }
        }

        // Every value takes at least one byte (binary) or character (ASCII): counts the body cannot
        // hold are refused before they size anything.
        let bodyBytes = bytes.count - header.bodyStart
        var leastBytes = 0
        for element in header.elements {
            let (records, overflow) = element.count.multipliedReportingOverflow(by: element.properties.count)
            let (sum, overflowSum) = leastBytes.addingReportingOverflow(records)
            guard !overflow, !overflowSum, sum <= bodyBytes else {
                throw MeshError.malformed(
                    file: path, location: "header",
                    problem: "element '\(element.name)' declares \(element.count) records of "
                        + "\(element.properties.count) properties, more than the \(bodyBytes) bytes after the header "
                        + "can hold (truncated file or corrupt count)")
            }
            leastBytes = sum
        }

        var body: any RecordSource =
            header.format == .ascii
            ? ASCIIRecords(bytes: bytes, offset: header.bodyStart, path: path, firstLine: header.lines + 1)
            : BinaryRecords(
                reader: BinaryReader(bytes: bytes, bigEndian: header.format == .binaryBigEndian),
                offset: header.bodyStart, path: path)
        var positions: [Double] = []
        var triangles: [Int] = []
        var corners: [Int] = []
        for element in header.elements {
            let isVertex = element.name == "vertex"
            let isFace = element.name == "face"
            if isVertex { positions.reserveCapacity(element.count * 3) }
            if isFace { triangles.reserveCapacity(element.count * 3) }
            var xyz = [0.0, 0.0, 0.0]
            // An element without properties has no bytes to read.
            for record in 0..<(element.properties.isEmpty ? 0 : element.count) {
                for (index, property) in element.properties.enumerated() {
                    if let countType = property.countType {
                        let count = try body.integer(countType, what: "\(element.name) \(record) list count")
                        guard count >= 0 else {
                            throw MeshError.malformed(
                                file: path, location: body.location, problem: "negative list length \(count)")
                        }
                        let wanted = isFace && index == faceList
                        if wanted { corners.removeAll(keepingCapacity: true) }
                        for _ in 0..<count {
                            if wanted {
                                corners.append(try body.integer(property.type, what: "face \(record) vertex index"))
                            } else {
                                try body.skip(property.type, what: "\(element.name) \(record) \(property.name)")
                            }
                        }
                        if wanted {
                            guard corners.count >= 3 else {
                                throw MeshError.malformed(
                                    file: path, location: body.location,
                                    problem: "face \(record) has \(corners.count) vertices; at least 3 are needed")
                            }
                            appendFan(corners, to: &triangles)
                        }
                    } else if isVertex, let axis = axes.firstIndex(of: index) {
                        xyz[axis] = try body.double(property.type, what: "vertex \(record) \(property.name)")
                    } else {
                        try body.skip(property.type, what: "\(element.name) \(record) \(property.name)")
                    }
                }
                if isVertex { positions.append(contentsOf: xyz) }
            }
        }
        return SurfaceMesh(positions: positions, triangles: triangles)
    }

    static func readHeader(_ bytes: [UInt8], path: String) throws -> Header {
        // The header is ASCII lines up to `end_header`.
        var lines: [(Int, ArraySlice<UInt8>)] = []
        var bodyStart: Int?
        var index = 0
        var start = 0
        var number = 1
        while index < bytes.count {
            if bytes[index] == UInt8(ascii: "\n") || bytes[index] == UInt8(ascii: "\r") {
                let line = bytes[start..<index]
                if bytes[index] == UInt8(ascii: "\r"), index + 1 < bytes.count, bytes[index + 1] == UInt8(ascii: "\n") {
                    index += 1
                }
                lines.append((number, line))
                if number == 1 && !Text.equals(Text.words(line).first ?? [], "ply") { break }
                if Text.words(line).first.map({ Text.equals($0, "end_header") }) == true {
                    bodyStart = index + 1
                    break
                }
                number += 1
                start = index + 1
            }
            index += 1
        }
        guard let first = lines.first, Text.words(first.1).first.map({ Text.equals($0, "ply") }) == true else {
            throw MeshError.malformed(
                file: path, location: "line 1", problem: "not a PLY file (it must start with 'ply')")
        }
        guard let bodyStart else {
            throw MeshError.malformed(file: path, location: "header", problem: "no 'end_header' line")
        }
        var format: Format?
        var elements: [Element] = []
        for (number, line) in lines.dropFirst().dropLast() {
            func fail(_ problem: String) -> MeshError {
                .malformed(file: path, location: "line \(number)", problem: problem)
            }
            let words = Text.words(line).map(Text.string)
            guard let keyword = words.first else { continue }
            switch keyword {
            case "comment", "obj_info":
                continue
            case "format":
                guard words.count >= 2 else { throw fail("a format line needs a format") }
                switch words[1] {
                case "ascii": format = .ascii
                case "binary_little_endian": format = .binaryLittleEndian
                case "binary_big_endian": format = .binaryBigEndian
                default: throw fail("unknown PLY format '\(words[1])'")
                }
            case "element":
                guard words.count == 3, let count = Int(words[2]), count >= 0 else {
                    throw fail("expected 'element NAME COUNT'")
                }
                elements.append(Element(name: words[1], count: count, properties: []))
            case "property":
                guard !elements.isEmpty else { throw fail("a property before any element") }
                if words.count == 5 && words[1] == "list" {
                    guard let countType = scalarType(words[2]), countType.isInteger, let type = scalarType(words[3])
                    else { throw fail("unknown list property types '\(words[2]) \(words[3])'") }
                    elements[elements.count - 1].properties.append(
                        Property(name: words[4], type: type, countType: countType))
                } else if words.count == 3 {
                    guard let type = scalarType(words[1]) else { throw fail("unknown property type '\(words[1])'") }
                    elements[elements.count - 1].properties.append(Property(name: words[2], type: type))
                } else {
                    throw fail("expected 'property TYPE NAME' or 'property list COUNT_TYPE TYPE NAME'")
                }
            default:
                throw fail("unknown header line '\(keyword)'")
            }
        }
        guard let format else { throw MeshError.malformed(file: path, location: "header", problem: "no format line") }
        return Header(format: format, elements: elements, bodyStart: bodyStart, lines: lines.count)
    }

    static func scalarType(_ name: String) -> ScalarType? {
        switch name {
        case "char", "int8": return .int8
        case "uchar", "uint8": return .uint8
        case "short", "int16": return .int16
        case "ushort", "uint16": return .uint16
        case "int", "int32": return .int32
        case "uint", "uint32": return .uint32
        case "float", "float32": return .float32
        case "double", "float64": return .float64
        default: return nil
        }
    }
}

/// The values of a PLY body, one after the other.
private protocol RecordSource {
    var location: String { get }
    mutating func double(_ type: ScalarType, what: String) throws -> Double
    mutating func integer(_ type: ScalarType, what: String) throws -> Int
    mutating func skip(_ type: ScalarType, what: String) throws
}

private struct BinaryRecords: RecordSource {
    let reader: BinaryReader
    var offset: Int
    let path: String

    var location: String { "byte \(offset)" }

    mutating func take(_ type: ScalarType, what: String) throws -> Int {
        guard reader.bytes.count - offset >= type.size else {
            throw MeshError.malformed(
                file: path, location: location, problem: "the file ends before \(what) (truncated binary data)")
        }
        defer { offset += type.size }
        return offset
    }

    mutating func double(_ type: ScalarType, what: String) throws -> Double {
        type.double(reader, try take(type, what: what))
    }

    mutating func integer(_ type: ScalarType, what: String) throws -> Int {
        let at = try take(type, what: what)
        if let value = type.integer(reader, at) { return value }
        let value = type.double(reader, at)
        guard value.rounded() == value, abs(value) < 9.0e15 else {
            throw MeshError.malformed(file: path, location: "byte \(at)", problem: "\(what) is not an integer")
        }
        return Int(value)
    }

    mutating func skip(_ type: ScalarType, what: String) throws { _ = try take(type, what: what) }
}

private struct ASCIIRecords: RecordSource {
    let bytes: [UInt8]
    var offset: Int
    let path: String
    var line: Int

    init(bytes: [UInt8], offset: Int, path: String, firstLine: Int) {
        self.bytes = bytes
        self.offset = offset
        self.path = path
        self.line = firstLine
    }

    var location: String { "line \(line)" }

    mutating func word(what: String) throws -> ArraySlice<UInt8> {
        while offset < bytes.count && Text.isSpace(bytes[offset]) {
            if bytes[offset] == UInt8(ascii: "\n") { line += 1 }
            offset += 1
        }
        let start = offset
        while offset < bytes.count && !Text.isSpace(bytes[offset]) { offset += 1 }
        guard start < offset else {
            throw MeshError.malformed(file: path, location: location, problem: "the file ends before \(what)")
        }
        return bytes[start..<offset]
    }

    mutating func double(_ type: ScalarType, what: String) throws -> Double {
        let word = try word(what: what)
        guard let value = Text.double(word) else {
            throw MeshError.malformed(
                file: path, location: location, problem: "\(what): \(Text.quoted(word)) is not a number")
        }
        return value
    }

    mutating func integer(_ type: ScalarType, what: String) throws -> Int {
        let word = try word(what: what)
        guard let value = Text.integer(word) else {
            throw MeshError.malformed(
                file: path, location: location, problem: "\(what): \(Text.quoted(word)) is not an integer")
        }
        return value
    }

    mutating func skip(_ type: ScalarType, what: String) throws { _ = try word(what: what) }
}
