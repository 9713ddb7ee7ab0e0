import Foundation
import Testing

/// `--task I/N` on every command that writes chunks: the tasks write disjoint files, and the
/// tasks plus one final `nprec downscale` give the bytes of a single run.
@Suite struct DistributedTests {
    struct Case: CustomTestStringConvertible, Sendable {
        var name: String
        var volume: String
        var size: [Int]
        var kind: TestVolume.Kind
        var tasks: Int
        var options: [String]
        var final: [String]
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(
            name: "image .nii, nested gzip, 4 tasks", volume: "v.nii", size: [83, 70, 61], kind: .image, tasks: 4,
            options: ["--target-chunk-size", "16"], final: []),
        Case(
            name: "image .nii.gz, flat raw, 3 tasks", volume: "v.nii.gz", size: [70, 47, 90], kind: .image, tasks: 3,
            options: ["--target-chunk-size", "16", "--flat", "--no-gzip"], final: ["--flat", "--no-gzip"]),
        Case(
            name: "labels, compressed_segmentation, majority, 5 tasks", volume: "l.nii.gz", size: [61, 53, 40],
            kind: .labels, tasks: 5,
            options: [
                "--type", "segmentation", "--encoding", "compressed_segmentation", "--downscaling-method",
                "majority", "--target-chunk-size", "8",
            ], final: ["--downscaling-method", "majority"]),
        Case(
            name: "image .nii, sharded, 3 tasks", volume: "v.nii", size: [90, 77, 64], kind: .image, tasks: 3,
            options: ["--target-chunk-size", "8", "--sharding", "1,2,1"], final: []),
        Case(
            name: "image .nii.gz, sharded auto, 2 tasks", volume: "v.nii.gz", size: [64, 50, 40], kind: .image,
            tasks: 2, options: ["--target-chunk-size", "8", "--sharding", "auto", "--compresslevel", "3"],
            final: ["--compresslevel", "3"]),
        Case(
            name: "more tasks than chunks", volume: "v.nii", size: [20, 18, 9], kind: .image, tasks: 7,
            options: ["--target-chunk-size", "8"], final: []),
    ]

