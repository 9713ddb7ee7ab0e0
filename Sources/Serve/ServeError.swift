/// Why `nprec serve` cannot start. Each names the directory, file or port concerned.
public enum ServeError: Error, CustomStringConvertible, Equatable {
    /// A DIR argument that does not exist or is not a directory.
    case notADirectory(path: String)
    /// A DIR holding no `info` and no `NAME/info`.
    case noDataset(path: String)
    /// Two datasets that would be served at the same URL path.
    case sameName(urlPath: String, first: String, second: String)
    /// An `info` that does not parse.
    case badInfo(path: String, problem: String)
    /// `--client DIR` without `DIR/index.html`.
    case noClient(path: String)
    /// The port is taken by another program.
    case portInUse(host: String, port: Int)
    /// Any other failure to listen (an address that is not this machine's, ...).
    case cannotListen(host: String, port: Int, problem: String)

    public var description: String {
        switch self {
        case .notADirectory(let path):
            return "\(path): no such directory"
        case .noDataset(let path):
            return "\(path): no dataset here (no \(path)/info and no \(path)/NAME/info)"
        case .sameName(let urlPath, let first, let second):
            return "\(first) and \(second) would both be served at \(urlPath); serve them separately"
        case .badInfo(let path, let problem):
            return "\(path): \(problem)"
        case .noClient(let path):
            return "\(path): no index.html; --client takes a built Neuroglancer client"
        case .portInUse(let host, let port):
            return "port \(port) is in use on \(host); choose another with --port N, or --port 0 for any free port"
        case .cannotListen(let host, let port, let problem):
            return "cannot listen on \(host) port \(port): \(problem)"
        }
    }
}
