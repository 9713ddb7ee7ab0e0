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
                examples: ["nprec mesh convert --coord-transform 1,0,0,0,0,1,0,0,0,0,1,0 lh.pial.surf.gii out/"],
                options: OptionGroups.meshConvert + OptionGroups.storage,
                positionals: [
                    Positional("MESH", "Surface mesh file.", completion: .file),
                    Positional("DEST", "Dataset directory holding info.", completion: .directory),
                ],
                run: notImplemented("mesh convert")),
            Command(
                name: "link",
                summary: "Write the files linking segmentation labels to mesh fragments.",
                examples: ["nprec mesh link labels.csv out/"],
                options: OptionGroups.meshLink,
                positionals: [
                    Positional("CSV", "Lines of: label, fragment names.", completion: .file),
                    Positional("DEST", "Dataset directory holding info.", completion: .directory),
                ],
                run: notImplemented("mesh link")),
        ],
        run: nil)
}
