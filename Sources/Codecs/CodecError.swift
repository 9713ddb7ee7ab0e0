/// An error from one of the C codec libraries, naming the library and what failed.
public struct CodecError: Error, CustomStringConvertible, Sendable {
    public let library: String
    public let message: String

    public init(library: String, message: String) {
        self.library = library
        self.message = message
    }

    public var description: String { "\(library): \(message)" }
}
