import Encoding
import Engine
import Foundation
import Precomputed

/// Checks one sharded scale: every shard file the grid needs is there, its shard index lies in
/// the file, each minishard index lies in the file and decodes, every chunk id listed maps to
/// that shard and minishard under the hash and is a chunk of the grid, listed once, with its
/// bytes inside the file; every chunk of the grid is present; each chunk (or the sample) decodes.
struct ShardedScaleCheck {
    let dataset: Dataset
    let scale: ScaleSpec
    let sharding: ShardingSpec
    let format: ChunkFormat
    let options: VerifyOptions

    /// A chunk found in a shard index.
    struct Entry: Sendable {
        var id: UInt64
        var start: UInt64
        var size: UInt64
    }

    /// What one shard file holds.
    struct ShardContent: Sendable {
        var present = true
        /// False when the shard index itself cannot be read: its chunks are counted missing,
        /// not named one by one.
        var indexRead = true
        var found = Set<UInt64>()
        var entries: [Entry] = []
    }

    func run(reporter: any WorkReporter, findings: Findings, infoPath: String) -> ScaleSummary {
        var summary = ScaleSummary(
            key: scale.key, sharded: true, chunks: 0, checked: 0, decoded: 0, missing: 0, bad: 0, shards: 0)
        var problem = ""
        guard
            let grid = CheckedGrid(
                size: scale.size, chunkSize: scale.chunkSize, offset: scale.offset,
                voxelBytes: CheckedGrid.voxelBytes(format), problem: &problem)
        else {
            findings.add(infoPath, .info, "scales[\(scale.index)]: \(problem)")
            return summary
        }
        let layout = ShardingLayout(spec: sharding, gridSize: grid.cells)
        guard layout.bits.reduce(0, +) <= 64 else {
            findings.add(infoPath, .info, "scales[\(scale.index)]: the chunk grid needs chunk ids of more than 64 bits")
            return summary
        }
        // Neuroglancer fetches a shard index whole; nprec writes at most 2^26 minishards (1 GiB).
        guard sharding.minishardBits <= 26 else {
            findings.add(
                infoPath, .info,
                "scales[\(scale.index)].sharding.minishard_bits: \(sharding.minishardBits) makes a shard index of "
                    + "16 x 2^\(sharding.minishardBits) bytes; nprec checks at most 26")
            return summary
        }
        summary.chunks = grid.count
        summary.checked = grid.count
        var expected: [UInt64: Int] = [:]
        for index in 0..<grid.count {
            expected[layout.shard(of: layout.chunkID(grid.cell(index))), default: 0] += 1
        }
        let shards = expected.keys.sorted()
        summary.shards = shards.count
        let progress = reporter.begin("verify \(scale.key) (shard indexes)", total: shards.count)
        let contents =
            (try? parallelMap(shards.count, jobs: options.jobs) { position -> ShardContent in
                defer { progress.advance() }
                return readShard(shards[position], layout: layout, grid: grid, findings: findings)
            }) ?? []
        progress.finish()
        var byShard: [UInt64: ShardContent] = [:]
        for (shard, content) in zip(shards, contents) {
            byShard[shard] = content
            let want = expected[shard] ?? 0
            if !content.present {
                findings.add(
                    shardPath(shard, layout), .missingShard, "missing: it holds \(want) chunk\(want == 1 ? "" : "s")")
                summary.missing += want
            } else if !content.indexRead {
                summary.missing += want
            }
        }
        // Name the chunks absent from shards that are there.
        let partial = Set(
            shards.filter { shard in
                guard let content = byShard[shard], content.present, content.indexRead else { return false }
                return content.found.count < expected[shard] ?? 0
            })
        if !partial.isEmpty {
            for index in 0..<grid.count {
                let cell = grid.cell(index)
                let id = layout.chunkID(cell)
                let shard = layout.shard(of: id)
                guard partial.contains(shard), byShard[shard]?.found.contains(id) == false else { continue }
                findings.add(
                    "\(shardPath(shard, layout)) (chunk \(grid.box(cell)), id \(id))", .missingChunk,
                    "missing from the shard")
                summary.missing += 1
            }
        }
        // Decode the chunks (or the sample).
        var listed: [(shard: UInt64, entry: Entry)] = []
        for shard in shards {
            for entry in byShard[shard]?.entries ?? [] { listed.append((shard, entry)) }
        }
        let entries = listed
        let selection = Selection.sample(
            count: entries.count, fraction: options.sample, seed: options.seed, stream: stableHash(scale.key))
        let counters = Findings()
        let decodeProgress = reporter.begin("verify \(scale.key)", total: selection.count)
        try? parallelChunks(selection.count, jobs: options.jobs) { position in
            defer { decodeProgress.advance() }
            let (shard, entry) = entries[selection[position]]
            let cell = layout.cell(of: entry.id)
            let box = grid.box(cell)
            let path = shardPath(shard, layout)
            do {
                guard entry.size <= UInt64(CheckedGrid.maxChunkBytes) else {
                    throw VerifyProblem("\(entry.size) bytes: more than nprec reads for a chunk (4 GiB)")
                }
                guard let file = try RandomAccessFile(path: path) else { throw VerifyProblem("the shard file is gone") }
                var bytes = try file.read(offset: entry.start, count: Int(entry.size))
                if layout.gzipData { bytes = try gunzip(bytes, limit: chunkLimit(format, size: box.size)) }
                _ = try format.decode(bytes, size: box.size, path: path)
                counters.count("decoded")
            } catch {
                findings.add("\(path) (chunk \(box), id \(entry.id))", .badChunk, problemText(error, path: path))
                counters.count("bad")
            }
        }
        decodeProgress.finish()
        summary.decoded = counters.counter("decoded")
        summary.bad = counters.counter("bad")
        return summary
    }

