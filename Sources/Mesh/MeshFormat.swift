import Codecs
import Precomputed

/// The surface mesh formats nprec reads, chosen by file extension (after a `.gz`, which any of
/// them may have: the file is then decompressed as it is read).
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

    /// The format of `path`, from its last extension (case-insensitive), after any `.gz`.
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

    static let supportedText = ".gii (GIfTI), .obj (Wavefront), .ply, .stl and .off, each optionally gzipped (.gz)"

    /// The file name of `path` without its directory, nor a final `.gz`.
    static func fileName(_ path: String) -> Substring {
        let name = path.split(separator: "/", omittingEmptySubsequences: true).last ?? Substring(path)
        if name.count > 3 && name.lowercased().hasSuffix(".gz") { return name.dropLast(3) }
        return name
    }

    static func lastExtension(of path: String) -> String {
        let name = fileName(path)
        guard let dot = name.lastIndex(of: "."), dot != name.startIndex else { return "" }
        return String(name[name.index(after: dot)...])
    }

    /// The file name without its last extension (and without a `.gz` after it), as Python's
    /// `pathlib.Path.stem`: `lh.pial.surf` for `lh.pial.surf.gii`, `pial_left` for
    /// `pial_left.gii.gz`, `.hidden` for `.hidden`.
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

    /// The bytes of `path`, decompressed when it starts with the gzip magic number (read as a
    /// stream: the compressed file is never in memory whole).
    static func readBytes(_ path: String) throws -> [UInt8] {
        if FileIO.isFile(path), try isGzip(path) { return try inflate(path) }
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

    static func isGzip(_ path: String) throws -> Bool {
        do {
            let stream = try ByteStream(path: path, compressed: false, blockSize: 16)
            var magic: [UInt8] = [0, 0]
            let got = try magic.withUnsafeMutableBytes { try stream.read(into: $0) }
            return got == 2 && magic == [0x1f, 0x8b]
        } catch let error as CodecError {
            throw MeshError.io(path: path, problem: problem(error, path))
        }
    }

    /// Decompresses a gzip file block by block.
    static func inflate(_ path: String) throws -> [UInt8] {
        do {
            let stream = try ByteStream(path: path, compressed: true)
            var result: [UInt8] = []
            var block = [UInt8](repeating: 0, count: 1 << 20)
            while true {
                let got = try block.withUnsafeMutableBytes { try stream.read(into: $0) }
                result.append(contentsOf: block[0..<got])
                if got < block.count { return result }
            }
        } catch let error as CodecError {
            throw MeshError.io(path: path, problem: problem(error, path))
        }
    }

    private static func problem(_ error: CodecError, _ path: String) -> String {
        var text = error.message
        if text.hasPrefix(path + ": ") { text.removeFirst(path.count + 2) }
        return error.library == "zlib" ? "corrupt gzip data: \(text)" : text
    }
}
