import Foundation
import FuzzTargets
import Testing

/// Every committed seed and every crash `make fuzz` ever found (Fixtures/fuzz/TARGET/), run
/// through its target: a regression brings the test process down.
@Suite("fuzz corpora")
struct FuzzCorpusTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Fixtures/fuzz")

    static func inputs(_ target: String) -> [URL] {
        let directory = root.appendingPathComponent(target)
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return names.sorted().map { directory.appendingPathComponent($0) }
    }

    @Test(arguments: FuzzTargets.all.keys.sorted())
    func survivesItsCorpus(target: String) throws {
        let inputs = Self.inputs(target)
        #expect(!inputs.isEmpty, "no seeds in Fixtures/fuzz/\(target)")
        let run = try #require(FuzzTargets.all[target])
        for input in inputs {
            run([UInt8](try Data(contentsOf: input)))
        }
    }
}
