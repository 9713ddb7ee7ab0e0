import Codecs
import Foundation
import Precomputed
import Testing

/// `nprec mesh generate` on segmentations nprec writes: every label's multi-resolution mesh
/// read back from the files (manifests, Draco fragments, shards), closed across fragments, in
/// the volume's physical space; the same files whatever the threads and tasks; errors.
@Suite struct MeshGenerateTests {
    static let size = LabelsCommandTests.size

    /// The labels of the test volume, 0 aside.
    static var labels: [UInt64] { LabelsCommandTests.expectedCounts.keys.filter { $0 != 0 }.sorted() }

    /// One label's mesh as Neuroglancer reads it: per level, the fragments' triangles with
    /// their corners in stored-model units (voxels).
    struct ReadMesh {
        var chunkShape: [Float]
        var gridOrigin: [Float]
        var levels: [[(position: [UInt32], triangles: [[SIMD3<Double>]])]]
    }

    static func uint32(_ bytes: [UInt8], _ at: Int) -> UInt32 {
        bytes[at..<(at + 4)].reversed().reduce(0) { $0 << 8 | UInt32($1) }
    }

    static func float(_ bytes: [UInt8], _ at: Int) -> Float { Float(bitPattern: uint32(bytes, at)) }

    /// Parses a manifest and decodes the fragments of `data` it lists.
    static func read(manifest: [UInt8], data: [UInt8], bits: Int) throws -> ReadMesh {
        let lods = Int(uint32(manifest, 24))
        var cursor = 28 + 16 * lods
        let counts = (0..<lods).map { Int(uint32(manifest, cursor + 4 * $0)) }
        cursor += 4 * lods
        #expect(manifest.count == 28 + 20 * lods + 16 * counts.reduce(0, +))
        let shape = (0..<3).map { float(manifest, 4 * $0) }
        let origin = (0..<3).map { float(manifest, 12 + 4 * $0) }
        var mesh = ReadMesh(chunkShape: shape, gridOrigin: origin, levels: [])
        var offset = 0
        let top = Double((1 << bits) - 1)
        for (level, n) in counts.enumerated() {
            let positions = (0..<n).map { i in (0..<3).map { uint32(manifest, cursor + 4 * ($0 * n + i)) } }
            cursor += 12 * n
            var fragments: [(position: [UInt32], triangles: [[SIMD3<Double>]])] = []
            for i in 0..<n {
                let size = Int(uint32(manifest, cursor + 4 * i))
                var triangles: [[SIMD3<Double>]] = []
                if size > 0 {
                    let decoded = try Draco.decode(Array(data[offset..<(offset + size)]))
                    let extent = (0..<3).map { Double(shape[$0]) * Double(1 << level) }
                    func corner(_ v: Int) -> SIMD3<Double> {
                        SIMD3(
                            (0..<3).map {
                                Double(origin[$0]) + extent[$0]
                                    * (Double(positions[i][$0]) + Double(decoded.positions[3 * v + $0]) / top)
                            })
                    }
                    for t in 0..<(decoded.indices.count / 3) {
                        triangles.append((0..<3).map { corner(Int(decoded.indices[3 * t + $0])) })
                    }
                }
                offset += size
                fragments.append((positions[i], triangles))
            }
            cursor += 4 * n
            mesh.levels.append(fragments)
        }
        #expect(offset == data.count, "the fragment sizes add up to the data")
        return mesh
    }

    /// Undirected edges (corners rounded to 1/1024 voxel) used other than twice.
    static func openEdges(_ triangles: [[SIMD3<Double>]]) -> Int {
        func key(_ p: SIMD3<Double>) -> SIMD3<Int> { SIMD3<Int>((p * 1024).rounded(.toNearestOrEven)) }
        var count: [[SIMD3<Int>]: Int] = [:]
        for t in triangles {
            for i in 0..<3 {
                let (a, b) = (key(t[i]), key(t[(i + 1) % 3]))
                let edge = a.x < b.x || (a.x == b.x && (a.y < b.y || (a.y == b.y && a.z < b.z))) ? [a, b] : [b, a]
                count[edge, default: 0] += 1
            }
        }
        return count.values.filter { $0 != 2 }.count
    }

