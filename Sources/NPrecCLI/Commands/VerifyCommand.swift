import Foundation
import Precomputed
import Verify

/// `nprec verify DEST`: the dataset checked file by file as Neuroglancer reads it.
enum VerifyCommand {
    static let command = Command(
        name: "verify",
        summary: "Check a dataset: the info, every chunk of every scale, shards, meshes and segment properties.",
        discussion: """
            Reads DEST/info and checks it as Neuroglancer does; then every chunk of every scale: \
            present (either layout, plain or .gz), decodable in its encoding and of the right size for \
            its box. In sharded scales, every shard index and minishard index lies inside its file, \
            each chunk id listed is a chunk of the grid in the right shard and minishard, listed once, \
            and every chunk of the grid is there. The mesh directory's manifests must name fragments \
            that exist and parse; a multi-resolution mesh directory (neuroglancer_multilod_draco, \
            unsharded ID.index + ID, or sharded) must have a valid info (vertex_quantization_bits 10 or \
            16, transform, lod_scale_multiplier, sharding), manifests of the exact size with positions in \
            Z-curve order, fragment data of the sizes they list, and fragments that Draco decodes to \
            positions within the quantization bits. The segment properties must be well formed. Prints \
            one line per bad file (PATH: problem; at most --max-listed per kind, with the count of the others), the \
            missing chunks per scale and a summary line. Exit status 0 when all is well, 1 when a \
            problem was found. --sample reads a share of the chunks and fragments, chosen by --seed \
            (the same seed checks the same chunks); sharded scales' indexes are read whole.
            With --json, prints one JSON object instead (progress stays on stderr): "dataset", "ok", \
            "sample", "seed", "scales" (per scale: "key", "sharded", "chunks", "checked", "decoded", \
            "missing", "bad", "shards"), "mesh" (when there is a mesh directory: "directory", "type", \
            "manifests", "fragments", "parsed" (read, or Draco-decoded), "triangles", "sharded", "shards"), \
            "segment_properties" (the files checked), "notes" (what was not checked), "problems" (every \
            one, each with "path", "kind" and "problem") and \
            "counts" (problems per kind: info, missing-chunk, bad-chunk, missing-shard, bad-shard, \
            mesh, bad-manifest, missing-fragment, bad-fragment, segment-properties).
            """,
        examples: [
            "nprec verify out/",
            "nprec verify --sample 0.01 -j 8 big/",
            "nprec verify --json out/ | jq '.counts'",
        ],
        options: [
            OptionSpec(
                "sample", value: ("FRACTION", .number),
                help: "Read and decode this share of the chunks and fragments, 0 < FRACTION <= 1.", default: "1"),
            OptionSpec("seed", value: ("N", .integer(0...Int.max)), help: "Chooses the sample.", default: "0"),
            OptionSpec(
                "max-listed", value: ("N", .integer(0...Int.max)),
                help: "Bad files listed per kind of problem (0: all).", default: "20"),
            OptionSpec(
                "json",
                help:
                    "Print the report as one JSON object (keys above): every problem, counts per kind, what was checked."
            ),
            OptionSpec(
                "jobs", short: "j", value: ("N", .integer(1...1024)), help: "Worker threads.",
                default: "the number of cores"),
        ],
        positionals: [Positional("DEST", "Dataset directory holding info.", completion: .directory)],
        run: run)

    @Sendable static func run(_ invocation: Invocation) throws -> Int32 {
        let sample = invocation.double("sample") ?? 1
        guard sample > 0, sample <= 1 else {
            throw UsageError("--sample must be above 0 and at most 1, not \(invocation.string("sample") ?? "")")
        }
        let options = VerifyOptions(
            sample: sample, seed: UInt64(invocation.int("seed") ?? 0), jobs: invocation.jobs)
        let report = Verifier.verify(root: invocation.positionals[0], options: options, reporter: ConsoleReporter())
        if invocation.flag("json") {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            Console.out(String(decoding: try encoder.encode(report), as: UTF8.self))
        } else {
            Console.out(report.text(limit: invocation.int("max-listed") ?? 20), terminator: "")
        }
        return report.ok ? 0 : 1
    }
}
