import Codecs
import Encoding
import Engine
import Foundation
import Mesh
import Precomputed

/// `nprec mesh generate`: meshes for the labels of a segmentation, in two stages.
///
/// 1. Blocks (in parallel, split between tasks): the labels of each block are read with a
///    one-voxel overlap, marching cubes makes each label's surface, meshoptimizer simplifies it
///    within level 0's error (the block's border fixed), and the surfaces go to a work file
///    `DEST/.nprec/mesh-SCALE/X_Y_Z` (written whole or not at all).
/// 2. Labels (in parallel, split between tasks, one shard at a time when sharded): each label's
///    block surfaces become the levels of detail of its octree, encoded with Draco, written as
///    `MESH/ID` and `MESH/ID.index` or into the shards; or, in the legacy format, as one welded
///    fragment and its `ID:0` manifest.
///
/// A task does its blocks, then its labels once every block is there: a split run is the same
/// command run twice by each task (or once more without `--task`). The run without `--task`
/// does what is missing and removes the work files.
public struct MeshGenerator: Sendable {
    public enum Format: String, Sendable, CaseIterable {
        case multires
        case legacy
    }

    public struct Settings: Sendable {
        public var scale = 0
        /// Block (level-0 fragment) shape in voxels; nil: the scale's chunk size.
        public var blockShape: [Int]?
        public var quantizationBits = 16
        /// Level 0's simplification error in nm; nil: half the smallest voxel side. Level L
        /// allows 2^L times as much.
        public var error: Double?
        /// Most levels of detail (0: until one node holds the label).
        public var maxLevels = 0
        public var selection = MarchingCubes.Selection()
        public var format = Format.multires
        /// Sharding of the multi-resolution format: nil unsharded; `automatic` chooses it from
        /// the label count.
        public var sharding: ShardingChoice?
        public var meshDirectory: String?
        public var jobs = 1
        public var work = WorkSelection.everything
        public var dracoSpeed = 5

        public init() {}
    }

    public enum ShardingChoice: Sendable, Equatable {
        case automatic
        case spec(ShardingSpec)
    }

    public struct Summary: Sendable, Equatable {
        public var blocksComputed = 0
        public var labels = 0
        public var labelsWritten = 0
        public var triangles: [Int] = []
        public var bytes = 0
        /// Whether every label is written (false: a task stopped after its blocks, or its labels).
        public var complete = false
        public var meshDirectory = ""
    }

    public let dataset: Dataset
    public let settings: Settings

    public init(dataset: Dataset, settings: Settings) {
        self.dataset = dataset
        self.settings = settings
    }

