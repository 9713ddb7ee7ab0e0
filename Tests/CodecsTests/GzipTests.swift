import CZlib
import Foundation
import Testing

@testable import Codecs

@Suite struct GzipTests {
    @Test(arguments: [0, 1, 6, 9, 10, 12])
    func roundTrip(level: Int) throws {
        let data = (0..<100_000).map { UInt8(truncatingIfNeeded: $0 * 7 / 13) }
        let compressed = try Gzip.compress(data, level: level)
        #expect(Gzip.isGzip(compressed))
        #expect(try Gzip.decompress(compressed) == data)
    }

    @Test func levelsOutsideZeroToTwelveFail() {
        #expect(throws: CodecError.self) { try Gzip.compress([1, 2, 3], level: 13) }
        #expect(throws: CodecError.self) { try Gzip.compress([1, 2, 3], level: -1) }
    }

    /// libdeflate's output is read by zlib (the `.nii.gz` and browser path) and zlib's by libdeflate.
    @Test func zlibReadsLibdeflateAndBack() throws {
        let data = (0..<200_000).map { UInt8(truncatingIfNeeded: ($0 / 3) ^ ($0 >> 9)) }
        var fromZlib: [UInt8] = []
        try Gzip.compress(data).withUnsafeBytes { try Inflater().inflateAll($0, into: &fromZlib) }
        #expect(fromZlib == data)
        let zlibGzip = try zlibCompress(data)
        #expect(try Gzip.decompress(zlibGzip) == data)
    }

    /// The trailer's size is only a first guess, bounded by `maxSize`; a wrong one is an error
    /// (both decoders check it), never a crash or an allocation of what it claims.
    @Test(arguments: [UInt32(0), 1, 100, 0xffff_ffff])
    func wrongTrailerSize(stated: UInt32) throws {
        let data = (0..<100_000).map { UInt8(truncatingIfNeeded: $0 * 7 / 13) }
        var compressed = try Gzip.compress(data)
        withUnsafeBytes(of: stated.littleEndian) { compressed.replaceSubrange((compressed.count - 4)..., with: $0) }
        #expect(throws: CodecError.self) { try Gzip.decompress(compressed, maxSize: 1 << 20) }
    }

    /// The first of two members is sized from the last one's trailer: too small a guess grows.
    @Test func firstGuessTooSmallGrows() throws {
        let large = [UInt8](repeating: 7, count: 3 << 20)
        let members = try Gzip.compress(large) + Gzip.compress(Array("x".utf8))
        #expect(try Gzip.decompress(members) == large + Array("x".utf8))
    }

    @Test func maxSizeIsEnforced() throws {
        let data = [UInt8](repeating: 7, count: 1 << 20)
        let compressed = try Gzip.compress(data)
        #expect(try Gzip.decompress(compressed, maxSize: 1 << 20) == data)
        #expect {
            _ = try Gzip.decompress(compressed, maxSize: (1 << 20) - 1)
        } throws: { error in
            "\(error)".contains("decompresses to more than \((1 << 20) - 1) bytes")
        }
        // Two members: the limit counts both.
        #expect(throws: CodecError.self) { try Gzip.decompress(compressed + compressed, maxSize: 3 << 19) }
        #expect(try Gzip.decompress(compressed + compressed, maxSize: 2 << 20) == data + data)
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
        #expect {
            _ = try Gzip.decompress(Array(compressed.prefix(compressed.count - 5)))
        } throws: { error in
            "\(error)".contains("truncated")
        }
    }

    /// One gzip member written by zlib itself.
    func zlibCompress(_ bytes: [UInt8]) throws -> [UInt8] {
        var stream = z_stream()
        #expect(
            deflateInit2_(
                &stream, 6, Z_DEFLATED, 31, 8, Z_DEFAULT_STRATEGY, zlibVersion(), Int32(MemoryLayout<z_stream>.size))
                == Z_OK)
        defer { deflateEnd(&stream) }
        var input = bytes
        var output = [UInt8](repeating: 0, count: Int(deflateBound(&stream, uLong(bytes.count))))
        let produced = input.withUnsafeMutableBufferPointer { inPointer in
            output.withUnsafeMutableBufferPointer { outPointer in
                stream.next_in = inPointer.baseAddress
                stream.avail_in = uInt(inPointer.count)
                stream.next_out = outPointer.baseAddress
                stream.avail_out = uInt(outPointer.count)
                #expect(deflate(&stream, Z_FINISH) == Z_STREAM_END)
                return Int(stream.total_out)
            }
        }
        return Array(output.prefix(produced))
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

    /// igzip reads concatenated members (as `cat a.gz b.gz`) and rejects a flipped byte.
    @Test func concatenatedMembersAndCorruption() throws {
        let a = (0..<150_000).map { UInt8(truncatingIfNeeded: $0 / 5) }
        let b = (0..<70_000).map { UInt8(truncatingIfNeeded: $0 &* 77) }
        let path = try Self.write(try Gzip.compress(a) + Gzip.compress(b))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let stream = try ByteStream(path: path, blockSize: 1000)
        #expect(try stream.readExactly(a.count + b.count) == a + b)
        var one: [UInt8] = [0]
        #expect(try one.withUnsafeMutableBytes { try stream.read(into: $0) } == 0)

        var corrupt = try Gzip.compress(a)
        corrupt[corrupt.count - 6] ^= 0x55  // the CRC
        let bad = try Self.write(corrupt)
        defer { try? FileManager.default.removeItem(atPath: bad) }
        #expect {
            _ = try ByteStream(path: bad).readExactly(a.count)
        } throws: { error in
            "\(error)".contains("corrupt compressed data")
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
