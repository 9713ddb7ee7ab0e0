import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// `--resume` after a crash, and SIGINT/SIGTERM: no torn or temporary file is left, and the
/// resumed output has the bytes of an uninterrupted run.
@Suite(.serialized) struct ResumeTests {
    /// Starts `nprec ARGUMENTS` in `directory` without waiting for it.
    static func start(_ arguments: [String], in directory: URL) throws -> Process {
        let process = Process()
        process.executableURL = Runner.binary
        process.arguments = arguments
        process.currentDirectoryURL = directory
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        return process
    }

    static func temporaryFiles(_ root: URL) throws -> [String] {
        try treeContents(root).keys.filter { $0.hasSuffix(".tmp") }.sorted()
    }

    static let pyramid = ["--target-chunk-size", "16", "-j", "2"]

    @Test(arguments: [(false, [5, 40, 120, 250, 500]), (true, [5, 60, 200, 400])])
    func killedRunResumesToTheSameBytes(sharded: Bool, delays: [Int]) async throws {
        try await withTemporaryDirectory { dir in
            let volume = try TestVolume.write("v.nii.gz", in: dir, size: [160, 150, 140])
            let options = Self.pyramid + (sharded ? ["--sharding", "auto"] : [])
            let reference = try await Runner.nprec(["pyramid", volume, "ref"] + options, in: dir)
            try #require(reference.status == 0, "\(reference)")
            for delay in delays {
                let out = "out\(delay)"
                let process = try Self.start(["pyramid", volume, out] + options, in: dir)
                try await Task.sleep(for: .milliseconds(delay))
                kill(process.processIdentifier, SIGKILL)
                process.waitUntilExit()
                let resumed = try await Runner.nprec(["pyramid", "--resume", volume, out] + options, in: dir)
                try #require(resumed.status == 0, "\(resumed)")
                let differences = try treeDifferences(
                    dir.appendingPathComponent("ref"), dir.appendingPathComponent(out))
                #expect(differences.isEmpty, "killed after \(delay) ms: \(differences.prefix(5))")
            }
        }
    }

    @Test func resumeSkipsWhatIsWritten() async throws {
        try await withTemporaryDirectory { dir in
            let volume = try TestVolume.write("v.nii", in: dir, size: [64, 64, 64])
            let first = try await Runner.nprec(["pyramid", volume, "out", "--target-chunk-size", "16"], in: dir)
            try #require(first.status == 0, "\(first)")
            let info = try JSONSerialization.jsonObject(with: dir.contents(of: "out/info")) as! [String: Any]
            let scale = (info["scales"] as! [[String: Any]])[0]
            let key = scale["key"] as! String
            let size = (scale["chunk_sizes"] as! [[Int]])[0]
            let firstChunk = "out/\(key)/0-\(size[0])/0-\(size[1])/0-\(size[2]).gz"
            let second = "out/\(key)/\(size[0])-\(2 * size[0])/0-\(size[1])/0-\(size[2]).gz"
            let chunk = dir.appendingPathComponent(firstChunk)
            let before = try FileManager.default.attributesOfItem(atPath: chunk.path)[.modificationDate] as? Date
            try FileManager.default.removeItem(at: dir.appendingPathComponent(second))
            try await Task.sleep(for: .milliseconds(20))
            let again = try await Runner.nprec(
                ["pyramid", "--resume", volume, "out", "--target-chunk-size", "16"], in: dir)
            try #require(again.status == 0, "\(again)")
            #expect(again.stderr.contains("writing \(key): 1/1 chunks"), "\(again)")
            #expect(dir.exists(second))
            let after = try FileManager.default.attributesOfItem(atPath: chunk.path)[.modificationDate] as? Date
            #expect(before == after, "a written chunk is not rewritten")
        }
    }

