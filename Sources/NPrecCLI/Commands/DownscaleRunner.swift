import Encoding
import Engine
import Precomputed
import Pyramid

/// `nprec downscale DEST`: every lower scale from the one above it.
enum DownscaleRunner {
    @Sendable static func run(_ invocation: Invocation) throws -> Int32 {
        let dataset = Dataset(root: invocation.positionals[0], options: invocation.storage)
        let info = try dataset.readInfo(hint: "write it with 'nprec scales' or 'nprec pyramid'")
            .validate(file: dataset.path("info"))
        try downscaleAll(dataset: dataset, info: info, invocation: invocation)
        return 0
    }

    /// The downscaling options of an invocation, for `info`'s dataset type.
    static func options(_ invocation: Invocation, info: DatasetSpec) -> DownscaleOptions {
        DownscaleOptions(
            method: DownscaleOptions.method(named: invocation.string("downscaling-method") ?? "auto", type: info.type),
            outsideValue: invocation.double("outside-value"), jobs: invocation.jobs,
            jpegQuality: invocation.int("jpeg-quality") ?? 95,
            jpegPlane: ChunkFormat.JPEGPlane(rawValue: invocation.string("jpeg-plane") ?? "xy") ?? .xy)
    }

    /// Computes the scales from `from` (1: all lower scales) down.
    static func downscaleAll(dataset: Dataset, info: DatasetSpec, invocation: Invocation, from: Int = 1) throws {
        try PyramidScheduler.downscale(
            dataset: dataset, info: info, options: options(invocation, info: info), selection: invocation.selection,
            reporter: ConsoleReporter(), from: from)
    }
}

/// `nprec pyramid VOLUME DEST`: info, scales, full-resolution chunks and lower scales.
enum PyramidRunner {
    @Sendable static func run(_ invocation: Invocation) throws -> Int32 {
        let (inputs, dest) = try volumeArguments(invocation)
        let slices = SliceRunner.isSliceInput(inputs)
        let source = slices ? nil : try VolumeSource(path: inputs[0], invocation: invocation)
        let orientation = slices ? try SliceRunner.orientation(invocation) : nil
        let stack = slices ? try SliceRunner.stack(inputs) : nil
        let (fullres, _) =
            if let source {
                try InfoRunner.fullresInfo(source, invocation: invocation)
            } else {
                try SliceRunner.fullresInfo(stack!, orientation!, invocation: invocation)
            }
        var pyramid = try DyadicPyramid.makeInfo(
            from: fullres, options: invocation.scalesOptions, file: inputs[0], warn: printWarning)
        var info = try pyramid.validate(file: inputs[0])
        if invocation.string("sharding") == "auto" {
            // Bits chosen for each scale's own grid and chunk size.
            for scale in info.scales {
                pyramid.scales[scale.index].sharding = ShardingSpec.automatic(
                    gridSize: ChunkGrid(size: scale.size, chunkSize: scale.chunkSize).gridSize,
                    chunkBytes: scale.chunkSize.reduce(info.voxelBytes, *), gzip: !invocation.flag("no-gzip"))
            }
            info = try pyramid.validate(file: inputs[0])
        }
        let dataset = Dataset(root: dest, options: invocation.storage)
        try ChunkFormat(dataset: info, scale: info.scales[0]).checkWritable()
        try dataset.writeInfo(pyramid)
        Console.note(
            "wrote \(dataset.path("info")): \(info.scales.count) scales (\(info.scales.map(\.key).joined(separator: ", ")))"
        )
        var firstToCompute = 1
        if let source {
            _ = try InfoRunner.writeTransform(source, dataset: dataset)
            let wroteScale1 = try ConvertRunner.convert(
                source, info: info, dataset: dataset, invocation: invocation,
                downscaling: DownscaleRunner.options(invocation, info: info))
            if wroteScale1 { firstToCompute = 2 }
        } else {
            try SliceRunner.convert(invocation, inputs: inputs, dataset: dataset, info: info)
        }
        try DownscaleRunner.downscaleAll(dataset: dataset, info: info, invocation: invocation, from: firstToCompute)
        return 0
    }
}
