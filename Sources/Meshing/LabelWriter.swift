import Codecs
import Engine
import Foundation
import Mesh
import Precomputed

/// Stage 2 of `nprec mesh generate`: the files of each label, in units that tasks share out
/// (one label, or one shard of labels).
struct LabelWriter: Sendable {
    struct Unit: Sendable {
        var labels: [UInt64]
        /// The shard number when sharded.
        var shard: UInt64?
    }

    struct Result: Sendable {
        var triangles: [Int] = []
        var bytes = 0
        var labels = 0

        /// Adds `other`'s counts (triangles level by level).
        mutating func merge(_ other: Result) {
            for (level, count) in other.triangles.enumerated() {
                if triangles.count <= level { triangles.append(0) }
                triangles[level] += count
            }
            bytes += other.bytes
            labels += other.labels
        }
    }

    let dataset: Dataset
    let directory: MeshDirectory
    let settings: MeshGenerator.Settings
    let grid: BlockGrid
    let scale: ScaleSpec
    let resolution: SIMD3<Float>
    let error: Double
    let layout: ShardingLayout?
    let allUnits: [Unit]

    init(
        dataset: Dataset, directory name: String, settings: MeshGenerator.Settings, grid: BlockGrid, scale: ScaleSpec,
        labels: [UInt64], resolution: SIMD3<Float>, error: Double
    ) throws {
        self.dataset = dataset
        directory = MeshDirectory(dataset: dataset, name: name)
        self.settings = settings
        self.grid = grid
        self.scale = scale
        self.resolution = resolution
        self.error = error
        switch settings.sharding {
        case nil: layout = nil
        case .automatic:
            layout = ShardingLayout(spec: Self.automaticSharding(labelCount: labels.count), gridSize: [1, 1, 1])
        case .spec(let spec): layout = ShardingLayout(spec: spec, gridSize: [1, 1, 1])
        }
        if let layout {
            var byShard: [UInt64: [UInt64]] = [:]
            for label in labels { byShard[layout.shard(of: label), default: []].append(label) }
            allUnits = byShard.keys.sorted().map { Unit(labels: byShard[$0]!, shard: $0) }
        } else {
            allUnits = labels.map { Unit(labels: [$0], shard: nil) }
        }
    }

    /// Sharding for `labelCount` labels hashed with murmurhash3: shards of about 2^10 labels
    /// at most, 2^0..2^6 minishards of a few labels each.
    static func automaticSharding(labelCount: Int) -> ShardingSpec {
        let bits = labelCount <= 1 ? 0 : Int(ceil(log2(Double(labelCount))))
        let shardBits = max(0, bits - 10)
        let minishardBits = min(6, max(0, bits - shardBits - 3))
        return ShardingSpec(
            preshiftBits: 0, hash: "murmurhash3_x86_128", minishardBits: minishardBits, shardBits: shardBits,
            minishardIndexEncoding: "gzip", dataEncoding: "gzip")
    }

    func units(task: TaskSlice?) -> [Unit] {
        guard let task else { return allUnits }
        return allUnits.enumerated().filter { $0.offset % task.count == task.index }.map(\.element)
    }

    func isWritten(_ unit: Unit) -> Bool {
        if let shard = unit.shard, let layout {
            return FileIO.isFile(directory.path(layout.fileName(shard: shard)))
        }
        switch settings.format {
        case .multires: return FileIO.isFile(directory.path("\(unit.labels[0]).index"))
        case .legacy: return FileIO.isFile(directory.path("\(unit.labels[0]):0"))
        }
    }

    /// The mesh directory's info: the format, and for multi-resolution meshes the transform
    /// from stored-model units (voxels of the scale) to nanometres.
    func writeInfo() throws {
        var object: [String: JSONValue]
        switch settings.format {
        case .legacy:
            object = ["@type": .string("neuroglancer_legacy_mesh")]
        case .multires:
            let r = scale.resolution
            let o = scale.offset.map(Double.init)
            object = [
                "@type": .string("neuroglancer_multilod_draco"),
                "vertex_quantization_bits": .int(Int64(settings.quantizationBits)),
                "transform": .array(
                    [r[0], 0, 0, r[0] * o[0], 0, r[1], 0, r[1] * o[1], 0, 0, r[2], r[2] * o[2]].map(Self.number)),
                "lod_scale_multiplier": .double(1),
            ]
            if let layout {
                object["sharding"] = try JSONText.decode(JSONValue.self, from: JSONText.encode(layout.spec))
            }
        }
        try FileManager.default.createDirectory(atPath: directory.path(""), withIntermediateDirectories: true)
        try FileIO.writeAtomically(JSONText.encode(JSONValue.object(object)), to: directory.path("info"))
    }

