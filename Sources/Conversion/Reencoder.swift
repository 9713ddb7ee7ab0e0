import Encoding
import Engine
import Foundation
import Precomputed

/// Options of `nprec reencode`.
public struct ReencodeOptions: Sendable {
    public var jpegQuality: Int
    public var jpegPlane: ChunkFormat.JPEGPlane
    public var skipMissing: Bool
    public var jobs: Int
    public var selection: WorkSelection

    public init(
        jpegQuality: Int = 95, jpegPlane: ChunkFormat.JPEGPlane = .xy, skipMissing: Bool = false, jobs: Int = 1,
        selection: WorkSelection = .everything
    ) {
        self.jpegQuality = jpegQuality
        self.jpegPlane = jpegPlane
        self.skipMissing = skipMissing
        self.jobs = jobs
        self.selection = selection
    }
}

/// Reads every chunk of a source dataset and writes it into a destination dataset whose info
/// gives the encoding, data type, layout and chunk sizes; scale by scale, coarse scales first
/// (as the reference: a viewer sees the whole volume early). Each scale is split between tasks
/// on its own.
public struct Reencoder: Sendable {
    public let source: Dataset
    public let dest: Dataset
    public let sourceInfo: DatasetSpec
    public let destInfo: DatasetSpec
    public let options: ReencodeOptions

    public init(
        source: Dataset, dest: Dataset, sourceInfo: DatasetSpec, destInfo: DatasetSpec, options: ReencodeOptions
    ) {
        self.source = source
        self.dest = dest
        self.sourceInfo = sourceInfo
        self.destInfo = destInfo
        self.options = options
    }

    /// Checks every scale before anything is written; returns the pairs (source, dest) of scales.
    public func check() throws -> [(source: ScaleSpec, dest: ScaleSpec)] {
        guard sourceInfo.channels == destInfo.channels else {
            throw PrecomputedError.unsupported(
                "\(dest.path("info")) has \(destInfo.channels) channels, \(source.path("info")) has "
                    + "\(sourceInfo.channels) (num_channels)")
        }
        var pairs: [(source: ScaleSpec, dest: ScaleSpec)] = []
        for (index, scale) in destInfo.scales.enumerated() {
            guard let match = sourceInfo.scales.first(where: { $0.key == scale.key }) else {
                throw PrecomputedError.unsupported(
                    "\(dest.path("info")): scale \(scale.key) (scales[\(index)]) is not in \(source.path("info"))"
                )
            }
            guard match.size == scale.size, match.offset == scale.offset else {
                throw PrecomputedError.unsupported(
                    "\(dest.path("info")): scale \(scale.key) has size \(scale.size) and voxel_offset \(scale.offset), "
                        + "but \(match.size) and \(match.offset) in \(source.path("info"))")
            }
            try destFormat(scale).checkWritable()
            pairs.append((match, scale))
        }
        return pairs
    }

    func destFormat(_ scale: ScaleSpec) -> ChunkFormat {
        ChunkFormat(dataset: destInfo, scale: scale, jpegQuality: options.jpegQuality, jpegPlane: options.jpegPlane)
    }

    public func run(reporter: any WorkReporter) throws {
        let pairs = try check()
        let mapping = ValueMapping(input: sourceInfo.dataType, output: destInfo.dataType)
        if mapping.rounds { reporter.warn("values will be rounded to the nearest integer") }
        if mapping.clips { reporter.warn("values will be clipped to the range of \(mapping.output.rawValue)") }
        let skipMissing = options.skipMissing
        for (sourceScale, destScale) in pairs.reversed() {
            let key = destScale.key
            let sourceFormat = ChunkFormat(dataset: sourceInfo, scale: sourceScale)
            let format = destFormat(destScale)
            if sourceFormat.encoding.isLossy {
                reporter.warn("using data stored in a lossy format as an input for conversion (for scale \(key))")
            }
            let run = try ScaleRun(
                scale: destScale, format: format, dataset: dest, selection: options.selection, reporter: reporter,
                label: "converting scale \(key)")
            let (plan, units, sink, progress) = (run.plan, run.units, run.sink, run.progress)
            let reader = ScaleReader(dataset: source, scale: sourceScale.info)
            let skipped = Counter()
            let offset = destScale.offset
            try Engine.run(units: units, plan: plan, sink: sink, jobs: options.jobs, progress: progress) { box in
                let lower = [box.x.lowerBound - offset[0], box.y.lowerBound - offset[1], box.z.lowerBound - offset[2]]
                let upper = [box.x.upperBound - offset[0], box.y.upperBound - offset[1], box.z.upperBound - offset[2]]
                let block: VoxelBlock
                do {
                    block = try reader.readRegion(format: sourceFormat, lower: lower, upper: upper)
                } catch PrecomputedError.missing(let path, _) where skipMissing {
                    reporter.warn("\(path): missing, skipped")
                    skipped.increment()
                    return nil
                }
                return mapping.isIdentity ? block.values : mapping.convert(block.values)
            }
            progress.finish()
            if skipped.value > 0 { reporter.warn("scale \(key): \(skipped.value) missing chunks skipped") }
        }
    }
}

/// A thread-safe counter.
final class Counter: @unchecked Sendable {
    // Invariant: `count` only under `lock`.
    private let lock = NSLock()
    private var count = 0
    func increment() { lock.withLock { count += 1 } }
    var value: Int { lock.withLock { count } }
}
