import Testing

@testable import Codecs

@Suite struct GzipLimitTests {
    @Test func withinTheLimitIsTheWholeStream() throws {
        let bytes = (0..<100_000).map { UInt8(truncatingIfNeeded: $0 * 31) }
        #expect(try Gzip.decompress(try Gzip.compress(bytes), maxSize: 100_000) == bytes)
    }

    @Test func pastTheLimitThrowsBeforeAllocatingIt() throws {
        let bomb = try Gzip.compress([UInt8](repeating: 0, count: 20 << 20))
        #expect(bomb.count < 100_000)
        #expect(throws: CodecError.self) { try Gzip.decompress(bomb, maxSize: 1 << 20) }
        #expect(throws: CodecError.self) { try Gzip.decompress(Array(bomb.prefix(bomb.count / 2)), maxSize: 1 << 30) }
    }
}