    /// The manifest and the fragments of `label` in a sharded mesh directory.
    static func shardEntry(_ meshDir: URL, label: UInt64, sharding: [String: Any]) throws -> (
        manifest: [UInt8], data: [UInt8]
    ) {
        let spec = ShardingSpec(
            preshiftBits: sharding["preshift_bits"] as! Int, hash: sharding["hash"] as! String,
            minishardBits: sharding["minishard_bits"] as! Int, shardBits: sharding["shard_bits"] as! Int)
        let layout = ShardingLayout(spec: spec, gridSize: [1, 1, 1])
        let file = [UInt8](
            try Data(contentsOf: meshDir.appendingPathComponent(layout.fileName(shard: layout.shard(of: label)))))
        let minishard = Int(layout.minishard(of: label))
        func uint64(_ bytes: [UInt8], _ at: Int) -> UInt64 {
            bytes[at..<(at + 8)].reversed().reduce(0) { $0 << 8 | UInt64($1) }
        }
        let base = layout.indexSize
        let (start, end) = (Int(uint64(file, 16 * minishard)), Int(uint64(file, 16 * minishard + 8)))
        let index = try Gzip.decompress(Array(file[(base + start)..<(base + end)]))
        let n = index.count / 24
        var id: UInt64 = 0
        var position = 0
        for i in 0..<n {
            id += uint64(index, 8 * i)
            position += Int(uint64(index, 8 * (n + i)))
            let size = Int(uint64(index, 8 * (2 * n + i)))
            if id == label {
                let manifest = try Gzip.decompress(Array(file[(base + position)..<(base + position + size)]))
                let lods = Int(uint32(manifest, 24))
                let counts = (0..<lods).map { Int(uint32(manifest, 28 + 16 * lods + 4 * $0)) }
                var fragments = 0
                var cursor = 28 + 20 * lods
                for n in counts {
                    cursor += 12 * n
                    for j in 0..<n { fragments += Int(uint32(manifest, cursor + 4 * j)) }
                    cursor += 4 * n
                }
                return (manifest, Array(file[(base + position - fragments)..<(base + position)]))
            }
            position += size
        }
        Issue.record("label \(label) is not in its shard")
        return ([], [])
    }

