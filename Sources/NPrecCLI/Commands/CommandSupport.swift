import Engine
import Foundation
import Precomputed

extension Invocation {
    /// The storage options (`--flat`, `--no-gzip`, `--compresslevel`).
    var storage: StorageOptions {
        StorageOptions(
            layout: flag("flat") ? .flat : .nested, gzip: !flag("no-gzip"),
            compressionLevel: int("compresslevel") ?? 6)
    }

    /// `--jobs`, default the number of cores.
    var jobs: Int { int("jobs") ?? ProcessInfo.processInfo.activeProcessorCount }

    /// `--task I/N` and `--resume`.
    var selection: WorkSelection {
        WorkSelection(task: string("task").flatMap(TaskSlice.init), resume: flag("resume"))
    }

    /// The dataset description options (`--type`, `--encoding`, `--target-chunk-size`, `--max-scales`).
    var scalesOptions: ScalesOptions {
        ScalesOptions(
            targetChunkSize: int("target-chunk-size") ?? 64, maxScales: int("max-scales"),
            type: string("type").flatMap(VolumeType.init(rawValue:)),
            encoding: string("encoding").flatMap(ChunkEncoding.init(name:)))
    }
}

/// A warning sink that prints `nprec: warning: ...` on stderr.
let printWarning: WarningSink = { Console.warn($0) }

/// Progress bars and messages on stderr for the engine's work.
struct ConsoleReporter: WorkReporter {
    func begin(_ label: String, total: Int) -> any StepProgress { Progress(label, total: total) }
    func begin(_ label: String, total: Int, unit: String) -> any StepProgress {
        Progress(label, total: total, unit: unit)
    }
    func note(_ message: String) { Console.note(message) }
    func warn(_ message: String) { Console.warn(message) }
}
