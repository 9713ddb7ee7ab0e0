import Encoding
import Engine
import Foundation
import Precomputed

/// The chunk grid of one chunk size of a scale, with its sizes checked against overflow.
struct CheckedGrid {
    let grid: ChunkGrid
    let cells: [Int]
    let count: Int

    /// The most bytes a chunk may decode to: larger chunks are reported, not read.
    static let maxChunkBytes = 1 << 32

    /// Bytes of one voxel, all channels; `Int.max` when that overflows.
    static func voxelBytes(_ format: ChunkFormat) -> Int {
        let (bytes, overflow) = format.channels.multipliedReportingOverflow(by: format.dataType.size)
        return overflow ? Int.max : bytes
    }

    /// Nil when the grid's numbers overflow or a chunk decodes to more than `maxChunkBytes`
    /// with `voxelBytes` per voxel (the reason in `problem`).
    init?(size: [Int], chunkSize: [Int], offset: [Int], voxelBytes: Int, problem: inout String) {
        var cells: [Int] = []
        var count = 1
        var chunkBytes = voxelBytes
        for axis in 0..<3 {
            let (bytes, tooMany) = chunkBytes.multipliedReportingOverflow(by: min(chunkSize[axis], size[axis]))
            guard !tooMany, bytes <= Self.maxChunkBytes else {
                problem =
                    "a chunk of \(chunkSize.map(String.init).joined(separator: "x")) voxels decodes to more than "
                    + "4 GiB; nprec does not check such chunks"
                return nil
            }
            chunkBytes = bytes
            guard offset[axis].addingReportingOverflow(size[axis]).overflow == false else {
                problem = "voxel_offset + size overflows"
                return nil
            }
            let whole = size[axis] / chunkSize[axis] + (size[axis] % chunkSize[axis] == 0 ? 0 : 1)
            let (product, overflow) = count.multipliedReportingOverflow(by: whole)
            guard !overflow else {
                problem = "the chunk grid has more chunks than an integer holds"
                return nil
            }
            cells.append(whole)
            count = product
        }
        grid = ChunkGrid(size: size, chunkSize: chunkSize, offset: offset)
        self.cells = cells
        self.count = count
    }

    /// The cell of linear index `index` (x fastest).
    func cell(_ index: Int) -> [Int] {
        [index % cells[0], index / cells[0] % cells[1], index / (cells[0] * cells[1])]
    }

    func box(_ cell: [Int]) -> ChunkBox { grid.box(cell[0], cell[1], cell[2]) }
}

/// The storage variant (layout, gzip) that found the last chunk of a scale, tried first for the
/// next one; the variant that found the most, which names the missing chunks; the missing boxes.
private final class StorageHint: @unchecked Sendable {
    // @unchecked Sendable: `value`, `found` and `missing` are read and written only under `lock`.
    private let lock = NSLock()
    private var value = 0
    private var found = [0, 0, 0, 0]
    private var missing: [ChunkBox] = []

    var current: Int { lock.withLock { value } }

    func found(_ variant: Int) {
        lock.withLock {
            value = variant
            found[variant] += 1
        }
    }

    func missing(_ box: ChunkBox) { lock.withLock { missing.append(box) } }

    /// The missing boxes and the variant to name them in; the list is emptied.
    func takeMissing() -> (boxes: [ChunkBox], variant: Int) {
        lock.withLock {
            defer { missing = [] }
            let variant = found.indices.max { found[$0] < found[$1] } ?? 0
            return (missing, found[variant] > 0 ? variant : 0)
        }
    }
}

/// Checks the chunks of one unsharded scale: every chunk of every chunk size (or the sample)
/// present in either layout, plain or gzipped, and decodable for its box.
struct UnshardedScaleCheck {
    let dataset: Dataset
    let scale: ScaleSpec
    let format: ChunkFormat
    let options: VerifyOptions

    func run(reporter: any WorkReporter, findings: Findings, infoPath: String) -> ScaleSummary {
        var summary = ScaleSummary(
            key: scale.key, sharded: false, chunks: 0, checked: 0, decoded: 0, missing: 0, bad: 0, shards: 0)
        let variants: [(dataset: Dataset, gzip: Bool)] = [
            (Dataset(root: dataset.root, options: StorageOptions(layout: .flat)), false),
            (Dataset(root: dataset.root, options: StorageOptions(layout: .flat)), true),
            (Dataset(root: dataset.root, options: StorageOptions(layout: .nested)), false),
            (Dataset(root: dataset.root, options: StorageOptions(layout: .nested)), true),
        ]
        let hint = StorageHint()
        let chunkSizes = scale.info.chunkSizes ?? [scale.chunkSize]
        let counters = Findings()
        for (sizeIndex, chunkSize) in chunkSizes.enumerated() {
            var problem = ""
            guard
                let grid = CheckedGrid(
                    size: scale.size, chunkSize: chunkSize, offset: scale.offset,
                    voxelBytes: CheckedGrid.voxelBytes(format), problem: &problem)
            else {
                findings.add(infoPath, .info, "scales[\(scale.index)]: \(problem)")
                continue
            }
            let selection = Selection.sample(
                count: grid.count, fraction: options.sample, seed: options.seed,
                stream: stableHash("\(scale.key) \(sizeIndex)"))
            summary.chunks += grid.count
            summary.checked += selection.count
            let label = chunkSizes.count == 1 ? "verify \(scale.key)" : "verify \(scale.key) (chunk size \(sizeIndex))"
            let progress = reporter.begin(label, total: selection.count)
            // The body never throws: every problem becomes a finding.
            try? parallelChunks(selection.count, jobs: options.jobs) { position in
                defer { progress.advance() }
                let box = grid.box(grid.cell(selection[position]))
                check(box, variants: variants, hint: hint, findings: findings, counters: counters)
            }
            progress.finish()
            let (missing, variant) = hint.takeMissing()
            for box in missing {
                findings.add(
                    variants[variant].dataset.chunkPath(key: scale.key, box: box)
                        + (variants[variant].gzip ? ".gz" : ""),
                    .missingChunk, "missing")
            }
            counters.count("missing", by: missing.count)
        }
        summary.missing = counters.counter("missing")
        summary.bad = counters.counter("bad")
        summary.decoded = counters.counter("decoded")
        return summary
    }

    private func check(
        _ box: ChunkBox, variants: [(dataset: Dataset, gzip: Bool)], hint: StorageHint, findings: Findings,
        counters: Findings
    ) {
        let first = hint.current
        for variant in [first] + (0..<variants.count).filter({ $0 != first }) {
            let path =
                variants[variant].dataset.chunkPath(key: scale.key, box: box) + (variants[variant].gzip ? ".gz" : "")
            do {
                let limit = chunkLimit(format, size: box.size)
                guard var bytes = try readFile(path, limit: limit) else { continue }
                hint.found(variant)
                if variants[variant].gzip { bytes = try gunzip(bytes, limit: limit) }
                _ = try format.decode(bytes, size: box.size, path: path)
                counters.count("decoded")
            } catch {
                findings.add(path, .badChunk, problemText(error, path: path))
                counters.count("bad")
            }
            return
        }
        hint.missing(box)
    }
}
