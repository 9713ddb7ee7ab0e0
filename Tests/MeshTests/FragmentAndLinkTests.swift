import Foundation
import Testing

@testable import Mesh

@Suite("Fragments and transforms")
struct FragmentTests {
    @Test("12 or 16 numbers; the last row must be 0, 0, 0, 1")
    func transformParsing() throws {
        let twelve = try #require(CoordinateTransform(rowMajor: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]))
        #expect(twelve.linear == [1, 2, 3, 5, 6, 7, 9, 10, 11])
        #expect(twelve.translation == [4, 8, 12])
        #expect(CoordinateTransform(rowMajor: [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1]) != nil)
        #expect(CoordinateTransform(rowMajor: [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 1, 1]) == nil)
        #expect(CoordinateTransform(rowMajor: [1, 0, 0]) == nil)
        let halfTurn = try #require(
            CoordinateTransform(rowMajor: [-1, 0, 0, 70.7666, 0, -1, 0, 73.01, 0, 0, 1, 58.8777]))
        #expect(halfTurn.determinant == 1)
        #expect(!halfTurn.mirrors)
        let mirror = try #require(CoordinateTransform(rowMajor: [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, -2, 0]))
        #expect(mirror.mirrors)
    }

    @Test("Millimetres to nanometres, transform in millimetres, units for unitless formats")
    func conversion() throws {
        let mesh = SurfaceMesh(positions: [1, 2, 3, 0.5, 0, 0, 0, 0.25, 0], triangles: [0, 1, 2])
        let plain = try Fragment(mesh: mesh, file: "m")
        #expect(plain.vertices == [1e6, 2e6, 3e6, 5e5, 0, 0, 0, 2.5e5, 0])
        let micrometres = try Fragment(mesh: mesh, unit: .um, file: "m")
        #expect(micrometres.vertices == [1e3, 2e3, 3e3, 500, 0, 0, 0, 250, 0])
        let shifted = try Fragment(
            mesh: mesh, unit: .um, transform: CoordinateTransform(rowMajor: [2, 0, 0, 1, 0, 1, 0, 0, 0, 0, -1, 0]),
            file: "m")
        #expect(shifted.vertices == [1e6 + 2e3, 2e3, -3e3, 1e6 + 1e3, 0, 0, 1e6, 250, 0])
        #expect(shifted.triangles == [2, 1, 0], "a mirror reverses the triangle")
    }

    @Test("Encoded as the legacy format, and read back")
    func encoding() throws {
        let fragment = Fragment(vertices: [1, 2, 3, 4, 5, 6, 7, 8, 9], triangles: [0, 1, 2])
        let bytes = fragment.encoded()
        #expect(bytes.count == 4 + 36 + 12)
        #expect(Array(bytes[0..<4]) == [3, 0, 0, 0])
        #expect(Array(bytes[4..<8]) == [0, 0, 0x80, 0x3f], "1.0 as little-endian float32")
        #expect(Array(bytes[40..<52]) == [0, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0])
        #expect(try Fragment(decoding: bytes, file: "f") == fragment)
        #expect(throws: MeshError.self) { try Fragment(decoding: Array(bytes.dropLast()), file: "f") }
        #expect(throws: MeshError.self) {
            try Fragment(decoding: Fragment(vertices: [0, 0, 0], triangles: [0, 0, 1]).encoded(), file: "f")
        }
    }

    @Test("Meshes that cannot be written say why")
    func invalidMeshes() throws {
        func problem(_ mesh: SurfaceMesh, unit: LengthUnit = .mm) -> String {
            do {
                _ = try Fragment(mesh: mesh, unit: unit, file: "m.obj")
                return "no error"
            } catch {
                return "\(error)"
            }
        }
        #expect(problem(SurfaceMesh(positions: [], triangles: [])).contains("empty (no vertices)"))
        #expect(problem(SurfaceMesh(positions: [0, 0, 0], triangles: [])).contains("no triangles"))
        #expect(problem(SurfaceMesh(positions: [0, 0, .infinity], triangles: [0, 0, 0])).contains("non-finite"))
        #expect(problem(SurfaceMesh(positions: [0, 0, 0], triangles: [0, 0, -1])).contains("out of range"))
        #expect(problem(SurfaceMesh(positions: [0, 0, 1e300], triangles: [0, 0, 0])).contains("float32 range"))
    }
}

