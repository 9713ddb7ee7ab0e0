import Foundation
import Precomputed
import Testing

/// The mesh fixtures and the reference's outputs (Fixtures/make_mesh_fixtures.py).
private enum MeshFixtures {
    static let directory = Runner.packageRoot.appendingPathComponent("Fixtures/mesh")

    static func url(_ name: String) -> URL { directory.appendingPathComponent(name) }

    static func data(_ name: String) throws -> Data { try Data(contentsOf: url(name)) }

    static let segmentationInfo = """
        {"type": "segmentation", "data_type": "uint32", "num_channels": 1, "scales": [{"key": "1mm", \
        "size": [64, 64, 64], "resolution": [1000000, 1000000, 1000000], "voxel_offset": [0, 0, 0], \
        "chunk_sizes": [[64, 64, 64]], "encoding": "raw"}]}
        """

    /// Copies fixture `name` into `directory` (as `as`, default the same name).
    static func copy(_ name: String, to directory: URL, as target: String? = nil) throws {
        let destination = directory.appendingPathComponent(target ?? name)
        try FileManager.default.createDirectory(
            at: destination.deletingLastPathComponent(), withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: url(name), to: destination)
    }

    struct LinkCase: Decodable {
        var csv: String
        var args: [String]
        var existing: [String]
        var files: [String: String]
    }

    static let linkCases: [String: LinkCase] = {
        guard let data = try? Data(contentsOf: url("golden/links.json")),
            let cases = try? JSONDecoder().decode([String: LinkCase].self, from: data)
        else { return [:] }
        return cases
    }()
}

/// JSON values compared by value (numbers as numbers).
private func json(_ data: Data) throws -> NSObject {
    try #require(try JSONSerialization.jsonObject(with: data) as? NSObject)
}

/// Every file under `directory`, as paths relative to it, sorted.
private func listing(_ directory: URL) -> [String] {
    let base = directory.resolvingSymlinksInPath().path
    let enumerator = FileManager.default.enumerator(atPath: base)
    var files: [String] = []
    while let name = enumerator?.nextObject() as? String {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: base + "/" + name, isDirectory: &isDirectory), !isDirectory.boolValue
        {
            files.append(name)
        }
    }
    return files.sorted()
}

