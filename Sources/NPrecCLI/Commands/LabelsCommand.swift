import Labels
import Precomputed

/// `nprec labels TABLE DEST`: an atlas label table as the segment properties of a segmentation.
enum LabelsCommand {
    static let command = Command(
        name: "labels",
        summary: "Name the labels of a segmentation from an atlas label table (segment properties).",
        discussion: """
            Reads TABLE and writes DEST/segment_properties/info (neuroglancer_segment_properties, \
            inline), then sets the segment_properties key of DEST/info, every other key kept. \
            Neuroglancer then shows the names in the segment list, searches them and filters by tags. \
            TABLE is told apart by content (or --format): a FreeSurfer colour LUT ('id name R G B A' \
            lines, '#' comments), a 3D Slicer colour table (the same rows), ITK-SNAP label \
            descriptions ('id R G B A VIS MSH "name"'), CSV or TSV with a header row (id, or LabelValue \
            as in Slicer's CSV colour tables; name or label; optional description; tags separated by \
            ';'; color as #rrggbb, or Color_R, Color_G, Color_B from 0 to 255; any other column a \
            string property, or a number property of the narrowest Neuroglancer type when every value \
            is a number), or JSON ({"id": "name"} or a list of objects with those fields). Ids are \
            integers from 0 to 2^64-1, each once. The colours of the table go to \
            DEST/segment_properties/colors.json, which 'nprec serve' puts into its links as the \
            layer's segment colours. --counts adds the voxels of each label at full resolution \
            (number property voxels: uint32, or float32 when a count exceeds 2^32-1, as Neuroglancer \
            has no 64-bit integers) and its volume in mm^3 (volume_mm3, float32), and reports the \
            labels of the table absent from the volume and the labels of the volume (0 aside) absent \
            from the table. A bad table (a repeated or malformed id, a row with too few fields, text \
            that is not UTF-8, an unclosed quote) is named as FILE:LINE and nothing is written.
            """,
        examples: [
            "nprec labels FreeSurferColorLUT.txt aseg/",
            "nprec labels --counts -j 4 atlas.csv atlas/",
            "nprec labels --format itksnap labels.txt seg/",
        ],
        options: [
            OptionSpec(
                "format", value: ("FORMAT", .choice(TableFormat.allCases.map(\.rawValue))),
                help: "The table's dialect.", default: "auto"),
            OptionSpec("counts", help: "Add voxel counts and volumes per label, read from the full-resolution scale."),
            OptionSpec(
                "jobs", short: "j", value: ("N", .integer(1...1024)), help: "Worker threads for --counts.",
                default: "the number of cores"),
        ],
        positionals: [
            Positional("TABLE", "Label table: FreeSurfer LUT, Slicer, ITK-SNAP, CSV, TSV or JSON."),
            Positional("DEST", "Segmentation dataset directory holding info.", completion: .directory),
        ],
        run: run)

    /// The most bytes of a table read (FreeSurfer's full LUT is 60 KiB).
    static let tableLimit = 1 << 30
    /// Ids listed in a report line before "...".
    static let listed = 10

    @Sendable static func run(_ invocation: Invocation) throws -> Int32 {
        let tablePath = invocation.positionals[0]
        let dataset = Dataset(root: invocation.positionals[1])
        let info = try dataset.readInfo(hint: "DEST must be a precomputed segmentation dataset")
        let spec = try info.validate(file: dataset.path("info"))
        guard spec.type == .segmentation else {
            throw CommandFailure(
                "\(dataset.path("info")): type is \"\(spec.type.rawValue)\"; segment properties belong to a "
                    + "segmentation (write it with --type segmentation)")
        }
        guard let bytes = try FileIO.read(tablePath) else {
            throw PrecomputedError.missing(path: tablePath, hint: "")
        }
        guard bytes.count <= tableLimit else {
            throw CommandFailure("\(tablePath): larger than 1 GiB; not a label table")
        }
        let format = invocation.string("format").flatMap(TableFormat.init(rawValue:)) ?? .auto
        let table = try TableReader.read(bytes, file: tablePath, format: format)
        var counts: VoxelCounts?
        if invocation.flag("counts") {
            let found = try VoxelCounts.count(
                dataset, spec: spec, jobs: invocation.jobs, reporter: ConsoleReporter())
            report(found, table: table)
            counts = found
        }
        let written = try SegmentPropertiesWriter.write(table, counts: counts, file: tablePath, to: dataset)
        let colors = table.hasColors ? ", colours in \(SegmentPropertiesWriter.colorsFile)" : ""
        Console.out(
            "\(written[0]): \(table.labels.count) label\(table.labels.count == 1 ? "" : "s") "
                + "(\(table.format.rawValue))\(colors)")
        return 0
    }

    /// The differences between the table and the volume, on stderr.
    static func report(_ counts: VoxelCounts, table: LabelTable) {
        func list(_ ids: [UInt64]) -> String {
            ids.prefix(listed).map(String.init).joined(separator: ", ") + (ids.count > listed ? ", ..." : "")
        }
        let (absentFromVolume, absentFromTable) = counts.differences(table)
        if !absentFromVolume.isEmpty {
            Console.note(
                "labels: \(absentFromVolume.count) of the table's \(table.labels.count) labels are absent from the "
                    + "volume: \(list(absentFromVolume))")
        }
        if !absentFromTable.isEmpty {
            Console.note(
                "labels: \(absentFromTable.count) labels of the volume are absent from the table: "
                    + list(absentFromTable))
        }
        if counts.missingChunks > 0 {
            Console.note("labels: \(counts.missingChunks) chunks are missing, counted as label 0")
        }
    }
}