    private func shardPath(_ shard: UInt64, _ layout: ShardingLayout) -> String {
        dataset.path("\(scale.key)/\(layout.fileName(shard: shard))")
    }

    /// Reads and checks the indexes of one shard file; problems go to `findings`.
    private func readShard(_ shard: UInt64, layout: ShardingLayout, grid: CheckedGrid, findings: Findings)
        -> ShardContent
    {
        let path = shardPath(shard, layout)
        var content = ShardContent()
        func fail(_ problem: String) { findings.add(path, .badShard, problem) }
        let file: RandomAccessFile
        do {
            guard let opened = try RandomAccessFile(path: path) else {
                content.present = false
                return content
            }
            file = opened
        } catch {
            fail(problemText(error, path: path))
            content.indexRead = false
            return content
        }
        let indexSize = UInt64(layout.indexSize)
        guard file.size >= indexSize else {
            fail("the shard index needs \(indexSize) bytes, but the file has \(file.size)")
            content.indexRead = false
            return content
        }
        let index: [UInt8]
        do { index = try file.read(offset: 0, count: Int(indexSize)) } catch {
            fail(problemText(error, path: path))
            content.indexRead = false
            return content
        }
        for minishard in 0..<(1 << sharding.minishardBits) {
            let start = littleEndian64(index, 16 * minishard)
            let end = littleEndian64(index, 16 * minishard + 8)
            if start == end { continue }
            guard start < end else {
                fail("minishard \(minishard): its index range \(start)..<\(end) is reversed")
                continue
            }
            let (first, overflowStart) = start.addingReportingOverflow(indexSize)
            let (last, overflowEnd) = end.addingReportingOverflow(indexSize)
            guard !overflowStart, !overflowEnd, last <= file.size else {
                fail(
                    "minishard \(minishard): its index at bytes \(start)..<\(end) after the shard index lies past "
                        + "the end of the file (\(file.size) bytes)")
                continue
            }
            guard last - first <= 1 << 30 else {
                fail("minishard \(minishard): its index of \(last - first) bytes is more than nprec reads (1 GiB)")
                continue
            }
            do {
                var bytes = try file.read(offset: first, count: Int(last - first))
                if layout.gzipIndex {
                    do {
                        bytes = try gunzip(bytes, limit: min(grid.count, 1 << 30 / 24) * 24)
                    } catch { throw VerifyProblem("minishard index: \(error)") }
                }
                try readMinishard(
                    bytes, minishard: minishard, shard: shard, layout: layout, grid: grid, fileSize: file.size,
                    content: &content, fail: fail)
            } catch {
                fail("minishard \(minishard): \(problemText(error, path: path))")
            }
        }
        return content
    }

    private func readMinishard(
        _ bytes: [UInt8], minishard: Int, shard: UInt64, layout: ShardingLayout, grid: CheckedGrid, fileSize: UInt64,
        content: inout ShardContent, fail: (String) -> Void
    ) throws {
        guard bytes.count % 24 == 0 else {
            throw VerifyProblem("the minishard index is \(bytes.count) bytes, not a multiple of 24")
        }
        let count = bytes.count / 24
        let dataStart = UInt64(layout.indexSize)
        var id: UInt64 = 0
        var previousEnd = dataStart
        for position in 0..<count {
            id &+= littleEndian64(bytes, 8 * position)
            let (start, overflowStart) = previousEnd.addingReportingOverflow(
                littleEndian64(bytes, 8 * (count + position)))
            let size = littleEndian64(bytes, 8 * (2 * count + position))
            let (end, overflowEnd) = start.addingReportingOverflow(size)
            previousEnd = end
            guard !overflowStart, !overflowEnd, start >= dataStart, end <= fileSize else {
                fail(
                    "minishard \(minishard): chunk id \(id) at bytes \(start)..<\(start &+ size) lies outside the "
                        + "file's data (\(dataStart)..<\(fileSize))")
                continue
            }
            let cell = layout.cell(of: id)
            guard layout.chunkID(cell) == id, (0..<3).allSatisfy({ cell[$0] < grid.cells[$0] }) else {
                fail(
                    "minishard \(minishard): id \(id) is not a chunk of the \(grid.cells.map(String.init).joined(separator: "x")) grid"
                )
                continue
            }
            let (rightShard, rightMinishard) = (layout.shard(of: id), layout.minishard(of: id))
            guard rightShard == shard, rightMinishard == UInt64(minishard) else {
                fail(
                    "minishard \(minishard): chunk \(grid.box(cell)) (id \(id)) belongs in "
                        + "\(layout.fileName(shard: rightShard)) minishard \(rightMinishard) under the \(sharding.hash) hash"
                )
                continue
            }
            guard content.found.insert(id).inserted else {
                fail("minishard \(minishard): chunk \(grid.box(cell)) (id \(id)) is listed twice")
                continue
            }
            content.entries.append(Entry(id: id, start: start, size: size))
        }
    }
}

/// The uint64 stored little-endian at `offset` of `bytes` (the caller checked the bounds).
func littleEndian64(_ bytes: [UInt8], _ offset: Int) -> UInt64 {
    var value: UInt64 = 0
    for byte in 0..<8 { value |= UInt64(bytes[offset + byte]) << (8 * UInt64(byte)) }
    return value
}
