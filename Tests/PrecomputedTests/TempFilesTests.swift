import Foundation
import Testing

@testable import Precomputed

@Suite struct TempFilesTests {
    static func temporaryDirectory() throws -> String {
        let path = NSTemporaryDirectory() + "nprec-test-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    static func files(under root: String) -> Set<String> {
        Set(
            FileManager.default.enumerator(atPath: root)!.compactMap { $0 as? String }.filter {
                !FileIO.isDirectory(root + "/" + $0)
            })
    }

    static func touch(_ path: String) throws {
        try FileManager.default.createDirectory(
            atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        #expect(FileManager.default.createFile(atPath: path, contents: Data([1])))
    }

    @Test(arguments: ["info", "0-64_0-64_0-64.gz", "00ab.shard", "0.shard", ".hidden", "a..b", "x.1.2"])
    func temporaryNamesRoundTrip(finalName: String) {
        let name = TempFiles.temporaryName(for: finalName)
        #expect(name.hasPrefix(".\(finalName).") && name.hasSuffix(".tmp"))
        #expect(TempFiles.isTemporaryName(name) == finalName)
    }

    @Test(
        arguments: [
            ("info", nil), (".tmp", nil), ("..tmp", nil), (".a.tmp", nil), (".a.1.tmp", nil), (".a.1.x.tmp", nil),
            (".a.x.1.tmp", nil), ("a.1.2.tmp", nil), (".a.1.2.tmp.gz", nil), ("..1.2.tmp", nil), ("...1.2.tmp", nil),
            (".a.1.ABC.tmp", nil), (".a.12.4294967295.tmp", "a"),
            (".0-64_0-64_0-64.gz.77.00ff.tmp", "0-64_0-64_0-64.gz"),
        ] as [(String, String?)])
    func otherNamesAreNotTemporary(name: String, finalName: String?) {
        #expect(TempFiles.isTemporaryName(name) == finalName)
    }

    @Test func createCommitAndDiscard() throws {
        let root = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let final = root + "/a/b/0.shard"
        let (fd, path) = try TempFiles.create(finalPath: final)
        #expect(fd >= 0)
        #expect((path as NSString).deletingLastPathComponent == root + "/a/b")
        #expect(TempFiles.isTemporaryName((path as NSString).lastPathComponent) == "0.shard")
        #expect(TempFileRegistry.shared.isRegistered(path))
        #expect(write(fd, "abc", 3) == 3)
        close(fd)
        try TempFiles.commit(tempPath: path, to: final)
        #expect(!TempFileRegistry.shared.isRegistered(path))
        #expect(try FileIO.read(final) == Array("abc".utf8))
        #expect(Self.files(under: root) == ["a/b/0.shard"])

        let (fd2, path2) = try TempFiles.create(finalPath: final)
        close(fd2)
        #expect(FileIO.isFile(path2))
        TempFiles.discard(tempPath: path2)
        #expect(!FileIO.isFile(path2))
        #expect(!TempFileRegistry.shared.isRegistered(path2))
        #expect(Self.files(under: root) == ["a/b/0.shard"])
    }

    @Test func writeAtomicallyRegistersAndLeavesNothing() throws {
        let root = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        try FileIO.writeAtomically([1, 2, 3], to: root + "/k/info")
        #expect(Self.files(under: root) == ["k/info"])
        #expect(!TempFileRegistry.shared.registered.contains { $0.hasPrefix(root) })
        // A failed rename (the target is a directory) removes the temporary file.
        try FileManager.default.createDirectory(atPath: root + "/k/dir/x", withIntermediateDirectories: true)
        #expect(throws: PrecomputedError.self) { try FileIO.writeAtomically([1], to: root + "/k/dir") }
        #expect(Self.files(under: root) == ["k/info"])
        #expect(!TempFileRegistry.shared.registered.contains { $0.hasPrefix(root) })
    }

    @Test func removeLeftoversRemovesOnlySelectedTemporaries() throws {
        let root = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let kept = [
            "info", "s/00.shard", "s/.hidden", "s/.x.tmp", "s/.01.shard.12.zz.tmp", "s/sub/0-1_0-1_0-1",
            "s/sub/.0-1_0-1_0-1.5.00aa.tmp", ".info.3.0f.tmp",
        ]
        let selected = [
            "s/.00.shard.12.00ff.tmp", "s/.01.shard.1.2.tmp", "s/sub/.02.shard.9.abc.tmp", "s/.00.shard.4.5.tmp",
        ]
        for name in kept + selected { try Self.touch(root + "/" + name) }
        // A temporary file of this process that is still open is not a leftover.
        let (fd, live) = try TempFiles.create(finalPath: root + "/s/03.shard")
        defer {
            close(fd)
            TempFiles.discard(tempPath: live)
        }
        let liveName = String(live.dropFirst(root.count + 1))

        var asked: [String] = []
        let topOnly = try TempFiles.removeLeftovers(in: root + "/s", recursive: false) {
            asked.append($0)
            return $0.hasSuffix(".shard")
        }
        #expect(topOnly == 3)
        #expect(Set(asked) == [root + "/s/00.shard", root + "/s/01.shard"])
        #expect(Self.files(under: root) == Set(kept + ["s/sub/.02.shard.9.abc.tmp", liveName]))

        let rest = try TempFiles.removeLeftovers(in: root, recursive: true) { $0.hasSuffix(".shard") }
        #expect(rest == 1)
        #expect(Self.files(under: root) == Set(kept + [liveName]))
        #expect(try TempFiles.removeLeftovers(in: root + "/missing", recursive: true) { _ in true } == 0)
    }

    @Test func cancelledRegistryRefusesNewFiles() throws {
        let root = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let registry = TempFileRegistry()
        var opened: [Int32] = []
        for i in 0..<3 { opened.append(try registry.create(finalPath: root + "/\(i).shard").fd) }
        defer { for fd in opened { close(fd) } }
        #expect(Self.files(under: root).count == 3)
        #expect(registry.cancelAndRemoveAll() == 3)
        #expect(Self.files(under: root).isEmpty)
        #expect(registry.registered.isEmpty)
        #expect(throws: PrecomputedError.self) { try registry.create(finalPath: root + "/3.shard") }
        #expect(Self.files(under: root).isEmpty)
    }

    @Test func cancellingWhileThreadsCreateLeavesNoFile() throws {
        let root = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let registry = TempFileRegistry()
        DispatchQueue.concurrentPerform(iterations: 8) { worker in
            if worker == 0 {
                usleep(2000)
                _ = registry.cancelAndRemoveAll()
                return
            }
            for i in 0..<10_000 {
                guard let created = try? registry.create(finalPath: root + "/\(worker)-\(i)") else { return }
                close(created.fd)
            }
        }
        // Every file created before the cancellation was removed by it; none was created after.
        #expect(Self.files(under: root).isEmpty)
    }
}
