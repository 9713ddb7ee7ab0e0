import Foundation
import Precomputed

enum StatsCommand {
    static let command = Command(
        name: "stats",
        summary: "Show chunk counts, directory counts and raw sizes of every scale.",
        discussion: """
            Reads DEST/info and prints, per scale, the chunk size, the number of chunks, the number \
            of directories and the raw uncompressed size, then the totals (as neuroglancer-scripts' \
            scale-stats). Run it after 'nprec scales' to check the disk space a conversion needs.
            With --json, prints one JSON object instead: "scales", one object per scale and chunk size \
            with "key", "chunk_size" ([x, y, z]), "chunks", "directories", "raw_bytes" (uncompressed \
            size in bytes) and, when sharded, "sharding" (the info's sharding object), "shards" (shard \
            files that hold a chunk) and "chunks_per_shard" (the most chunks in one shard); then \
            "totals" with "chunks", "directories" and "raw_bytes" (each left out if it exceeds 2^63-1).
            """,
        examples: ["nprec stats out/", "nprec stats --json out/ | jq .totals.raw_bytes"],
        options: [OptionSpec("json", help: "Print the statistics as one JSON object (keys above).")],
        positionals: [Positional("DEST", "Dataset directory holding info.", completion: .directory)],
        run: run)

    @Sendable static func run(_ invocation: Invocation) throws -> Int32 {
        let dataset = Dataset(root: invocation.positionals[0])
        let info = try dataset.readInfo(hint: "write it with 'nprec scales' or 'nprec pyramid'")
        let stats = try DatasetStats.compute(info, file: dataset.path("info"))
        if invocation.flag("json") {
            let encoder = JSONEncoder()
            encoder.keyEncodingStrategy = .convertToSnakeCase
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            Console.out(String(decoding: try encoder.encode(Report(stats)), as: UTF8.self))
        } else {
            Console.out(DatasetStats.report(stats), terminator: "")
        }
        return 0
    }

    /// The `--json` document.
    struct Report: Encodable {
        struct Scale: Encodable {
            var key: String
            var chunkSize: [Int]
            var chunks: Int
            var directories: Int
            var rawBytes: Int
            var sharding: ShardingSpec?
            var shards: Int?
            var chunksPerShard: Int?
        }
        struct Totals: Encodable {
            var chunks: Int?
            var directories: Int?
            var rawBytes: Int?
        }
        var scales: [Scale]
        var totals: Totals

        init(_ stats: [ScaleStats]) {
            scales = stats.map {
                Scale(
                    key: $0.key, chunkSize: $0.chunkSize, chunks: $0.chunkCount, directories: $0.directoryCount,
                    rawBytes: $0.rawBytes, sharding: $0.sharding, shards: $0.shardCount,
                    chunksPerShard: $0.chunksPerShard)
            }
            /// The sum, nil when it overflows.
            func total(_ count: (ScaleStats) -> Int) -> Int? {
                var sum = 0
                for scale in stats {
                    let (next, overflow) = sum.addingReportingOverflow(count(scale))
                    if overflow { return nil }
                    sum = next
                }
                return sum
            }
            totals = Totals(
                chunks: total(\.chunkCount), directories: total(\.directoryCount), rawBytes: total(\.rawBytes))
        }
    }
}
