import Codecs
import Foundation
import Testing

/// How `nprec info` and `convert` tell volume formats apart: by content first, then by name;
/// CIFTI and unknown files refused with a message naming the file.
@Suite struct VolumeFormatTests {
    static let nifti = Runner.packageRoot.appendingPathComponent("Fixtures/nifti")
    static let volumes = Runner.packageRoot.appendingPathComponent("Fixtures/volumes")

    @Test("a NIfTI file under a name that says nothing (or the wrong thing) is read by its content")
    func contentBeforeName() async throws {
        try await withTemporaryDirectory { dir in
            let source = try TestVolume.write("v.nii", in: dir, size: [9, 8, 7])
            let plain = try await Runner.nprec("info", source, "a", in: dir)
            #expect(plain.status == 0, "\(plain)")
            for name in ["volume.dat", "volume.mgz", "volume"] {
                try FileManager.default.copyItem(atPath: source, toPath: dir.appendingPathComponent(name).path)
                let result = try await Runner.nprec("info", name, name + "-out", in: dir)
                #expect(result.status == 0, "\(name): \(result)")
                #expect(
                    try dir.contents(of: name + "-out/info_fullres.json") == dir.contents(of: "a/info_fullres.json"))
            }
        }
    }

    @Test("a CIFTI-2 file is refused: it is not a volume")
    func cifti() async throws {
        try await withTemporaryDirectory { dir in
            // nibabel's test file: NIfTI-2, intent code 3001 (dense connectivity).
            let source = Self.volumes.appendingPathComponent("cifti/row_major.dconn.nii").path
            let result = try await Runner.nprec("info", source, "out", in: dir)
            #expect(result.status == 1, "\(result)")
            #expect(result.stderr.contains("row_major.dconn.nii") && result.stderr.contains("CIFTI"), "\(result)")
            #expect(result.stderr.contains("not a volume"), "\(result)")
            #expect(!dir.exists("out/info_fullres.json"))
            // The same header under a plain name: the intent code alone gives it away.
            try FileManager.default.copyItem(atPath: source, toPath: dir.appendingPathComponent("plain.nii").path)
            let renamed = try await Runner.nprec("info", "plain.nii", "out2", in: dir)
            #expect(renamed.status == 1 && renamed.stderr.contains("intent code 3001"), "\(renamed)")
        }
    }

    @Test("an unknown file names the file and the formats nprec reads", arguments: ["notes.txt", "blob.dat", "x.nii"])
    func unknown(name: String) async throws {
        try await withTemporaryDirectory { dir in
            _ = try dir.write(String(repeating: "no volume in here\n", count: 40), to: name)
            let result = try await Runner.nprec("info", name, "out", in: dir)
            #expect(result.status == 1, "\(result)")
            #expect(result.stderr.contains(name), "\(result)")
            if name != "x.nii" {
                // Nothing in the content nor the name: the list of formats.
                #expect(result.stderr.contains("MGH") && result.stderr.contains("MINC"), "\(result)")
            }
            #expect(!result.stderr.contains("Fatal error"), "\(result)")
        }
    }

    @Test("files too short for any header are refused, not a crash", arguments: [0, 1, 3, 100])
    func tiny(length: Int) async throws {
        try await withTemporaryDirectory { dir in
            for name in ["t.nii", "t.nii.gz", "t.mgz", "t.hdr", "t.mnc", "t.nrrd", "t.HEAD", "t.PAR", "t.tif"] {
                try Data(repeating: 0x41, count: length).write(to: dir.appendingPathComponent(name))
                let result = try await Runner.nprec("info", name, "out", in: dir)
                #expect(result.status == 1 && result.stderr.contains(name), "\(name) of \(length) bytes: \(result)")
                #expect(!result.stderr.contains("crashed"), "\(name) of \(length) bytes: \(result)")
            }
        }
    }

    @Test("an AFNI dataset opens by its .HEAD, its .BRIK.gz, or the .BRIK name of a .BRIK.gz")
    func afniNames() async throws {
        try await withTemporaryDirectory { dir in
            let afni = Self.volumes.appendingPathComponent("afni")
            for file in ["example4d+orig.HEAD", "example4d+orig.BRIK.gz"] {
                try FileManager.default.copyItem(
                    at: afni.appendingPathComponent(file), to: dir.appendingPathComponent(file))
            }
            var outputs: [Data] = []
            for (index, name) in ["example4d+orig.HEAD", "example4d+orig.BRIK.gz", "example4d+orig.BRIK"].enumerated() {
                let result = try await Runner.nprec("info", name, "out\(index)", in: dir)
                #expect(result.status == 0, "\(name): \(result)")
                outputs.append(try dir.contents(of: "out\(index)/info_fullres.json"))
            }
            #expect(Set(outputs).count == 1)
        }
    }

    @Test("a gzipped MINC1 reads as the plain file; a gzipped MINC2 or a cut .mnc.gz is refused by name")
    func gzippedMINC() async throws {
        try await withTemporaryDirectory { dir in
            let minc = Self.volumes.appendingPathComponent("minc")
            let plain = try Data(contentsOf: minc.appendingPathComponent("minc1_1_scale.mnc"))
            try Data(try Gzip.compress(Array(plain))).write(to: dir.appendingPathComponent("one.mnc.gz"))
            try plain.write(to: dir.appendingPathComponent("one.mnc"))
            for name in ["one.mnc", "one.mnc.gz"] {
                let info = try await Runner.nprec("info", name, name + "-out", in: dir)
                #expect(info.status == 4, "\(name): \(info)")  // float64 values: float32 chosen
                let scales = try await Runner.nprec(
                    "scales", name + "-out/info_fullres.json", name + "-out", "--target-chunk-size", "8", in: dir)
                #expect(scales.status == 0, "\(scales)")
                let convert = try await Runner.nprec("convert", name, name + "-out", "--flat", "--no-gzip", in: dir)
                #expect(convert.status == 0, "\(name): \(convert)")
            }
            #expect(
                try treeDifferences(
                    dir.appendingPathComponent("one.mnc-out"), dir.appendingPathComponent("one.mnc.gz-out")
                ).isEmpty)
            let compressed = try Gzip.compress(Array(plain))
            try Data(compressed.prefix(compressed.count / 2)).write(to: dir.appendingPathComponent("cut.mnc.gz"))
            let cut = try await Runner.nprec("info", "cut.mnc.gz", "cut", in: dir)
            #expect(cut.status == 1 && cut.stderr.contains("cut.mnc.gz") && cut.stderr.contains("truncated"), "\(cut)")
            let minc2 = try Data(contentsOf: minc.appendingPathComponent("minc2_1_scale.mnc"))
            try Data(try Gzip.compress(Array(minc2))).write(to: dir.appendingPathComponent("two.mnc.gz"))
            let two = try await Runner.nprec("info", "two.mnc.gz", "two", in: dir)
            #expect(two.status == 1 && two.stderr.contains("gunzip"), "\(two)")
            let leftovers = try FileManager.default.contentsOfDirectory(atPath: NSTemporaryDirectory())
                .filter { $0.contains("nprec-one.mnc") || $0.contains("nprec-cut.mnc") }
            #expect(leftovers.isEmpty, "\(leftovers)")
        }
    }

    @Test("a missing input file is named")
    func missing() async throws {
        let result = try await Runner.nprec("info", "nowhere.mgz", "out")
        #expect(result.status == 1 && result.stderr.contains("nowhere.mgz"), "\(result)")
    }
}
