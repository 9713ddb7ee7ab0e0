import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// A full disk, for real: the test mounts a small tmpfs in a private mount namespace
/// (`unshare -m`, or `unshare -rm` as another user than root), runs nprec into it until the
/// disk fills, snapshots what is left, then grows the tmpfs and resumes.
enum FullDisk {
    /// Whether this machine lets a test mount a tmpfs in its own mount namespace.
    static let available: Bool = {
        guard let unshare = Runner.which("unshare") else { return false }
        let process = Process()
        process.executableURL = unshare
        process.arguments = namespaceFlags + ["sh", "-c", "mount -t tmpfs -o size=64k tmpfs /mnt || exit 1"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return false }
        process.waitUntilExit()
        return process.terminationStatus == 0
    }()

    static var namespaceFlags: [String] { getuid() == 0 ? ["-m"] : ["-rm"] }

    /// Mounts a tmpfs of `size` on `mount`, runs `nprec ARGUMENTS DEST` (DEST = mount/out), copies
    /// the result to `full`, grows the tmpfs, runs the same command with `--resume`, copies the
    /// result to `done`. Returns both runs' exit statuses and error output.
    static func run(
        _ arguments: [String], size: String, in directory: URL
    ) async throws -> (first: Int32, firstErrors: String, resumed: Int32, resumedErrors: String) {
        let script = """
            set -u
            mount -t tmpfs -o size=\(size) tmpfs mount || exit 90
            "$NPREC" "$@" mount/out 2> first.err; echo $? > first.status
            cp -a mount/out full
            mount -o remount,size=256m mount || exit 91
            "$NPREC" "$@" mount/out --resume 2> resumed.err; echo $? > resumed.status
            cp -a mount/out done
            """
        try? FileManager.default.removeItem(at: directory.appendingPathComponent("full"))
        try? FileManager.default.removeItem(at: directory.appendingPathComponent("done"))
        try directory.makeDirectory("mount")
        _ = try directory.write(script, to: "full-disk.sh")
        let result = try await Runner.run(
            try #require(Runner.which("unshare")), namespaceFlags + ["sh", "full-disk.sh"] + arguments,
            in: directory)
        try #require(result.status == 0, "the full-disk script failed: \(result)")
        func read(_ name: String) throws -> String {
            String(decoding: try directory.contents(of: name), as: UTF8.self)
        }
        return (
            Int32(try read("first.status").trimmingCharacters(in: .whitespacesAndNewlines)) ?? -1,
            try read("first.err"),
            Int32(try read("resumed.status").trimmingCharacters(in: .whitespacesAndNewlines)) ?? -1,
            try read("resumed.err")
        )
    }
}

@Suite("full disk", .serialized, .enabled(if: FullDisk.available, "needs unshare and a tmpfs mount"))
struct FullDiskTests {
    /// For disks that fill at different points (base scale, downscaling, the last shards): exit 1
    /// naming "No space left on device" and the file; every file left is either complete, with
    /// the bytes a run on a roomy disk writes, or a resume mark; no temporary file; and `--resume`
    /// on a grown disk finishes with exactly the roomy run's files.
    @Test(
        arguments: [
            ("nested gzip", [String]()), ("flat raw", ["--flat", "--no-gzip"]), ("sharded", ["--sharding", "2,1,0"]),
        ])
    func stopsCleanlyAndResumes(name: String, options: [String]) async throws {
        try await withTemporaryDirectory { directory in
            let volume = try TestVolume.write("volume.nii", in: directory, size: [150, 130, 110])
            let arguments = ["pyramid", volume] + options
            let reference = try await Runner.nprec(arguments + ["reference"], in: directory)
            try #require(reference.status == 0, "\(reference)")
            let expected = try treeContents(directory.appendingPathComponent("reference"))
            let total = expected.values.reduce(0) { $0 + max($1.count, 4096) }
            for fraction in [0.3, 0.75, 0.95] {
                let size = "\(Int(Double(total) * fraction) / 4096 * 4)k"
                let run = try await FullDisk.run(arguments, size: size, in: directory)
                #expect(run.first == 1, "\(name), \(size): \(run.firstErrors)")
                #expect(run.firstErrors.contains("No space left on device"), "\(name), \(size): \(run.firstErrors)")
                #expect(!run.firstErrors.contains("Fatal error"), "\(run.firstErrors)")
                let left = try treeContents(directory.appendingPathComponent("full"))
                for (path, bytes) in left where !path.hasPrefix(".nprec/") {
                    #expect(expected[path] == bytes, "\(name), \(size): \(path) is torn or a temporary file")
                }
                #expect(left.count < expected.count, "\(name), \(size): the disk did not fill")
                #expect(run.resumed == 0, "\(name), \(size): \(run.resumedErrors)")
                let done = try treeContents(directory.appendingPathComponent("done"))
                #expect(
                    done == expected,
                    "\(name), \(size): resumed output differs: \(Set(done.keys).symmetricDifference(expected.keys).sorted())"
                )
            }
        }
    }
}
