import Foundation
import Testing

@testable import Codecs

@Suite struct GzipTests {
    @Test(arguments: [0, 1, 6, 9])
    func roundTrip(level: Int) throws {
        let data = (0..<100_000).map { UInt8(truncatingIfNeeded: $0 * 7 / 13) }
        let compressed = try Gzip.compress(data, level: level)
        #expect(Gzip.isGzip(compressed))
        #expect(try Gzip.decompress(compressed) == data)
    }

    @Test func emptyInput() throws {
        #expect(try Gzip.decompress(try Gzip.compress([])) == [])
    }

    @Test func concatenatedMembers() throws {
        let a = try Gzip.compress(Array("hello ".utf8))
        let b = try Gzip.compress(Array("world".utf8))
        #expect(try Gzip.decompress(a + b) == Array("hello world".utf8))
    }

    @Test func truncatedAndCorruptDataFail() throws {
        let compressed = try Gzip.compress((0..<10_000).map { UInt8($0 & 0xff) })
        #expect(throws: CodecError.self) { try Gzip.decompress(Array(compressed.prefix(compressed.count / 2))) }
        var corrupt = compressed
        corrupt[20] ^= 0xff
        corrupt[21] ^= 0xff
        #expect(throws: CodecError.self) { try Gzip.decompress(corrupt) }
    }
}

@Suite struct ByteStreamTests {
    static func write(_ bytes: [UInt8]) throws -> String {
        let path = NSTemporaryDirectory() + "nprec-stream-" + UUID().uuidString
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }

    @Test(arguments: [false, true])
    func readsInPieces(compressed: Bool) throws {
        let data = (0..<300_000).map { UInt8(truncatingIfNeeded: $0 &* 31 >> 3) }
        let path = try Self.write(compressed ? try Gzip.compress(data) : data)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let stream = try ByteStream(path: path, blockSize: 4096)
        var result: [UInt8] = []
        try stream.skip(10)
        result += [UInt8](repeating: 0, count: 10)
        while result.count < data.count {
            let piece = try stream.readExactly(min(7777, data.count - result.count))
            result += piece
        }
        #expect(Array(result[10...]) == Array(data[10...]))
        #expect(stream.position == data.count)
        #expect(throws: CodecError.self) { _ = try stream.readExactly(1) }
    }

    @Test func truncatedGzipStreamFails() throws {
        let data = (0..<100_000).map { UInt8(truncatingIfNeeded: $0 * 13) }
        let compressed = try Gzip.compress(data)
        let path = try Self.write(Array(compressed.prefix(compressed.count - 100)))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let stream = try ByteStream(path: path)
        #expect {
            _ = try stream.readExactly(data.count)
        } throws: { error in
            "\(error)".contains(path)
        }
    }

    @Test func missingFileNamesIt() {
        #expect {
            _ = try ByteStream(path: "/nonexistent/file.nii")
        } throws: { error in
            "\(error)".contains("/nonexistent/file.nii")
        }
    }
}
