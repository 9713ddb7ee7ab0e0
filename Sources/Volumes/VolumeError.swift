import Codecs

/// A problem with a volume file: the file and what is wrong with it.
public struct VolumeError: Error, CustomStringConvertible, Sendable {
    /// The file the problem is in.
    public let path: String
    /// What is wrong, without the file name.
    public let message: String

    public init(path: String, message: String) {
        self.path = path
        self.message = message
    }

    public var description: String { "\(path): \(message)" }

    /// A codec error from reading `path`, restated in this module's terms.
    init(path: String, codecError error: CodecError) {
        var detail = error.message
        if detail.hasPrefix(path + ": ") { detail.removeFirst(path.count + 2) }
        if detail.contains("truncated") {
            self.init(path: path, message: "file is truncated: \(detail)")
        } else if error.library == "zlib" || error.library == "bzip2" {
            if detail.hasPrefix("corrupt compressed data") { detail.removeFirst("corrupt compressed data".count) }
            let format = error.library == "zlib" ? "gzip" : "bzip2"
            self.init(path: path, message: "corrupt \(format) data" + (detail.hasPrefix(" ") ? detail : ": " + detail))
        } else {
            self.init(path: path, message: detail)
        }
    }
}
