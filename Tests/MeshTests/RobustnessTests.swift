import Codecs
import Foundation
import Testing

@testable import Mesh

/// The bad mesh files of Fixtures/robustness/meshes (made by make_robustness_fixtures.py, or found
/// by Tests/fuzz/fuzz_meshes.py), and a phrase each one's error must contain.
private enum RobustnessFixtures {
    static let directory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/robustness/meshes")

    static func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

    static let cases: [(file: String, expect: String)] = [
        // Crashed FoundationXML's XMLParser (byte 0xF3 in an attribute name).
        ("fuzz_bad_attribute_byte.gii", "not well-formed XML"),
        // Dim0='2000000000': "failed to allocate" before.
        ("gifti_huge_dim0.gii", "expected 6000000000 ASCII values, found 3"),
        ("gifti_huge_dim0_base64.gii", "(24000000000 bytes), found 12 bytes of data"),
        ("gifti_huge_dim0_gzip.gii", "bytes of GZipBase64Binary data expand to at most"),
        ("gifti_negative_index.gii", "refers to vertex -1, out of range"),
        ("ply_huge_count.ply", "element 'vertex' declares 2000000000 records"),
        // Found by fuzz_meshes.py: "failed to allocate 48000000032 bytes".
        ("fuzz_ply_vertex_count.ply", "element 'vertex' declares 2000000000 records"),
        ("ply_huge_count_binary.ply", "element 'vertex' declares 9223372036854775807 records"),
        ("off_huge_count.off", "cannot fit in the file's"),
        ("obj_negative_index.obj", "vertex index -9 reaches before the first vertex"),
    ]
}

@Suite("Mesh readers check counts against the bytes present")
struct MeshRobustnessTests {
    @Test("bad mesh files are errors naming the file", arguments: RobustnessFixtures.cases.map(\.file))
    func badFile(file: String) throws {
        let expect = try #require(RobustnessFixtures.cases.first { $0.file == file }).expect
        let path = RobustnessFixtures.path(file)
        do {
            let mesh = try MeshFile.read(path)
            try mesh.validate(file: path)
            Issue.record("\(file) was accepted")
        } catch let error as MeshError {
            #expect("\(error)".hasPrefix(path + ": "), "\(error)")
            #expect("\(error)".contains(expect), "\(error)")
            #expect(!"\(error)".contains("\n"), "\(error)")
        }
    }

    @Test("GZipBase64Binary data inflating past its declared size stops at that size")
    func gzipBomb() throws {
        // 1 MiB of zeros, compressed, declared as one row of 3 int32 values (12 bytes).
        let compressed = try Gzip.compress([UInt8](repeating: 0, count: 1 << 20))
        let text = Data(compressed).base64EncodedString()
        let document = """
            <GIFTI Version="1.0" NumberOfDataArrays="2">
            <DataArray Intent="NIFTI_INTENT_POINTSET" DataType="NIFTI_TYPE_FLOAT32" Dimensionality="2" \
            Dim0="3" Dim1="3" Encoding="ASCII"><Data>0 0 0 1 0 0 0 1 0</Data></DataArray>
            <DataArray Intent="NIFTI_INTENT_TRIANGLE" DataType="NIFTI_TYPE_INT32" Dimensionality="2" \
            Dim0="1" Dim1="3" Encoding="GZipBase64Binary"><Data>\(text)</Data></DataArray>
            </GIFTI>
            """
        #expect {
            _ = try GIfTI.read(Array(document.utf8), path: "bomb.gii")
        } throws: { error in
            "\(error)".contains("decompresses to more than 12 bytes")
        }
    }

    @Test("XML that libxml2 rejects is an error with the line, not a crash")
    func badXML() throws {
        let bad: [UInt8] = Array("<GIFTI>\n<DataArray D\u{0}im0=\"3\">".utf8) + [0xF3, 0xFF] + Array("</GIFTI>".utf8)
        #expect {
            _ = try GIfTI.read(bad, path: "bad.gii")
        } throws: { error in
            let text = "\(error)"
            return text.hasPrefix("bad.gii: line ") && text.contains("not well-formed XML")
        }
    }

    @Test("a document whose root is not <GIFTI> is refused")
    func notGIfTI() throws {
        #expect {
            _ = try GIfTI.read(Array("<html><DataArray/></html>".utf8), path: "page.gii")
        } throws: { error in
            "\(error)".contains("the root element is <html>, not <GIFTI>")
        }
    }
}
