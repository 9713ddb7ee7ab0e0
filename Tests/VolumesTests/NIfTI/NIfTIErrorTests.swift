import Foundation
import Testing
import Volumes

/// Opens `path` and reads every slab, returning the error thrown.
private func failure(_ path: String) -> VolumeError? {
    volumeError {
        let volume = try NIfTIVolume(path: path)
        _ = try volume.readSlab(0..<volume.size[2])
    }
}

/// A copy of fixture `name` in a temporary directory with `patch` applied to its bytes.
private func patched(_ name: String, _ patch: (inout [UInt8]) -> Void) throws -> (directory: URL, path: String) {
    let directory = try Fixtures.temporaryDirectory()
    var bytes = try Fixtures.bytes(name)
    patch(&bytes)
    let url = directory.appendingPathComponent(name)
    try Data(bytes).write(to: url)
    return (directory, url.path)
}

private func put<T: FixedWidthInteger>(_ value: T, at offset: Int, in bytes: inout [UInt8]) {
    withUnsafeBytes(of: value.littleEndian) { bytes.replaceSubrange(offset..<(offset + $0.count), with: $0) }
}

private func put(_ value: Float, at offset: Int, in bytes: inout [UInt8]) {
    put(value.bitPattern, at: offset, in: &bytes)
}

@Suite("NIfTI errors name the file and the problem")
struct NIfTIErrorTests {
    @Test("broken fixtures", arguments: Fixtures.broken.map(\.file))
    func brokenFixture(file: String) throws {
        let expect = try #require(Fixtures.broken.first { $0.file == file }).expect
        let error = try #require(failure(Fixtures.path(file)))
        #expect(error.description.contains(file), "\(error)")
        #expect(error.description.contains(expect), "\(error)")
    }

    @Test("a truncated file says so", arguments: ["truncated.nii", "truncated.nii.gz", "truncated_header.nii"])
    func truncated(file: String) throws {
        let error = try #require(failure(Fixtures.path(file)))
        #expect(error.path == Fixtures.path(file))
        #expect(error.message.hasPrefix("file is truncated"), "\(error)")
    }

    @Test("after a failed read, later reads fail too")
    func failureSticks() throws {
        let volume = try NIfTIVolume(path: Fixtures.path("truncated.nii.gz"))
        var first: VolumeError?
        for z in 0..<volume.size[2] where first == nil {
            do { _ = try volume.readSlab(z..<(z + 1)) } catch let error as VolumeError { first = error }
        }
        let error = try #require(first)
        #expect(error.message.hasPrefix("file is truncated"))
        #expect(throws: VolumeError.self) { try volume.readSlab(volume.size[2]..<volume.size[2]) }
    }

    @Test("a missing file is named")
    func missingFile() throws {
        let error = try #require(failure(Fixtures.path("no-such-file.nii")))
        #expect(error.description.contains("no-such-file.nii"))
    }

    @Test("a .img without its .hdr")
    func orphanImage() throws {
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let image = directory.appendingPathComponent("alone.img")
        try Data(try Fixtures.bytes("int16_pair_le.img")).write(to: image)
        let error = try #require(failure(image.path))
        #expect(error.description.contains("alone.img"))
        #expect(error.description.contains("alone.hdr"))
    }

    /// Header patches of int16_le.nii (NIfTI-1, little-endian) and the words their errors contain.
    static let patches: [(name: String, expect: String, patch: @Sendable (inout [UInt8]) -> Void)] = [
        ("dim[0] = 0", "dim[0] is 0", { put(Int16(0), at: 40, in: &$0) }),
        ("dim[0] = 8", "dim[0] is 8", { put(Int16(8), at: 40, in: &$0) }),
        ("negative dim", "must be positive", { put(Int16(-5), at: 44, in: &$0) }),
        ("zero dim", "must be positive", { put(Int16(0), at: 46, in: &$0) }),
        (
            "absurd dims", "absurd",
            {
                put(Int16(7), at: 40, in: &$0)
                for i in 1...7 { put(Int16(32767), at: 40 + 2 * i, in: &$0) }
            }
        ),
        ("float128", "unsupported data type float128", { put(Int16(1536), at: 70, in: &$0) }),
        ("complex128", "unsupported data type complex128", { put(Int16(1792), at: 70, in: &$0) }),
        ("binary", "unsupported data type binary", { put(Int16(1), at: 70, in: &$0) }),
        ("unknown type", "unknown data type code 9999", { put(Int16(9999), at: 70, in: &$0) }),
        ("vox_offset in header", "vox_offset 100", { put(Float(100), at: 108, in: &$0) }),
        ("negative vox_offset", "vox_offset", { put(Float(-352), at: 108, in: &$0) }),
        ("bad sizeof_hdr", "not a NIfTI file", { put(Int32(349), at: 0, in: &$0) }),
        (
            "non-unit quaternion", "quaternion",
            {
                put(Int16(1), at: 252, in: &$0)  // qform_code
                put(Int16(0), at: 254, in: &$0)  // sform_code
                put(Float(0.9), at: 256, in: &$0)
                put(Float(0.9), at: 260, in: &$0)
            }
        ),
        (
            "infinite intercept", "scl_inter",
            {
                put(Float(2), at: 112, in: &$0)
                put(Float.infinity, at: 116, in: &$0)
            }
        ),
        ("data cut short", "file is truncated", { $0.removeLast(1) }),
    ]

    @Test("patched headers", arguments: 0..<patches.count)
    func patchedHeader(index: Int) throws {
        let (name, expect, patch) = Self.patches[index]
        let (directory, path) = try patched("int16_le.nii", patch)
        defer { try? FileManager.default.removeItem(at: directory) }
        let error = try #require(failure(path), "\(name)")
        #expect(error.description.contains("int16_le.nii"), "\(name): \(error)")
        #expect(error.description.contains(expect), "\(name): \(error)")
    }

    @Test("NIfTI-2 end-of-line bytes mangled")
    func nifti2EndOfLine() throws {
        let (directory, path) = try patched("int16_nifti2_le.nii") { $0[9] = 13 }
        defer { try? FileManager.default.removeItem(at: directory) }
        let error = try #require(failure(path))
        #expect(error.description.contains("end-of-line"), "\(error)")
        // All zeros is accepted (nibabel fixes it quietly).
        let (zeros, zerosPath) = try patched("int16_nifti2_le.nii") { $0.replaceSubrange(8..<12, with: [0, 0, 0, 0]) }
        defer { try? FileManager.default.removeItem(at: zeros) }
        #expect(failure(zerosPath) == nil)
    }

    @Test("vox_offset 0 in a .nii means right after the header")
    func zeroOffset() throws {
        let (directory, path) = try patched("int16_le.nii") { put(Float(0), at: 108, in: &$0) }
        defer { try? FileManager.default.removeItem(at: directory) }
        let volume = try NIfTIVolume(path: path)
        #expect(volume.header.voxOffset == 352)
        #expect(try volume.readSlab(0..<3).bytes == Fixtures.bytes("int16_le.raw.bin"))
    }

    @Test("slabs out of order or out of range")
    func slabOrder() throws {
        let volume = try NIfTIVolume(path: Fixtures.path("int16_le.nii"))
        _ = try volume.readSlab(0..<2)
        #expect(throws: VolumeError.self) { try volume.readSlab(1..<3) }
        #expect(throws: VolumeError.self) { try volume.readSlab(2..<4) }
        #expect(try volume.readSlab(2..<3).size == [7, 5, 1])
        #expect(try volume.readSlab(3..<3).bytes.isEmpty)
    }
}
