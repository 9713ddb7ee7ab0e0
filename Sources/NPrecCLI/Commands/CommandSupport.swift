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

    /// `--target-chunk-size`, checked to be a power of two.
    func targetChunkSize() throws -> Int {
        let size = int("target-chunk-size") ?? 64
        guard size & (size - 1) == 0 else {
            throw UsageError("option '--target-chunk-size': \(size) is not a power of two", commandPath: commandPath)
        }
        return size
    }

    /// The dataset description options (`--type`, `--encoding`, `--target-chunk-size`, `--max-scales`).
    func scalesOptions() throws -> ScalesOptions {
        ScalesOptions(
            targetChunkSize: try targetChunkSize(), maxScales: int("max-scales"),
            type: string("type").flatMap(VolumeType.init(rawValue:)),
            encoding: string("encoding").flatMap(ChunkEncoding.init(name:)))
    }
}

/// A warning sink that prints `nprec: warning: ...` on stderr.
let printWarning: WarningSink = { Console.warn($0) }
