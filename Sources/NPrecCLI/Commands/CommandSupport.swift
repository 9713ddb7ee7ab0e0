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