    @Test(arguments: [[], ["--sharding", "auto"], ["--fragment-size", "4", "--quantization-bits", "10"]])
    func everyLabelHasAClosedMeshInThePhysicalSpace(options: [String]) async throws {
        try await withTemporaryDirectory { dir in
            try await LabelsCommandTests.segmentation(dir, ["--encoding", "compressed_segmentation"])
            let result = try await Runner.nprec(["mesh", "generate", "seg", "-j", "2"] + options, in: dir)
            try #require(result.status == 0, "\(result)")
            #expect(result.stdout.contains("meshes of \(Self.labels.count) of \(Self.labels.count) labels (multires)"))
            let meshDir = dir.appendingPathComponent("seg/mesh")
            let info = try LabelsCommandTests.json(meshDir.appendingPathComponent("info"))
            #expect(info["@type"] as? String == "neuroglancer_multilod_draco")
            let bits = options.contains("10") ? 10 : 16
            #expect(info["vertex_quantization_bits"] as? Int == bits)
            let volumeInfo = try LabelsCommandTests.json(dir.appendingPathComponent("seg/info"))
            #expect(volumeInfo["mesh"] as? String == "mesh")
            let scale = try #require((volumeInfo["scales"] as? [[String: Any]])?.first)
            let resolution = try #require(scale["resolution"] as? [Double])
            let offset = try #require(scale["voxel_offset"] as? [Int])
            let transform = try #require(info["transform"] as? [Double])
            #expect(
                transform == [
                    resolution[0], 0, 0, resolution[0] * Double(offset[0]), 0, resolution[1], 0,
                    resolution[1] * Double(offset[1]), 0, 0, resolution[2], resolution[2] * Double(offset[2]),
                ])
            #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("seg/.nprec").path))
            for label in Self.labels {
                let manifest: [UInt8]
                let data: [UInt8]
                if let sharding = info["sharding"] as? [String: Any] {
                    (manifest, data) = try Self.shardEntry(meshDir, label: label, sharding: sharding)
                } else {
                    manifest = [UInt8](try Data(contentsOf: meshDir.appendingPathComponent("\(label).index")))
                    data = [UInt8](try Data(contentsOf: meshDir.appendingPathComponent("\(label)")))
                }
                let mesh = try Self.read(manifest: manifest, data: data, bits: bits)
                let lod0 = mesh.levels[0].flatMap(\.triangles)
                #expect(!lod0.isEmpty && Self.openEdges(lod0) == 0, "label \(label): LOD 0 is open")
                // Every corner within the volume (voxels span [0, size) in stored units), give or
                // take half a quantization step.
                let step = Double(mesh.chunkShape.max()!) / Double((1 << bits) - 1)
                for corner in lod0.joined() {
                    #expect((0..<3).allSatisfy { corner[$0] >= -step && corner[$0] <= Double(Self.size[$0]) + step })
                }
                let triangles = mesh.levels.map { $0.reduce(0) { $0 + $1.triangles.count } }
                #expect(zip(triangles, triangles.dropFirst()).allSatisfy { $0 >= $1 }, "label \(label): \(triangles)")
                #expect(mesh.levels.last!.count == 1)
            }
        }
    }

    @Test func theSameFilesWhateverThreadsAndTasks() async throws {
        try await withTemporaryDirectory { dir in
            try await LabelsCommandTests.segmentation(dir, ["--encoding", "raw"])
            let base = dir.appendingPathComponent("seg")
            var trees: [[String: Data]] = []
            for (index, runs) in [
                [["-j", "1"]], [["-j", "3"]], [["--task", "1/2"], ["--task", "0/2"], ["--task", "1/2"]],
            ]
            .enumerated() {
                let copy = dir.appendingPathComponent("copy\(index)")
                try FileManager.default.copyItem(at: base, to: copy)
                for run in runs {
                    let result = try await Runner.nprec(["mesh", "generate", copy.lastPathComponent] + run, in: dir)
                    try #require(result.status == 0, "\(result)")
                }
                var tree = try treeContents(copy)
                tree = tree.filter { !$0.key.hasPrefix(".nprec/") }
                trees.append(tree)
            }
            #expect(trees[0] == trees[1])
            #expect(trees[0].keys.sorted() == trees[2].keys.sorted())
            #expect(trees[0] == trees[2])
            // The tasks left their work files; a final run without --task removes them.
            let final = try await Runner.nprec(["mesh", "generate", "copy2", "--resume"], in: dir)
            #expect(final.status == 0)
            #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("copy2/.nprec").path))
        }
    }

    @Test func legacyFormatAndLabelSelection() async throws {
        try await withTemporaryDirectory { dir in
            try await LabelsCommandTests.segmentation(dir, ["--encoding", "raw"])
            let result = try await Runner.nprec(
                [
                    "mesh", "generate", "seg", "--format", "legacy", "--no-gzip", "--labels", "13,7,20",
                    "--exclude-labels", "7",
                ],
                in: dir)
            try #require(result.status == 0, "\(result)")
            let meshDir = dir.appendingPathComponent("seg/mesh")
            let files = try FileManager.default.contentsOfDirectory(atPath: meshDir.path).sorted()
            #expect(files == ["13", "13:0", "20", "20:0", "info"])
            let manifest = try LabelsCommandTests.json(meshDir.appendingPathComponent("13:0"))
            #expect(manifest["fragments"] as? [String] == ["13"])
            let bytes = [UInt8](try Data(contentsOf: meshDir.appendingPathComponent("13")))
            let vertexCount = Int(Self.uint32(bytes, 0))
            let vertices = (0..<(3 * vertexCount)).map { Double(Self.float(bytes, 4 + 4 * $0)) }
            let indexStart = 4 + 12 * vertexCount
            let indices = (0..<((bytes.count - indexStart) / 4)).map { Int(Self.uint32(bytes, indexStart + 4 * $0)) }
            let triangles = (0..<(indices.count / 3)).map { t in
                (0..<3).map { k in SIMD3((0..<3).map { vertices[3 * indices[3 * t + k] + $0] }) }
            }
            #expect(!triangles.isEmpty && Self.openEdges(triangles.map { $0.map { $0 / 1e6 } }) == 0)
        }
    }

    @Test func imagesAndFloatVolumesAreRefused() async throws {
        try await withTemporaryDirectory { dir in
            let volume = try TestVolume.write("image.nii", in: dir, size: [9, 8, 7])
            _ = try await Runner.nprec(["pyramid", volume, "img"], in: dir)
            let image = try await Runner.nprec(["mesh", "generate", "img"], in: dir)
            #expect(image.status == 1)
            #expect(image.stderr.contains("has type 'image': meshes are made from a segmentation"))
            let floats = dir.appendingPathComponent("float")
            try FileManager.default.createDirectory(at: floats, withIntermediateDirectories: true)
            try Data(
                #"{"type":"segmentation","data_type":"float32","num_channels":1,"scales":[{"key":"a","size":[4,4,4],"resolution":[1,1,1],"voxel_offset":[0,0,0],"chunk_sizes":[[4,4,4]],"encoding":"raw"}]}"#
                    .utf8
            ).write(to: floats.appendingPathComponent("info"))
            let float = try await Runner.nprec(["mesh", "generate", "float"], in: dir)
            #expect(float.status == 1)
            #expect(float.stderr.contains("data_type float32 cannot hold labels"), "\(float)")
            #expect(!FileManager.default.fileExists(atPath: floats.appendingPathComponent("mesh").path))
            let bad = try await Runner.nprec(["mesh", "generate", "img", "--labels", "1,x"], in: dir)
            #expect(bad.status == 2 && bad.stderr.contains("'x' is not a label"))
        }
    }

    @Test(arguments: [[], ["--sharding", "auto"]])
    func theServeLinkSelectsEveryMeshedLabel(options: [String]) async throws {
        try await withTemporaryDirectory { dir in
            try await LabelsCommandTests.segmentation(dir, ["--encoding", "compressed_segmentation"])
            let result = try await Runner.nprec(["mesh", "generate", "seg", "--labels", "3,13,20"] + options, in: dir)
            try #require(result.status == 0, "\(result)")
            let server = try await ServeProcess([dir.appendingPathComponent("seg").path], links: 1)
            defer { server.stop() }
            let layer = try #require(try ServeCommandTests.layer("seg", in: server.links))
            #expect(layer["segments"] as? [String] == ["3", "13", "20"])
            let info = try server.request("/mesh/info")
            #expect(info.status == 200)
        }
    }
}
