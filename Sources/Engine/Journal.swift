import Foundation
import Precomputed

/// Marks, under `DEST/.nprec/`, the scales each task of a split run has finished computing, so
/// that the final `nprec downscale` (without `--task`) computes only what no task did. A mark
/// holds the fingerprint of the info, the storage options and the settings (downscaling method,
/// encoder options) it was written with: marks of another info are ignored, marks of other
/// options stop the final run (it would leave a mix of files, or values computed two ways).
public struct TaskJournal: Sendable {
    public static let directory = ".nprec"
    public let dataset: Dataset
    public let fingerprint: String
    /// The options that change the bytes written, as text.
    public let storage: String

    /// `settings` names the other options that change the values or bytes (e.g. the downscaling
    /// method), as the command line would say them.
    public init(dataset: Dataset, info: VolumeInfo, settings: String) throws {
        self.dataset = dataset
        fingerprint = Self.hash(try JSONText.encode(info))
        let options = dataset.options
        storage =
            "--\(options.layout == .flat ? "flat" : "nested") "
            + (options.gzip ? "--compresslevel \(options.compressionLevel)" : "--no-gzip") + " " + settings
    }

    func markName(scale: Int, task: TaskSlice) -> String {
        "\(Self.directory)/scale\(scale).task\(task.index)of\(task.count).done"
    }

    /// Records that `task` has written all its units of scale `scale`.
    public func markDone(scale: Int, task: TaskSlice) throws {
        try dataset.writeFile(markName(scale: scale, task: task), Array("\(fingerprint)\n\(storage)\n".utf8))
    }

    /// The split recorded for this info: its task count and, per scale, the tasks that finished
    /// it. Nil when no task has recorded anything for this info.
    public func completed() throws -> (taskCount: Int, done: [Int: Set<Int>])? {
        let root = dataset.path(Self.directory)
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: root) else { return nil }
        var counts = Set<Int>()
        var done: [Int: Set<Int>] = [:]
        for name in names.sorted() {
            guard let mark = Self.parse(name), let bytes = try FileIO.read(root + "/" + name) else { continue }
            let lines = String(decoding: bytes, as: UTF8.self).split(separator: "\n").map(String.init)
            guard lines.first == fingerprint else { continue }
            if lines.count < 2 || lines[1] != storage {
                throw PrecomputedError.unsupported(
                    "\(root)/\(name): task \(mark.task)/\(mark.count) ran with '\(lines.count > 1 ? lines[1] : "?")', "
                        + "this run with '\(storage)': give the options of the tasks")
            }
            counts.insert(mark.count)
            done[mark.scale, default: []].insert(mark.task)
        }
        guard let count = counts.first else { return nil }
        guard counts.count == 1 else {
            throw PrecomputedError.unsupported(
                "\(root) holds marks of runs split into \(counts.sorted().map(String.init).joined(separator: " and ")) "
                    + "tasks for this info: remove \(root) and run the tasks again, or run without them")
        }
        return (count, done)
    }

    /// Removes every mark (the dataset is complete).
    public func clear() {
        try? FileManager.default.removeItem(atPath: dataset.path(Self.directory))
    }

    static func parse(_ name: String) -> (scale: Int, task: Int, count: Int)? {
        guard name.hasPrefix("scale"), name.hasSuffix(".done") else { return nil }
        let body = name.dropFirst(5).dropLast(5)
        let parts = body.split(separator: ".")
        guard parts.count == 2, let scale = Int(parts[0]), parts[1].hasPrefix("task") else { return nil }
        let task = parts[1].dropFirst(4).split(separator: "o")
        // The task as `--task` takes it (1 to 10^6 tasks): a mark names a file, it sizes nothing.
        guard task.count == 2, task[1].hasPrefix("f"), scale >= 0,
            let slice = TaskSlice("\(task[0])/\(task[1].dropFirst())")
        else { return nil }
        return (scale, slice.index, slice.count)
    }

    /// FNV-1a, 64 bits, as 16 hex digits.
    static func hash(_ bytes: [UInt8]) -> String {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in bytes {
            h ^= UInt64(byte)
            h &*= 0x100_0000_01b3
        }
        let hex = String(h, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }
}
