import Foundation
import Testing

@testable import Mesh

@Suite("Fragments against the reference's, and across formats")
struct GoldenTests {
    @Test("The fixtures are there")
    func fixturesExist() {
        #expect(Fixtures.index.gifti.count >= 15)
        #expect(Fixtures.index.same_as.count >= 16)
        #expect(Fixtures.goldenCases.count >= 30)
        #expect(Fixtures.broken.count >= 10)
    }

    /// Every GIfTI encoding, byte order and index order, without a transform, with the
    /// BigBrain half turn and with a mirror: triangles exactly as the reference wrote them
    /// (reversed by the mirror), vertices exactly without a transform and within float32
    /// rounding with one (the reference rounds to float32 twice, nprec once).
    @Test("GIfTI fragment equals mesh-to-precomputed's", arguments: Fixtures.goldenCases)
    func giftiMatchesReference(_ golden: GoldenCase) throws {
        let mesh = try MeshFile.read(Fixtures.path(golden.file))
        let ours = try Fragment(mesh: mesh, transform: Fixtures.transform(golden.transform), file: golden.file)
        let reference = try Fragment(
            decoding: try Fixtures.bytes("golden/\(golden.stem)/\(golden.transform).bin"), file: golden.stem)
        #expect(ours.triangles == reference.triangles)
        try #require(ours.vertices.count == reference.vertices.count)
        if golden.transform == "none" {
            #expect(ours.encoded() == (try Fixtures.bytes("golden/\(golden.stem)/none.bin")))
        } else {
            let worst = zip(ours.vertices, reference.vertices).map { ulps($0, $1) }.max() ?? 0
            #expect(worst <= 1, "vertices differ by up to \(worst) float32 ulps")
        }
    }

    @Test("A mirroring transform reverses every triangle")
    func mirrorReversesTriangles() throws {
        let mesh = try MeshFile.read(Fixtures.path("sphere_base64.gii"))
        let plain = try Fragment(mesh: mesh, file: "sphere")
        let mirrored = try Fragment(mesh: mesh, transform: Fixtures.transform("mirror"), file: "sphere")
        let turned = try Fragment(mesh: mesh, transform: Fixtures.transform("bigbrain"), file: "sphere")
        #expect(turned.triangles == plain.triangles)
        var reversed: [UInt32] = []
        for t in stride(from: 0, to: plain.triangles.count, by: 3) {
            reversed += [plain.triangles[t + 2], plain.triangles[t + 1], plain.triangles[t]]
        }
        #expect(mirrored.triangles == reversed)
    }

    static let sameAsCases = Fixtures.index.same_as.keys.sorted()

    /// OBJ, PLY (ASCII, binary both orders), STL (ASCII, binary, vertices merged) and OFF give
    /// the fragment of the same surface in GIfTI, with and without a mirroring transform.
    @Test("Other formats give the GIfTI's fragment", arguments: sameAsCases)
    func otherFormatsMatchGIfTI(_ file: String) throws {
        let entry = try #require(Fixtures.index.same_as[file])
        let unit = try #require(LengthUnit(rawValue: entry.units ?? "mm"))
        let mesh = try MeshFile.read(Fixtures.path(file))
        let gifti = try MeshFile.read(Fixtures.path(entry.gifti))
        for transform in ["none", "mirror"] {
            let ours = try Fragment(mesh: mesh, unit: unit, transform: Fixtures.transform(transform), file: file)
            let expected = try Fragment(mesh: gifti, transform: Fixtures.transform(transform), file: entry.gifti)
            #expect(ours.encoded() == expected.encoded(), "\(file) with transform \(transform)")
        }
    }

    @Test("Broken files fail with the reason", arguments: Fixtures.broken.map(\.file))
    func brokenFilesFail(_ file: String) throws {
        let expect = try #require(Fixtures.broken.first { $0.file == file }?.expect)
        let error = #expect(throws: MeshError.self) {
            let mesh = try MeshFile.read(Fixtures.path(file))
            _ = try Fragment(mesh: mesh, file: file)
        }
        #expect(error.map { "\($0)" }?.contains(expect) == true, "\(String(describing: error))")
        #expect(error.map { "\($0)" }?.contains(file) == true, "the message names the file")
    }

    @Test("The GIfTI point set is read as nibabel reads it")
    func giftiValues() throws {
        let mesh = try MeshFile.read(Fixtures.path("sphere_external_bigendian_colmajor.gii"))
        let reference = try MeshFile.read(Fixtures.path("sphere_base64.gii"))
        #expect(mesh == reference)
        #expect(mesh.vertexCount == 42)
        #expect(mesh.triangleCount == 80)
        let float64 = try MeshFile.read(Fixtures.path("sphere_uint32_float64.gii"))
        #expect(float64 == reference, "float32 values stored as float64 are the same numbers")
    }
}
