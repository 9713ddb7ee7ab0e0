import Codecs
import Foundation

/// GIfTI surfaces (`.gii`): the one `NIFTI_INTENT_POINTSET` array (vertices, millimetres) and
/// the one `NIFTI_INTENT_TRIANGLE` array, in any encoding the format defines (ASCII,
/// Base64Binary, GZipBase64Binary, ExternalFileBinary), either byte order and either index
/// order. Read as nibabel reads them.
public enum GIfTI {
    /// One `<DataArray>`: its attributes and where its `<Data>` content is in the file.
    struct DataArray {
        var number: Int
        var attributes: [String: String]
        var data: Range<Int>?

        var intent: String { attributes["Intent"] ?? "NIFTI_INTENT_NONE" }
        var isPointSet: Bool { GIfTI.matches(intent, "NIFTI_INTENT_POINTSET", code: 1008) }
        var isTriangle: Bool { GIfTI.matches(intent, "NIFTI_INTENT_TRIANGLE", code: 1009) }
    }

    /// Reads the surface in `bytes`; `path` names the file in errors and locates external data.
    public static func read(_ bytes: [UInt8], path: String) throws -> SurfaceMesh {
        let arrays = try parse(bytes, path: path)
        let points = arrays.filter(\.isPointSet)
        let triangles = arrays.filter(\.isTriangle)
        guard points.count == 1, triangles.count == 1 else {
            let others = arrays.count - points.count - triangles.count
            throw MeshError.malformed(
                file: path, location: "",
                problem: "a GIfTI surface needs exactly one NIFTI_INTENT_POINTSET and one NIFTI_INTENT_TRIANGLE "
                    + "data array; found \(points.count) and \(triangles.count) (and \(others) other "
                    + "array\(others == 1 ? "" : "s"))")
        }
        let positions = try decode(points[0], in: bytes, path: path, integer: false)
        let indices = try decode(triangles[0], in: bytes, path: path, integer: true)
        return SurfaceMesh(positions: positions.doubles, triangles: indices.integers)
    }

    static func matches(_ value: String, _ name: String, code: Int) -> Bool {
        let upper = value.trimmingCharacters(in: .whitespaces).uppercased()
        return upper == name || "NIFTI_INTENT_" + upper == name || Int(upper) == code
    }

    // MARK: XML

    /// The data arrays of the document, each with the range of its `<Data>` content in `bytes`.
    /// The markup (without the data, see `GIfTIScan`) is parsed by libxml2 through `XML.parse`:
    /// FoundationXML's `XMLParser` crashed on a corrupted attribute name, libxml2 reports an error.
    static func parse(_ bytes: [UInt8], path: String) throws -> [DataArray] {
        let scan = GIfTIScan(bytes)
        let root: XML.Element
        do {
            root = try XML.parse(scan.skeleton, name: path)
        } catch let error as CodecError {
            var detail = error.message
            if detail.hasPrefix(path + ": ") { detail.removeFirst(path.count + 2) }
            var location = ""
            if detail.hasPrefix("line "), let colon = detail.firstIndex(of: ":") {
                location = String(detail[..<colon])
                detail = String(detail[colon...].dropFirst().drop(while: { $0 == " " }))
            }
            throw MeshError.malformed(file: path, location: location, problem: "not well-formed XML (\(detail))")
        }
        guard root.name == "GIFTI" else {
            throw MeshError.malformed(
                file: path, location: "line \(root.line)",
                problem: "not a GIfTI file (the root element is <\(root.name)>, not <GIFTI>)")
        }
        // The n-th `<Data>` element of the document has the n-th range of the scan.
        var arrays: [DataArray] = []
        var dataElements = 0
        var problem: String?
        root.forEach { element in
            switch element.name {
            case "DataArray":
                arrays.append(DataArray(number: arrays.count, attributes: element.attributes))
            case "Data":
                if dataElements < scan.dataRanges.count, !arrays.isEmpty, arrays[arrays.count - 1].data == nil {
                    arrays[arrays.count - 1].data = scan.dataRanges[dataElements]
                } else if dataElements >= scan.dataRanges.count {
                    problem = "a <Data> element the scan did not find (malformed markup)"
                }
                dataElements += 1
            default:
                break
            }
        }
        if let problem { throw MeshError.malformed(file: path, location: "", problem: problem) }
        return arrays
    }

    // MARK: Data arrays

    /// Decoded values: doubles for the point set, integers for triangles.
    struct Values {
        var doubles: [Double] = []
        var integers: [Int] = []
    }

    enum Encoding { case ascii, base64, gzipBase64, external }