@Suite("Label links")
struct LinkTests {
    static let cases = Fixtures.linkCases.keys.sorted()

    /// The manifests are link-mesh-fragments' byte for byte: names, compact JSON, Python's
    /// escapes (non-ASCII as \\u, surrogate pairs, DEL).
    @Test("Manifests equal link-mesh-fragments'", arguments: cases)
    func manifestsMatchReference(_ name: String) throws {
        let golden = try #require(Fixtures.linkCases[name])
        let links = try MeshLinks.parse(Array(golden.csv.utf8), file: "labels.csv")
        let colon = !golden.args.contains("--no-colon-suffix")
        var files: [String: String] = [:]
        for link in links { files[link.fileName(colonSuffix: colon)] = String(decoding: link.manifest, as: UTF8.self) }
        #expect(files == golden.files)
    }

    @Test("CSV as Python's csv module reads it")
    func csv() {
        #expect(
            CSV.records("a,b\r\nc\n\n\"d,\"\"e\"\"\",f\"g\"\n").map(\.fields) == [
                ["a", "b"], ["c"], [], ["d,\"e\"", "f\"g\""],
            ])
        #expect(CSV.records("\"multi\nline\",x\ny").map(\.line) == [1, 3])
        #expect(CSV.records("1,\n").map(\.fields) == [["1", ""]])
        #expect(CSV.records("\"ab\"c,d").map(\.fields) == [["abc", "d"]])
        #expect(CSV.records("").isEmpty)
    }

    @Test("Labels as Python's int() reads them, limited to segment IDs")
    func labels() {
        #expect(MeshLinks.parseLabel(" 42 ") == 42)
        #expect(MeshLinks.parseLabel("+7") == 7)
        #expect(MeshLinks.parseLabel("007") == 7)
        #expect(MeshLinks.parseLabel("1_000") == 1000)
        #expect(MeshLinks.parseLabel("-0") == 0)
        #expect(MeshLinks.parseLabel("18446744073709551615") == UInt64.max)
        for bad in ["", "x", "1.5", "-3", "1__0", "_1", "1_", "18446744073709551616", "0x10", "1 2"] {
            #expect(MeshLinks.parseLabel(bad) == nil, "\(bad)")
        }
    }

    @Test("A bad or repeated label names its line")
    func badLabels() throws {
        #expect(throws: MeshError.badLinks(file: "l.csv", line: 3, problem: "label 1 is already linked on line 1")) {
            try MeshLinks.parse(Array("1,a\n2,b\n1,c\n".utf8), file: "l.csv")
        }
        let error = #expect(throws: MeshError.self) {
            try MeshLinks.parse(Array("1,a\n\nlabel,b\n".utf8), file: "l.csv")
        }
        #expect(error.map { "\($0)" }?.hasPrefix("l.csv: line 3: the label 'label' is not an integer") == true)
        #expect(throws: MeshError.self) { try MeshLinks.parse([0x31, 0x2c, 0xff], file: "l.csv") }
        #expect(try MeshLinks.parse(Array("\u{FEFF}5,a\n".utf8), file: "l.csv").first?.label == 5, "a BOM is skipped")
    }

    @Test func names() {
        let link = MeshLink(label: 12, fragments: ["a"], line: 1)
        #expect(link.fileName() == "12:0")
        #expect(link.fileName(colonSuffix: false) == "12")
        #expect(MeshDirectory.problem(with: "mesh") == nil)
        #expect(MeshDirectory.problem(with: "a/b") == nil)
        #expect(MeshDirectory.problem(with: "../x") != nil)
        #expect(MeshDirectory.problem(with: "/abs") != nil)
        #expect(MeshDirectory.problem(with: "") != nil)
        #expect(MeshDirectory.problem(with: "gs://bucket/mesh") != nil)
    }
}
