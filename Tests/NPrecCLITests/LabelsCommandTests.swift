import Foundation
import Testing

/// `nprec labels` on segmentations nprec writes: the segment properties and the info key, the
/// voxel counts in every encoding and layout, bad tables refused with nothing written, and the
/// colours in `nprec serve`'s link.
@Suite struct LabelsCommandTests {
    static let size = [23, 17, 11]

    /// The label of voxel (x, y, z) of `TestVolume`'s label volume.
    static func label(_ x: Int, _ y: Int, _ z: Int) -> UInt64 {
        UInt64(((x / 5) * 13 + (y / 4) * 7 + (z / 3) * 3) % 41)
    }

    static var expectedCounts: [UInt64: Int] {
        var counts: [UInt64: Int] = [:]
        for z in 0..<size[2] {
            for y in 0..<size[1] { for x in 0..<size[0] { counts[label(x, y, z), default: 0] += 1 } }
        }
        return counts
    }

    static let lut = """
        #$Id: FreeSurferColorLUT.txt $
        #No. Label Name:                R   G   B   A
        0   Unknown                     0   0   0   0
        1   Left-Cerebral-Exterior      70  130 180 0
        2   "Left Cerebral White"       245 245 245 0
        99  Nowhere                     1   2   3   0

        """

    /// A segmentation of `TestVolume`'s labels (1 x 1.5 x 2 mm voxels) at `dir/seg`.
    static func segmentation(_ dir: URL, _ options: [String]) async throws {
        let volume = try TestVolume.write("labels.nii", in: dir, size: size, kind: .labels)
        let result = try await Runner.nprec(
            ["pyramid", volume, "seg", "--type", "segmentation", "--target-chunk-size", "8"] + options, in: dir)
        try #require(result.status == 0, "\(result)")
    }

