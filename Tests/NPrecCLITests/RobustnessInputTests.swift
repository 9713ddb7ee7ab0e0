import Foundation
import Testing

/// The bad inputs of Fixtures/robustness (volumes and meshes) through the real binary: each is an
/// error naming the file, exit 1, never a crash or a failed allocation.
private enum RobustnessInputs {
    static let directory = Runner.packageRoot.appendingPathComponent("Fixtures/robustness")

    /// Copies `area/name` into `directory` and returns its name there.
    static func copy(_ area: String, _ name: String, to directory: URL) throws -> String {
        try FileManager.default.copyItem(
            at: self.directory.appendingPathComponent(area).appendingPathComponent(name),
            to: directory.appendingPathComponent(name))
        return name
    }

    static let segmentationInfo = """
        {"type": "segmentation", "data_type": "uint32", "num_channels": 1, "scales": [{"key": "1mm", \
        "size": [64, 64, 64], "resolution": [1000000, 1000000, 1000000], "voxel_offset": [0, 0, 0], \
        "chunk_sizes": [[64, 64, 64]], "encoding": "raw"}]}
        """
}

/// True when `result` is the CLI's error exit: status 1, "nprec: error: FILE: ..." and no crash.
private func refused(_ result: ProcessResult, naming file: String, _ phrase: String) -> Bool {
    result.status == 1 && result.stderr.contains("nprec: error: ") && result.stderr.contains(file)
        && result.stderr.contains(phrase) && !result.stderr.contains("Fatal error")
        && !result.stderr.contains("crashed")
}

@Suite("Bad volume and mesh files: exit 1 naming the file, no crash")
struct RobustnessInputTests {
    @Test(
        "volume files whose header claims more than the file holds",
        arguments: [
            ("huge_dims.nii.gz", "header is corrupt"), ("huge_dims.nii", "file is truncated"),
            ("fuzz_slab_over_4gib.nii.gz", "header is corrupt"), ("fuzz_huge_allocation.nii.gz", "header is corrupt"),
        ])
    func volumeInfo(file: String, phrase: String) async throws {
        try await withTemporaryDirectory { directory in
            _ = try RobustnessInputs.copy("volumes", file, to: directory)
            let result = try await Runner.nprec(["info", file, "out"], in: directory)
            #expect(refused(result, naming: file, phrase), "\(result)")
        }
    }

    /// The issue's crash: convert of a .nii.gz claiming 20000^3 voxels ("failed to allocate
    /// 25600000032 bytes"), and streams that end early.
    @Test(
        "convert refuses short and oversized gzip streams",
        arguments: [
            ("huge_dims.nii.gz", "header is corrupt"),
            ("short_stream.nii.gz", "the decompressed data ends after 1352 of 4448 bytes"),
            ("cut_stream.nii.gz", "the compressed data ends after"),
        ])
    func volumeConvert(file: String, phrase: String) async throws {
        try await withTemporaryDirectory { directory in
            _ = try RobustnessInputs.copy("volumes", file, to: directory)
            try directory.write(
                """
                {"type": "image", "data_type": "uint8", "num_channels": 1, "scales": [{"key": "1mm", \
                "size": [16, 16, 16], "resolution": [1000000, 1000000, 1000000], "voxel_offset": [0, 0, 0], \
                "chunk_sizes": [[16, 16, 16]], "encoding": "raw"}]}
                """, to: "out/info")
            let result = try await Runner.nprec(["convert", file, "out"], in: directory)
            #expect(refused(result, naming: file, phrase), "\(result)")
        }
    }

    @Test(
        "mesh files with bad counts, bad bytes or bad indices",
        arguments: [
            ("fuzz_bad_attribute_byte.gii", "not well-formed XML"),
            ("gifti_huge_dim0.gii", "expected 6000000000 ASCII values"),
            ("gifti_huge_dim0_base64.gii", "found 12 bytes"), ("gifti_huge_dim0_gzip.gii", "Dim0 = 2000000000"),
            ("fuzz_ply_vertex_count.ply", "declares 2000000000 records"),
            ("gifti_negative_index.gii", "out of range"), ("ply_huge_count.ply", "declares 2000000000 records"),
            ("ply_huge_count_binary.ply", "records"), ("off_huge_count.off", "cannot fit"),
            ("obj_negative_index.obj", "before the first vertex"),
        ])
    func meshConvert(file: String, phrase: String) async throws {
        try await withTemporaryDirectory { directory in
            _ = try RobustnessInputs.copy("meshes", file, to: directory)
            try directory.write(RobustnessInputs.segmentationInfo, to: "seg/info")
            let result = try await Runner.nprec(["mesh", "convert", file, "seg"], in: directory)
            #expect(refused(result, naming: file, phrase), "\(result)")
        }
    }
}
