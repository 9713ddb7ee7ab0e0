/// Errors of the mesh module. Each names the file at fault and, where it helps, the line,
/// byte offset or GIfTI data array.
public enum MeshError: Error, CustomStringConvertible, Sendable, Equatable {
    /// A mesh file that does not follow its format. `location` is e.g. `line 12`, `byte 84`,
    /// `DataArray 2`, or empty.
    case malformed(file: String, location: String, problem: String)
    /// A file whose format cannot be told from its name.
    case unknownFormat(file: String)
    /// A mesh that reads but cannot be written: empty, NaN, indices out of range.
    case invalidMesh(file: String, problem: String)
    /// A file that cannot be read.
    case io(path: String, problem: String)
    /// A labels CSV that cannot be used.
    case badLinks(file: String, line: Int, problem: String)

    public var description: String {
        switch self {
        case .malformed(let file, let location, let problem):
            return location.isEmpty ? "\(file): \(problem)" : "\(file): \(location): \(problem)"
        case .unknownFormat(let file):
            return "\(file): cannot tell the mesh format from the file name; "
                + "nprec reads \(MeshFormat.supportedText)"
        case .invalidMesh(let file, let problem):
            return "\(file): \(problem)"
        case .io(let path, let problem):
            return "\(path): \(problem)"
        case .badLinks(let file, let line, let problem):
            return "\(file): line \(line): \(problem)"
        }
    }
}