    /// Runs what this invocation's share is (everything without `--task`).
    public func run(reporter: any WorkReporter) throws -> Summary {
        var info = try dataset.readInfo(
            hint: "DEST must be a precomputed segmentation, e.g. made with 'nprec pyramid labels.nii.gz DEST'")
        let spec = try info.validate(file: dataset.path("info"))
        let infoPath = dataset.path("info")
        guard spec.type == .segmentation else {
            throw PrecomputedError.unsupported(
                "\(infoPath) has type '\(info.type ?? "image")': meshes are made from a segmentation "
                    + "(its voxels are labels); convert the labels with --type segmentation")
        }
        guard [.uint8, .uint16, .uint32, .uint64].contains(spec.dataType), spec.channels == 1 else {
            throw PrecomputedError.unsupported(
                "\(infoPath): data_type \(spec.dataType.rawValue)"
                    + (spec.channels == 1 ? "" : " with \(spec.channels) channels")
                    + " cannot hold labels: meshes need one channel of uint8, uint16, uint32 or uint64")
        }
        guard settings.scale < spec.scales.count else {
            throw PrecomputedError.unsupported(
                "\(infoPath) has \(spec.scales.count) scales, no scale \(settings.scale)")
        }
        let scale = spec.scales[settings.scale]
        let meshDirectory = settings.meshDirectory ?? info.mesh ?? "mesh"
        if let existing = info.mesh, existing != meshDirectory {
            throw PrecomputedError.unsupported(
                "\(infoPath) already has \"mesh\": \"\(existing)\"; pass --mesh-dir \(existing) to replace those meshes"
            )
        }
        let reader = ScaleReader(dataset: dataset, scale: scale.info)
        let format = ChunkFormat(dataset: spec, scale: scale)
        let grid = BlockGrid(size: scale.size, shape: settings.blockShape ?? scale.chunkSize)
        let resolution = SIMD3<Float>(
            Float(scale.resolution[0]), Float(scale.resolution[1]), Float(scale.resolution[2]))
        let error = settings.error ?? scale.resolution.min()! / 2
        let workDirectory = "\(TaskJournal.directory)/mesh-\(scale.key.replacingOccurrences(of: "/", with: "_"))"
        let settingsText = describe(grid: grid, error: error, scaleKey: scale.key)
        try prepareWork(workDirectory, settingsText: settingsText)

        var summary = Summary()
        summary.meshDirectory = meshDirectory

        // Stage 1: blocks.
        let task = settings.work.task
        let mine = (0..<grid.count).filter { task == nil || $0 % task!.count == task!.index }
        let missing = mine.filter { !FileIO.isFile(dataset.path("\(workDirectory)/\(grid.name(grid.position($0)))")) }
        let blockProgress = reporter.begin("mesh scale \(scale.key)", total: missing.count, unit: "blocks")
        try parallelChunks(missing.count, jobs: settings.jobs) { i in
            defer { blockProgress.advance() }
            let position = grid.position(missing[i])
            let (first, count) = grid.samples(position)
            let samples = try reader.labelSamples(format: format, first: first, count: count)
            let origin = SIMD3<Float>(
                Float(Double(first[0]) + 0.5), Float(Double(first[1]) + 0.5), Float(Double(first[2]) + 0.5))
            let raw = samples.withUnsafeBufferPointer {
                MarchingCubes.surfaces(of: $0, size: count, origin: origin, selection: settings.selection)
            }
            // The block's first sample is at its low corner.
            let low = origin
            let high = low + SIMD3<Float>(Float(grid.shape[0]), Float(grid.shape[1]), Float(grid.shape[2]))
            let simplified = raw.mapValues {
                LevelsOfDetail.simplifyClosed($0, scale: resolution, error: Float(error), low: low, high: high)
            }.filter { $0.value.triangleCount > 0 }
            try dataset.writeFile("\(workDirectory)/\(grid.name(position))", BlockFile.encode(simplified))
        }
        blockProgress.finish()
        summary.blocksComputed = missing.count
        let allBlocks = (0..<grid.count).allSatisfy {
            FileIO.isFile(dataset.path("\(workDirectory)/\(grid.name(grid.position($0)))"))
        }
        guard allBlocks else {
            reporter.note(
                "task \(task.map(\.description) ?? "") wrote its blocks; its labels follow once every task's blocks are "
                    + "written: run the same command again (or once without --task)")
            return summary
        }

        // Stage 2: labels.
        let index = try labelIndex(grid: grid, workDirectory: workDirectory)
        let labels = index.keys.sorted()
        summary.labels = labels.count
        let writer = try LabelWriter(
            dataset: dataset, directory: meshDirectory, settings: settings, grid: grid, scale: scale,
            labels: labels, resolution: resolution, error: error)
        try writer.writeInfo()
        let units = writer.units(task: task)
        let pending = settings.work.resume ? units.filter { !writer.isWritten($0) } : units
        let labelProgress = reporter.begin(
            "levels of detail of \(pending.reduce(0) { $0 + $1.labels.count }) labels", total: pending.count,
            unit: layoutUnit(writer))
        let totals = Totals()
        // Labels in parallel: one per unit unsharded, or those of one shard at a time.
        let sharded = writer.layout != nil
        try parallelChunks(pending.count, jobs: sharded ? 1 : settings.jobs) { i in
            defer { labelProgress.advance() }
            let result = try writer.write(pending[i], jobs: sharded ? settings.jobs : 1) { label in
                try index[label]!.map { try readSurface($0, workDirectory: workDirectory) }
            }
            totals.add(result)
        }
        labelProgress.finish()
        (summary.triangles, summary.bytes, summary.labelsWritten) = totals.value

        if info.mesh != meshDirectory {
            info.mesh = meshDirectory
            try dataset.writeInfo(info, overwrite: true)
        }
        if task == nil {
            try? FileManager.default.removeItem(atPath: dataset.path(workDirectory))
            // The journal's directory goes too when nothing else is in it.
            _ = rmdir(dataset.path(TaskJournal.directory))
            summary.complete = true
        } else {
            summary.complete = writer.allUnits.allSatisfy(writer.isWritten)
        }
        return summary
    }