    static func decode(_ array: DataArray, in file: [UInt8], path: String, integer: Bool) throws -> Values {
        let what = integer ? "triangle" : "point set"
        func fail(_ problem: String) -> MeshError {
            .malformed(file: path, location: "DataArray \(array.number) (\(what))", problem: problem)
        }
        let attributes = array.attributes

        let typeName = attributes["DataType"] ?? ""
        guard let type = scalarType(typeName) else {
            throw fail("unsupported DataType '\(typeName)'")
        }
        if integer && !type.isInteger {
            throw fail("triangle indices must be integers, found DataType \(typeName)")
        }

        let dimensionality = Int(attributes["Dimensionality"] ?? "") ?? 0
        var dims: [Int] = []
        for k in 0..<max(dimensionality, 0) {
            guard let dim = Int(attributes["Dim\(k)"] ?? ""), dim >= 0 else {
                throw fail("Dimensionality is \(dimensionality) but Dim\(k) is missing or invalid")
            }
            dims.append(dim)
        }
        guard dims.count == 2, dims[1] == 3 else {
            throw fail("expected a 2-dimensional array of N rows of 3, found dimensions \(dims)")
        }
        let rows = dims[0]
        let (count, overflow) = rows.multipliedReportingOverflow(by: 3)
        guard !overflow, count <= Int(UInt32.max) * 3 else { throw fail("too many rows (\(rows))") }

        let encodingName = attributes["Encoding"] ?? ""
        guard let encoding = encodingKind(encodingName) else {
            throw fail("unsupported Encoding '\(encodingName)'")
        }
        let endianName = attributes["Endian"] ?? "LittleEndian"
        let bigEndian: Bool
        switch endianName.uppercased() {
        case "BIGENDIAN", "GIFTI_ENDIAN_BIG", "BIG": bigEndian = true
        case "LITTLEENDIAN", "GIFTI_ENDIAN_LITTLE", "LITTLE", "": bigEndian = false
        default: throw fail("unsupported Endian '\(endianName)'")
        }
        let orderName = attributes["ArrayIndexingOrder"] ?? "RowMajorOrder"
        let columnMajor: Bool
        switch orderName {
        case "RowMajorOrder", "": columnMajor = false
        case "ColumnMajorOrder": columnMajor = true
        default: throw fail("unsupported ArrayIndexingOrder '\(orderName)'")
        }

        let text = GIfTIScan.characterData(file, array.data ?? 0..<0)
        // Nothing is sized from Dim0 beyond the bytes present (a Dim0 of 2000000000 allocated 48 GB):
        // ASCII reserves at most a value per two characters, base64 decodes to at most 3/4 of its
        // text before the exact size check, and gzip data is checked against deflate's bound, then
        // inflated no further than the declared size.
        let dataBytes = count * type.size
        var values: Values
        var rowsAsLines = false
        switch encoding {
        case .ascii:
            (values, rowsAsLines) = try asciiValues(
                text, count: count, columns: 3, integer: integer, float32: type == .float32, fail: fail)
        case .base64, .gzipBase64, .external:
            var bytes: [UInt8]
            if encoding == .external {
                bytes = try externalBytes(attributes, path: path, length: count * type.size, fail: fail)
            } else {
                bytes = base64Decode(text)
                if encoding == .gzipBase64 {
                    // Deflate expands at most 1032 times (RawCompression.maximumExpansion in Volumes).
                    let (most, overflow) = bytes.count.multipliedReportingOverflow(by: 1032)
                    guard overflow || dataBytes <= most else {
                        throw fail(
                            "Dim0 = \(rows) declares \(count) \(type.name) values (\(dataBytes) bytes), but "
                                + "\(bytes.count) bytes of GZipBase64Binary data expand to at most \(most)")
                    }
                    do {
                        bytes = try Gzip.decompress(bytes, maxSize: dataBytes)
                    } catch let error as CodecError {
                        throw fail("GZipBase64Binary data does not decompress (\(error.message))")
                    }
                }
            }
            guard bytes.count == count * type.size else {
                throw fail(
                    "expected \(count) \(type.name) values (\(count * type.size) bytes), "
                        + "found \(bytes.count) bytes of data")
            }
            values = binaryValues(bytes, type: type, bigEndian: bigEndian, count: count, integer: integer)
        }
        // Column-major data holds all of column 0, then column 1, ... ASCII text written one
        // row per line is read as rows whatever the order says, as nibabel does.
        if columnMajor && !rowsAsLines {
            if integer {
                values.integers = transposed(values.integers, rows: rows)
            } else {
                values.doubles = transposed(values.doubles, rows: rows)
            }
        }
        return values
    }

    static func transposed<T>(_ columnMajor: [T], rows: Int) -> [T] {
        var rowMajor = columnMajor
        for row in 0..<rows {
            for column in 0..<3 { rowMajor[row * 3 + column] = columnMajor[column * rows + row] }
        }
        return rowMajor
    }

    static func scalarType(_ name: String) -> ScalarType? {
        switch name.uppercased() {
        case "NIFTI_TYPE_INT8": return .int8
        case "NIFTI_TYPE_UINT8": return .uint8
        case "NIFTI_TYPE_INT16": return .int16
        case "NIFTI_TYPE_UINT16": return .uint16
        case "NIFTI_TYPE_INT32": return .int32
        case "NIFTI_TYPE_UINT32": return .uint32
        case "NIFTI_TYPE_INT64": return .int64
        case "NIFTI_TYPE_UINT64": return .uint64
        case "NIFTI_TYPE_FLOAT32": return .float32
        case "NIFTI_TYPE_FLOAT64": return .float64
        default: return nil
        }
    }

