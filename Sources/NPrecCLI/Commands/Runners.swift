/// Conversions of volumes (filled in by the NIfTI work).
enum InfoRunner {
    @Sendable static func run(_ invocation: Invocation) throws -> Int32 {
        throw NotImplemented(name: "info")
    }
}

enum ConvertRunner {
    @Sendable static func run(_ invocation: Invocation) throws -> Int32 {
        throw NotImplemented(name: "convert")
    }
}
