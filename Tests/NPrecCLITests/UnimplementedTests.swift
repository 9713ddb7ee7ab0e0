import Foundation
import Testing

/// Commands that are registered (help, options, completion) but not written yet: they say so
/// and fail with exit code 1. When a command lands, delete its line here; when the list is
/// empty, delete this file.
@Suite("Unimplemented commands")
struct UnimplementedTests {
    @Test(
        "Says it is not implemented",
        arguments: [
            ["mesh", "convert", "lh.pial.surf.gii", "out"],
            ["mesh", "link", "labels.csv", "out"],
        ])
    func notImplemented(arguments: [String]) async throws {
        try await withTemporaryDirectory { directory in
            let name = Commands.path(of: arguments).joined(separator: " ")
            let result = try await Runner.nprec(arguments, in: directory)
            #expect(result.status == 1, "\(result)")
            #expect(result.stdout == "")
            #expect(result.stderr == "nprec: '\(name)' is not implemented yet\n", "\(result)")
            #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path).isEmpty, "nothing written")
        }
    }
}
