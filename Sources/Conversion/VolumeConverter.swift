import Dispatch
import Encoding
import Engine
import Precomputed
import Volumes

/// Writes scale 0 of `info` from a volume file: the units of the run's selection (all, or one
/// task's share; without those already written under `--resume`), on `jobs` threads.
///
/// Three ways to read, chosen by the file and the scale:
/// - uncompressed, unsharded: each worker reads a band of rows one chunk high and thick (only
///   the columns of the chunks it needs), so memory holds a few bands whatever the volume;
/// - uncompressed, sharded: chunk by chunk, in shard order;
/// - compressed: z-slabs of chunk thickness in order, the next slab read while the current one
///   is encoded; slabs without a selected chunk are skipped (decompressed, not kept).
public struct VolumeConverter: Sendable {
    public let volume: any VolumeFile
    public let mapping: ValueMapping
    public let info: DatasetSpec
    public let dataset: Dataset
    public let jobs: Int
    public let selection: WorkSelection

    public init(
        volume: any VolumeFile, mapping: ValueMapping, info: DatasetSpec, dataset: Dataset, jobs: Int,
        selection: WorkSelection
    ) {
        self.volume = volume
        self.mapping = mapping
        self.info = info
        self.dataset = dataset
        self.jobs = jobs
        self.selection = selection
    }

    public func run(reporter: any WorkReporter) throws {
        let scale = info.scales[0]
        let format = ChunkFormat(dataset: info, scale: scale)
        try format.checkWritable()
        let run = try ScaleRun(
            scale: scale, format: format, dataset: dataset, selection: selection, reporter: reporter,
            label: "writing \(scale.key)")
        let (plan, units, sink, progress) = (run.plan, run.units, run.sink, run.progress)
        let offset = scale.offset
        let mapping = self.mapping
        let volume = self.volume
        let convert = { @Sendable (bytes: [UInt8]) in mapping.isIdentity ? bytes : mapping.convert(bytes) }
        if volume.isSeekable && plan.isSharded {
            try Engine.run(units: units, plan: plan, sink: sink, jobs: jobs, progress: progress) { box in
                let block = try volume.readBlock(
                    x: (box.x.lowerBound - offset[0])..<(box.x.upperBound - offset[0]),
                    y: (box.y.lowerBound - offset[1])..<(box.y.upperBound - offset[1]),
                    z: (box.z.lowerBound - offset[2])..<(box.z.upperBound - offset[2]))
                return convert(block.bytes)
            }
            progress.finish()
            return
        }
        let grid = plan.grid
        let gridSize = plan.gridSize
        try sink.writing {
            if volume.isSeekable {
                // Rows of selected chunks (same y and z cell), each read as one band.
                var rows: [(gy: Int, gz: Int, columns: [Int])] = []
                for cell in units {
                    let c = ScalePlan.coordinates(cell, gridSize)
                    if let last = rows.last, last.gy == c[1], last.gz == c[2] {
                        rows[rows.count - 1].columns.append(c[0])
                    } else {
                        rows.append((c[1], c[2], [c[0]]))
                    }
                }
                let bands = rows
                try parallelChunks(bands.count, jobs: jobs) { index in
                    let row = bands[index]
                    let boxes = row.columns.map { grid.box($0, row.gy, row.gz) }
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
            } else {
                // A compressed stream: slabs of chunk thickness in z order.
                var slabs = [[Int]](repeating: [], count: gridSize[2])
                for unit in units {
                    for cell in plan.cells(of: unit) { slabs[cell / (gridSize[0] * gridSize[1])].append(cell) }
                }
                let wanted = slabs.indices.filter { !slabs[$0].isEmpty }
                let chunkZ = grid.chunkSize[2]
                let zRange = { (gz: Int) in (gz * chunkZ)..<min((gz + 1) * chunkZ, scale.size[2]) }
                let reader = SlabReader(volume: volume)
                if let first = wanted.first { reader.prefetch(zRange(first)) }
                for (position, gz) in wanted.enumerated() {
                    let slab = try reader.take()
                    if position + 1 < wanted.count { reader.prefetch(zRange(wanted[position + 1])) }
                    let cells = slabs[gz].sorted()
                    try parallelChunks(cells.count, jobs: jobs) { index in
                        let box = plan.box(ofCell: cells[index])
                        let values = slab.extract(
                            x: (box.x.lowerBound - offset[0])..<(box.x.upperBound - offset[0]),
                            y: (box.y.lowerBound - offset[1])..<(box.y.upperBound - offset[1]),
                            elementSize: mapping.input.size)
                        try sink.write(convert(values), box: box)
                        progress.advance()
                    }
                }
            }
        }
        progress.finish()
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
