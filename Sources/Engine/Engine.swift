import Encoding
import Foundation
import Precomputed

/// Runs the units of a scale: which are pending, and the parallel convert-encode-write loop for
/// sources that can read any chunk on its own (a seekable volume, the scale above, another
/// dataset). Sources read in a fixed order (a compressed stream, slice files) drive the loop
/// themselves and write through the same `ScaleSink`.
public enum Engine {
    /// The units of `plan` to write: `candidates` (in write order) minus, with `resume`, those
    /// already written whole. With `resume`, the temporary files that an interrupted run left
    /// for the candidates are removed first, and a chunk stored with other options (layout,
    /// gzip) than `dataset`'s stops the run rather than leaving a mix.
    public static func pending(
        _ candidates: [Int], plan: ScalePlan, dataset: Dataset, resume: Bool, encoding: ChunkEncoding
    ) throws -> [Int] {
        guard resume else { return candidates }
        let directory = dataset.path(plan.key)
        if FileIO.isDirectory(directory) {
            let wanted = Set(candidates)
            let prefix = directory + "/"
            _ = try TempFiles.removeLeftovers(in: directory, recursive: !plan.isSharded) { finalPath in
                guard finalPath.hasPrefix(prefix),
                    let unit = plan.unit(forRelativePath: String(finalPath.dropFirst(prefix.count)))
                else { return false }
                return wanted.contains(unit)
            }
        }
        return try candidates.filter { unit in
            if plan.isSharded { return !FileIO.isFile(dataset.path(plan.shardFile(unit))) }
            switch dataset.chunkState(key: plan.key, box: plan.box(ofCell: unit), encoding: encoding) {
            case .written: return false
            case .absent: return true
            case .otherStorage(let path):
                throw PrecomputedError.unsupported(
                    "\(path) was written with other storage options than this run's "
                        + "(\(dataset.options.layout == .flat ? "--flat" : "nested"), "
                        + "\(dataset.options.gzip ? "gzip" : "--no-gzip")): resume with the options of the first run")
            }
        }
    }

    /// Writes every chunk of `units` through `sink` on `jobs` threads. `produce` returns the
    /// values of a chunk (x fastest, then y, z, channel, in the dataset's type), or nil to skip
    /// it. `progress` advances after each chunk. On error, unfinished shards are removed.
    public static func run(
        units: [Int], plan: ScalePlan, sink: ScaleSink, jobs: Int, progress: any StepProgress,
        produce: @Sendable (ChunkBox) throws -> [UInt8]?
    ) throws {
        let cells = units.flatMap { plan.cells(of: $0) }
        try sink.writing {
            try parallelChunks(cells.count, jobs: jobs) { index in
                let box = plan.box(ofCell: cells[index])
                if let values = try produce(box) { try sink.write(values, box: box) }
                progress.advance()
            }
        }
    }

    /// The number of chunks in `units`.
    public static func chunkCount(_ units: [Int], plan: ScalePlan) -> Int {
        plan.isSharded ? units.reduce(0) { $0 + plan.chunkCount(of: $1) } : units.count
    }
}

/// One run over a scale that no other scale feeds (a conversion, a reencode): its plan, the units
/// to write (the task's share, each such scale cut on its own in Morton order as the pyramid's
/// ownership cuts scale 0, minus those written under `--resume`), the sink and the progress.
public struct ScaleRun: Sendable {
    public let plan: ScalePlan
    public let units: [Int]
    public let sink: ScaleSink
    public let progress: any StepProgress

    /// `label` names the step in progress lines ("writing 1mm", "converting scale 1mm"); the
    /// progress counts `extra` more chunks, written by the caller on the way.
    public init(
        scale: ScaleSpec, format: ChunkFormat, dataset: Dataset, selection: WorkSelection, reporter: any WorkReporter,
        label: String, extra: Int = 0
    ) throws {
        let plan = ScalePlan(scale)
        let candidates =
            selection.task.map {
                Ownership(plans: [plan], taskCount: $0.count, dependent: false).units(scale: 0, task: $0.index)
            } ?? Array(0..<plan.unitCount)
        let units = try Engine.pending(
            candidates, plan: plan, dataset: dataset, resume: selection.resume, encoding: format.encoding)
        self.plan = plan
        self.units = units
        sink = ScaleSink(dataset: dataset, plan: plan, format: format)
        progress = reporter.begin(
            label + (selection.task.map { ", task \($0)" } ?? ""), total: Engine.chunkCount(units, plan: plan) + extra)
    }
}
