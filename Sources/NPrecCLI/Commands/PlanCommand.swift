import Engine
import Foundation
import Precomputed

/// `nprec plan DEST --tasks N`: how a split pyramid spreads over N tasks.
enum PlanCommand {
    static let command = Command(
        name: "plan",
        summary: "Show how DEST's pyramid splits into N tasks: units, files, bytes and memory per task.",
        discussion: """
            Reads DEST/info (from 'nprec scales', or a finished dataset) and shows, per scale, the \
            units of work (chunks, or shards of a sharded scale) and how 'nprec pyramid --task I/N' \
            (or 'convert --task' then 'downscale --task') spreads them: each task converts its region \
            of the first scale and downscales what depends on its region only; the final \
            'nprec downscale DEST' computes the rest. Then the files and bytes one task writes and \
            the memory it needs with --jobs workers, to size a job array (sbatch --array, --mem; a \
            Kubernetes Job's completions and memory requests) before submitting it.
            With --json, prints one JSON object instead: "tasks", "jobs", "scales" (per scale: "key", \
            "size", "chunk_size", "sharded", "units", "chunks", "units_per_task" (one count per task), \
            "final_units"), "per_task" (per task: "units", "chunks", "files", "raw_bytes") and "final" \
            (the same for the final downscale), "peak_memory_bytes" and "compressed_input_extra_bytes".
            """,
        examples: [
            "nprec scales out/info_fullres.json out/ && nprec plan out/ --tasks 16",
            "nprec plan out/ --tasks 16 -j 4 --json | jq .peak_memory_bytes",
        ],
        options: [
            OptionSpec("tasks", value: ("N", .integer(1...1_000_000)), help: "Number of tasks.", default: "1"),
            OptionSpec(
                "jobs", short: "j", value: ("N", .integer(1...1024)), help: "Worker threads of each task.",
                default: "the number of cores"),
            OptionSpec("json", help: "Print the plan as one JSON object (keys above, sizes in bytes)."),
        ],
        positionals: [Positional("DEST", "Dataset directory holding info.", completion: .directory)],
        run: run)

    @Sendable static func run(_ invocation: Invocation) throws -> Int32 {
        let dataset = Dataset(root: invocation.positionals[0])
        let info = try dataset.readInfo(hint: "write it with 'nprec scales' first").validate(file: dataset.path("info"))
        let tasks = invocation.int("tasks") ?? 1
        let report = SplitReport(info: info, taskCount: tasks, jobs: invocation.jobs)
        if invocation.flag("json") {
            let encoder = JSONEncoder()
            encoder.keyEncodingStrategy = .convertToSnakeCase
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            Console.out(String(decoding: try encoder.encode(report), as: UTF8.self))
        } else {
            Console.out(text(report, dest: invocation.positionals[0]), terminator: "")
        }
        return 0
    }

    static func text(_ report: SplitReport, dest: String) -> String {
        func size(_ values: [Int]) -> String { values.map(String.init).joined(separator: "x") }
        func range(_ values: [Int]) -> String {
            let low = values.min() ?? 0
            let high = values.max() ?? 0
            return low == high ? "\(low)" : "\(low)-\(high)"
        }
        var rows = [["scale", "size", "chunk", "units", "per task", "final"]]
        for scale in report.scales {
            let units =
                scale.sharded
                ? "\(scale.units) shard\(scale.units == 1 ? "" : "s") (\(scale.chunks) chunks)"
                : "\(scale.units) chunk\(scale.units == 1 ? "" : "s")"
            rows.append([
                scale.key, size(scale.size), size(scale.chunkSize), units, range(scale.unitsPerTask),
                "\(scale.finalUnits)",
            ])
        }
        let widths = (0..<rows[0].count).map { column in rows.map { $0[column].count }.max() ?? 0 }
        var out = "\(report.scales.count) scales split into \(report.tasks) task\(report.tasks > 1 ? "s" : ""): "
        out +=
            "nprec pyramid --task I/\(report.tasks) ... (I = 0 to \(report.tasks - 1)), then nprec downscale \(dest)\n\n"
        for row in rows {
            out +=
                zip(row, widths).map { $0.padding(toLength: $1, withPad: " ", startingAt: 0) }
                .joined(separator: "  ").trimmingCharacters(in: .whitespaces) + "\n"
        }
        let largest = report.perTask.max { $0.rawBytes < $1.rawBytes }!
        out += "\none task writes at most \(largest.files) files, \(bytes(largest.rawBytes)) before compression\n"
        out += "the final downscale writes \(report.final.files) files, \(bytes(report.final.rawBytes))\n"
        out += "peak memory of one task with -j \(report.jobs): about \(bytes(report.peakMemoryBytes)) "
        out += "(from a compressed volume or slices, add \(bytes(report.compressedInputExtraBytes)))\n"
        if report.tasks > 1 {
            out += "from a compressed volume (.nii.gz, .mgz, .BRIK.gz, gzip NRRD), each task also decompresses "
            out += "the stream up to the end of its region (the last task all of it): split an uncompressed file "
            out += "(gunzip -k, mri_convert to .mgh) for the best speed-up\n"
        }
        if let first = report.scales.first {
            let idle = first.unitsPerTask.filter { $0 == 0 }.count
            if idle > 0 {
                out += "note: \(idle) of the \(report.tasks) tasks get no unit of scale \(first.key) "
                let noun = (first.sharded ? "shard" : "chunk") + (first.units == 1 ? "" : "s")
                out += "(\(first.units) \(noun)): use fewer tasks"
                out += first.sharded ? ", or smaller shards (--sharding M,S,P)\n" : "\n"
            }
        }
        return out
    }

    static func bytes(_ count: Int) -> String {
        let units = ["B", "KiB", "MiB", "GiB", "TiB"]
        var value = Double(count)
        var unit = 0
        while value >= 1024 && unit < units.count - 1 {
            value /= 1024
            unit += 1
        }
        return unit == 0 ? "\(count) B" : String(format: "%.1f", value) + " " + units[unit]
    }
}