    static func encodingKind(_ name: String) -> Encoding? {
        switch name.uppercased() {
        case "ASCII", "GIFTI_ENCODING_ASCII": return .ascii
        case "BASE64BINARY", "GIFTI_ENCODING_B64BIN": return .base64
        case "GZIPBASE64BINARY", "GIFTI_ENCODING_B64GZ": return .gzipBase64
        case "EXTERNALFILEBINARY", "GIFTI_ENCODING_EXTBIN": return .external
        default: return nil
        }
    }

    /// ASCII data: whitespace-separated numbers, rounded to float32 for float32 arrays (as
    /// nibabel reads them). Returns the values and whether the text had
    /// one row per line (`columns` numbers on each non-empty line).
    static func asciiValues(
        _ text: ArraySlice<UInt8>, count: Int, columns: Int, integer: Bool, float32: Bool,
        fail: (String) -> MeshError
    ) throws -> (Values, Bool) {
        var values = Values()
        // Each value takes at least one character and a separator: `count` comes from Dim0.
        let expected = min(count, text.count / 2 + 1)
        if integer { values.integers.reserveCapacity(expected) } else { values.doubles.reserveCapacity(expected) }
        var rowsAsLines = true
        try Text.forEachLine(text) { _, line in
            let words = Text.words(line)
            if !words.isEmpty && words.count != columns { rowsAsLines = false }
            for word in words {
                if integer {
                    guard let value = Text.integer(word) else { throw fail("\(Text.quoted(word)) is not an integer") }
                    values.integers.append(value)
                } else {
                    // A float32 array holds float32 values: the text is rounded to float32 once.
                    let value = float32 ? Text.float(word).map(Double.init) : Text.double(word)
                    guard let value else { throw fail("\(Text.quoted(word)) is not a number") }
                    values.doubles.append(value)
                }
            }
        }
        let found = integer ? values.integers.count : values.doubles.count
        guard found == count else { throw fail("expected \(count) ASCII values, found \(found)") }
        return (values, rowsAsLines)
    }

    static func binaryValues(_ bytes: [UInt8], type: ScalarType, bigEndian: Bool, count: Int, integer: Bool) -> Values {
        let reader = BinaryReader(bytes: bytes, bigEndian: bigEndian)
        var values = Values()
        if integer {
            values.integers = (0..<count).map { type.integer(reader, $0 * type.size) ?? Int.max }
        } else {
            values.doubles = (0..<count).map { type.double(reader, $0 * type.size) }
        }
        return values
    }

    /// The bytes of an ExternalFileBinary array: `length` bytes at ExternalFileOffset of
    /// ExternalFileName, which is relative to the GIfTI file's directory.
    static func externalBytes(
        _ attributes: [String: String], path: String, length: Int, fail: (String) -> MeshError
    ) throws -> [UInt8] {
        let name = attributes["ExternalFileName"] ?? ""
        guard !name.isEmpty else { throw fail("ExternalFileBinary without an ExternalFileName") }
        let offsetText = attributes["ExternalFileOffset"] ?? ""
        guard let offset = offsetText.isEmpty ? 0 : Int(offsetText), offset >= 0 else {
            throw fail("invalid ExternalFileOffset '\(offsetText)'")
        }
        var externalPath = name
        if !name.hasPrefix("/") {
            let directory = (path as NSString).deletingLastPathComponent
            externalPath = directory.isEmpty ? name : directory + "/" + name
        }
        let bytes: [UInt8]
        do {
            bytes = try MeshFile.readBytes(externalPath)
        } catch let error as MeshError {
            throw fail("cannot read the external data file: \(error)")
        }
        guard offset <= bytes.count, bytes.count - offset >= length else {
            throw fail(
                "\(externalPath) is too short: \(length) bytes wanted at offset \(offset), the file has \(bytes.count)")
        }
        return Array(bytes[offset..<(offset + length)])
    }

    /// Base64 as Python's `base64.b64decode` reads it: characters outside the alphabet (line
    /// breaks, spaces) are skipped; decoding stops at padding.
    static func base64Decode(_ text: some Collection<UInt8>) -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(text.count * 3 / 4)
        var accumulator: UInt32 = 0
        var bits = 0
        for byte in text {
            let value: UInt32
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"): value = UInt32(byte - UInt8(ascii: "A"))
            case UInt8(ascii: "a")...UInt8(ascii: "z"): value = UInt32(byte - UInt8(ascii: "a")) + 26
            case UInt8(ascii: "0")...UInt8(ascii: "9"): value = UInt32(byte - UInt8(ascii: "0")) + 52
            case UInt8(ascii: "+"): value = 62
            case UInt8(ascii: "/"): value = 63
            case UInt8(ascii: "="):
                return output
            default:
                continue
            }
            accumulator = accumulator << 6 | value
            bits += 6
            if bits >= 8 {
                bits -= 8
                output.append(UInt8(truncatingIfNeeded: accumulator >> UInt32(bits)))
                accumulator &= (1 << UInt32(bits)) - 1
            }
        }
        return output
    }
}
