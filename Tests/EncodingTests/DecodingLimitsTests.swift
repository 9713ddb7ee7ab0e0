import Codecs
import Foundation
import Precomputed
import Testing

@testable import Encoding

/// Chunk sizes, block sizes and image headers that stopped nprec on a precondition or sized a
/// huge allocation before they were checked (issue 15): each now throws.
@Suite struct DecodingLimitsTests {
    static func isError(_ error: any Error, _ text: String) -> Bool {
        guard let error = error as? PrecomputedError else { return false }
        return "\(error)".contains(text)
    }

    /// The example: 512^3 blocks reached BlockLayout's precondition from checkWritable.
    @Test func hugeBlocksThrow() {
        let block = [512, 512, 512]
        #expect(!CompressedSegmentation.fitsOffsetLimit(size: [64, 64, 64], dataType: .uint32, blockSize: block))
        #expect(!CompressedSegmentation.fitsOffsetLimit(size: [64, 64, 64], dataType: .uint32, blockSize: [0, 8, 8]))
        var format = ChunkFormat(encoding: .compressedSegmentation, dataType: .uint32, channels: 1, blockSize: block)
        format.chunkSize = [64, 64, 64]
        #expect(throws: PrecomputedError.self) { try format.checkWritable() }
        let values = [UInt8](repeating: 0, count: 8 * 8 * 8 * 4)
        #expect {
            _ = try CompressedSegmentation.encode(
                values, size: [8, 8, 8], channels: 1, dataType: .uint32, blockSize: block)
        } throws: { Self.isError($0, "block") }
        #expect {
            _ = try CompressedSegmentation.decode(
                [1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], size: [8, 8, 8], channels: 1, dataType: .uint32, blockSize: block,
                path: "c")
        } throws: { Self.isError($0, "block") }
        #expect {
            _ = try CompressedSegmentation.decode(
                [1, 0, 0, 0], size: [8, 8, 8], channels: 1, dataType: .uint32, blockSize: [8, -8, 8], path: "c")
        } throws: { Self.isError($0, "block") }
        #expect {
            _ = try CompressedSegmentation.encode(
                [UInt8](repeating: 0, count: 8 * 8 * 8 * 2), size: [8, 8, 8], channels: 1, dataType: .uint16,
                blockSize: [8, 8, 8])
        } throws: { Self.isError($0, "uint16") }
    }

    @Test func valuesOfTheWrongSizeThrow() {
        let format = ChunkFormat(encoding: .raw, dataType: .uint16, channels: 2)
        #expect(throws: PrecomputedError.self) { _ = try format.encode([1, 2, 3], size: [1, 1, 1]) }
        #expect(throws: PrecomputedError.self) {
            _ = try JPEGChunk.encode([1, 2, 3], size: [2, 2, 1], channels: 1, quality: 90, plane: "xy")
        }
        #expect(throws: PrecomputedError.self) {
            _ = try PNGChunk.encode([1, 2, 3], size: [2, 2, 1], channels: 1, dataType: .uint8, compressionLevel: 6)
        }
    }

    /// An image whose header claims more pixels than the chunk holds is refused before its pixels
    /// are allocated (a corrupt JPEG header can claim 65535 x 65535 pixels).
    @Test func imagesLargerThanTheChunkThrowBeforeDecoding() throws {
        let values = [UInt8](repeating: 100, count: 64 * 64)
        let jpeg = try JPEGChunk.encode(values, size: [64, 64, 1], channels: 1, quality: 90, plane: "xy")
        #expect {
            _ = try JPEGChunk.decode(jpeg, size: [4, 4, 1], channels: 1, path: "j")
        } throws: { Self.isError($0, "64 x 64 pixels, more than 16") && Self.isError($0, "j: corrupt chunk") }
        let png = try PNGChunk.encode(values, size: [64, 64, 1], channels: 1, dataType: .uint8, compressionLevel: 6)
        #expect {
            _ = try PNGChunk.decode(png, size: [4, 4, 1], channels: 1, dataType: .uint8, path: "p")
        } throws: { Self.isError($0, "64 x 64 pixels, more than 16") && Self.isError($0, "p: corrupt chunk") }
        #expect(try JPEGChunk.decode(jpeg, size: [64, 64, 1], channels: 1, path: "j").count == 64 * 64)
    }

    /// A gzip stream stops once it passes `maxSize`.
    @Test func gzipStopsAtItsLimit() throws {
        let bomb = try Gzip.compress([UInt8](repeating: 0, count: 1 << 22))
        #expect(bomb.count < 10_000)
        #expect {
            _ = try Gzip.decompress(bomb, maxSize: 1 << 20)
        } throws: { "\($0)".contains("more than 1048576 bytes") }
        #expect(try Gzip.decompress(bomb, maxSize: 1 << 22).count == 1 << 22)
    }

    /// A region outside the grid (empty, or reversed) trapped on a Range in readRegion.
    @Test func regionsOutsideTheGridThrow() {
        let scale = ScaleInfo(
            key: "s", size: [4, 4, 4], resolution: [1, 1, 1], chunkSizes: [[4, 4, 4]], encoding: "raw")
        let reader = ScaleReader(dataset: Dataset(root: "/nonexistent"), scale: scale)
        let format = ChunkFormat(encoding: .raw, dataType: .uint8, channels: 1)
        for (lower, upper) in [
            ([0, 0, 2], [4, 4, 2]), ([0, 3, 0], [4, 1, 4]), ([0, 0, 0], [4, 4, 5]), ([-1, 0, 0], [1, 1, 1]),
        ] {
            #expect(throws: PrecomputedError.self) {
                _ = try reader.readRegion(format: format, lower: lower, upper: upper)
            }
        }
    }
}