@Suite("mesh convert and mesh link, end to end")
struct MeshCommandTests {
    /// The reference's BigBrain example (mesh-to-precomputed --coord-transform=... --mesh-name=grey-left
    /// gray_left.gii classif/, three more fragments, link-mesh-fragments --no-colon-suffix
    /// mesh_labels.csv classif/) on a small stand-in surface: the same files, plus mesh/info.
    @Test("The BigBrain example gives the reference's files")
    func bigBrainExample() async throws {
        try await withTemporaryDirectory { directory in
            try directory.write(MeshFixtures.segmentationInfo, to: "classif/info")
            try MeshFixtures.copy("golden/bigbrain/gray_left.gii", to: directory, as: "gray_left.gii")
            try MeshFixtures.copy("golden/bigbrain/mesh_labels.csv", to: directory, as: "mesh_labels.csv")
            for name in ["grey-left", "grey-right", "white-left", "white-right"] {
                let result = try await Runner.nprec(
                    [
                        "mesh", "convert", "--coord-transform=-1,0,0,70.7666,0,-1,0,73.01,0,0,1,58.8777",
                        "--mesh-name=\(name)", "gray_left.gii", "classif/",
                    ], in: directory)
                #expect(result.status == 0, "\(result)")
                #expect(result.stdout == "")
            }
            let link = try await Runner.nprec(
                ["mesh", "link", "--no-colon-suffix", "mesh_labels.csv", "classif/"], in: directory)
            #expect(link.status == 0, "\(link)")
            #expect(!link.stderr.contains("warning"), "every fragment exists: \(link)")

            let classif = directory.appendingPathComponent("classif")
            let expected = try JSONDecoder().decode(
                [String].self, from: MeshFixtures.data("golden/bigbrain/files.json"))
            #expect(listing(classif) == (expected + ["mesh/info"]).sorted())
            #expect(try json(classif.contents(of: "info")) == json(MeshFixtures.data("golden/bigbrain/info")))
            #expect(try classif.contents(of: "mesh/info") == Data(#"{"@type":"neuroglancer_legacy_mesh"}"#.utf8))
            for label in ["100", "200"] {
                #expect(
                    try classif.contents(of: "mesh/\(label)") == MeshFixtures.data("golden/bigbrain/mesh__\(label)"),
                    "link file \(label) byte for byte")
            }
            // Fragments: gzipped like chunks; the triangles are the reference's, the vertices
            // within float32 rounding (the reference rounds to float32 twice, nprec once).
            let reference = try [UInt8](MeshFixtures.data("golden/bigbrain/grey-left.bin"))
            let dataset = Dataset(root: classif.path)
            for name in ["grey-left", "grey-right", "white-left", "white-right"] {
                #expect(try classif.contents(of: "mesh/\(name).gz").starts(with: [0x1f, 0x8b]))
                let ours = try #require(try dataset.readFile("mesh/\(name)"))
                try expectSameFragment(ours, reference)
            }
        }
    }

    @Test(
        "Each GIfTI encoding gives the reference's fragment",
        arguments: [
            "sphere_ascii", "sphere_gzip_colmajor", "sphere_external_bigendian_colmajor", "sphere_uint32_float64",
        ])
    func giftiEncodings(_ stem: String) async throws {
        try await withTemporaryDirectory { directory in
            try directory.write(MeshFixtures.segmentationInfo, to: "out/info")
            try MeshFixtures.copy("\(stem).gii", to: directory)
            if FileManager.default.fileExists(atPath: MeshFixtures.url("\(stem).dat").path) {
                try MeshFixtures.copy("\(stem).dat", to: directory)
            }
            let result = try await Runner.nprec(["mesh", "convert", "--no-gzip", "\(stem).gii", "out"], in: directory)
            #expect(result.status == 0, "\(result)")
            #expect(result.stderr.contains("42 vertices, 80 triangles"), "\(result)")
            #expect(
                try directory.contents(of: "out/mesh/\(stem)") == MeshFixtures.data("golden/\(stem)/none.bin"),
                "without a transform, byte for byte")
            #expect(!directory.exists("out/mesh/\(stem).gz"))
            #expect(
                try json(directory.contents(of: "out/info"))
                    == json(MeshFixtures.data("golden/info_after_convert.json")))

            let mirrored = try await Runner.nprec(
                [
                    "mesh", "convert", "--coord-transform", "-1,0,0,10.5,0,1.5,0.25,-3,0,0,1,2.125,0,0,0,1",
                    "--mesh-name", "mirrored", "\(stem).gii", "out",
                ], in: directory)
            #expect(mirrored.status == 0, "\(mirrored)")
            #expect(mirrored.stderr.contains("mirrored"), "\(mirrored)")
            let ours = try #require(
                try Dataset(root: directory.appendingPathComponent("out").path).readFile("mesh/mirrored"))
            try expectSameFragment(ours, [UInt8](MeshFixtures.data("golden/\(stem)/mirror.bin")))
        }
    }

    @Test(
        "OBJ, PLY, STL and OFF give the fragment of the same surface in GIfTI",
        arguments: [
            ("sphere.obj", "sphere_base64.gii", "mm"), ("sphere_be.ply", "sphere_base64.gii", "mm"),
            ("sphere_binary.stl", "sphere_base64.gii", "mm"), ("prism.off", "prism.gii", "mm"),
            ("prism_ascii.stl", "prism.gii", "mm"), ("prism_um.obj", "prism.gii", "um"),
            ("prism_nm.off", "prism.gii", "nm"),
        ])
    func otherFormats(_ file: String, _ gifti: String, _ units: String) async throws {
        try await withTemporaryDirectory { directory in
            try directory.write(MeshFixtures.segmentationInfo, to: "out/info")
            try MeshFixtures.copy(file, to: directory)
            try MeshFixtures.copy(gifti, to: directory)
            let transform = "--coord-transform=-1,0,0,10.5,0,1.5,0.25,-3,0,0,1,2.125"
            for (name, extra) in [("plain", [String]()), ("mirrored", [transform])] {
                let ours = try await Runner.nprec(
                    ["mesh", "convert", "--units", units, "--mesh-name", "a-\(name)", file, "out"] + extra,
                    in: directory)
                #expect(ours.status == 0, "\(ours)")
                let theirs = try await Runner.nprec(
                    ["mesh", "convert", "--mesh-name", "b-\(name)", gifti, "out"] + extra, in: directory)
                #expect(theirs.status == 0, "\(theirs)")
                let dataset = Dataset(root: directory.appendingPathComponent("out").path)
                #expect(try dataset.readFile("mesh/a-\(name)") == dataset.readFile("mesh/b-\(name)"), "\(file) \(name)")
            }
        }
    }

    @Test("The default name drops the last extension; mesh/info and the mesh key are written once")
    func defaultsAndRerun() async throws {
        try await withTemporaryDirectory { directory in
            try directory.write(MeshFixtures.segmentationInfo, to: "out/info")
            try MeshFixtures.copy("sphere_gzip.gii", to: directory, as: "lh.pial.surf.gii")
            let first = try await Runner.nprec(["mesh", "convert", "lh.pial.surf.gii", "out"], in: directory)
            #expect(first.status == 0, "\(first)")
            #expect(listing(directory.appendingPathComponent("out")) == ["info", "mesh/info", "mesh/lh.pial.surf.gz"])
            let info = try #require(
                try JSONSerialization.jsonObject(with: directory.contents(of: "out/info")) as? [String: Any])
            #expect(info["mesh"] as? String == "mesh")
            // Again, uncompressed: the .gz copy goes, so that no stale copy shadows the new one.
            let again = try await Runner.nprec(
                ["mesh", "convert", "--no-gzip", "lh.pial.surf.gii", "out"], in: directory)
            #expect(again.status == 0, "\(again)")
            #expect(listing(directory.appendingPathComponent("out")) == ["info", "mesh/info", "mesh/lh.pial.surf"])
            #expect(!again.stderr.contains("mesh/info"), "mesh/info is left as it is: \(again)")
        }
    }

    @Test("--mesh-dir is written to the info, and must match it afterwards")
    func meshDir() async throws {
        try await withTemporaryDirectory { directory in
            try directory.write(MeshFixtures.segmentationInfo, to: "out/info")
            try MeshFixtures.copy("sphere.off", to: directory)
            let first = try await Runner.nprec(
                ["mesh", "convert", "--mesh-dir", "surfaces", "sphere.off", "out"], in: directory)
            #expect(first.status == 0, "\(first)")
            #expect(directory.exists("out/surfaces/sphere.gz"))
            #expect(directory.exists("out/surfaces/info"))
            let mismatch = try await Runner.nprec(["mesh", "convert", "sphere.off", "out"], in: directory)
            #expect(mismatch.status == 1, "\(mismatch)")
            #expect(
                mismatch.stderr.contains("'surfaces'") && mismatch.stderr.contains("--mesh-dir surfaces"), "\(mismatch)"
            )
            #expect(!directory.exists("out/mesh"), "nothing written")
        }
    }

    @Test(
        "Failures exit 1 with the reason and write nothing",
        arguments: [
            ("bad_index.gii", "out of range"), ("bad_nan.gii", "non-finite"), ("bad_empty.gii", "empty"),
            ("bad_two_pointsets.gii", "found 2 and 1"), ("bad_format.vtk", "mesh format"), ("bad_index.obj", "line 4"),
        ])
    func failures(_ file: String, _ reason: String) async throws {
        try await withTemporaryDirectory { directory in
            try directory.write(MeshFixtures.segmentationInfo, to: "out/info")
            try MeshFixtures.copy(file, to: directory)
            let result = try await Runner.nprec(["mesh", "convert", file, "out"], in: directory)
            #expect(result.status == 1, "\(result)")
            #expect(result.stderr.hasPrefix("nprec: error: \(file)"), "\(result)")
            #expect(result.stderr.contains(reason), "\(result)")
            #expect(listing(directory.appendingPathComponent("out")) == ["info"])
            #expect(
                try directory.contents(of: "out/info") == Data(MeshFixtures.segmentationInfo.utf8), "info untouched")
        }
    }

    @Test("No info, an image dataset, a bad transform, a bad name")
    func datasetAndOptionProblems() async throws {
        try await withTemporaryDirectory { directory in
            try MeshFixtures.copy("sphere.obj", to: directory)
            let noInfo = try await Runner.nprec(["mesh", "convert", "sphere.obj", "out"], in: directory)
            #expect(noInfo.status == 1, "\(noInfo)")
            #expect(noInfo.stderr.contains("out/info: no such file") && noInfo.stderr.contains("nprec pyramid"))

            try directory.write(
                MeshFixtures.segmentationInfo.replacingOccurrences(of: "segmentation", with: "image"), to: "out/info")
            let image = try await Runner.nprec(["mesh", "convert", "sphere.obj", "out"], in: directory)
            #expect(image.status == 0, "\(image)")
            #expect(image.stderr.contains("warning:") && image.stderr.contains("not 'segmentation'"), "\(image)")

            let lastRow = try await Runner.nprec(
                ["mesh", "convert", "--coord-transform", "1,0,0,0,0,1,0,0,0,0,1,0,0,0,1,1", "sphere.obj", "out"],
                in: directory)
            #expect(lastRow.status == 2, "\(lastRow)")
            #expect(lastRow.stderr.contains("0,0,0,1"), "\(lastRow)")
            let up = try await Runner.nprec(
                ["mesh", "convert", "--mesh-name", "../x", "sphere.obj", "out"], in: directory)
            #expect(up.status == 2, "\(up)")
            try MeshFixtures.copy("sphere_base64.gii", to: directory)
            let unitsOnGIfTI = try await Runner.nprec(
                ["mesh", "convert", "--units", "um", "--mesh-name", "g", "sphere_base64.gii", "out"], in: directory)
            #expect(unitsOnGIfTI.status == 0, "\(unitsOnGIfTI)")
            #expect(unitsOnGIfTI.stderr.contains("--units is ignored for GIfTI"), "\(unitsOnGIfTI)")
            #expect(
                try Dataset(root: directory.appendingPathComponent("out").path).readFile("mesh/g")
                    == [UInt8](MeshFixtures.data("golden/sphere_base64/none.bin")), "read as millimetres")
        }
    }

    static let linkCases: [String] = MeshFixtures.linkCases.keys.sorted()

    @Test("Link files equal link-mesh-fragments' byte for byte", arguments: linkCases)
    func links(_ name: String) async throws {
        let golden = try #require(MeshFixtures.linkCases[name])
        try await withTemporaryDirectory { directory in
            let info = MeshFixtures.segmentationInfo.replacingOccurrences(
                of: "{\"type\"", with: "{\"mesh\": \"mesh\", \"type\"")
            try directory.write(info, to: "out/info")
            for fragment in golden.existing { try directory.write("\0\0\0\0", to: "out/mesh/\(fragment)") }
            try directory.write(golden.csv, to: "labels.csv")
            let result = try await Runner.nprec(["mesh", "link"] + golden.args + ["labels.csv", "out"], in: directory)
            #expect(result.status == 0, "\(result)")
            let mesh = directory.appendingPathComponent("out/mesh")
            #expect(listing(mesh) == (Array(golden.files.keys) + golden.existing).sorted())
            for (file, content) in golden.files {
                #expect(try mesh.contents(of: file) == Data(content.utf8), "\(file)")
            }
            // One warning per named fragment that does not exist.
            var missing = 0
            for content in golden.files.values {
                let object = try #require(
                    try JSONSerialization.jsonObject(with: Data(content.utf8)) as? [String: [String]])
                missing += (object["fragments"] ?? []).filter { !golden.existing.contains($0) }.count
            }
            #expect(result.stderr.components(separatedBy: "missing fragment").count - 1 == missing, "\(result)")
        }
    }

    @Test("Missing fragments are warned about; .gz counts as present")
    func missingFragments() async throws {
        try await withTemporaryDirectory { directory in
            try directory.write(
                MeshFixtures.segmentationInfo.replacingOccurrences(of: "{\"type\"", with: "{\"mesh\": \"m\", \"type\""),
                to: "out/info")
            try directory.write("x", to: "out/m/plain")
            try directory.write("x", to: "out/m/zipped.gz")
            try directory.write("1,plain,zipped,absent\n", to: "labels.csv")
            let result = try await Runner.nprec(["mesh", "link", "labels.csv", "out"], in: directory)
            #expect(result.status == 0, "\(result)")
            #expect(result.stderr.components(separatedBy: "warning:").count == 2, "one warning: \(result)")
            #expect(result.stderr.contains("missing fragment 'absent'"), "\(result)")
            #expect(try directory.contents(of: "out/m/1:0") == Data(#"{"fragments":["plain","zipped","absent"]}"#.utf8))
        }
    }

    @Test("No mesh key, a bad label: exit 1 with what to do")
    func linkFailures() async throws {
        try await withTemporaryDirectory { directory in
            try directory.write(MeshFixtures.segmentationInfo, to: "out/info")
            try directory.write("1,a\n", to: "labels.csv")
            let noKey = try await Runner.nprec(["mesh", "link", "labels.csv", "out"], in: directory)
            #expect(noKey.status == 1, "\(noKey)")
            #expect(noKey.stderr.contains("no \"mesh\" key") && noKey.stderr.contains("nprec mesh convert"), "\(noKey)")

            try directory.write(
                MeshFixtures.segmentationInfo.replacingOccurrences(
                    of: "{\"type\"", with: "{\"mesh\": \"mesh\", \"type\""),
                to: "out/info")
            try directory.write("1,a\n2,b\nthree,c\n", to: "labels.csv")
            let bad = try await Runner.nprec(["mesh", "link", "labels.csv", "out"], in: directory)
            #expect(bad.status == 1, "\(bad)")
            #expect(bad.stderr.contains("labels.csv: line 3: the label 'three' is not an integer"), "\(bad)")
            #expect(!directory.exists("out/mesh/1:0"), "nothing written when a line is bad")
        }
    }
}

/// Two legacy fragments: same vertex count and triangles, vertices within 1 float32 ulp.
private func expectSameFragment(
    _ ours: [UInt8], _ reference: [UInt8], sourceLocation: SourceLocation = #_sourceLocation
) throws {
    try #require(
        ours.count == reference.count, "sizes \(ours.count) and \(reference.count)", sourceLocation: sourceLocation)
    func word(_ bytes: [UInt8], _ index: Int) -> UInt32 {
        (0..<4).reduce(UInt32(0)) { $0 | UInt32(bytes[4 * index + $1]) << (8 * $1) }
    }
    let count = Int(word(ours, 0))
    #expect(count == Int(word(reference, 0)), sourceLocation: sourceLocation)
    #expect(ours[(4 + 12 * count)...] == reference[(4 + 12 * count)...], "triangles", sourceLocation: sourceLocation)
    var worst = 0
    for index in 1...(3 * count) {
        let a = Int(Int32(bitPattern: word(ours, index)))
        let b = Int(Int32(bitPattern: word(reference, index)))
        worst = max(worst, abs(a - b))
    }
    #expect(worst <= 1, "vertices differ by up to \(worst) float32 ulps", sourceLocation: sourceLocation)
}