    static func number(_ value: Double) -> JSONValue {
        value.rounded() == value && abs(value) < 1e15 ? .int(Int64(value)) : .double(value)
    }

    /// Writes the unit's labels, on `jobs` threads; `surfaces(label)` gives a label's level-0
    /// block surfaces.
    func write(_ unit: Unit, jobs: Int, surfaces: @Sendable (UInt64) throws -> [(SIMD3<Int>, LabelSurface)]) throws
        -> Result
    {
        let done = Collected(count: unit.labels.count)
        try parallelChunks(unit.labels.count, jobs: jobs) { i in
            done.set(i, try write(label: unit.labels[i], blocks: surfaces(unit.labels[i])))
        }
        var result = Result()
        var shardEntries: [(id: UInt64, prefix: [UInt8], data: [UInt8])] = []
        for (label, written) in zip(unit.labels, done.values) {
            guard let written else { continue }
            result.merge(Result(triangles: written.triangles, bytes: written.bytes, labels: 1))
            if let mesh = written.mesh { shardEntries.append((label, mesh.data, mesh.manifest)) }
        }
        if let layout, let shard = unit.shard {
            let file = try ShardFile.build(
                prefixed: shardEntries, layout: layout, compressionLevel: dataset.options.compressionLevel)
            try FileIO.writeAtomically(file, to: directory.path(layout.fileName(shard: shard)))
        }
        return result
    }

    struct Written: Sendable {
        var triangles: [Int]
        var bytes: Int
        /// The mesh, kept for the shard.
        var mesh: MultiLODMesh?
    }

    final class Collected: @unchecked Sendable {
        private let lock = NSLock()
        private var slots: [Written?]
        init(count: Int) { slots = Array(repeating: nil, count: count) }
        func set(_ index: Int, _ value: Written) { lock.withLock { slots[index] = value } }
        var values: [Written?] { lock.withLock { slots } }
    }

    /// One label's files (or, sharded, its mesh for the shard).
    func write(label: UInt64, blocks pieces: [(SIMD3<Int>, LabelSurface)]) throws -> Written {
        let blocks = pieces.map { (position: $0.0, surface: $0.1) }
        switch settings.format {
        case .legacy:
            let welded = LevelsOfDetail.weld(blocks.map(\.surface))
            var vertices = welded.positions
            let offset = scale.offset
            for i in 0..<vertices.count {
                let axis = i % 3
                vertices[i] = Float((Double(vertices[i]) + Double(offset[axis])) * scale.resolution[axis])
            }
            let fragment = Fragment(vertices: vertices, triangles: welded.indices)
            let written = try directory.writeFragment(fragment, name: "\(label)", storage: dataset.options)
            try directory.writeManifest(MeshLink(label: label, fragments: ["\(label)"], line: 0))
            let size = (try? FileManager.default.attributesOfItem(atPath: written)[.size] as? Int) ?? 0
            return Written(triangles: [welded.triangleCount], bytes: size)
        case .multires:
            let lods = LevelsOfDetail.build(
                blocks: blocks, scale: resolution, maxLevels: settings.maxLevels == 0 ? 64 : settings.maxLevels
            ) { Float(error * Double(1 << $0)) }
            let shape = SIMD3<Double>(grid.shape.map(Double.init))
            let mesh = try encode(lods, shape: shape, label: label)
            let bytes = mesh.data.count + mesh.manifest.count
            if layout != nil { return Written(triangles: mesh.triangles, bytes: bytes, mesh: mesh) }
            try FileIO.writeAtomically(mesh.data, to: directory.path("\(label)"))
            try FileIO.writeAtomically(mesh.manifest, to: directory.path("\(label).index"))
            return Written(triangles: mesh.triangles, bytes: bytes)
        }
    }

    func encode(_ lods: LevelsOfDetail, shape: SIMD3<Double>, label: UInt64) throws -> MultiLODMesh {
        do {
            return try MultiLODMesh.encode(
                lods, chunkShape: shape, gridOrigin: BlockGrid.gridOrigin, bits: settings.quantizationBits,
                dracoSpeed: settings.dracoSpeed)
        } catch {
            throw PrecomputedError.unsupported("label \(label): Draco could not encode its mesh: \(error)")
        }
    }
}