    @Test func resumeWithOtherStorageOptionsIsRefused() async throws {
        try await withTemporaryDirectory { dir in
            let volume = try TestVolume.write("v.nii", in: dir, size: [40, 30, 20])
            let first = try await Runner.nprec(
                ["pyramid", volume, "out", "--flat", "--target-chunk-size", "16"], in: dir)
            try #require(first.status == 0, "\(first)")
            for options in [["--no-gzip", "--flat"], []] {
                let resumed = try await Runner.nprec(
                    ["pyramid", "--resume", volume, "out", "--target-chunk-size", "16"] + options, in: dir)
                #expect(resumed.status == 1, "\(resumed)")
                #expect(resumed.stderr.contains("was written with other storage options"), "\(resumed)")
            }
        }
    }

    @Test(arguments: [(SIGINT, Int32(130)), (SIGTERM, Int32(143))])
    func signalStopsAtOnceWithoutTemporaryFiles(signal: Int32, status: Int32) async throws {
        try await withTemporaryDirectory { dir in
            let volume = try TestVolume.write("v.nii.gz", in: dir, size: [256, 256, 200])
            for sharded in [false, true] {
                let out = "out\(sharded)"
                let process = try Self.start(
                    ["pyramid", volume, out, "--target-chunk-size", "16", "-j", "2"]
                        + (sharded ? ["--sharding", "auto"] : []), in: dir)
                try await Task.sleep(for: .milliseconds(150))
                try #require(process.isRunning, "the conversion ended before the signal")
                let sent = Date()
                kill(process.processIdentifier, signal)
                process.waitUntilExit()
                #expect(Date().timeIntervalSince(sent) < Double(Runner.timeScale))
                #expect(process.terminationStatus == status)
                #expect(try Self.temporaryFiles(dir.appendingPathComponent(out)).isEmpty)
            }
        }
    }
}

/// `--resume` on one task of a split run removes the leftovers of its own units only: another
/// task may be writing its own at the same moment.
@Suite struct TaskResumeTests {
    @Test func aResumedTaskRemovesOnlyItsOwnLeftovers() async throws {
        try await withTemporaryDirectory { dir in
            let volume = try TestVolume.write("v.nii", in: dir, size: [64, 48, 40])
            let options = ["--target-chunk-size", "16", "--flat"]
            let single = try await Runner.nprec(["pyramid", volume, "single"] + options, in: dir)
            try #require(single.status == 0, "\(single)")
            let other = try await Runner.nprec(["pyramid", "--task", "1/2", volume, "split"] + options, in: dir)
            try #require(other.status == 0, "\(other)")
            let info = try JSONSerialization.jsonObject(with: dir.contents(of: "single/info")) as! [String: Any]
            let key = ((info["scales"] as! [[String: Any]])[0])["key"] as! String
            let all = try treeContents(dir.appendingPathComponent("single/\(key)")).keys.sorted()
            let taskOne = Set(try treeContents(dir.appendingPathComponent("split/\(key)")).keys)
            let mine = try #require(all.first { !taskOne.contains($0) })
            let theirs = try #require(taskOne.sorted().first)
            func leftover(_ name: String) -> String { "split/\(key)/.\(name).4242.0123456789abcdef.tmp" }
            try dir.write("partial", to: leftover(mine))
            try dir.write("in flight", to: leftover(theirs))
            let resumed = try await Runner.nprec(
                ["pyramid", "--task", "0/2", "--resume", volume, "split"] + options, in: dir)
            try #require(resumed.status == 0, "\(resumed)")
            #expect(!dir.exists(leftover(mine)), "task 0's own leftover is removed")
            #expect(dir.exists(leftover(theirs)), "task 1's temporary file is left alone")
            try FileManager.default.removeItem(at: dir.appendingPathComponent(leftover(theirs)))
            let final = try await Runner.nprec(["downscale", "split", "--flat"], in: dir)
            try #require(final.status == 0, "\(final)")
            #expect(
                try treeDifferences(dir.appendingPathComponent("single"), dir.appendingPathComponent("split")).isEmpty)
        }
    }
}