    @Test(arguments: cases)
    func splitPyramidEqualsOneRun(_ test: Case) async throws {
        try await withTemporaryDirectory { dir in
            let volume = try TestVolume.write(test.volume, in: dir, size: test.size, kind: test.kind)
            let single = try await Runner.nprec(["pyramid", volume, "single", "-j", "2"] + test.options, in: dir)
            try #require(single.status == 0, "\(single)")
            var fromSlabs = 0
            for task in 0..<test.tasks {
                let run = try await Runner.nprec(
                    ["pyramid", "--task", "\(task)/\(test.tasks)", volume, "split", "-j", "1"] + test.options, in: dir)
                try #require(run.status == 0, "\(run)")
                if run.stderr.contains(", computing scale") { fromSlabs += 1 }
            }
            // From a compressed volume, tasks compute their share of scale 1 from their slabs.
            #expect((fromSlabs > 0) == test.volume.hasSuffix(".gz"), "\(fromSlabs) tasks")
            #expect(dir.exists("split/.nprec"), "the tasks mark what they did")
            let final = try await Runner.nprec(["downscale", "split"] + test.final, in: dir)
            try #require(final.status == 0, "\(final)")
            #expect(final.stderr.contains("\(test.tasks) tasks have run"), "\(final)")
            let differences = try treeDifferences(
                dir.appendingPathComponent("single"), dir.appendingPathComponent("split"))
            #expect(differences.isEmpty, "\(differences.prefix(10))")
            // A second final run has nothing left to skip and recomputes the same bytes.
            let again = try await Runner.nprec(["downscale", "split"] + test.final, in: dir)
            try #require(again.status == 0, "\(again)")
            #expect(
                try treeDifferences(dir.appendingPathComponent("single"), dir.appendingPathComponent("split")).isEmpty)
        }
    }

    /// Tasks never write the same file: each task alone writes a disjoint set.
    @Test func tasksWriteDisjointFiles() async throws {
        try await withTemporaryDirectory { dir in
            let volume = try TestVolume.write("v.nii", in: dir, size: [70, 60, 50])
            var seen: [String: Int] = [:]
            for task in 0..<3 {
                let out = "t\(task)"
                let run = try await Runner.nprec(
                    ["pyramid", "--task", "\(task)/3", volume, out, "--target-chunk-size", "8"], in: dir)
                try #require(run.status == 0, "\(run)")
                for path in try treeContents(dir.appendingPathComponent(out)).keys
                where !path.hasPrefix(".nprec") && path != "info" && path != "transform.json" {
                    #expect(seen[path] == nil, "\(path) written by tasks \(seen[path] ?? -1) and \(task)")
                    seen[path] = task
                }
            }
            #expect(seen.count > 100)
        }
    }

    @Test func convertThenDownscaleTasksEqualOneRun() async throws {
        try await withTemporaryDirectory { dir in
            let volume = try TestVolume.write("v.nii.gz", in: dir, size: [77, 66, 55])
            let single = try await Runner.nprec(["pyramid", volume, "single", "--target-chunk-size", "16"], in: dir)
            try #require(single.status == 0, "\(single)")
            for step in [
                ["info", volume, "split"], ["scales", "split/info_fullres.json", "split", "--target-chunk-size", "16"],
            ] {
                let run = try await Runner.nprec(step, in: dir)
                try #require(run.status == 0 || run.status == 4, "\(run)")
            }
            for task in [2, 0, 1] {
                let run = try await Runner.nprec(["convert", "--task", "\(task)/3", volume, "split"], in: dir)
                try #require(run.status == 0, "\(run)")
            }
            for task in [1, 2, 0] {
                let run = try await Runner.nprec(["downscale", "--task", "\(task)/3", "split"], in: dir)
                try #require(run.status == 0, "\(run)")
            }
            let final = try await Runner.nprec(["downscale", "split"], in: dir)
            try #require(final.status == 0, "\(final)")
            try FileManager.default.removeItem(at: dir.appendingPathComponent("split/info_fullres.json"))
            #expect(
                try treeDifferences(dir.appendingPathComponent("single"), dir.appendingPathComponent("split")).isEmpty)
        }
    }

    @Test func splitSliceStackEqualsOneRun() async throws {
        try await withTemporaryDirectory { dir in
            let png = Runner.packageRoot.appendingPathComponent("Fixtures/images/png/grey8.png")
            try dir.makeDirectory("slices")
            for index in 0..<21 {
                try FileManager.default.copyItem(
                    at: png, to: dir.appendingPathComponent(String(format: "slices/s%03d.png", index)))
            }
            let options = ["--resolution", "1000,1000,2000", "--input-orientation", "RIA", "--target-chunk-size", "8"]
            let single = try await Runner.nprec(["pyramid", "slices", "single"] + options, in: dir)
            try #require(single.status == 0, "\(single)")
            for task in 0..<4 {
                let run = try await Runner.nprec(
                    ["pyramid", "--task", "\(task)/4", "slices", "split"] + options, in: dir)
                try #require(run.status == 0, "\(run)")
            }
            let final = try await Runner.nprec(["downscale", "split"], in: dir)
            try #require(final.status == 0, "\(final)")
            #expect(
                try treeDifferences(dir.appendingPathComponent("single"), dir.appendingPathComponent("split")).isEmpty)
        }
    }

    @Test func splitReencodeEqualsOneRun() async throws {
        try await withTemporaryDirectory { dir in
            let volume = try TestVolume.write("v.nii", in: dir, size: [50, 40, 30])
            let source = try await Runner.nprec(["pyramid", volume, "src", "--target-chunk-size", "8"], in: dir)
            try #require(source.status == 0, "\(source)")
            for out in ["single", "split"] {
                let scales = try await Runner.nprec(
                    ["scales", "src/info", out, "--encoding", "jpeg", "--target-chunk-size", "8"], in: dir)
                try #require(scales.status == 0, "\(scales)")
            }
            let one = try await Runner.nprec(["reencode", "src", "single"], in: dir)
            try #require(one.status == 0, "\(one)")
            for task in 0..<3 {
                let run = try await Runner.nprec(["reencode", "--task", "\(task)/3", "src", "split"], in: dir)
                try #require(run.status == 0, "\(run)")
            }
            #expect(
                try treeDifferences(dir.appendingPathComponent("single"), dir.appendingPathComponent("split")).isEmpty)
        }
    }

    @Test(arguments: ["3/3", "x", "1/0", "-1/2", "1/2/3", "0.5/2", "1/2000000"])
    func badTaskIsAUsageError(value: String) async throws {
        for command in [
            ["pyramid", "v.nii", "out"], ["convert", "v.nii", "out"], ["downscale", "out"], ["reencode", "a", "b"],
        ] {
            let run = try await Runner.nprec(command + ["--task", value])
            #expect(run.status == 2, "\(command) \(run)")
            #expect(run.stderr.contains("option '--task'"), "\(run)")
        }
    }

    @Test func finalDownscaleRefusesOtherOptions() async throws {
        try await withTemporaryDirectory { dir in
            let volume = try TestVolume.write("v.nii", in: dir, size: [40, 40, 40])
            for task in 0..<2 {
                let run = try await Runner.nprec(
                    ["pyramid", "--task", "\(task)/2", volume, "out", "--flat", "--target-chunk-size", "8"], in: dir)
                try #require(run.status == 0, "\(run)")
            }
            let nested = try await Runner.nprec(["downscale", "out"], in: dir)
            #expect(nested.status == 1)
            #expect(nested.stderr.contains("give the options of the tasks"), "\(nested)")
            let method = try await Runner.nprec(
                ["downscale", "out", "--flat", "--downscaling-method", "stride"], in: dir)
            #expect(method.status == 1)
            #expect(method.stderr.contains("--downscaling-method average"), "\(method)")
        }
    }
}

