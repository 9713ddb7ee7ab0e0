import Engine
import Foundation
import Meshing
import Precomputed

/// `nprec mesh generate DEST`: meshes for every label of a segmentation.
enum MeshGenerateRunner {
    static let options: [OptionSpec] = [
        OptionSpec(
            "scale", value: ("KEY", .text), help: "The scale the surfaces are made from (its key, as in info).",
            default: "the finest"),
        OptionSpec("labels", value: ("ID,...", .text), help: "Mesh only these labels."),
        OptionSpec("exclude-labels", value: ("ID,...", .text), help: "Do not mesh these labels (0 never is)."),
        OptionSpec(
            "format", value: ("FORMAT", .choice(MeshGenerator.Format.allCases.map(\.rawValue))),
            help: "multires: neuroglancer_multilod_draco, levels of detail; legacy: one fragment per label.",
            default: "multires"),
        OptionSpec(
            "sharding", value: ("M,S,P", .text),
            help: "Write the multires meshes in shards: minishard, shard and preshift bits (labels hashed with "
                + "murmurhash3_x86_128), or 'auto' to choose them from the label count."),
        OptionSpec(
            "error", value: ("NM", .number),
            help: "Simplification error of level of detail 0, in nm; level L allows 2^L times as much.",
            default: "half the smallest voxel side"),
        OptionSpec(
            "max-lods", value: ("N", .integer(0...32)),
            help: "Most levels of detail (0: until one fragment holds a label).",
            default: "0"),
        OptionSpec(
            "fragment-size", value: ("X,Y,Z", .numbers(counts: [1, 3])),
            help: "Voxels per level-0 fragment and per block of work.", default: "the scale's chunk size"),
        OptionSpec(
            "quantization-bits", value: ("B", .choice(["10", "16"])), help: "Bits per vertex coordinate in a fragment.",
            default: "16"),
        OptionSpec(
            "mesh-dir", value: ("DIR", .text), help: "Mesh directory, written to the info's mesh key.",
            default: "the info's mesh key, else mesh"),
    ]

    @Sendable static func run(_ invocation: Invocation) throws -> Int32 {
        let dataset = Dataset(root: invocation.positionals[0], options: invocation.storage)
        var settings = MeshGenerator.Settings()
        let path = invocation.commandPath
        let info = try dataset.readInfo(
            hint: "DEST must be a precomputed segmentation, e.g. made with 'nprec pyramid labels.nii.gz DEST'")
        if let key = invocation.string("scale") {
            guard let index = info.scales.firstIndex(where: { $0.key == key }) else {
                throw UsageError(
                    "option '--scale': \(dataset.path("info")) has no scale '\(key)' (it has "
                        + info.scales.map { "'\($0.key ?? "")'" }.joined(separator: ", ") + ")",
                    commandPath: path)
            }
            settings.scale = index
        }
        settings.selection = MarchingCubes.Selection(
            only: try invocation.string("labels").map { Set(try labelList($0, option: "labels", path: path)) },
            excluded: Set(
                try invocation.string("exclude-labels").map { try labelList($0, option: "exclude-labels", path: path) }
                    ?? []))
        settings.format = invocation.string("format").flatMap(MeshGenerator.Format.init(rawValue:)) ?? .multires
        if let text = invocation.string("sharding") {
            guard settings.format == .multires else {
                throw UsageError("option '--sharding': only the multires format has a sharded form", commandPath: path)
            }
            if text == "auto" {
                settings.sharding = .automatic
            } else {
                var spec = try InfoRunner.shardingSpec(
                    text, gzip: dataset.options.gzip, path: path, automatic: { [1, 1, 1] }, chunkBytes: 0)
                spec.hash = "murmurhash3_x86_128"
                settings.sharding = .spec(spec)
            }
        }
        if let error = invocation.double("error") {
            guard error > 0, error.isFinite else {
                throw UsageError("option '--error': give a positive number of nanometres", commandPath: path)
            }
            settings.error = error
        }
        settings.maxLevels = invocation.int("max-lods") ?? 0
        if let sizes = invocation.numbers("fragment-size") {
            let shape = sizes.count == 1 ? [sizes[0], sizes[0], sizes[0]] : sizes
            guard shape.allSatisfy({ $0 >= 1 && $0 <= 4096 && $0.rounded() == $0 }) else {
                throw UsageError("option '--fragment-size': whole numbers of voxels from 1 to 4096", commandPath: path)
            }
            settings.blockShape = shape.map { Int($0) }
        }
        settings.quantizationBits = invocation.int("quantization-bits") ?? 16
        if let directory = invocation.string("mesh-dir") {
            try MeshConvertRunner.checkName(directory, option: "--mesh-dir", invocation: invocation)
            settings.meshDirectory = directory
        }
        settings.jobs = invocation.jobs
        settings.work = invocation.selection

        let started = Date()
        let summary = try MeshGenerator(dataset: dataset, settings: settings).run(reporter: ConsoleReporter())
        let seconds = String(format: "%.1f", Date().timeIntervalSince(started))
        if summary.labelsWritten > 0 || summary.complete {
            let levels = summary.triangles.enumerated().map { "LOD \($0.offset): \($0.element)" }
            Console.out(
                "\(dataset.path(summary.meshDirectory)): meshes of \(summary.labelsWritten) of \(summary.labels) labels "
                    + "(\(settings.format.rawValue)), \(summary.bytes) bytes, triangles "
                    + (levels.isEmpty ? "none" : levels.joined(separator: ", ")) + " in \(seconds) s")
        } else {
            Console.out(
                "\(dataset.path("")): \(summary.blocksComputed) blocks meshed in \(seconds) s; labels not written yet")
        }
        return 0
    }

    /// `1,2,3` as labels, each from 0 to 2^64-1.
    static func labelList(_ text: String, option: String, path: [String]) throws -> [UInt64] {
        let parts = text.split(separator: ",", omittingEmptySubsequences: false)
        var labels: [UInt64] = []
        for part in parts {
            guard let label = UInt64(part.trimmingCharacters(in: .whitespaces)) else {
                throw UsageError(
                    "option '--\(option)': '\(part)' is not a label (a whole number from 0 to 2^64-1)",
                    commandPath: path)
            }
            labels.append(label)
        }
        return labels
    }
}
