import Precomputed

/// The commands that read volumes or slice stacks and write chunks. Their option tables are
/// fixed here; the conversions themselves live in their own files.
enum InfoCommand {
    static let command = Command(
        name: "info",
        summary: "Write DEST/info_fullres.json and DEST/transform.json from a volume's header.",
        alternateUsages: ["info [OPTIONS] SLICE_DIR... DEST --resolution X,Y,Z"],
        discussion: """
            Reads the header of a volume file and \
            writes the full-resolution info (type, data type, channels, size, resolution in \
            nanometres) for 'nprec scales', plus transform.json, the Neuroglancer transform that \
            places the volume in its scanner space; the transform is also printed as compact \
            URL-safe JSON. Exit code 4 means the files were written but the volume's data type is \
            not one Neuroglancer displays as is: review info_fullres.json.

            Volume formats, told apart by content (then by name): NIfTI-1 and NIfTI-2 (.nii, \
            .nii.gz, .hdr/.img), Analyze 7.5, FreeSurfer MGH/MGZ, MINC1 and MINC2, AFNI \
            (.HEAD/.BRIK[.gz]), Philips PAR/REC, NRRD (.nrrd, .nhdr) and 3-D TIFF. A 4th \
            dimension (time, sub-bricks, frames) becomes channels. Values are read as nibabel reads \
            them, with each format's scaling (--ignore-scaling reads the stored values).
            """,
        examples: [
            "nprec info brain.nii.gz out/", "nprec info aparc+aseg.mgz labels/",
            "nprec scales out/info_fullres.json out/",
        ],
        options: OptionGroups.volumeReading + [
            OptionGroups.sharding, OptionGroups.resolution, OptionGroups.inputOrientation,
        ]
            + OptionGroups.storage,
        positionals: [
            Positional(
                "VOLUME", "Volume file (NIfTI, MGH/MGZ, MINC, ...), or directories of 2D slices.", repeats: true,
                completion: .file),
            Positional("DEST", "Dataset directory.", completion: .directory),
        ],
        run: InfoRunner.run)
}

enum ConvertCommand {
    static let command = Command(
        name: "convert",
        summary: "Write the full-resolution chunks of a volume or slice stack, as DEST/info says.",
        alternateUsages: ["convert [OPTIONS] SLICE_DIR... DEST"],
        discussion: """
            Reads DEST/info (from 'nprec scales') and writes every chunk of its first scale, in the \
            scale's encoding, reading the volume slab by slab. Values are mapped as \
            neuroglancer-scripts does: header scaling, then --input-min/--input-max, rounding half \
            to even into integer types and clipping to the type's range.
            """,
        examples: [
            "nprec convert brain.nii.gz out/",
            "nprec convert --flat --no-gzip brain.nii out/",
            "nprec convert --task 2/8 brain.nii out/      # task 2 of 8 (0 to 7), on any machine",
            "nprec convert --resume brain.nii.gz out/     # after a crash: only what is missing",
        ],
        options: OptionGroups.volumeReading + [OptionGroups.inputOrientation] + OptionGroups.work
            + OptionGroups.storage,
        positionals: [
            Positional(
                "VOLUME", "Volume file (NIfTI, MGH/MGZ, MINC, ...), or directories of 2D slices.", repeats: true,
                completion: .file),
            Positional("DEST", "Dataset directory holding info.", completion: .directory),
        ],
        run: ConvertRunner.run)
}

enum DownscaleCommand {
    static let command = Command(
        name: "downscale",
        summary: "Compute every lower scale of DEST/info from the scale above it.",
        discussion: """
            Reads the chunks of each scale and writes the next one, halving the axes that the info's \
            sizes say. Use average for images, majority for labels, stride for speed.
            """,
        examples: [
            "nprec downscale out/", "nprec downscale --downscaling-method majority labels/",
            "nprec downscale --task 2/8 out/               # task 2's share, after 'convert --task 2/8'",
            "nprec downscale out/                          # after all tasks: the scales they left",
        ],
        options: OptionGroups.downscaling + OptionGroups.jpeg + OptionGroups.work + OptionGroups.storage,
        positionals: [Positional("DEST", "Dataset directory holding info.", completion: .directory)],
        run: DownscaleRunner.run)
}

enum PyramidCommand {
    static let command = Command(
        name: "pyramid",
        summary: "All in one: info, scales, full-resolution chunks and lower scales.",
        alternateUsages: ["pyramid [OPTIONS] SLICE_DIR... DEST --resolution X,Y,Z"],
        discussion: """
            Runs 'info', 'scales', 'convert' and 'downscale' in one go, with all their options. With \
            --task I/N, task I converts its region of the volume and downscales what depends on it \
            alone; a final 'nprec downscale DEST' (same storage and downscaling options, no --task) \
            computes the rest, and the result is byte-identical to one run. 'nprec plan' shows the \
            split.
            """,
        examples: [
            "nprec pyramid brain.nii.gz out/", "nprec pyramid --encoding compressed_segmentation labels.nii.gz labels/",
            "nprec pyramid --task $SLURM_ARRAY_TASK_ID/$SLURM_ARRAY_TASK_COUNT brain.nii /shared/out/",
            "nprec downscale /shared/out/                 # once every task has finished",
        ],
        options: OptionGroups.volumeReading + OptionGroups.description
            + [OptionGroups.sharding, OptionGroups.resolution, OptionGroups.inputOrientation]
            + OptionGroups.downscaling + OptionGroups.jpeg + OptionGroups.work + OptionGroups.storage,
        positionals: [
            Positional(
                "VOLUME", "Volume file (NIfTI, MGH/MGZ, MINC, ...), or directories of 2D slices.", repeats: true,
                completion: .file),
            Positional("DEST", "Dataset directory (created).", completion: .directory),
        ],
        run: PyramidRunner.run)
}

enum ReencodeCommand {
    static let command = Command(
        name: "reencode",
        summary: "Read every chunk of SOURCE and write it to DEST in the encoding of DEST/info.",
        discussion: "Converts a dataset between encodings (raw, gzip, compressed_segmentation, JPEG, PNG) and layouts.",
        examples: [
            "nprec scales out/info_fullres.json jpeg/ --encoding jpeg",
            "nprec reencode out/ jpeg/ --jpeg-quality 90",
        ],
        options: OptionGroups.reencode + OptionGroups.jpeg + OptionGroups.work + OptionGroups.storage,
        positionals: [
            Positional("SOURCE", "Dataset to read.", completion: .directory),
            Positional("DEST", "Dataset to write (its info gives the encoding).", completion: .directory),
        ],
        run: ReencodeRunner.run)
}
