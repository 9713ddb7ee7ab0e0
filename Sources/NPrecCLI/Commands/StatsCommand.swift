import Precomputed

enum StatsCommand {
    static let command = Command(
        name: "stats",
        summary: "Show chunk counts, directory counts and raw sizes of every scale.",
        discussion: """
            Reads DEST/info and prints, per scale, the chunk size, the number of chunks, the number \
            of directories and the raw uncompressed size, then the totals (as neuroglancer-scripts' \
            scale-stats). Run it after 'nprec scales' to check the disk space a conversion needs.
            """,
        examples: ["nprec stats out/"],
        positionals: [Positional("DEST", "Dataset directory holding info.", completion: .directory)],
        run: run)

    @Sendable static func run(_ invocation: Invocation) throws -> Int32 {
        let dataset = Dataset(root: invocation.positionals[0])
        let info = try dataset.readInfo(hint: "write it with 'nprec scales' or 'nprec pyramid'")
        Console.out(DatasetStats.report(try DatasetStats.compute(info, file: dataset.path("info"))), terminator: "")
        return 0
    }
}
