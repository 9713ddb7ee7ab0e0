import Encoding
import Engine
import Precomputed
import Pyramid

/// Scale 1 computed from the slabs of scale 0 while they are in memory, instead of reading
/// scale 0 back and decoding it: each chunk of scale 0 is downscaled as it is written, its part
/// of scale 1 lands in a band of planes, and the chunks of scale 1 are written as soon as all
/// their planes are there.
///
/// Every output voxel of the kernels depends on its own block of input voxels only, and the
/// chunks of scale 0 start on multiples of the factors, so the values are those that
/// `ScaleDownscaler` computes from the stored chunks (scale 0 must be lossless for that).
/// Memory: the planes of scale 1 between two of its chunk slabs, a quarter of a scale-0 slab
/// at most for factors 2, 2, 2.
///
/// With `--task I/N`, the task writes the units of scale 1 it owns in the pyramid's `Ownership`
/// (those computed from its own chunks of scale 0 alone) from the chunks of scale 0 it owns.
final class NextScaleWriter: @unchecked Sendable {
    // Invariant: `pieces`, `current` and `nextSlab` are changed only between the parallel loops
    // (by the thread that drives the slabs); during a loop, `add` writes disjoint regions of
    // `current`'s memory.
    let plan: ScalePlan
    let sink: ScaleSink
    /// The cells of scale 1 to write (all, or the task's; without those written under `--resume`).
    let pending: Set<Int>
    /// The cells of scale 0 to downscale: nil for all, else the task's (written or not).
    let sources: Set<Int>?
    let options: DownscaleOptions
    let factors: [Int]
    private let sourceOffset: [Int]
    private let dataType: DataType
    private let channels: Int
    private var pieces: [Piece] = []
    private var current: Piece?
    private var nextSlab = 0

    /// The writer of scale 1 for a run of the converter, or nil when scale 1 has to be computed
    /// from the stored scale 0 (a lossy scale 0, chunks that do not start on multiples of the
    /// factors) or has nothing to write.
    static func make(
        info: DatasetSpec, dataset: Dataset, selection: WorkSelection, options: DownscaleOptions
    ) throws -> NextScaleWriter? {
        guard info.scales.count >= 2, !info.scales[0].encoding.isLossy,
            let step = try? ScaleDownscaler(dataset: dataset, info: info, source: 0, options: options),
            (0..<3).allSatisfy({ info.scales[0].chunkSize[$0] % step.factors[$0] == 0 })
        else { return nil }
        let target = info.scales[1]
        let format = ChunkFormat(
            dataset: info, scale: target, jpegQuality: options.jpegQuality, jpegPlane: options.jpegPlane)
        try format.checkWritable()
        let plan = ScalePlan(target)
        let sourcePlan = ScalePlan(info.scales[0])
        var candidates = Array(0..<plan.unitCount)
        var sources: Set<Int>? = nil
        if let task = selection.task {
            let ownership = Ownership(plans: [sourcePlan, plan], taskCount: task.count, dependent: true)
            candidates = ownership.units(scale: 1, task: task.index)
            sources = Set(ownership.units(scale: 0, task: task.index).flatMap { sourcePlan.cells(of: $0) })
        }
        let units = try Engine.pending(
            candidates, plan: plan, dataset: dataset, resume: selection.resume, encoding: format.encoding)
        guard !units.isEmpty else { return nil }
        return NextScaleWriter(
            plan: plan, sink: ScaleSink(dataset: dataset, plan: plan, format: format),
            pending: Set(units.flatMap { plan.cells(of: $0) }), sources: sources, options: options,
            factors: step.factors, source: info.scales[0], info: info)
    }

    private init(
        plan: ScalePlan, sink: ScaleSink, pending: Set<Int>, sources: Set<Int>?, options: DownscaleOptions,
        factors: [Int], source: ScaleSpec, info: DatasetSpec
    ) {
        self.plan = plan
        self.sink = sink
        self.pending = pending
        self.sources = sources
        self.options = options
        self.factors = factors
        sourceOffset = source.offset
        dataType = info.dataType
        channels = info.channels
    }

    var label: String { "computing scale \(plan.key) (\(options.method.rawValue))" }

    /// Starts the planes that the source planes `zRange` (0-based) make.
    func beginSlab(_ zRange: Range<Int>) {
        let planes = (zRange.lowerBound / factors[2])..<((zRange.upperBound + factors[2] - 1) / factors[2])
        let piece = Piece(
            planes: planes, plane: plan.grid.size[0] * plan.grid.size[1], channels: channels,
            elementSize: dataType.size)
        pieces.append(piece)
        current = piece
    }

