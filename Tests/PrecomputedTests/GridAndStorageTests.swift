import Foundation
import Testing

@testable import Precomputed

@Suite struct ChunkGridTests {
    @Test func edgeChunksAreTruncatedAndOffsetsNamed() {
        let grid = ChunkGrid(size: [100, 50, 1], chunkSize: [64, 64, 64], offset: [10, 0, 0])
        #expect(grid.gridSize == [2, 1, 1])
        #expect(grid.boxes.map(\.description) == ["10-74_0-50_0-1", "74-110_0-50_0-1"])
    }

    @Test func negativeOffsets() {
        let grid = ChunkGrid(size: [64, 50, 1], chunkSize: [64, 64, 64], offset: [-10, 0, 0])
        #expect(grid.boxes.map(\.description) == ["-10-54_0-50_0-1"])
        #expect(ChunkBox(name: "-10-54_0-50_0-1") == grid.boxes[0])
    }

    @Test(arguments: [[1, 1, 1], [7, 5, 3], [64, 64, 64], [65, 130, 1], [200, 3, 77]])
    func boxesCoverTheVolumeOnce(size: [Int]) {
        let grid = ChunkGrid(size: size, chunkSize: [64, 32, 16])
        let boxes = grid.boxes
        #expect(boxes.count == grid.chunkCount)
        #expect(boxes.reduce(0) { $0 + $1.voxelCount } == size.reduce(1, *))
        for box in boxes {
            let cell = grid.cell(of: box)
            #expect(cell != nil)
            #expect(ChunkBox(name: box.description) == box)
        }
        #expect(grid.cell(of: ChunkBox(x: 1..<2, y: 0..<1, z: 0..<1)) == nil)
    }

    @Test(arguments: ["0-64_0-64_0-64.gz", "0-64/0-64/0-64", "128-130_64-100_0-7"])
    func chunkNamesParse(name: String) {
        #expect(ChunkBox(name: name) != nil)
    }

    @Test(arguments: ["0-64_0-64", "a-b_0-1_0-1", "5-5_0-1_0-1", "0-64_0-64_0-64_0-1"])
    func badChunkNamesDoNot(name: String) {
        #expect(ChunkBox(name: name) == nil)
    }
}

@Suite struct StorageTests {
    static func temporaryDirectory() throws -> String {
        let path = NSTemporaryDirectory() + "nprec-test-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    static let layouts: [(ChunkLayout, Bool)] = [(.nested, true), (.nested, false), (.flat, true), (.flat, false)]

    @Test(arguments: layouts)
    func chunksRoundTripInEveryLayout(layout: ChunkLayout, gzip: Bool) throws {
        let root = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let writer = Dataset(root: root, options: StorageOptions(layout: layout, gzip: gzip, compressionLevel: 6))
        let box = ChunkBox(x: 64..<100, y: 0..<64, z: 128..<130)
        let bytes = (0..<5000).map { UInt8($0 % 251) }
        try writer.writeChunk(bytes, key: "1mm", box: box, encoding: .raw)
        let expected = layout == .flat ? "1mm/64-100_0-64_128-130" : "1mm/64-100/0-64/128-130"
        #expect(FileIO.isFile(root + "/" + expected + (gzip ? ".gz" : "")))
        // Readers find the chunk whatever layout and compression they were set up with.
        for other in Self.layouts {
            let reader = Dataset(root: root, options: StorageOptions(layout: other.0, gzip: other.1))
            #expect(try reader.readChunk(key: "1mm", box: box) == bytes)
            // Its state: written with the reader's options, or with other ones (never absent).
            let same = other.0 == layout && other.1 == gzip
            #expect(
                reader.chunkState(key: "1mm", box: box)
                    == (same ? .written : .otherStorage(path: root + "/" + expected + (gzip ? ".gz" : ""))))
        }
        // No temporary files are left behind.
        let files = FileManager.default.enumerator(atPath: root)!.compactMap { $0 as? String }
        #expect(!files.contains { $0.contains(".tmp") })
    }

    @Test func imageChunksAreNeverGzipped() throws {
        let root = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let dataset = Dataset(root: root, options: StorageOptions(layout: .flat, gzip: true))
        let box = ChunkBox(x: 0..<1, y: 0..<1, z: 0..<1)
        try dataset.writeChunk([1, 2, 3], key: "k", box: box, encoding: .jpeg)
        #expect(FileIO.isFile(root + "/k/0-1_0-1_0-1"))
        try dataset.writeChunk([1, 2, 3], key: "p", box: box, encoding: .png)
        #expect(FileIO.isFile(root + "/p/0-1_0-1_0-1"))
    }

    @Test func missingChunkIsReported() throws {
        let root = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        #expect(throws: PrecomputedError.self) {
            try Dataset(root: root).readChunk(key: "k", box: ChunkBox(x: 0..<1, y: 0..<1, z: 0..<1))
        }
    }

    @Test func corruptGzipChunkNamesTheFile() throws {
        let root = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        try FileIO.writeAtomically([0x1f, 0x8b, 8, 0, 1, 2, 3], to: root + "/k/0-1_0-1_0-1.gz")
        do {
            _ = try Dataset(root: root).readChunk(key: "k", box: ChunkBox(x: 0..<1, y: 0..<1, z: 0..<1))
            Issue.record("expected an error")
        } catch {
            #expect("\(error)".contains("k/0-1_0-1_0-1.gz"))
        }
    }

    @Test func infoIsNotOverwrittenWhenItDiffers() throws {
        let root = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let dataset = Dataset(root: root + "/new/dir")
        var info = VolumeInfo(
            type: "image", dataType: "uint8", numChannels: 1,
            scales: [
                ScaleInfo(key: "1", size: [1, 1, 1], resolution: [1, 1, 1], chunkSizes: [[1, 1, 1]], encoding: "raw")
            ])
        try dataset.writeInfo(info)
        try dataset.writeInfo(info)  // identical: fine
        info.numChannels = 2
        #expect(throws: PrecomputedError.self) { try dataset.writeInfo(info) }
        #expect(try dataset.readInfo().numChannels == 1)
        try dataset.writeInfo(info, overwrite: true)
        #expect(try dataset.readInfo().numChannels == 2)
    }
}
