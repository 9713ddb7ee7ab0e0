import Precomputed

enum ScalesCommand {
    static let command = Command(
        name: "scales",
        summary: "Write DEST/info holding the dyadic pyramid of scales.",
        discussion: """
            Reads a full-resolution info (as written by 'nprec info') and writes DEST/info with every \
            scale of the pyramid, as neuroglancer-scripts' generate-scales-info does: the finest axes \
            are halved first until voxels are as isotropic as powers of two allow, then all axes; \
            chunks hold about N^3 voxels (--target-chunk-size); scales stop when the volume fits in \
            about two chunks per axis. An existing DEST/info with other content is not overwritten.
            """,
        examples: [
            "nprec scales out/info_fullres.json out/",
            "nprec scales info_fullres.json out/ --encoding compressed_segmentation --type segmentation",
        ],
        options: OptionGroups.description,
        positionals: [
            Positional("FULLRES_INFO", "Full-resolution info JSON (info_fullres.json).", completion: .file),
            Positional("DEST", "Dataset directory; DEST/info is written.", completion: .directory),
        ],
        run: run)

    @Sendable static func run(_ invocation: Invocation) throws -> Int32 {
        let source = invocation.positionals[0]
        let options = invocation.scalesOptions
        guard FileIO.isFile(source) else {
            throw PrecomputedError.missing(path: source, hint: "write it with 'nprec info VOLUME DEST' first")
        }
        let fullres = try InfoFile.load(source)
        let info = try DyadicPyramid.makeInfo(from: fullres, options: options, file: source, warn: printWarning)
        // An info that no command could write chunks for (jpeg of uint16, ...) is refused here.
        try info.validate(file: source)
        let dataset = Dataset(root: invocation.positionals[1])
        try dataset.writeInfo(info)
        let keys = info.scales.map { $0.key ?? "?" }.joined(separator: ", ")
        Console.note("wrote \(dataset.path("info")): \(info.scales.count) scales (\(keys))")
        return 0
    }
}