    static func json(_ url: URL) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any], "\(url.path)")
    }

    @Test func writesTheSegmentPropertiesAndKeepsTheInfo() async throws {
        try await withTemporaryDirectory { dir in
            try await Self.segmentation(dir, ["--encoding", "raw"])
            let infoURL = dir.appendingPathComponent("seg/info")
            var before = try Self.json(infoURL)
            before["custom_key"] = ["kept": [1, 2.5, "x"]]
            try JSONSerialization.data(withJSONObject: before).write(to: infoURL)
            try Data(Self.lut.utf8).write(to: dir.appendingPathComponent("lut.txt"))

            let result = try await Runner.nprec("labels", "lut.txt", "seg", in: dir)
            #expect(result.status == 0, "\(result)")
            #expect(result.stdout == "seg/segment_properties/info: 4 labels (freesurfer), colours in colors.json\n")
            let after = try Self.json(infoURL)
            #expect(after["segment_properties"] as? String == "segment_properties")
            var rest = after
            rest["segment_properties"] = nil
            #expect(NSDictionary(dictionary: rest).isEqual(to: before), "every other key kept")
            let properties = try String(
                contentsOf: dir.appendingPathComponent("seg/segment_properties/info"), encoding: .utf8)
            #expect(
                properties
                    == #"{"@type":"neuroglancer_segment_properties","inline":{"ids":["0","1","2","99"],"properties":"#
                    + #"[{"id":"label","type":"label","values":["Unknown","Left-Cerebral-Exterior","#
                    + #""Left Cerebral White","Nowhere"]}]}}"#)
            let colors = try String(
                contentsOf: dir.appendingPathComponent("seg/segment_properties/colors.json"), encoding: .utf8)
            #expect(colors == ##"{"0":"#000000","1":"#4682b4","2":"#f5f5f5","99":"#010203"}"##)

            let verify = try await Runner.nprec("verify", "seg", in: dir)
            #expect(verify.status == 0, "\(verify)")
            #expect(verify.lines.last?.contains("segment properties") == true, "\(verify)")
        }
    }

    @Test(arguments: [
        ["--encoding", "raw"], ["--encoding", "compressed_segmentation"],
        ["--encoding", "compressed_segmentation", "--sharding", "auto", "--flat"], ["--encoding", "raw", "--no-gzip"],
    ])
    func countsEveryVoxelOfTheFullResolution(options: [String]) async throws {
        try await withTemporaryDirectory { dir in
            try await Self.segmentation(dir, options)
            try Data("id,name\n1,one\n2,two\n40,forty\n99,nowhere\n".utf8).write(
                to: dir.appendingPathComponent("t.csv"))
            let result = try await Runner.nprec("labels", "--counts", "-j", "2", "t.csv", "seg", in: dir)
            #expect(result.status == 0, "\(result)")
            #expect(result.stderr.contains("nprec: labels: 1 of the table's 4 labels are absent from the volume: 99\n"))
            #expect(
                result.stderr.contains(
                    "nprec: labels: 37 labels of the volume are absent from the table: 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, "
                        + "...\n"), "\(result)")
            let properties = try Self.json(dir.appendingPathComponent("seg/segment_properties/info"))
            let list = try #require((properties["inline"] as? [String: Any])?["properties"] as? [[String: Any]])
            let voxels = try #require(list.first { $0["id"] as? String == "voxels" })
            let counts = Self.expectedCounts
            #expect(voxels["data_type"] as? String == "uint32")
            #expect(voxels["values"] as? [Int] == [counts[1] ?? 0, counts[2] ?? 0, counts[40] ?? 0, 0])
            let volume = try #require(list.first { $0["id"] as? String == "volume_mm3" })
            #expect(volume["values"] as? [Double] == [1, 2, 40, 99].map { Double(3 * (counts[$0] ?? 0)) })
            #expect(try await Runner.nprec("verify", "seg", in: dir).status == 0)
        }
    }

    @Test(arguments: [
        ("t.csv", "id,name\n1,a\n1,b\n", "t.csv:3: id 1 is there twice (first on line 2)"),
        ("t.txt", "0 a 0 0 0 0\n1 b 0 0\n", "t.txt:2: 4 fields, a row has 6: id name R G B A (freesurfer)"),
        (
            "t.json", "{\"18446744073709551616\": \"x\"}",
            "t.json:1: id \"18446744073709551616\" is not an integer from 0 to 18446744073709551615"
        ),
    ])
    func aBadTableWritesNothing(name: String, text: String, message: String) async throws {
        try await withTemporaryDirectory { dir in
            try await Self.segmentation(dir, ["--encoding", "raw"])
            try Data(text.utf8).write(to: dir.appendingPathComponent(name))
            let before = try treeContents(dir.appendingPathComponent("seg"))
            let result = try await Runner.nprec("labels", "--counts", name, "seg", in: dir)
            #expect(result.status == 1, "\(result)")
            #expect(result.stderr == "nprec: error: \(message)\n")
            #expect(result.stdout == "")
            #expect(try treeContents(dir.appendingPathComponent("seg")) == before, "nothing written")
        }
    }

    @Test func anImageIsRefused() async throws {
        try await withTemporaryDirectory { dir in
            let volume = try TestVolume.write("image.nii", in: dir, size: [8, 8, 8])
            try #require(try await Runner.nprec("pyramid", volume, "img", in: dir).status == 0)
            try Data("{\"1\": \"a\"}".utf8).write(to: dir.appendingPathComponent("t.json"))
            let result = try await Runner.nprec("labels", "t.json", "img", in: dir)
            #expect(result.status == 1)
            #expect(
                result.stderr
                    == "nprec: error: img/info: type is \"image\"; segment properties belong to a segmentation "
                    + "(write it with --type segmentation)\n")
            #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("img/segment_properties").path))
        }
    }

    @Test func theServeLinkSetsTheTableColours() async throws {
        try await withTemporaryDirectory { dir in
            try await Self.segmentation(dir, ["--encoding", "compressed_segmentation"])
            try Data(Self.lut.utf8).write(to: dir.appendingPathComponent("lut.txt"))
            try #require(try await Runner.nprec("labels", "lut.txt", "seg", in: dir).status == 0)
            let server = try await ServeProcess([dir.appendingPathComponent("seg").path], links: 1)
            defer { server.stop() }
            let layer = try #require(try ServeCommandTests.layer("seg", in: server.links))
            #expect(layer["type"] as? String == "segmentation")
            #expect(layer["tab"] as? String == "segments", "the side panel opens on the segment list")
            #expect(
                layer["segmentColors"] as? [String: String]
                    == ["0": "#000000", "1": "#4682b4", "2": "#f5f5f5", "99": "#010203"])
            let answer = try server.request("/segment_properties/info")
            #expect(answer.status == 200)
        }
    }

    @Test func aMissingChunkCountsAsLabelZero() async throws {
        try await withTemporaryDirectory { dir in
            try await Self.segmentation(dir, ["--encoding", "raw", "--flat", "--no-gzip"])
            let info = try Self.json(dir.appendingPathComponent("seg/info"))
            let scale = try #require((info["scales"] as? [[String: Any]])?.first)
            let key = try #require(scale["key"] as? String)
            let chunk = try #require((scale["chunk_sizes"] as? [[Int]])?.first)
            let box = (0..<3).map { min(chunk[$0], Self.size[$0]) }
            try FileManager.default.removeItem(
                at: dir.appendingPathComponent("seg/\(key)/0-\(box[0])_0-\(box[1])_0-\(box[2])"))
            try Data("{\"0\": \"background\"}".utf8).write(to: dir.appendingPathComponent("t.json"))
            let result = try await Runner.nprec("labels", "--counts", "t.json", "seg", in: dir)
            #expect(result.status == 0, "\(result)")
            #expect(result.stderr.contains("nprec: labels: 1 chunks are missing, counted as label 0\n"), "\(result)")
            let properties = try Self.json(dir.appendingPathComponent("seg/segment_properties/info"))
            let list = try #require((properties["inline"] as? [String: Any])?["properties"] as? [[String: Any]])
            let voxels = try #require(list.first { $0["id"] as? String == "voxels" })
            // The missing chunk's voxels all count as 0, the ones of label 0 in it once.
            var zeros = box.reduce(1, *) + (Self.expectedCounts[0] ?? 0)
            for z in 0..<box[2] {
                for y in 0..<box[1] { for x in 0..<box[0] where Self.label(x, y, z) == 0 { zeros -= 1 } }
            }
            #expect(voxels["values"] as? [Int] == [zeros])
        }
    }

    @Test func theLinkSetsAtMostTenThousandColours() async throws {
        try await withTemporaryDirectory { dir in
            try await Self.segmentation(dir, ["--encoding", "raw"])
            let rows = (0...10_000).map { "\($0),label \($0),#\(String(format: "%06x", $0 * 97))" }
            try Data(("id,name,color\n" + rows.joined(separator: "\n")).utf8).write(
                to: dir.appendingPathComponent("t.csv"))
            try #require(try await Runner.nprec("labels", "t.csv", "seg", in: dir).status == 0)
            let server = try await ServeProcess([dir.appendingPathComponent("seg").path], links: 1)
            defer { server.stop() }
            let layer = try #require(try ServeCommandTests.layer("seg", in: server.links))
            let colors = try #require(layer["segmentColors"] as? [String: String])
            #expect(colors.count == 10_000)
            #expect(colors["9999"] == "#" + String(format: "%06x", 9999 * 97) && colors["10000"] == nil)
            #expect(server.stderr.contains("seg: the link sets the colours of the first 10000 of 10001 labels"))
        }
    }
}
