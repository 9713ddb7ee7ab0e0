import Conversion
import Encoding
import Engine
import Precomputed
import Pyramid
import Volumes

/// `nprec convert VOLUME DEST` (or `SLICE_DIR... DEST`): the full-resolution chunks.
enum ConvertRunner {
    static let infoHint = "run 'nprec info VOLUME DEST', then 'nprec scales DEST/info_fullres.json DEST'"

    @Sendable static func run(_ invocation: Invocation) throws -> Int32 {
        let (inputs, dest) = try volumeArguments(invocation)
        let dataset = Dataset(root: dest, options: invocation.storage)
        if SliceRunner.isSliceInput(inputs) {
            _ = try SliceRunner.orientation(invocation)
            let info = try dataset.readInfo(hint: infoHint).validate(file: dataset.path("info"))
            try SliceRunner.convert(invocation, inputs: inputs, dataset: dataset, info: info)
            return 0
        }
        let source = try VolumeSource(path: inputs[0], invocation: invocation)
        let info = try dataset.readInfo(hint: infoHint).validate(file: dataset.path("info"))
        try convert(source, info: info, dataset: dataset, invocation: invocation)
        return 0
    }

    /// Checks the volume against the info, warns about the value mapping, and writes scale 0;
    /// with `downscaling`, scale 1 too where the converter can (true if it did).
    @discardableResult
    static func convert(
        _ source: VolumeSource, info: DatasetSpec, dataset: Dataset, invocation: Invocation,
        downscaling: DownscaleOptions? = nil
    ) throws -> Bool {
        let scale = info.scales[0]
        let volume = source.volume
        let infoPath = dataset.path("info")
        guard volume.size == scale.size else {
            throw CommandFailure(
                "\(volume.path) has size \(volume.size.map(String.init).joined(separator: "x")), but \(infoPath) "
                    + "says \(scale.size.map(String.init).joined(separator: "x")) (scales[0].size)")
        }
        guard volume.channels == info.channels else {
            throw CommandFailure(
                "\(volume.path) has \(volume.channels) channels, but \(infoPath) says \(info.channels) (num_channels)"
            )
        }
        let resolution = source.resolution
        let consistent = (0..<3).allSatisfy {
            abs(resolution[$0] - scale.resolution[$0]) <= 1e-8 * 1e6 + 1e-5 * abs(scale.resolution[$0])
        }
        if !consistent {
            Console.warn(
                "voxel size is inconsistent with resolution in the info file "
                    + "(\(scale.resolution.map { "\($0 * 1e-6)" }.joined(separator: " x ")) mm)")
        }
        let output = info.dataType
        let mapping = source.mapping(to: output)
        if !mapping.declaredInput.canCastSafely(to: output) {
            Console.warn(
                "the volume has data type \(mapping.declaredInput.rawValue), but chunks will be saved with "
                    + "\(output.rawValue): make sure that the cast does not lose range or accuracy")
        }
        if mapping.rounds { Console.warn("values will be rounded to the nearest integer") }
        if mapping.clips {
            let (low, high) = output.integerRange
            Console.warn(
                "values will be clipped to the range [\(Int64(exactly: low).map(String.init) ?? "\(low)"), \(UInt64(exactly: high).map(String.init) ?? "\(high)")]"
            )
        }
        return try VolumeConverter(
            volume: volume, mapping: mapping, info: info, dataset: dataset, jobs: invocation.jobs,
            selection: invocation.selection, downscaling: downscaling
        ).run(reporter: ConsoleReporter())
    }
}