    func layoutUnit(_ writer: LabelWriter) -> String { writer.layout == nil ? "labels" : "shards" }

    /// The options that change the files, recorded with the work files.
    func describe(grid: BlockGrid, error: Double, scaleKey: String) -> String {
        let selection = settings.selection
        return [
            "scale \(scaleKey)", "block \(grid.shape)", "error \(error)",
            "only \(selection.only.map { $0.sorted().map(String.init).joined(separator: ",") } ?? "all")",
            "excluded \(selection.excluded.sorted().map(String.init).joined(separator: ","))",
        ].joined(separator: "\n") + "\n"
    }

    /// The work directory, kept when its settings are this run's (a split or resumed run),
    /// emptied otherwise.
    func prepareWork(_ directory: String, settingsText: String) throws {
        let settingsFile = "\(directory)/settings"
        let previous = try FileIO.read(dataset.path(settingsFile)).map { String(decoding: $0, as: UTF8.self) }
        if previous != settingsText {
            if previous != nil, settings.work.task != nil || settings.work.resume {
                throw PrecomputedError.unsupported(
                    "\(dataset.path(directory)) holds blocks made with other options (\(previous!.split(separator: "\n").joined(separator: ", "))): "
                        + "give the options of that run, or remove the directory")
            }
            try? FileManager.default.removeItem(atPath: dataset.path(directory))
            try FileManager.default.createDirectory(atPath: dataset.path(directory), withIntermediateDirectories: true)
            try dataset.writeFile(settingsFile, Array(settingsText.utf8))
        }
    }

    struct Piece: Sendable {
        var position: SIMD3<Int>
        var file: String
        var entry: BlockFile.Entry
    }

    /// Which blocks hold each label, from the work files' headers.
    func labelIndex(grid: BlockGrid, workDirectory: String) throws -> [UInt64: [Piece]] {
        var index: [UInt64: [Piece]] = [:]
        for block in 0..<grid.count {
            let position = grid.position(block)
            let path = dataset.path("\(workDirectory)/\(grid.name(position))")
            let handle = try WorkFile(path: path)
            for entry in try BlockFile.entries(handle.read, path: path) {
                index[entry.label, default: []].append(Piece(position: position, file: path, entry: entry))
            }
        }
        return index
    }

    func readSurface(_ piece: Piece, workDirectory: String) throws -> (SIMD3<Int>, LabelSurface) {
        let handle = try WorkFile(path: piece.file)
        let length = 12 * piece.entry.vertexCount + 4 * piece.entry.indexCount
        let bytes = try handle.read(piece.entry.offset, length)
        return (piece.position, try BlockFile.surface(bytes, entry: piece.entry, path: piece.file))
    }

    final class Totals: @unchecked Sendable {
        // Invariant: `total` is read and changed only under `lock`.
        private let lock = NSLock()
        private var total = LabelWriter.Result()

        func add(_ result: LabelWriter.Result) { lock.withLock { total.merge(result) } }

        var value: ([Int], Int, Int) { lock.withLock { (total.triangles, total.bytes, total.labels) } }
    }
}

/// Reads ranges of a work file, never past its end.
struct WorkFile {
    let path: String
    let size: Int

    init(path: String) throws {
        self.path = path
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: path),
            let size = attributes[.size] as? Int
        else { throw PrecomputedError.missing(path: path, hint: "a mesh work file is gone: run again") }
        self.size = size
    }

    func read(_ offset: Int, _ count: Int) throws -> [UInt8] {
        guard offset >= 0, count >= 0, offset <= size else { return [] }
        let wanted = min(count, size - offset)
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw PrecomputedError.io(path: path, problem: "cannot be opened")
        }
        defer { try? handle.close() }
        try handle.seek(toOffset: UInt64(offset))
        let data = try handle.read(upToCount: wanted) ?? Data()
        return [UInt8](data)
    }
}
