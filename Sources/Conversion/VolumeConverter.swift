import Dispatch
import Encoding
import Engine
import Precomputed
import Pyramid
import Volumes

/// Writes scale 0 of `info` from a volume file: the units of the run's selection (all, or one
/// task's share; without those already written under `--resume`), on `jobs` threads.
///
/// Three ways to read, chosen by the file and the scale:
/// - uncompressed, unsharded: each worker reads a band of rows one chunk high and thick (only
///   the columns of the chunks it needs), so memory holds a few bands whatever the volume;
/// - uncompressed, sharded: chunk by chunk, in shard order;
/// - compressed: z-slabs of chunk thickness in order, the next slab read while the current one
///   is encoded; slabs without a selected chunk are skipped (decompressed, not kept). With
///   `downscaling` (`nprec pyramid`), scale 1 is computed from the slabs too (`NextScaleWriter`)
///   rather than from the stored chunks afterwards.
public struct VolumeConverter: Sendable {
    public let volume: any VolumeFile
    public let mapping: ValueMapping
    public let info: DatasetSpec
    public let dataset: Dataset
    public let jobs: Int
    public let selection: WorkSelection
    /// How to compute scale 1 on the way, if the run should.
    public let downscaling: DownscaleOptions?

    public init(
        volume: any VolumeFile, mapping: ValueMapping, info: DatasetSpec, dataset: Dataset, jobs: Int,
        selection: WorkSelection, downscaling: DownscaleOptions? = nil
    ) {
        self.downscaling = downscaling
        self.volume = volume
        self.mapping = mapping
        self.info = info
        self.dataset = dataset
        self.jobs = jobs
        self.selection = selection
    }

    /// Writes scale 0; true if scale 1 was written too (see `downscaling`).
    @discardableResult
    public func run(reporter: any WorkReporter) throws -> Bool {
        let scale = info.scales[0]
        let format = ChunkFormat(dataset: info, scale: scale)
        try format.checkWritable()
        let next =
            volume.isSeekable
            ? nil
            : try downscaling.flatMap {
                try NextScaleWriter.make(info: info, dataset: dataset, selection: selection, options: $0)
            }
        let run = try ScaleRun(
            scale: scale, format: format, dataset: dataset, selection: selection, reporter: reporter,
            label: "writing \(scale.key)" + (next.map { ", \($0.label)" } ?? ""), extra: next?.pending.count ?? 0)
        if volume.isSeekable && run.plan.isSharded {
            try writeBlocks(run)
        } else if volume.isSeekable {
            try run.sink.writing { try writeBands(run) }
        } else {
            do {
                try run.sink.writing { try writeSlabs(run, next: next) }
                try next?.sink.finish()
            } catch {
                next?.sink.discard()
                throw error
            }
        }
        run.progress.finish()
        return next != nil
    }

    private var offset: [Int] { info.scales[0].offset }

    /// The volume's values converted to the dataset's type.
    private func convert(_ bytes: [UInt8]) -> [UInt8] { mapping.isIdentity ? bytes : mapping.convert(bytes) }

    /// Uncompressed, sharded: chunk by chunk, in shard order.
    private func writeBlocks(_ run: ScaleRun) throws {
        let offset = self.offset
        try Engine.run(units: run.units, plan: run.plan, sink: run.sink, jobs: jobs, progress: run.progress) { box in
            let block = try volume.readBlock(
                x: (box.x.lowerBound - offset[0])..<(box.x.upperBound - offset[0]),
                y: (box.y.lowerBound - offset[1])..<(box.y.upperBound - offset[1]),
                z: (box.z.lowerBound - offset[2])..<(box.z.upperBound - offset[2]))
            return convert(block.bytes)
        }
    }

    /// Uncompressed, unsharded: rows of selected chunks (same y and z cell), each read as one band.
    private func writeBands(_ run: ScaleRun) throws {
        let (plan, sink, progress, offset) = (run.plan, run.sink, run.progress, self.offset)
        var rows: [(gy: Int, gz: Int, columns: [Int])] = []
        for cell in run.units {
            let c = ScalePlan.coordinates(cell, plan.gridSize)
            if let last = rows.last, last.gy == c[1], last.gz == c[2] {
                rows[rows.count - 1].columns.append(c[0])
            } else {
                rows.append((c[1], c[2], [c[0]]))
            }
        }
        let bands = rows
        try parallelChunks(bands.count, jobs: jobs) { index in
            let row = bands[index]
            let boxes = row.columns.map { plan.grid.box($0, row.gy, row.gz) }
            // Whole rows: one read per slice (a part of each row would be one per row).
            let band = try volume.readBlock(
                x: nil,
                y: (boxes[0].y.lowerBound - offset[1])..<(boxes[0].y.upperBound - offset[1]),
                z: (boxes[0].z.lowerBound - offset[2])..<(boxes[0].z.upperBound - offset[2]))
            for box in boxes {
                let values = band.extract(
                    x: (box.x.lowerBound - offset[0])..<(box.x.upperBound - offset[0]), y: 0..<box.y.count,
                    elementSize: mapping.input.size)
                try sink.write(convert(values), box: box)
                progress.advance()
            }
        }
    }

