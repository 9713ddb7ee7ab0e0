import Codecs
import Foundation
import Testing

@testable import Mesh

/// Writes `text` to a temporary file named `name` and reads it as a mesh.
private func read(_ text: String, as name: String, extra: [String: [UInt8]] = [:]) throws -> SurfaceMesh {
    try read(Array(text.utf8), as: name, extra: extra)
}

private func read(_ bytes: [UInt8], as name: String, extra: [String: [UInt8]] = [:]) throws -> SurfaceMesh {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("nprec-mesh-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    for (file, content) in extra { try Data(content).write(to: directory.appendingPathComponent(file)) }
    let url = directory.appendingPathComponent(name)
    try Data(bytes).write(to: url)
    return try MeshFile.read(url.path)
}

private func errorText(_ body: () throws -> Void) -> String {
    do {
        try body()
        return "no error"
    } catch {
        return "\(error)"
    }
}

/// A GIfTI document with the given data arrays.
private func gifti(_ arrays: String...) -> String {
    """
    <?xml version="1.0" encoding="UTF-8"?>
    <!DOCTYPE GIFTI SYSTEM "http://www.nitrc.org/frs/download.php/115/gifti.dtd">
    <GIFTI Version="1.0" NumberOfDataArrays="\(arrays.count)">
    \(arrays.joined(separator: "\n"))
    </GIFTI>
    """
}

private func dataArray(
    _ intent: String, _ type: String, rows: Int, encoding: String = "ASCII", order: String = "RowMajorOrder",
    endian: String = "LittleEndian", attributes: String = "", data: String
) -> String {
    """
    <DataArray Intent="\(intent)" DataType="\(type)" ArrayIndexingOrder="\(order)" Dimensionality="2" \
    Dim0="\(rows)" Dim1="3" Encoding="\(encoding)" Endian="\(endian)" \(attributes)>
    <Data>\(data)</Data>
    </DataArray>
    """
}

private let triangle = SurfaceMesh(positions: [0, 0, 0, 1, 0, 0, 0, 1, 0], triangles: [0, 1, 2])

@Suite("GIfTI reader")
struct GIfTIReaderTests {
    static let points = dataArray("NIFTI_INTENT_POINTSET", "NIFTI_TYPE_FLOAT32", rows: 3, data: "0 0 0\n1 0 0\n0 1 0")
    static let triangles = dataArray("NIFTI_INTENT_TRIANGLE", "NIFTI_TYPE_INT32", rows: 1, data: "0 1 2")

    @Test func asciiRows() throws {
        #expect(try read(gifti(Self.points, Self.triangles), as: "t.gii") == triangle)
    }

    @Test("ASCII with one value per line follows ColumnMajorOrder; one row per line is rows, as nibabel")
    func asciiColumnMajor() throws {
        let flat = dataArray(
            "NIFTI_INTENT_POINTSET", "NIFTI_TYPE_FLOAT32", rows: 3, order: "ColumnMajorOrder",
            data: "0\n1\n0\n0\n0\n1\n0\n0\n0")
        #expect(try read(gifti(flat, Self.triangles), as: "t.gii") == triangle)
        let rows = dataArray(
            "NIFTI_INTENT_POINTSET", "NIFTI_TYPE_FLOAT32", rows: 3, order: "ColumnMajorOrder",
            data: "0 0 0\n1 0 0\n0 1 0")
        #expect(try read(gifti(rows, Self.triangles), as: "t.gii") == triangle)
    }

    @Test func cdataAndIntentCodes() throws {
        let points = dataArray("1008", "NIFTI_TYPE_FLOAT32", rows: 3, data: "<![CDATA[0 0 0 1 0 0 0 1 0]]>")
        let triangles = dataArray("NIFTI_INTENT_TRIANGLE", "NIFTI_TYPE_UINT8", rows: 1, data: "0 1 2")
        #expect(try read(gifti(points, triangles), as: "t.gii") == triangle)
    }

    @Test("Base64 with line breaks, big-endian int32 triangles")
    func base64BigEndian() throws {
        let bytes: [UInt8] = [0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 2]
        let encoded = Data(bytes).base64EncodedString()
        let split = String(encoded.prefix(8)) + "\n  " + String(encoded.dropFirst(8))
        let triangles = dataArray(
            "NIFTI_INTENT_TRIANGLE", "NIFTI_TYPE_INT32", rows: 1, encoding: "Base64Binary", endian: "BigEndian",
            data: split)
        #expect(try read(gifti(Self.points, triangles), as: "t.gii") == triangle)
    }

    @Test("ExternalFileBinary at an offset, relative to the GIfTI's directory")
    func external() throws {
        var data: [UInt8] = Array("header".utf8)
        for value: UInt32 in [0, 1, 2] { withUnsafeBytes(of: value.littleEndian) { data.append(contentsOf: $0) } }
        let triangles = dataArray(
            "NIFTI_INTENT_TRIANGLE", "NIFTI_TYPE_UINT32", rows: 1, encoding: "ExternalFileBinary",
            attributes: #"ExternalFileName="t.dat" ExternalFileOffset="6""#, data: "")
        #expect(try read(gifti(Self.points, triangles), as: "t.gii", extra: ["t.dat": data]) == triangle)
        let missing = errorText { _ = try read(gifti(Self.points, triangles), as: "t.gii") }
        #expect(missing.contains("t.dat"), "\(missing)")
        let short = errorText { _ = try read(gifti(Self.points, triangles), as: "t.gii", extra: ["t.dat": [1, 2]]) }
        #expect(short.contains("too short"), "\(short)")
    }

    @Test("What is wrong is said, with the array")
    func errors() throws {
        let float = dataArray("NIFTI_INTENT_TRIANGLE", "NIFTI_TYPE_FLOAT32", rows: 1, data: "0 1 2")
        #expect(errorText { _ = try read(gifti(Self.points, float), as: "t.gii") }.contains("must be integers"))
        let encoding = dataArray("NIFTI_INTENT_TRIANGLE", "NIFTI_TYPE_INT32", rows: 1, encoding: "Zip", data: "")
        #expect(errorText { _ = try read(gifti(Self.points, encoding), as: "t.gii") }.contains("Encoding 'Zip'"))
        let count = dataArray("NIFTI_INTENT_TRIANGLE", "NIFTI_TYPE_INT32", rows: 2, data: "0 1 2")
        #expect(errorText { _ = try read(gifti(Self.points, count), as: "t.gii") }.contains("expected 6 ASCII values"))
        let size = dataArray(
            "NIFTI_INTENT_TRIANGLE", "NIFTI_TYPE_INT32", rows: 1, encoding: "Base64Binary", data: "AAAA")
        #expect(errorText { _ = try read(gifti(Self.points, size), as: "t.gii") }.contains("found 3 bytes"))
        let none = errorText { _ = try read(gifti(Self.points), as: "t.gii") }
        #expect(none.contains("found 1 and 0"), "\(none)")
        #expect(errorText { _ = try read("<x/>", as: "t.gii") }.contains("not a GIfTI file"))
        #expect(errorText { _ = try read("<GIFTI><DataArray", as: "t.gii") }.contains("XML"))
    }

    @Test("Markup that only looks like <Data> is not data; references and comments in data")
    func decoys() throws {
        let document = gifti(
            #"<MetaData><MD><Name>note</Name><Value><![CDATA[<Data>9 9 9</Data>]]></Value></MD></MetaData>"#,
            "<!-- <Data>8 8 8</Data> -->",
            dataArray(
                "NIFTI_INTENT_POINTSET", "NIFTI_TYPE_FLOAT32", rows: 3,
                attributes: #"Note="a > b" "#, data: "&#48; 0 0\n1 <!-- one --> 0 0\n<![CDATA[0 1 0]]>"),
            Self.triangles)
        #expect(try read(document, as: "t.gii") == triangle)
    }

    @Test("A <Data> element beyond libxml2's 10 MB text limit")
    func hugeData() throws {
        let padding = String(repeating: " ", count: 11_000_000)
        let triangles = dataArray("NIFTI_INTENT_TRIANGLE", "NIFTI_TYPE_INT32", rows: 1, data: padding + "0 1 2")
        #expect(try read(gifti(Self.points, triangles), as: "t.gii") == triangle)
    }

    @Test func base64DecoderSkipsWhitespace() {
        #expect(GIfTI.base64Decode(Array("aGVs\nbG8=".utf8)) == Array("hello".utf8))
        #expect(GIfTI.base64Decode(Array(" aGVsbG8h ".utf8)) == Array("hello!".utf8))
        #expect(GIfTI.base64Decode([UInt8]()) == [])
    }
}

@Suite("OBJ, PLY, STL and OFF readers")
struct TextFormatTests {
    @Test("OBJ: polygons fanned, negative and slashed indices, other statements ignored")
    func obj() throws {
        let mesh = try read(
            """
            # comment
            mtllib a.mtl
            v 0 0 0
            v 1 0 0 1.0
            vt 0 0
            vn 0 0 1
            v 1 1 0
            v 0 1 0 0.5 0.5 0.5
            g square
            f 1/1/1 2//1 -2/1 4  # a quad
            l 1 2
            f -4 -3 -2
            """, as: "q.OBJ")
        #expect(mesh.positions == [0, 0, 0, 1, 0, 0, 1, 1, 0, 0, 1, 0])
        #expect(mesh.triangles == [0, 1, 2, 0, 2, 3, 0, 1, 2])
        #expect(errorText { _ = try read("v 0 0 0\nf 1 2\n", as: "a.obj") }.contains("at least 3"))
        #expect(errorText { _ = try read("v 0 0 0\nf 1 0 1\n", as: "a.obj") }.contains("line 2"))
        #expect(errorText { _ = try read("v 0 0 0\nf -2 1 1\n", as: "a.obj") }.contains("before the first vertex"))
    }

    @Test("PLY ASCII: other elements and properties read past, polygons fanned")
    func plyASCII() throws {
        let mesh = try read(
            """
            ply\r
            format ascii 1.0\r
            comment hello\r
            element vertex 4\r
            property double z\r
            property float y\r
            property list uchar float junk\r
            property float x\r
            element material 1\r
            property uchar r\r
            element face 1\r
            property uchar flags\r
            property list uchar uint vertex_index\r
            end_header\r
            0 0 2 9 9 0\r
            0 0 0 1\r
            0 1 1 7 1\r
            0 1 0 0\r
            5\r
            1 4 0 1 2 3\r

            """, as: "q.ply")
        #expect(mesh.positions == [0, 0, 0, 1, 0, 0, 1, 1, 0, 0, 1, 0])
        #expect(mesh.triangles == [0, 1, 2, 0, 2, 3])
        let bad = errorText { _ = try read("ply\nformat ascii 1.0\nelement vertex 1\nend_header\n", as: "a.ply") }
        #expect(bad.contains("no scalar 'x'"), "\(bad)")
        #expect(errorText { _ = try read("plx\n", as: "a.ply") }.contains("not a PLY file"))
    }

    @Test("PLY binary, both byte orders")
    func plyBinary() throws {
        for bigEndian in [false, true] {
            var bytes = Array(
                """
                ply
                format \(bigEndian ? "binary_big_endian" : "binary_little_endian") 1.0
                element vertex 3
                property float x
                property float y
                property float z
                element face 1
                property list uchar int vertex_indices
                end_header

                """.utf8)
            func append<T: FixedWidthInteger>(_ value: T) {
                withUnsafeBytes(of: bigEndian ? value.bigEndian : value.littleEndian) { bytes.append(contentsOf: $0) }
            }
            for value: Float in [0, 0, 0, 1, 0, 0, 0, 1, 0] { append(value.bitPattern) }
            append(UInt8(3))
            for index: Int32 in [0, 1, 2] { append(index) }
            #expect(try read(bytes, as: "t.ply") == triangle)
        }
    }

    @Test("STL: corners merged (0 and -0 alike), ASCII and binary")
    func stl() throws {
        let ascii = try read(
            """
            solid two
              facet normal 0 0 1
                outer loop
                  vertex 0 0 0
                  vertex 1 0 0
                  vertex 0 1 0
                endloop
              endfacet
              facet normal 0 0 1
                outer loop
                  vertex 1 0 0
                  vertex 1 1 0
                  vertex -0 1 0
                endloop
              endfacet
            endsolid two
            """, as: "t.stl")
        #expect(ascii.positions == [0, 0, 0, 1, 0, 0, 0, 1, 0, 1, 1, 0])
        #expect(ascii.triangles == [0, 1, 2, 1, 3, 2])
        var binary = [UInt8](repeating: 0x20, count: 80)
        func append(_ value: UInt32) { withUnsafeBytes(of: value.littleEndian) { binary.append(contentsOf: $0) } }
        append(1)
        for value: Float in [0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0] { append(value.bitPattern) }
        binary += [0, 0]
        #expect(try read(binary, as: "t.stl") == triangle)
    }

    @Test("OFF: counts on the keyword line, comments, colours after faces, COFF")
    func off() throws {
        let mesh = try read(
            """
            OFF 4 1 0
            # vertices
            0 0 0
            1 0 0
            1 1 0
            0 1 0
            4 0 1 2 3 255 0 0
            """, as: "q.off")
        #expect(mesh.triangles == [0, 1, 2, 0, 2, 3])
        let coff = try read("COFF\n3 1 0\n0 0 0 1 1 1 1\n1 0 0 1 1 1 1\n0 1 0 1 1 1 1\n3 0 1 2\n", as: "t.off")
        #expect(coff == triangle)
        #expect(
            errorText { _ = try read("OFF\n3 1 0\n0 0 0\n1 0 0\n0 1 0\n3 0 1 3\n", as: "t.off") }.contains("line 6"))
        #expect(errorText { _ = try read("OFF\n3 1 0\n0 0 0\n", as: "t.off") }.contains("1 of 3 vertices"))
        #expect(errorText { _ = try read("4OFF\n", as: "t.off") }.contains("not supported"))
    }

    @Test("The format comes from the extension; the name drops only the last one")
    func formatAndStem() throws {
        #expect(try MeshFormat(path: "a/lh.pial.surf.gii") == .gifti)
        #expect(try MeshFormat(path: "M.STL") == .stl)
        #expect(throws: MeshError.self) { try MeshFormat(path: "mesh.vtk") }
        #expect(throws: MeshError.self) { try MeshFormat(path: "gii") }
        #expect(MeshFormat.stem(of: "dir/lh.pial.surf.gii") == "lh.pial.surf")
        #expect(MeshFormat.stem(of: "gray_left.gii") == "gray_left")
        #expect(MeshFormat.stem(of: ".hidden") == ".hidden")
        #expect(MeshFormat.stem(of: "plain") == "plain")
    }
}

/// Gzipped meshes: a real one (nilearn's fsaverage5 pial surface, as nilearn ships it) and
/// each text or binary format gzipped here.
@Suite struct GzippedMeshTests {
    @Test("a gzipped GIfTI from nilearn reads as nibabel reads it")
    func fsaveragePial() throws {
        let path = Fixtures.path("fsaverage5_pial_left.gii.gz")
        #expect(try MeshFormat(path: path) == .gifti)
        #expect(MeshFormat.stem(of: path) == "fsaverage5_pial_left")
        let mesh = try MeshFile.read(path)
        #expect(mesh.vertexCount == 10242 && mesh.triangleCount == 20480)
        // nibabel: agg_data() positions[0], positions[-1], triangles[0], triangles[-1]
        #expect(Array(mesh.positions[0..<3]) == [-38.735958099365234, -19.343364715576172, 67.22013854980469])
        #expect(Array(mesh.positions.suffix(3)) == [-34.49119186401367, -25.403905868530273, -24.645116806030273])
        #expect(Array(mesh.triangles[0..<3]) == [0, 2564, 2562])
        #expect(Array(mesh.triangles.suffix(3)) == [10161, 11, 9918])
    }

    @Test("an OBJ gzipped reads like the plain file, whatever the case of .GZ")
    func gzippedObj() throws {
        let text = "v 0 0 0\nv 1 0 0\nv 0 1 0\nf 1 2 3\n"
        let plain = try read(text, as: "t.obj")
        let compressed = try read(try Gzip.compress(Array(text.utf8), level: 6), as: "t.OBJ.GZ")
        #expect(compressed.positions == plain.positions && compressed.triangles == plain.triangles)
    }

    @Test("a truncated gzipped mesh names the file and the problem")
    func truncated() throws {
        let bytes = try Gzip.compress(Array(String(repeating: "v 0 0 0\n", count: 5000).utf8), level: 6)
        let text = errorText { _ = try read(Array(bytes.prefix(bytes.count / 2)), as: "cut.obj.gz") }
        #expect(text.contains("cut.obj.gz") && text.contains("truncated"), "\(text)")
    }
}
