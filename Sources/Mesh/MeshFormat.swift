import Precomputed

/// The surface mesh formats nprec reads, chosen by file extension.
public enum MeshFormat: String, Sendable, CaseIterable {
    /// GIfTI (`.gii`, `.surf.gii`): coordinates in millimetres.
    case gifti
    /// Wavefront OBJ (`.obj`).
    case obj
    /// Stanford PLY (`.ply`), ASCII or binary.
    case ply
    /// STL (`.stl`), ASCII or binary.
    case stl
    /// Object File Format (`.off`).
    case off

    /// The format of `path`, from its last extension (case-insensitive).
    public init(path: String) throws {
        guard let format = MeshFormat(extension: MeshFormat.lastExtension(of: path)) else {
            throw MeshError.unknownFormat(file: path)
        }
        self = format
    }

    public init?(extension ext: String) {
        switch ext.lowercased() {
        case "gii": self = .gifti
        case "obj": self = .obj
        case "ply": self = .ply
        case "stl": self = .stl
        case "off": self = .off
        default: return nil
        }
    }

    /// True for GIfTI, whose coordinates are millimetres by definition; the other formats
    /// carry no unit, so the user says which (`--units`).
    public var definesUnits: Bool { self == .gifti }

    static let supportedText = ".gii (GIfTI), .obj (Wavefront), .ply, .stl and .off"

    /// The file name of `path` without its directory.
    static func fileName(_ path: String) -> Substring {
        path.split(separator: "/", omittingEmptySubsequences: true).last ?? Substring(path)
    }

    static func lastExtension(of path: String) -> String {
        let name = fileName(path)
        guard let dot = name.lastIndex(of: "."), dot != name.startIndex else { return "" }
        return String(name[name.index(after: dot)...])
    }

    /// The file name without its last extension, as Python's `pathlib.Path.stem`:
    /// `lh.pial.surf` for `lh.pial.surf.gii`, `.hidden` for `.hidden`.
    public static func stem(of path: String) -> String {
        let name = fileName(path)
        guard let dot = name.lastIndex(of: "."), dot != name.startIndex, name.index(after: dot) != name.endIndex
        else { return String(name) }
        return String(name[..<dot])
    }
}

/// Reading a surface mesh from a file of any supported format.
public enum MeshFile {
    /// Reads the mesh at `path` in `format` (by default, from its extension). The mesh is not
    /// validated; see `SurfaceMesh.validate`.
    public static func read(_ path: String, format: MeshFormat? = nil) throws -> SurfaceMesh {
        let format = try format ?? MeshFormat(path: path)
        let bytes = try readBytes(path)
        switch format {
        case .gifti: return try GIfTI.read(bytes, path: path)
        case .obj: return try OBJ.read(bytes, path: path)
        case .ply: return try PLY.read(bytes, path: path)
        case .stl: return try STL.read(bytes, path: path)
        case .off: return try OFF.read(bytes, path: path)
        }
    }

    static func readBytes(_ path: String) throws -> [UInt8] {
        let bytes: [UInt8]?
        do {
            bytes = try FileIO.read(path)
        } catch let error as PrecomputedError {
            if case .io(_, let problem) = error { throw MeshError.io(path: path, problem: problem) }
            throw MeshError.io(path: path, problem: "\(error)")
        }
        guard let bytes else { throw MeshError.io(path: path, problem: "no such file") }
        return bytes
    }
}
