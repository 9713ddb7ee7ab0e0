import Encoding
import Precomputed
import Slices
import Volumes

/// `info`, `convert` and `pyramid` when the inputs are directories of 2-D slices, or one 3-D
/// TIFF file (multi-page, ImageJ hyperstack, OME-TIFF) whose pages are the slices.
enum SliceRunner {
    static func isSliceInput(_ inputs: [String]) -> Bool {
        // A 3-D TIFF is a stack of pages, told by content (then by name) as other volumes are.
        inputs.allSatisfy(FileIO.isDirectory)
            || (inputs.count == 1 && FileIO.isFile(inputs[0]) && (try? VolumeFiles.detect(inputs[0])) == .tiff)
    }

    /// A slice stack, the opener of its slices, and the 3-D TIFF it comes from, if one.
    struct Input {
        let stack: SliceStack
        let open: SliceOpener
        let tiff: TIFFStack?
    }

    static func orientation(_ invocation: Invocation) throws -> SliceOrientation {
        let code = invocation.string("input-orientation") ?? "RAS"
        guard let orientation = SliceOrientation(code) else {
            throw UsageError(
                "option '--input-orientation': '\(code)' is not three letters from R/L, A/P and S/I, one of each "
                    + "(e.g. RAS, RIA, LPI)", commandPath: invocation.commandPath)
        }
        return orientation
    }

    static func stack(_ inputs: [String]) throws -> Input {
        if inputs.count == 1 && !FileIO.isDirectory(inputs[0]) {
            let tiff = try TIFFStack(path: inputs[0])
            return Input(stack: tiff.stack, open: tiff.open, tiff: tiff)
        }
        let stack = try SliceStack(directories: inputs, open: SliceReaders.open, notice: { Console.note($0) })
        return Input(stack: stack, open: SliceReaders.open, tiff: nil)
    }

    /// The full-resolution info of a slice stack: size in RAS order, data type and channels from
    /// the images, `--resolution` in nanometres (RAS order), else a 3-D TIFF's metadata.
    static func fullresInfo(_ input: Input, _ orientation: SliceOrientation, invocation: Invocation) throws -> (
        VolumeInfo, Bool
    ) {
        let stack = input.stack
        var given = invocation.numbers("resolution")
        if let tiff = input.tiff {
            Console.note("\(tiff.path): \(tiff.kind), its pages are the slices")
            if given == nil, let size = tiff.voxelSize {
                given = (0..<3).map { size[orientation.inputAxis(of: $0)] }
                Console.note(
                    "\(tiff.voxelSizeNote): \(size.map { "\($0)" }.joined(separator: " x ")) nm (column, row, page)")
            }
        }
        guard let resolution = given else {
            let why =
                input.tiff.map { "\($0.path): \($0.voxelSizeNote), so" } ?? "slice directories carry no voxel size:"
            throw UsageError(
                "\(why) give --resolution X,Y,Z (nanometres, RAS order)", commandPath: invocation.commandPath)
        }
        guard resolution.allSatisfy({ $0 > 0 }) else {
            throw UsageError("option '--resolution': values must be positive", commandPath: invocation.commandPath)
        }
        var dataType = stack.sampleType
        var imperfect = false
        if !dataType.neuroglancerSupports {
            Console.warn("the \(dataType.rawValue) samples are not supported by Neuroglancer; float32 was set")
            dataType = .float32
            imperfect = true
        }
        let size = orientation.outputSize(input: [stack.width, stack.height, stack.sliceCount])
        Console.note(
            "\(stack.sliceCount) slices of \(stack.width)x\(stack.height), \(stack.channels) channel\(stack.channels > 1 ? "s" : ""), "
                + "\(stack.sampleType.rawValue); orientation \(orientation): volume \(size.map(String.init).joined(separator: "x")) (RAS)"
        )
        var scale = ScaleInfo(size: size, resolution: resolution, voxelOffset: [0, 0, 0])
        scale.encoding = ChunkEncoding.raw.rawValue
        if let text = invocation.string("sharding") {
            scale.sharding = try InfoRunner.shardingSpec(
                text, gzip: !invocation.flag("no-gzip"), path: invocation.commandPath,
                automatic: { ChunkGrid(size: size, chunkSize: [64, 64, 64]).gridSize },
                chunkBytes: 64 * 64 * 64 * dataType.size * stack.channels)
        }
        let info = VolumeInfo(type: "image", dataType: dataType.rawValue, numChannels: stack.channels, scales: [scale])
        return (info, imperfect)
    }

    static func info(_ invocation: Invocation, inputs: [String], dest: String) throws -> Int32 {
        let orientation = try orientation(invocation)
        let input = try stack(inputs)
        let (info, imperfect) = try fullresInfo(input, orientation, invocation: invocation)
        let dataset = Dataset(root: dest)
        try dataset.writeFile("info_fullres.json", try JSONText.encode(info))
        Console.note(
            "wrote \(dataset.path("info_fullres.json")); next: nprec scales \(dataset.path("info_fullres.json")) \(dest)"
        )
        return imperfect ? 4 : 0
    }

    static func convert(_ invocation: Invocation, inputs: [String], dataset: Dataset, info: DatasetSpec) throws {
        let orientation = try orientation(invocation)
        let input = try stack(inputs)
        let converter = SliceConverter(
            stack: input.stack, orientation: orientation, info: info, dataset: dataset, jobs: invocation.jobs,
            selection: invocation.selection, open: input.open)
        try converter.check()
        try converter.run(reporter: ConsoleReporter())
    }
}
