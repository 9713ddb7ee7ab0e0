import Conversion
import Encoding
import Precomputed

/// `nprec reencode SOURCE DEST`: every chunk of SOURCE, written in DEST's encoding.
enum ReencodeRunner {
    @Sendable static func run(_ invocation: Invocation) throws -> Int32 {
        let source = Dataset(root: invocation.positionals[0])
        let dest = Dataset(root: invocation.positionals[1], options: invocation.storage)
        let sourceInfo = try source.readInfo(hint: "SOURCE must be a precomputed dataset")
            .validate(file: source.path("info"))
        if invocation.flag("copy-info") {
            try dest.writeInfo(sourceInfo.info)
        }
        let destInfo = try dest.readInfo(
            hint: "write it with 'nprec scales --encoding ENCODING SOURCE/info DEST', or pass --copy-info"
        ).validate(file: dest.path("info"))
        let options = ReencodeOptions(
            jpegQuality: invocation.int("jpeg-quality") ?? 95,
            jpegPlane: ChunkFormat.JPEGPlane(rawValue: invocation.string("jpeg-plane") ?? "xy") ?? .xy,
            skipMissing: invocation.flag("skip-missing"), jobs: invocation.jobs, selection: invocation.selection)
        try Reencoder(source: source, dest: dest, sourceInfo: sourceInfo, destInfo: destInfo, options: options)
            .run(reporter: ConsoleReporter())
        return 0
    }
}
