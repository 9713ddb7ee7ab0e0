/// Option groups, declared once and reused by every command that takes them.
public enum OptionGroups {
    static let help = OptionSpec("help", short: "h", help: "Show this help and exit.")

    /// Where and how chunks and files are stored.
    static let storage: [OptionSpec] =
        [
            OptionSpec(
                "flat",
                help:
                    "Write chunks as KEY/x0-x1_y0-y1_z0-z1 (the names Neuroglancer fetches) instead of KEY/x0-x1/y0-y1/z0-z1."
            )
        ] + meshStorage

    /// How files are stored, for commands that write no chunks (meshes).
    static let meshStorage: [OptionSpec] = [
        OptionSpec(
            "no-gzip", aliases: ["no-compression"], help: "Write chunks uncompressed (default: gzip, file name + .gz)."),
        OptionSpec(
            "compresslevel", value: ("N", .integer(0...12)),
            help: "gzip compression level: 0 (stored) to 9 as zlib's; 10 to 12 smaller and slower (libdeflate).",
            default: "6"),
        OptionSpec(
            "jobs", short: "j", value: ("N", .integer(1...1024)), help: "Worker threads.",
            default: "the number of cores"),
    ]

    /// How the work is split and resumed (every command that writes chunks).
    static let work = work(finishing: "a final 'nprec downscale DEST' without --task finishes a split pyramid.")

    /// `--task` and `--resume`; `finishing` says what completes a split run.
    static func work(finishing: String) -> [OptionSpec] {
        [
            OptionSpec(
                "task", value: ("I/N", .task),
                help:
                    "Do task I's share of N (0 <= I < N): tasks write disjoint files and may run anywhere that sees "
                    + "DEST, in any order; " + finishing),
            OptionSpec(
                "resume",
                help:
                    "Skip what is already written (files appear whole or not at all) and remove leftover temporary files."
            ),
        ]
    }

    /// How voxel values are read from a volume file.
    static let volumeReading: [OptionSpec] = [
        OptionSpec(
            "ignore-scaling",
            help:
                "Read the stored values, without the file's scaling (NIfTI scl_slope/scl_inter, MINC image range, ...)."
        ),
        OptionSpec(
            "input-min", value: ("X", .number),
            help: "Input value mapped to the output type's minimum (0 for float32).", default: "0"),
        OptionSpec(
            "input-max", value: ("Y", .number),
            help: "Input value mapped to the output type's maximum (1 for float32); needed for --input-min."),
    ]

    static let type = OptionSpec(
        "type", value: ("TYPE", .choice(["image", "segmentation"])),
        help: "Dataset type.", default: "inherited from the input info, else image")
    static let encoding = OptionSpec(
        "encoding", value: ("ENCODING", .choice(["raw", "jpeg", "png", "compressed_segmentation"])),
        help: "Chunk encoding; compressed_segmentation promotes uint8 and uint16 to uint32.",
        default: "inherited from the input info, else raw")
    static let targetChunkSize = OptionSpec(
        "target-chunk-size", value: ("N", .powerOfTwo(1...4096)),
        help: "Chunk side for isotropic data, a power of two; anisotropic chunks hold about N^3 voxels.", default: "64")
    static let maxScales = OptionSpec(
        "max-scales", value: ("N", .integer(0...64)), help: "Most scales to generate (0: no limit).",
        default: "no limit")
    static let sharding = OptionSpec(
        "sharding", value: ("M,S,P", .text),
        help: "Write the sharded format: minishard bits, shard bits, preshift bits; or 'auto' to choose them per scale."
    )
    static let resolution = OptionSpec(
        "resolution", value: ("X,Y,Z", .numbers(counts: [3])), help: "Voxel size in nanometres (slice stacks).")

    /// Dataset description (`scales`, `pyramid`).
    static let description: [OptionSpec] = [type, encoding, targetChunkSize, maxScales]

    /// Downscaling (`downscale`, `pyramid`).
    static let downscaling: [OptionSpec] = [
        OptionSpec(
            "downscaling-method", value: ("METHOD", .choice(["auto", "average", "majority", "stride"])),
            help: "How lower scales are computed: average for images, majority for labels, stride is fastest.",
            default: "auto: average for images, stride for segmentations"),
        OptionSpec(
            "outside-value", value: ("V", .number), help: "Padding value for average at odd borders.",
            default: "edge values"),
    ]

    /// Slice stacks (`convert`, `info`, `pyramid` with directories).
    static let inputOrientation = OptionSpec(
        "input-orientation", value: ("XYZ", .text),
        help: "Anatomical directions of increasing column, row and slice number: three letters from R/L, A/P, S/I.",
        default: "RAS")

    /// JPEG chunk encoding.
    static let jpeg: [OptionSpec] = [
        OptionSpec("jpeg-quality", value: ("Q", .integer(1...100)), help: "JPEG quality.", default: "95"),
        OptionSpec(
            "jpeg-plane", value: ("PLANE", .choice(["xy", "xz"])), help: "Image plane of JPEG chunks.", default: "xy"),
    ]

    static let reencode: [OptionSpec] = [
        OptionSpec("copy-info", help: "Write SOURCE's info to DEST first."),
        OptionSpec("skip-missing", help: "Warn and go on when a source chunk is absent."),
    ]

    static let meshConvert: [OptionSpec] = [
        OptionSpec(
            "mesh-dir", value: ("DIR", .text), help: "Mesh directory, written to the info's mesh key.", default: "mesh"),
        OptionSpec(
            "mesh-name", value: ("NAME", .text), help: "Fragment name.",
            default: "the input file name without its last extension"),
        OptionSpec(
            "coord-transform", value: ("a,b,...", .numbers(counts: [12, 16])),
            help: "Affine applied to the vertices: 12 or 16 numbers, row-major, translation in millimetres."),
        OptionSpec(
            "units", value: ("UNIT", .choice(["nm", "um", "mm"])), help: "Units of OBJ, PLY, STL and OFF coordinates.",
            default: "mm"),
    ]

    static let meshLink: [OptionSpec] = [
        OptionSpec("no-colon-suffix", help: "Write LABEL instead of LABEL:0.")
    ]
}
