/// `nprec mesh convert` and `nprec mesh link`.
enum MeshCommand {
    static let command = Command(
        name: "mesh",
        summary: "Make meshes of segmentation labels, convert surface meshes, link them to labels.",
        examples: [
            "nprec mesh generate seg/", "nprec mesh convert lh.pial.surf.gii out/", "nprec mesh link labels.csv out/",
        ],
        subcommands: [
            Command(
                name: "generate",
                summary: "Make a multi-resolution mesh of every label of a segmentation (marching cubes, Draco).",
                discussion: """
                    Reads the segmentation DEST (uint8 to uint64 labels, any encoding, sharded or not) block by \
                    block, one voxel of overlap between blocks, and makes the surface of every label with \
                    marching cubes: closed, the surfaces of neighbouring blocks meeting exactly, vertices \
                    where Neuroglancer draws the voxels (a voxel's centre at (voxel_offset + i + 0.5) * \
                    resolution). Each surface is simplified with meshoptimizer within --error nm (the \
                    borders of blocks fixed), then into coarser levels of detail, twice the error at each \
                    level, and written as Neuroglancer's multi-resolution format: MESH_DIR/info \
                    (neuroglancer_multilod_draco), per label MESH_DIR/ID (Draco fragments) and MESH_DIR/ID.index \
                    (the manifest), or shards with --sharding; --format legacy writes one fragment per label \
                    and its ID:0 manifest instead, for old viewers. The info's mesh key is set. Memory holds \
                    the blocks in flight and one label's mesh at a time. Split over machines with --task I/N: \
                    each task makes its blocks, then its labels once every task's blocks are there (under \
                    DEST/.nprec), so run the same command twice per task, or the tasks then once without \
                    --task; that run finishes what is missing and removes the work files. A dataset that \
                    is not a segmentation, or whose data type cannot hold labels, is an error.
                    """,
                examples: [
                    "nprec mesh generate seg/",
                    "nprec mesh generate --sharding auto --error 200 seg/",
                    "nprec mesh generate --labels 17,53 --format legacy seg/",
                    "nprec mesh generate --task 3/8 seg/   # twice per task, or once more without --task",
                ],
                options: MeshGenerateRunner.options + OptionGroups.meshStorage
                    + OptionGroups.work(
                        finishing: "run each task twice, or the tasks then once without --task, to write every label."),
                positionals: [
                    Positional("DEST", "Segmentation dataset directory holding info.", completion: .directory)
                ],
                run: MeshGenerateRunner.run),
            Command(
                name: "convert",
                summary: "Write a precomputed mesh fragment from a surface mesh (GIfTI, OBJ, PLY, STL, OFF).",
                discussion: """
                    Reads one surface (the format from the extension: .gii, .obj, .ply, .stl, .off) and writes \
                    DEST/MESH_DIR/NAME, a legacy precomputed mesh fragment (gzipped as NAME.gz unless --no-gzip), \
                    as neuroglancer-scripts' mesh-to-precomputed does. GIfTI coordinates are millimetres; the \
                    other formats carry no unit and are read as --units says. --coord-transform is applied in \
                    millimetres; a mirroring transform reverses the triangles so that outside stays outside. \
                    DEST/info must exist; its "mesh" key is set to MESH_DIR when absent, and MESH_DIR/info \
                    is written when missing. Link the fragments to labels with 'nprec mesh link'.
                    """,
                examples: ["nprec mesh convert --coord-transform 1,0,0,0,0,1,0,0,0,0,1,0 lh.pial.surf.gii out/"],
                options: OptionGroups.meshConvert + OptionGroups.meshStorage,
                positionals: [
                    Positional("MESH", "Surface mesh file.", completion: .file),
                    Positional("DEST", "Dataset directory holding info.", completion: .directory),
                ],
                run: MeshConvertRunner.run),
            Command(
                name: "link",
                summary: "Write the files linking segmentation labels to mesh fragments.",
                discussion: """
                    Each line of CSV is an integer label followed by the names of its fragments in the mesh \
                    directory (the "mesh" key of DEST/info, set by 'nprec mesh convert'). For each label, \
                    MESH_DIR/LABEL:0 gets {"fragments":[...]}, as neuroglancer-scripts' link-mesh-fragments \
                    writes it. Fragments that do not exist (plain or .gz) are warned about.
                    """,
                examples: ["nprec mesh link labels.csv out/"],
                options: OptionGroups.meshLink,
                positionals: [
                    Positional("CSV", "Lines of: label, fragment names.", completion: .file),
                    Positional("DEST", "Dataset directory holding info.", completion: .directory),
                ],
                run: MeshLinkRunner.run),
        ],
        run: nil)
}
