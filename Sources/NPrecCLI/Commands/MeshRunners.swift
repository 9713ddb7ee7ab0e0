import Mesh
import Precomputed

/// `nprec mesh convert MESH DEST`: one legacy precomputed mesh fragment from a surface mesh.
enum MeshConvertRunner {
    @Sendable static func run(_ invocation: Invocation) throws -> Int32 {
        let source = invocation.positionals[0]
        let dataset = Dataset(root: invocation.positionals[1], options: invocation.storage)
        let format = try MeshFormat(path: source)

        var transform: CoordinateTransform?
        if let numbers = invocation.numbers("coord-transform") {
            guard let parsed = CoordinateTransform(rowMajor: numbers) else {
                let lastRow = numbers.suffix(4).map { formatNumber($0) }.joined(separator: ",")
                throw UsageError(
                    "option '--coord-transform': the last row of a 4x4 matrix must be 0,0,0,1, found \(lastRow)",
                    commandPath: invocation.commandPath)
            }
            transform = parsed
        }
        var unit = invocation.string("units").flatMap(LengthUnit.init(rawValue:)) ?? .mm
        if format.definesUnits {
            if invocation.has("units") && unit != .mm {
                Console.warn("--units is ignored for GIfTI, whose coordinates are millimetres")
            }
            unit = .mm
        }
        let meshName = invocation.string("mesh-name") ?? MeshFormat.stem(of: source)
        try checkName(meshName, option: "--mesh-name", invocation: invocation)
        if meshName == "info" {
            throw UsageError(
                "option '--mesh-name': 'info' is the mesh directory's own info file; choose another name",
                commandPath: invocation.commandPath)
        }
        let meshDir = invocation.string("mesh-dir") ?? "mesh"
        try checkName(meshDir, option: "--mesh-dir", invocation: invocation)

        var info = try dataset.readInfo(
            hint: "DEST must be a precomputed dataset: make it first, e.g. with 'nprec pyramid VOLUME DEST'")
        if let existing = info.mesh, existing != meshDir {
            throw CommandFailure(
                "the mesh directory '\(meshDir)'\(invocation.has("mesh-dir") ? "" : " (the default)") does not "
                    + "match the \"mesh\" key of \(dataset.path("info")), '\(existing)'; pass --mesh-dir \(existing)")
        }
        if info.type != "segmentation" {
            Console.warn(
                "\(dataset.path("info")) has type \(info.type.map { "'\($0)'" } ?? "(none)"), not 'segmentation': "
                    + "Neuroglancer shows meshes only for segmentation layers")
        }

        let mesh = try MeshFile.read(source, format: format)
        let fragment = try Fragment(mesh: mesh, unit: unit, transform: transform, file: source)
        let directory = MeshDirectory(dataset: dataset, name: meshDir)
        let written = try directory.writeFragment(fragment, name: meshName, storage: dataset.options)
        if try directory.writeInfoIfMissing() {
            Console.note("wrote \(directory.path("info"))")
        }
        if info.mesh == nil {
            info.mesh = meshDir
            try dataset.writeInfo(info, overwrite: true)
            Console.note("set \"mesh\": \"\(meshDir)\" in \(dataset.path("info"))")
        }
        Console.note(
            "wrote \(written): \(fragment.vertexCount) vertices, \(fragment.triangleCount) triangles"
                + (transform?.mirrors == true ? " (mirrored: triangles reversed)" : ""))
        return 0
    }

    static func checkName(_ name: String, option: String, invocation: Invocation) throws {
        if let problem = MeshDirectory.problem(with: name) {
            throw UsageError(
                "option '\(option)': '\(name)' cannot be used: \(problem)", commandPath: invocation.commandPath)
        }
    }

    static func formatNumber(_ value: Double) -> String {
        value.rounded() == value && abs(value) < 1e15 ? String(Int(value)) : String(value)
    }
}

/// `nprec mesh link CSV DEST`: the manifests linking segmentation labels to mesh fragments.
enum MeshLinkRunner {
    @Sendable static func run(_ invocation: Invocation) throws -> Int32 {
        let csv = invocation.positionals[0]
        let dataset = Dataset(root: invocation.positionals[1])
        let info = try dataset.readInfo(
            hint: "DEST must be a precomputed dataset with meshes: run 'nprec mesh convert MESH DEST' first")
        guard let meshDir = info.mesh else {
            throw CommandFailure(
                "\(dataset.path("info")) has no \"mesh\" key: run 'nprec mesh convert MESH \(invocation.positionals[1])' "
                    + "first")
        }
        if let problem = MeshDirectory.problem(with: meshDir) {
            throw CommandFailure(
                "the \"mesh\" key of \(dataset.path("info")), '\(meshDir)', cannot be used: \(problem)")
        }
        guard let bytes = try FileIO.read(csv) else {
            throw PrecomputedError.missing(path: csv, hint: "")
        }
        let links = try MeshLinks.parse(bytes, file: csv)
        let directory = MeshDirectory(dataset: dataset, name: meshDir)
        for link in links {
            for fragment in link.fragments where !directory.fragmentExists(fragment) {
                Console.warn(
                    "\(csv): line \(link.line): missing fragment '\(fragment)' for label \(link.label) "
                        + "(neither \(directory.path(fragment)) nor \(directory.path(fragment)).gz exists)")
            }
        }
        let colonSuffix = !invocation.flag("no-colon-suffix")
        for link in links {
            try directory.writeManifest(link, colonSuffix: colonSuffix)
        }
        if links.isEmpty { Console.warn("\(csv) has no labels: nothing written") }
        Console.note(
            "wrote \(links.count) manifest\(links.count == 1 ? "" : "s") in \(dataset.path(directory.name))")
        return 0
    }
}