    /// Downscales the chunk `box` of scale 0 (its values, as written) into the current planes.
    /// Thread-safe for disjoint boxes of the current slab.
    func add(_ values: [UInt8], box: ChunkBox) {
        guard let piece = current else { return }
        let block = VoxelBlock(size: box.size, channels: channels, dataType: dataType, values: values)
        let result = Downscaler.downscale(
            block, factors: factors, method: options.method, outsideValue: options.outsideValue)
        let lower = [box.x.lowerBound, box.y.lowerBound, box.z.lowerBound].enumerated().map {
            ($0.element - sourceOffset[$0.offset]) / factors[$0.offset]
        }
        let (sx, sy) = (plan.grid.size[0], plan.grid.size[1])
        let (ox, oy, oz) = (result.size[0], result.size[1], result.size[2])
        let elementSize = dataType.size
        let run = ox * elementSize
        result.values.withUnsafeBytes { source in
            var input = 0
            for c in 0..<channels {
                for z in 0..<oz {
                    let plane = c * piece.planes.count + lower[2] + z - piece.planes.lowerBound
                    for y in 0..<oy {
                        let start = ((plane * sy + lower[1] + y) * sx + lower[0]) * elementSize
                        (piece.bytes.baseAddress! + start).copyMemory(
                            from: source.baseAddress! + input, byteCount: run)
                        input += run
                    }
                }
            }
        }
    }

    /// Writes the chunks of scale 1 whose planes are all there, on `jobs` threads, and drops the
    /// planes no later chunk needs.
    func writeReady(jobs: Int, progress: any StepProgress) throws {
        current = nil
        let chunkZ = plan.grid.chunkSize[2]
        let depth = plan.grid.size[2]
        let have = pieces.last?.planes.upperBound ?? 0
        while nextSlab < plan.gridSize[2], min((nextSlab + 1) * chunkZ, depth) <= have {
            let perSlab = plan.gridSize[0] * plan.gridSize[1]
            let cells = (nextSlab * perSlab..<(nextSlab + 1) * perSlab).filter { pending.contains($0) }
            try parallelChunks(cells.count, jobs: jobs) { index in
                let box = self.plan.box(ofCell: cells[index])
                try self.sink.write(try self.extract(box), box: box)
                progress.advance()
            }
            nextSlab += 1
            pieces.removeAll { $0.planes.upperBound <= nextSlab * chunkZ }
        }
    }

    /// The values of the chunk `box` of scale 1, x fastest, then y, z, channel.
    private func extract(_ box: ChunkBox) throws -> [UInt8] {
        let offset = plan.scale.offset
        let (x0, y0) = (box.x.lowerBound - offset[0], box.y.lowerBound - offset[1])
        let (sx, sy) = (plan.grid.size[0], plan.grid.size[1])
        let elementSize = dataType.size
        let run = box.x.count * elementSize
        // The planes of every chunk to write are there (its sources are all downscaled first).
        let found = box.z.map { z in pieces.first { $0.planes.contains(z - offset[2]) } }
        guard found.allSatisfy({ $0 != nil }) else {
            throw PrecomputedError.unsupported("scale \(plan.key): chunk \(box) would be written before its planes")
        }
        var result = [UInt8](repeating: 0, count: run * box.y.count * box.z.count * channels)
        result.withUnsafeMutableBytes { target in
            var out = 0
            for c in 0..<channels {
                for (i, zz) in box.z.enumerated() {
                    let z = zz - offset[2]
                    guard let piece = found[i] else { continue }
                    let plane = c * piece.planes.count + z - piece.planes.lowerBound
                    for y in y0..<(y0 + box.y.count) {
                        let start = ((plane * sy + y) * sx + x0) * elementSize
                        target.baseAddress!.advanced(by: out).copyMemory(
                            from: piece.bytes.baseAddress! + start, byteCount: run)
                        out += run
                    }
                }
            }
        }
        return result
    }

    /// Planes of scale 1, all channels: channel, then plane, then row, x fastest.
    final class Piece: @unchecked Sendable {
        // Invariant: the memory is written only by `add`, for disjoint boxes, during one
        // parallel loop, and read by `extract` in a later one; it lives as long as the piece.
        let planes: Range<Int>
        let bytes: UnsafeMutableRawBufferPointer

        init(planes: Range<Int>, plane: Int, channels: Int, elementSize: Int) {
            self.planes = planes
            let count = planes.count * plane * channels * elementSize
            bytes = .allocate(byteCount: max(count, 1), alignment: 16)
            bytes.initializeMemory(as: UInt8.self, repeating: 0)
        }

        deinit { bytes.deallocate() }
    }
}
