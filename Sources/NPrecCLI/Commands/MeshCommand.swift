/// `nprec mesh convert` and `nprec mesh link`.
enum MeshCommand {
    static let command = Command(
        name: "mesh",
        summary: "Convert surface meshes and link them to segmentation labels.",
        examples: ["nprec mesh convert lh.pial.surf.gii out/", "nprec mesh link labels.csv out/"],
        subcommands: [
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
                options: OptionGroups.meshConvert + OptionGroups.storage,
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
