import Encoding
import Engine
import Foundation
import Precomputed

/// The voxels of each label in a segmentation's full-resolution scale.
public struct VoxelCounts: Sendable, Equatable {
    /// Voxels per label; labels that do not occur are absent.
    public var counts: [UInt64: UInt64]
    /// The volume of one voxel in cubic millimetres (scale 0's resolution is in nanometres).
    public var voxelVolume: Double
    /// Chunks that are not there: counted as label 0, as the viewer shows them.
    public var missingChunks: Int

    public init(counts: [UInt64: UInt64], voxelVolume: Double, missingChunks: Int = 0) {
        self.counts = counts
        self.voxelVolume = voxelVolume
        self.missingChunks = missingChunks
    }

    /// Counts every label of scale 0 of `spec` (read from `dataset`), its chunks read and
    /// decoded on `jobs` threads as `ScaleReader` and `ChunkFormat` read them for every other
    /// command: either layout, plain or gzipped, sharded or not, any encoding. Progress goes to
    /// `reporter`, one step per chunk.
    public static func count(
        _ dataset: Dataset, spec: DatasetSpec, jobs: Int, reporter: any WorkReporter = SilentReporter()
    ) throws -> VoxelCounts {
        guard spec.dataType.isInteger else {
            throw PrecomputedError.unsupported(
                "\(dataset.path("info")): data_type \(spec.dataType.rawValue) has no integer labels to count")
        }
        guard spec.channels == 1 else {
            throw PrecomputedError.unsupported(
                "\(dataset.path("info")): \(spec.channels) channels; labels are counted in a single-channel volume")
        }
        let scale = spec.scales[0]
        let reader = ScaleReader(dataset: dataset, scale: scale.info)
        let format = ChunkFormat(dataset: spec, scale: scale)
        let grid = reader.grid
        let cells = grid.gridSize
        let total = TallyTotal()
        let progress = reporter.begin("count \(scale.key)", total: grid.chunkCount)
        try parallelChunks(grid.chunkCount, jobs: jobs) { index in
            defer { progress.advance() }
            let box = grid.box(index % cells[0], index / cells[0] % cells[1], index / (cells[0] * cells[1]))
            let bytes: [UInt8]
            do {
                bytes = try reader.read(box)
            } catch PrecomputedError.missing {
                total.add([0: UInt64(box.voxelCount)], missing: 1)
                return
            }
            let values = try format.decode(bytes, size: box.size, path: reader.describe(box))
            total.add(tally(values, dataType: spec.dataType), missing: 0)
        }
        progress.finish()
        let volume = scale.resolution.reduce(1) { $0 * ($1 / 1e6) }
        return VoxelCounts(counts: total.counts, voxelVolume: volume, missingChunks: total.missing)
    }

    /// The voxels of each value of a decoded chunk (host byte order).
    static func tally(_ values: [UInt8], dataType: DataType) -> [UInt64: UInt64] {
        switch dataType {
        case .uint8: return tally(values, as: UInt8.self)
        case .int8: return tally(values, as: Int8.self)
        case .uint16: return tally(values, as: UInt16.self)
        case .int16: return tally(values, as: Int16.self)
        case .uint32: return tally(values, as: UInt32.self)
        case .int32: return tally(values, as: Int32.self)
        case .uint64: return tally(values, as: UInt64.self)
        case .int64: return tally(values, as: Int64.self)
        case .float32, .float64: return [:]
        }
    }

    /// Runs of equal values are counted at once: labels come in runs along x. Negative values
    /// of signed types count as their two's complement, as the viewer reads them.
    static func tally<T: FixedWidthInteger>(_ values: [UInt8], as type: T.Type) -> [UInt64: UInt64] {
        var counts: [UInt64: UInt64] = [:]
        values.withUnsafeBytes { raw in
            let count = raw.count / MemoryLayout<T>.size
            guard count > 0 else { return }
            var current = raw.loadUnaligned(fromByteOffset: 0, as: T.self)
            var run: UInt64 = 0
            for index in 0..<count {
                let value = raw.loadUnaligned(fromByteOffset: index &* MemoryLayout<T>.size, as: T.self)
                if value != current {
                    counts[UInt64(truncatingIfNeeded: current), default: 0] &+= run
                    current = value
                    run = 0
                }
                run &+= 1
            }
            counts[UInt64(truncatingIfNeeded: current), default: 0] &+= run
        }
        return counts
    }

    /// The labels of `table` that no voxel has, and the labels of the volume (0 aside) that the
    /// table does not name, each in ascending order.
    public func differences(_ table: LabelTable) -> (absentFromVolume: [UInt64], absentFromTable: [UInt64]) {
        let named = Set(table.labels.map(\.id))
        let absentFromVolume = table.labels.map(\.id).filter { (counts[$0] ?? 0) == 0 }
        let absentFromTable = counts.keys.filter { $0 != 0 && !named.contains($0) }.sorted()
        return (absentFromVolume, absentFromTable)
    }
}

/// The sum of the chunks' tallies, added to under a lock as each chunk is done.
private final class TallyTotal: @unchecked Sendable {
    // @unchecked Sendable: `counts` and `missing` are read and written only under `lock`.
    private let lock = NSLock()
    private var storage: [UInt64: UInt64] = [:]
    private var missingChunks = 0

    func add(_ tally: [UInt64: UInt64], missing: Int) {
        lock.withLock {
            for (label, count) in tally { storage[label, default: 0] &+= count }
            missingChunks += missing
        }
    }

    var counts: [UInt64: UInt64] { lock.withLock { storage } }
    var missing: Int { lock.withLock { missingChunks } }
}
