/// Errors of the precomputed core. Each names the file or the info key at fault.
public enum PrecomputedError: Error, CustomStringConvertible, Sendable {
    /// An info file that does not follow the format; `key` is a path such as `scales[1].size`.
    case invalidInfo(file: String, key: String, problem: String)
    /// A file that cannot be read or written.
    case io(path: String, problem: String)
    /// A chunk whose content does not decode.
    case badChunk(path: String, problem: String)
    /// A chunk or file that is absent.
    case missing(path: String, hint: String)
    /// A request that the data cannot satisfy.
    case unsupported(String)

    public var description: String {
        switch self {
        case .invalidInfo(let file, let key, let problem):
            return "\(file): invalid info: \(key): \(problem)"
        case .io(let path, let problem):
            return "\(path): \(problem)"
        case .badChunk(let path, let problem):
            return "\(path): corrupt chunk: \(problem)"
        case .missing(let path, let hint):
            return hint.isEmpty ? "\(path): no such file" : "\(path): no such file; \(hint)"
        case .unsupported(let message):
            return message
        }
    }
}
