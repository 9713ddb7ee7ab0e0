import Foundation
import Testing

@testable import Codecs

/// bzip2 data made by Python's bz2 module (nprec does not compress bzip2, so the streams here are
/// another tool's, base64-encoded).
enum Bzip2Samples {
    /// 250,000 bytes: byte i is i % 3 + 3 * ((i / 10007) % 80). No run reaches 4 bytes, so bzip2's
    /// first run-length stage keeps them all: three 100k blocks at level 1.
    static let pattern: [UInt8] = (0..<250_000).map { (i: Int) -> UInt8 in
        let step: Int = (i / 10007) % 80
        return UInt8(i % 3 + 3 * step)
    }

    /// `bz2.compress(pattern, 1)`.
    static let patternLevel1 = [UInt8](
        Data(
            base64Encoded: [
                "QlpoMTFBWSZTWZNF+9wAAABgAH////4wARgBQAAAAAoAAAAAFKqbUEwTRgDU0+YqBLIQSxUCWsQS1VAllrqBLbUCWPqoEtogljhU",
                "CW8QS4VAlyEEvuoEsuVQJc6gSx+1AlzEEsdqgS6iCXaoEvIgl4qBLLzUCWdQJY91AlmIJZxKi0/ySoviSov8xQVkmU1kn+7njAAA",
                "AOAAAD/////gwARgBjCYmTATAAGMJiZMBMAAFKqnvVRo0ZNGjRo0epp1yVoqyVsEEu6oEtNlQJbagSzwqBLaIJZuqBLyEEt1QJcB",
                "BLzqBLThUCXGoEs9agS4iCWcqgS9xBLlUCXMQS+agS051Al0qBLPuoEugglmtQJfoglrUCWpRRfxRRdSiiz/MUFZJlNZvV7+CAAA",
                "AAwAAD//8DAAtiKaZGJiYgmqqbUeppiZGClVHpDEyaenWCNCMEZFVJp6FVJmpCWNqgS1EEtqgS4EEvtQJeeKgS6qBLH6oEuhBLMo",
                "otP8oosyiU7F3JFOFCQv75ivAA==",
            ].joined())!)

    /// `bz2.compress(b"hello ")` and `bz2.compress(b"world")`.
    static let hello = [UInt8](Data(base64Encoded: "QlpoOTFBWSZTWXZp4NQAAAERAEAAAkSgADDNAMNGKZcXckU4UJB2aeDU")!)
    static let world = [UInt8](Data(base64Encoded: "QlpoOTFBWSZTWVnOe8sAAAIBgAQEkIAgADDNAMGkwHF3JFOFCQWc57yw")!)
    /// `bz2.compress(b"")`: a stream with no block.
    static let empty = [UInt8](Data(base64Encoded: "QlpoORdyRThQkAAAAAA=")!)
}

@Suite struct Bzip2Tests {
    @Test func decompressesAnotherToolsStream() throws {
        #expect(Bzip2.isBzip2(Bzip2Samples.patternLevel1))
        #expect(try Bzip2.decompress(Bzip2Samples.patternLevel1) == Bzip2Samples.pattern)
    }

    @Test func emptyStream() throws {
        #expect(try Bzip2.decompress(Bzip2Samples.empty) == [])
    }

    @Test func concatenatedStreams() throws {
        let joined = Bzip2Samples.hello + Bzip2Samples.world
        #expect(try Bzip2.decompress(joined) == Array("hello world".utf8))
        #expect(
            try Bzip2.decompress(Bzip2Samples.hello + Bzip2Samples.empty + Bzip2Samples.world)
                == Array("hello world".utf8))
    }

    @Test(arguments: [4, 20, 200, 393])
    func truncatedStreamSaysTruncated(length: Int) {
        #expect {
            _ = try Bzip2.decompress(Array(Bzip2Samples.patternLevel1.prefix(length)))
        } throws: { error in
            guard let error = error as? CodecError else { return false }
            return error.library == "bzip2" && error.message.contains("truncated")
        }
    }

    @Test func corruptStreamSaysCorrupt() {
        var corrupt = Bzip2Samples.patternLevel1
        for i in 100..<110 { corrupt[i] ^= 0x5a }
        #expect {
            _ = try Bzip2.decompress(corrupt)
        } throws: { error in
            guard let error = error as? CodecError else { return false }
            return error.library == "bzip2" && error.message.contains("corrupt compressed data")
        }
        // Not bzip2 at all.
        #expect {
            _ = try Bzip2.decompress(Array("BZh9 is not enough".utf8))
        } throws: { error in
            "\(error)".contains("corrupt")
        }
        #expect(!Bzip2.isBzip2(Array("BZh".utf8)))
        #expect(!Bzip2.isBzip2(Array("BZhA".utf8)))
    }
}

@Suite struct ByteStreamBzip2Tests {
    @Test(arguments: [64, 4096, 1 << 20])
    func readsInPieces(blockSize: Int) throws {
        let data = Bzip2Samples.pattern
        let path = try ByteStreamTests.write(Bzip2Samples.patternLevel1)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let stream = try ByteStream(path: path, compression: .bzip2, blockSize: blockSize)
        try stream.skip(10)
        var result = [UInt8](repeating: 0, count: 10)
        while result.count < data.count {
            result += try stream.readExactly(min(7777, data.count - result.count))
        }
        #expect(Array(result[10...]) == Array(data[10...]))
        #expect(stream.position == data.count)
        #expect(throws: CodecError.self) { _ = try stream.readExactly(1) }
    }

    @Test func concatenatedStreamsAfterAHeader() throws {
        let header = Array("NRRD0004\n\n".utf8)
        let path = try ByteStreamTests.write(header + Bzip2Samples.hello + Bzip2Samples.world)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let stream = try ByteStream(path: path, compression: .bzip2, start: header.count, blockSize: 16)
        #expect(try stream.readExactly(11) == Array("hello world".utf8))
        var rest = [UInt8](repeating: 0, count: 4)
        #expect(try rest.withUnsafeMutableBytes { try stream.read(into: $0) } == 0)
    }

    @Test func truncatedStreamNamesFileAndProblem() throws {
        let path = try ByteStreamTests.write(Array(Bzip2Samples.patternLevel1.dropLast(40)))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let stream = try ByteStream(path: path, compression: .bzip2)
        #expect {
            _ = try stream.readExactly(Bzip2Samples.pattern.count)
        } throws: { error in
            guard let error = error as? CodecError else { return false }
            return error.library == "bzip2" && error.message.contains(path) && error.message.contains("truncated")
        }
    }

    /// A file starting with "BZh" is plain unless the caller says bzip2 (gzip alone is detected).
    @Test func bzip2IsNeverDetected() throws {
        let path = try ByteStreamTests.write(Bzip2Samples.hello)
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect(try ByteStream(path: path).readExactly(Bzip2Samples.hello.count) == Bzip2Samples.hello)
        #expect(try ByteStream(path: path, compressed: false).readExactly(3) == Array("BZh".utf8))
        #expect(try ByteStream(path: path, compression: .none).readExactly(3) == Array("BZh".utf8))
        #expect(try ByteStream(path: path, compression: .bzip2).readExactly(6) == Array("hello ".utf8))
    }
}
