import Encoding
import Precomputed

/// `nprec info VOLUME DEST`: info_fullres.json and transform.json from the header.
enum InfoRunner {
    @Sendable static func run(_ invocation: Invocation) throws -> Int32 {
        let (inputs, dest) = try volumeArguments(invocation)
        if SliceRunner.isSliceInput(inputs) { return try SliceRunner.info(invocation, inputs: inputs, dest: dest) }
        let source = try VolumeSource(path: inputs[0], invocation: invocation)
        let (info, imperfect) = try fullresInfo(source, invocation: invocation)
        let dataset = Dataset(root: dest)
        try dataset.writeFile("info_fullres.json", try JSONText.encode(info))
        let transform = try writeTransform(source, dataset: dataset)
        Console.note(
            "wrote \(dataset.path("info_fullres.json")) and \(dataset.path("transform.json")); "
                + "next: nprec scales \(dataset.path("info_fullres.json")) \(dest)")
        Console.out(compactURLSafeJSON(transform))
        return imperfect ? 4 : 0
    }

    /// The full-resolution info of a volume, and whether its data type had to be changed.
    static func fullresInfo(_ source: VolumeSource, invocation: Invocation) throws -> (VolumeInfo, Bool) {
        Console.note(
            "input image shape is \(source.volume.size + (source.volume.channels > 1 ? [source.volume.channels] : []))")
        Console.note("input voxel size is \(source.volume.voxelSizes.map { "\($0)" }.joined(separator: " x ")) mm")
        // Data types Neuroglancer displays are kept; float64 and int64 (and scaled values,
        // float64 as the reference reads them) become float32, reported with exit code 4.
        var dataType = source.declaredType
        var imperfect = false
        if !dataType.neuroglancerSupports {
            Console.warn(
                "the \(dataType.rawValue) data type is not supported by Neuroglancer; float32 was set, "
                    + "adjust data_type in info_fullres.json if needed (values are rounded when converted "
                    + "to an integer type, and cast)")
            dataType = .float32
            imperfect = true
        }
        var scale = ScaleInfo(size: source.volume.size, resolution: source.resolution, voxelOffset: [0, 0, 0])
        scale.encoding = ChunkEncoding.raw.rawValue
        if let text = invocation.string("sharding") {
            scale.sharding = try shardingSpec(
                text, gzip: !invocation.flag("no-gzip"), path: invocation.commandPath,
                automatic: { ChunkGrid(size: scale.size, chunkSize: [64, 64, 64]).gridSize },
                chunkBytes: 64 * 64 * 64 * dataType.size * source.volume.channels)
        }
        let info = VolumeInfo(
            type: "image", dataType: dataType.rawValue, numChannels: source.volume.channels, scales: [scale])
        return (info, imperfect)
    }

    /// Writes DEST/transform.json and returns the transform.
    static func writeTransform(_ source: VolumeSource, dataset: Dataset) throws -> [[Double]] {
        let transform = source.transform
        try dataset.writeFile("transform.json", try JSONText.encode(transform))
        return transform
    }

    /// `--sharding M,S,P`: minishard bits, shard bits, preshift bits.
    static func shardingSpec(
        _ text: String, gzip: Bool, path: [String], automatic gridSize: () -> [Int], chunkBytes: Int
    ) throws -> ShardingSpec {
        if text == "auto" { return ShardingSpec.automatic(gridSize: gridSize(), chunkBytes: chunkBytes, gzip: gzip) }
        let parts = text.split(separator: ",", omittingEmptySubsequences: false).map { Int($0) }
        guard parts.count == 3, let minishard = parts[0], let shard = parts[1], let preshift = parts[2],
            [minishard, shard, preshift].allSatisfy({ (0...64).contains($0) }), minishard + shard <= 64
        else {
            throw UsageError(
                "option '--sharding': '\(text)' is not M,S,P (minishard, shard and preshift bits, 0 to 64) or auto",
                commandPath: path)
        }
        let encoding = gzip ? "gzip" : "raw"
        return ShardingSpec(
            preshiftBits: preshift, minishardBits: minishard, shardBits: shard, minishardIndexEncoding: encoding,
            dataEncoding: encoding)
    }
}

/// The inputs and DEST of `info`, `convert` and `pyramid`: one volume file, or slice directories.
func volumeArguments(_ invocation: Invocation) throws -> (inputs: [String], dest: String) {
    let inputs = Array(invocation.positionals.dropLast())
    let dest = invocation.positionals.last!
    if inputs.count > 1 && !inputs.allSatisfy(FileIO.isDirectory) {
        throw UsageError(
            "several inputs must all be slice directories; give one volume file", commandPath: invocation.commandPath)
    }
    return (inputs, dest)
}