    /// A compressed stream: slabs of chunk thickness in z order, the next one read while this one
    /// is encoded. With `next`, every slab is read and all its chunks are downscaled into scale 1.
    private func writeSlabs(_ run: ScaleRun, next: NextScaleWriter?) throws {
        let (plan, sink, progress, offset) = (run.plan, run.sink, run.progress, self.offset)
        let perSlab = plan.gridSize[0] * plan.gridSize[1]
        var slabs = [[Int]](repeating: [], count: plan.gridSize[2])
        for unit in run.units {
            for cell in plan.cells(of: unit) { slabs[cell / perSlab].append(cell) }
        }
        // The cells downscaled into scale 1 (all, or the task's, written now or before).
        let sources = next.map { next in
            (0..<plan.gridSize[2]).map { gz in
                ((gz * perSlab)..<((gz + 1) * perSlab)).filter { next.sources?.contains($0) ?? true }
            }
        }
        let wanted = slabs.indices.filter { !slabs[$0].isEmpty || !(sources?[$0].isEmpty ?? true) }
        let chunkZ = plan.grid.chunkSize[2]
        let depth = info.scales[0].size[2]
        let zRange = { (gz: Int) in (gz * chunkZ)..<min((gz + 1) * chunkZ, depth) }
        let reader = SlabReader(volume: volume)
        if let first = wanted.first { reader.prefetch(zRange(first)) }
        for (position, gz) in wanted.enumerated() {
            let slab = try reader.take()
            if position + 1 < wanted.count { reader.prefetch(zRange(wanted[position + 1])) }
            let selected = Set(slabs[gz])
            let cells = sources.map { $0[gz] } ?? slabs[gz].sorted()
            next?.beginSlab(zRange(gz))
            try parallelChunks(cells.count, jobs: jobs) { index in
                let box = plan.box(ofCell: cells[index])
                let values = convert(
                    slab.extract(
                        x: (box.x.lowerBound - offset[0])..<(box.x.upperBound - offset[0]),
                        y: (box.y.lowerBound - offset[1])..<(box.y.upperBound - offset[1]),
                        elementSize: mapping.input.size))
                if selected.contains(cells[index]) {
                    try sink.write(values, box: box)
                    progress.advance()
                }
                next?.add(values, box: box)
            }
            try next?.writeReady(jobs: jobs, progress: progress)
        }
    }
}

extension VolumeSlab {
    /// The values of the columns `x` and rows `y`, every z and channel of the slab, x fastest.
    func extract(x: Range<Int>, y: Range<Int>, elementSize: Int) -> [UInt8] {
        let (sx, sy, sz) = (size[0], size[1], size[2])
        let run = x.count * elementSize
        var result = [UInt8](repeating: 0, count: run * y.count * sz * channels)
        bytes.withUnsafeBytes { source in
            result.withUnsafeMutableBytes { target in
                var out = 0
                for c in 0..<channels {
                    for z in 0..<sz {
                        for row in y {
                            let start = (((c * sz + z) * sy + row) * sx + x.lowerBound) * elementSize
                            target.baseAddress!.advanced(by: out).copyMemory(
                                from: source.baseAddress!.advanced(by: start), byteCount: run)
                            out += run
                        }
                    }
                }
            }
        }
        return result
    }
}

/// Reads the next slab on a background queue while the current one is being encoded.
final class SlabReader: @unchecked Sendable {
    // Invariant: `result` is written on `queue` before `group.leave()` and read by `take()` only
    // after `group.wait()`; `prefetch` and `take` alternate on one thread, so the accesses never
    // overlap.
    private let volume: any VolumeFile
    private let queue = DispatchQueue(label: "nprec.slab-reader")
    private let group = DispatchGroup()
    private var result: Result<VolumeSlab, Error>?

    init(volume: any VolumeFile) { self.volume = volume }

    func prefetch(_ zRange: Range<Int>) {
        group.enter()
        queue.async {
            self.result = Result { try self.volume.readSlab(zRange) }
            self.group.leave()
        }
    }

    func take() throws -> VolumeSlab {
        group.wait()
        defer { result = nil }
        return try result!.get()
    }
}
