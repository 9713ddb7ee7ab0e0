import Codecs
import Encoding
import Foundation
import Mesh
import Precomputed

/// Small datasets written with nprec's own storage and encoders, for the verifier to check.
enum Datasets {
    static func temporaryDirectory() throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("verify-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    /// A one-scale dataset of 20x18x10 voxels in 8x8x8 chunks (3x3x2 = 18 chunks, edge chunks
    /// truncated), every chunk written; values vary so that no chunk is uniform.
    static func make(
        _ root: String, encoding: ChunkEncoding = .raw, dataType: DataType = .uint8, channels: Int = 1,
        storage: StorageOptions = StorageOptions(), sharding: ShardingSpec? = nil, size: [Int] = [20, 18, 10],
        chunk: [Int] = [8, 8, 8]
    ) throws -> Dataset {
        var scale = ScaleInfo(
            key: "1_1_1", size: size, resolution: [1, 1, 1], chunkSizes: [chunk], encoding: encoding.rawValue)
        if encoding == .compressedSegmentation { scale.compressedSegmentationBlockSize = [4, 4, 4] }
        scale.sharding = sharding
        let info = VolumeInfo(
            type: encoding == .compressedSegmentation ? "segmentation" : "image", dataType: dataType.rawValue,
            numChannels: channels, scales: [scale], atType: "neuroglancer_multiscale_volume")
        let dataset = Dataset(root: root, options: storage)
        try dataset.writeInfo(info)
        let spec = try info.validate(file: dataset.path("info"))
        let format = ChunkFormat(dataset: spec, scale: spec.scales[0])
        let grid = ChunkGrid(scale: scale)
        func values(_ box: ChunkBox) -> [UInt8] {
            let count = format.valueByteCount(size: box.size)
            return (0..<count).map { UInt8(truncatingIfNeeded: ($0 * 7 + box.x.lowerBound + box.z.lowerBound) % 5) }
        }
        if let sharding {
            let layout = ShardingLayout(spec: sharding, gridSize: grid.gridSize)
            var shards: [UInt64: [(id: UInt64, data: [UInt8])]] = [:]
            for box in grid.boxes {
                guard let cell = grid.cell(of: box) else { continue }
                let id = layout.chunkID(cell)
                shards[layout.shard(of: id), default: []].append((id, try format.encode(values(box), size: box.size)))
            }
            for (shard, chunks) in shards {
                try FileIO.writeAtomically(
                    try ShardFile.build(chunks, layout: layout),
                    to: dataset.path("1_1_1/" + layout.fileName(shard: shard)))
            }
        } else {
            for box in grid.boxes {
                try dataset.writeChunk(
                    try format.encode(values(box), size: box.size), key: "1_1_1", box: box, encoding: encoding)
            }
        }
        return dataset
    }

    /// Adds a mesh directory `mesh` with fragments `a` and `b` and manifests `1:0` (a) and `2:0` (a, b).
    static func addMesh(_ dataset: Dataset) throws -> MeshDirectory {
        var info = try dataset.readInfo()
        info.mesh = "mesh"
        try dataset.writeInfo(info, overwrite: true)
        let mesh = MeshDirectory(dataset: dataset, name: "mesh")
        try mesh.writeInfoIfMissing()
        let fragment = Fragment(vertices: [0, 0, 0, 1, 0, 0, 0, 1, 0], triangles: [0, 1, 2])
        try mesh.writeFragment(fragment, name: "a", storage: StorageOptions())
        try mesh.writeFragment(fragment, name: "b", storage: StorageOptions(gzip: false))
        try mesh.writeManifest(MeshLink(label: 1, fragments: ["a"], line: 1))
        try mesh.writeManifest(MeshLink(label: 2, fragments: ["a", "b"], line: 2))
        return mesh
    }

    /// Sets the info's segment_properties to `props` and writes `props/info`.
    static func addSegmentProperties(_ dataset: Dataset, _ json: String) throws {
        var info = try dataset.readInfo()
        info.extra["segment_properties"] = .string("props")
        try dataset.writeInfo(info, overwrite: true)
        try FileIO.writeAtomically(Array(json.utf8), to: dataset.path("props/info"))
    }
}