/// `nprec plan DEST --tasks N`: the split a user sizes a job array with.
@Suite struct PlanCommandTests {
    @Test func planShowsTheSplitAsTextAndJSON() async throws {
        try await withTemporaryDirectory { dir in
            let volume = try TestVolume.write("v.nii", in: dir, size: [90, 80, 70])
            let made = try await Runner.nprec(["pyramid", volume, "out", "--target-chunk-size", "16"], in: dir)
            try #require(made.status == 0, "\(made)")
            let text = try await Runner.nprec(["plan", "out", "--tasks", "4", "-j", "2"], in: dir)
            try #require(text.status == 0, "\(text)")
            #expect(text.stdout.contains("split into 4 tasks"), "\(text)")
            #expect(text.stdout.contains("peak memory of one task with -j 2"), "\(text)")
            let json = try await Runner.nprec(["plan", "out", "--tasks", "4", "--json"], in: dir)
            try #require(json.status == 0, "\(json)")
            let report = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as! [String: Any]
            #expect(report["tasks"] as? Int == 4)
            let scales = report["scales"] as! [[String: Any]]
            let info = try JSONSerialization.jsonObject(with: dir.contents(of: "out/info")) as! [String: Any]
            #expect(scales.count == (info["scales"] as! [Any]).count)
            let units = scales.reduce(0) { $0 + ($1["units"] as! Int) }
            let perTask = (report["per_task"] as! [[String: Any]]).reduce(0) { $0 + ($1["units"] as! Int) }
            let final = (report["final"] as! [String: Any])["units"] as! Int
            #expect(perTask + final == units)
            #expect((scales[0]["units_per_task"] as! [Int]).allSatisfy { $0 > 0 })
            #expect(report["peak_memory_bytes"] as! Int > 16 * 16 * 16)
            // The tasks write what the plan says: task 0's files.
            let task = try await Runner.nprec(
                ["pyramid", "--task", "0/4", volume, "split", "--target-chunk-size", "16"], in: dir)
            try #require(task.status == 0, "\(task)")
            let files = try treeContents(dir.appendingPathComponent("split")).keys.filter {
                !$0.hasPrefix(".nprec") && $0 != "info" && $0 != "transform.json"
            }
            #expect(files.count == (report["per_task"] as! [[String: Any]])[0]["files"] as! Int)
        }
    }

    @Test func badTaskCountIsAUsageError() async throws {
        let run = try await Runner.nprec("plan", "out", "--tasks", "0")
        #expect(run.status == 2)
        #expect(run.stderr.contains("option '--tasks'"), "\(run)")
    }
}
