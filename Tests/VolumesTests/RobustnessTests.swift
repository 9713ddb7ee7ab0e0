import Codecs
import Foundation
import Testing

@testable import Volumes

/// The bad volume files of Fixtures/robustness/volumes (made by make_robustness_fixtures.py, or
/// found by Tests/fuzz/fuzz_volumes.py).
private enum RobustnessFixtures {
    static let directory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/robustness/volumes")

    static func path(_ name: String) -> String { directory.appendingPathComponent(name).path }
}

/// The error of opening `path` and reading all of it, slab by slab of 4 z.
private func failure(_ path: String) -> VolumeError? {
    volumeError {
        let volume = try VolumeFiles.open(path)
        var z = 0
        while z < volume.size[2] {
            _ = try volume.readSlab(z..<min(z + 4, volume.size[2]))
            z += 4
        }
    }
}

/// A little-endian NIfTI-1 header of `dims` (uint8 unless `datatype` says), with its 4
/// extension bytes: the voxels start at byte 352.
private func niftiHeader(_ dims: [Int], datatype: Int16 = 2, bitpix: Int16 = 8) -> [UInt8] {
    var bytes = [UInt8](repeating: 0, count: 352)
    func put<T: FixedWidthInteger>(_ value: T, at offset: Int) {
        withUnsafeBytes(of: value.littleEndian) { bytes.replaceSubrange(offset..<(offset + $0.count), with: $0) }
    }
    put(Int32(348), at: 0)
    put(Int16(dims.count), at: 40)
    for (i, extent) in dims.enumerated() { put(Int16(extent), at: 42 + 2 * i) }
    for i in (dims.count + 1)..<8 { put(Int16(1), at: 40 + 2 * i) }
    put(datatype, at: 70)
    put(bitpix, at: 72)
    for i in 0..<8 { put(Float(1).bitPattern, at: 76 + 4 * i) }
    put(Float(352).bitPattern, at: 108)
    bytes.replaceSubrange(344..<348, with: Array("n+1\0".utf8))
    return bytes
}

@Suite("Volume sizes are checked against the file before anything is allocated")
struct VolumeRobustnessTests {
    /// The crash: "failed to allocate 25600000032 bytes" for 20000^3 voxels in 55 bytes.
    @Test("a .nii.gz claiming more voxels than its gzip data can expand to is refused at open")
    func hugeCompressedClaim() throws {
        let path = RobustnessFixtures.path("huge_dims.nii.gz")
        #expect {
            _ = try NIfTIVolume(path: path)
        } throws: { error in
            guard let error = error as? VolumeError else { return false }
            return error.path == path && error.message.contains("8000000000000 bytes of voxels")
                && error.message.contains("expand to at most") && error.message.contains("1032 times")
        }
    }

    @Test("the same claim uncompressed is refused against the file size")
    func hugeUncompressedClaim() throws {
        let error = try #require(failure(RobustnessFixtures.path("huge_dims.nii")))
        #expect(error.message.hasPrefix("file is truncated: it has 416 bytes"), "\(error)")
    }

    /// Inputs found by fuzz_volumes.py: a slab over 4 GiB trapped in zlib's 32-bit avail_out, and
    /// "failed to allocate 150533120032 bytes".
    @Test(
        "fuzzed .nii.gz files that crashed are refused at open",
        arguments: ["fuzz_slab_over_4gib.nii.gz", "fuzz_huge_allocation.nii.gz"])
    func fuzzed(name: String) throws {
        let path = RobustnessFixtures.path(name)
        let error = try #require(failure(path))
        #expect(error.path == path)
        #expect(error.message.contains("header is corrupt"), "\(error)")
    }

    @Test("a gzip stream that ends early names the bytes it had")
    func shortStream() throws {
        let path = RobustnessFixtures.path("short_stream.nii.gz")
        let error = try #require(failure(path))
        #expect(error.path == path)
        #expect(
            error.message.hasPrefix("file is truncated: the decompressed data ends after 1352 of 4448 bytes"),
            "\(error)")
    }

    @Test("a gzip stream cut in the middle names the bytes it had")
    func cutStream() throws {
        let path = RobustnessFixtures.path("cut_stream.nii.gz")
        let error = try #require(failure(path))
        #expect(error.path == path)
        #expect(error.message.hasPrefix("file is truncated: the compressed data ends after"), "\(error)")
        #expect(error.message.contains(" of 4448 bytes"), "\(error)")
    }

    @Test("dimensions whose byte count overflows are refused, not trapped")
    func overflowingLayout() throws {
        let layout = RawLayout(
            size: [Int.max / 4, 4, 1], volumes: 1, componentType: .uint16, littleEndian: true, offset: 0)
        #expect(layout.checkedDataBytes == nil)
        let offsetOverflow = RawLayout(
            size: [1, 1, 1], volumes: 1, componentType: .uint8, littleEndian: true, offset: Int.max)
        #expect(offsetOverflow.checkedDataBytes == nil)
        let path = RobustnessFixtures.path("huge_dims.nii")
        #expect {
            _ = try RawVolumeData(path: path, layout: layout, compression: .none)
        } throws: { error in
            (error as? VolumeError)?.message.hasPrefix("impossible dimensions") == true
        }
    }

    /// The compressed slab grows as its bytes arrive (from 1 MiB, doubling): values across the
    /// steps, several volumes and interleaved components must come out as from one read.
    @Test("compressed slabs larger than the first growth step read right", arguments: [1, 3])
    func growingSlab(components: Int) throws {
        let (nx, ny, nz, volumes) = (1100, 1000, 3, 2)
        let datatype: Int16 = components == 3 ? 128 : 2  // RGB24 or uint8
        var dims = [nx, ny, nz]
        if volumes > 1 { dims.append(volumes) }
        let voxels = (0..<(nx * ny * nz * volumes * components)).map { UInt8(truncatingIfNeeded: $0 % 251 + $0 / 7919) }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("nprec-grow-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("grow.nii.gz")
        let header = niftiHeader(dims, datatype: datatype, bitpix: Int16(8 * components))
        try Data(Gzip.compress(header + voxels)).write(to: url)
        let volume = try NIfTIVolume(path: url.path)
        let slab = try volume.readSlab(0..<nz)
        #expect(slab.channels == volumes * components)
        // Expected: channel c of volume v is component c of that volume's voxels.
        let volumeBytes = nx * ny * nz * components
        var expected: [UInt8] = []
        for v in 0..<volumes {
            for c in 0..<components {
                for i in 0..<(nx * ny * nz) { expected.append(voxels[v * volumeBytes + i * components + c]) }
            }
        }
        #expect(slab.bytes == expected)
    }
}
