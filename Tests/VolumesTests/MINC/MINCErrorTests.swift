import Foundation
import Precomputed
import Testing

@testable import Volumes

@Suite("MINC files nibabel refuses, and damaged ones, give a VolumeError naming the problem")
struct MINCErrorTests {
    static let broken: [(file: String, word: String)] = {
        guard let data = try? Data(contentsOf: MINCFixtures.directory.appendingPathComponent("errors.json")),
            let table = try? JSONDecoder().decode([String: String].self, from: data)
        else { return [] }
        return table.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
    }()

    @Test("the broken fixtures are there")
    func fixturesExist() { #expect(Self.broken.count == 6) }

    @Test("files nibabel refuses", arguments: broken.map(\.file))
    func refused(file: String) throws {
        let word = try #require(Self.broken.first { $0.file == file }?.word)
        let path = MINCFixtures.path(file)
        let error = #expect(throws: VolumeError.self) { _ = try VolumeFiles.open(path) }
        #expect(error?.path == path)
        #expect(error?.message.contains(word) == true, "\(error?.message ?? "")")
    }

    @Test("integers without image-max or image-min are read as stored when asked")
    func storedWithoutScaling() throws {
        let volume = try VolumeFiles.open(
            MINCFixtures.path("minc1_no_scale.mnc"), options: VolumeOptions(ignoreScaling: true))
        #expect(volume.elementType == .int16)
        let slab = try volume.readSlab(0..<6)
        // Stored as arange over (z, y, x) = nibabel's (x, y, z): value = 30x + 6y + z.
        #expect(MINCFixtures.value(slab.bytes, .int16, (5 * 5 + 4) * 4 + 3) == 3 * 30 + 4 * 6 + 5)
    }

    @Test("truncated files", arguments: ["tiny.mnc", "small.mnc", "minc2_chunked.mnc", "minc1_2d_scale.mnc"])
    func truncated(name: String) throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("nprec-minc-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let bytes = try Data(contentsOf: MINCFixtures.directory.appendingPathComponent(name))
        for keep in [bytes.count - 200, bytes.count * 2 / 3, 600, 10] {
            let path = directory.appendingPathComponent("cut-\(keep)-" + name).path
            try bytes.prefix(keep).write(to: URL(fileURLWithPath: path))
            let error = #expect(throws: VolumeError.self) {
                let volume = try VolumeFiles.open(path)
                _ = try volume.readSlab(0..<volume.size[2])
            }
            #expect(error?.path == path, "\(error?.description ?? "")")
        }
    }

    @Test("not MINC at all, though named .mnc")
    func junk() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("nprec-junk-\(UUID().uuidString).mnc")
            .path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try Data(repeating: 7, count: 500).write(to: URL(fileURLWithPath: path))
        let error = #expect(throws: VolumeError.self) { _ = try VolumeFiles.open(path) }
        #expect(error?.path == path)
    }

    @Test("slabs outside the image")
    func outside() throws {
        let volume = try VolumeFiles.open(MINCFixtures.path("tiny.mnc"))
        #expect(throws: VolumeError.self) { _ = try volume.readSlab(15..<21) }
    }
}
