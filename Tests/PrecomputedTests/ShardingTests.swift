import Testing

@testable import Precomputed

@Suite struct ShardingTests {
    static let vectors: [(UInt64, UInt64)] = [
        (0, 0x4772_b084_e028_ae41), (1, 0xe8bd_67d6_16d4_ce9a), (2, 0xd62f_9cd2_1b01_3f5a),
        (12345, 0x1d31_307e_3a65_e510), (UInt64.max, 0x574f_66bd_212b_5d1a),
    ]

    @Test(arguments: vectors)
    func murmurHashVectors(key: UInt64, hash: UInt64) {
        #expect(MurmurHash3.x86_128(key) == hash)
    }

    static func spec(_ minishard: Int, _ shard: Int, _ preshift: Int, hash: String = "identity", gzip: Bool = true)
        -> ShardingSpec
    {
        ShardingSpec(
            preshiftBits: preshift, hash: hash, minishardBits: minishard, shardBits: shard,
            minishardIndexEncoding: gzip ? "gzip" : "raw", dataEncoding: gzip ? "gzip" : "raw")
    }

    @Test func mortonCodesForNonPowerOfTwoGrids() {
        let layout = ShardingLayout(spec: Self.spec(0, 0, 0), gridSize: [3, 5, 1])
        #expect(layout.bits == [2, 3, 0])
        #expect(layout.chunkID([2, 3, 0]) == 0b01110)
        for x in 0..<3 {
            for y in 0..<5 { #expect(layout.cell(of: layout.chunkID([x, y, 0])) == [x, y, 0]) }
        }
        let cube = ShardingLayout(spec: Self.spec(0, 0, 0), gridSize: [4, 4, 4])
        #expect(cube.chunkID([1, 0, 0]) == 1)
        #expect(cube.chunkID([0, 1, 0]) == 2)
        #expect(cube.chunkID([0, 0, 1]) == 4)
        #expect(cube.chunkID([1, 1, 1]) == 7)
        #expect(cube.chunkID([2, 0, 0]) == 8)
        let single = ShardingLayout(spec: Self.spec(0, 0, 0), gridSize: [1, 1, 1])
        #expect(single.chunkID([0, 0, 0]) == 0)
    }

    @Test func shardNamesArePaddedHex() {
        #expect(ShardingLayout(spec: Self.spec(0, 0, 0), gridSize: [1, 1, 1]).fileName(shard: 0) == "0.shard")
        #expect(ShardingLayout(spec: Self.spec(0, 5, 0), gridSize: [1, 1, 1]).fileName(shard: 31) == "1f.shard")
        #expect(ShardingLayout(spec: Self.spec(0, 5, 0), gridSize: [1, 1, 1]).fileName(shard: 3) == "03.shard")
        #expect(ShardingLayout(spec: Self.spec(0, 15, 0), gridSize: [1, 1, 1]).fileName(shard: 0xab) == "00ab.shard")
    }

    @Test func shardAndMinishardSelection() {
        let layout = ShardingLayout(spec: Self.spec(2, 3, 1), gridSize: [16, 16, 16])
        // id 0b1_011_01_1 -> preshift 1 -> 0b1_011_01: minishard 0b01, shard 0b011.
        let id: UInt64 = 0b1011011
        #expect(layout.minishard(of: id) == 0b01)
        #expect(layout.shard(of: id) == 0b011)
        let murmur = ShardingLayout(spec: Self.spec(6, 4, 0, hash: "murmurhash3_x86_128"), gridSize: [16, 16, 16])
        let hash: UInt64 = 0xe8bd_67d6_16d4_ce9a
        #expect(murmur.minishard(of: 1) == hash & 63)
        #expect(murmur.shard(of: 1) == (hash >> 6) & 15)
    }

    @Test(arguments: [
        (2, 0, 0, "identity", true), (0, 0, 0, "identity", false), (3, 1, 2, "murmurhash3_x86_128", true),
        (1, 2, 1, "murmurhash3_x86_128", false),
    ])
    func shardsRoundTrip(minishard: Int, shard: Int, preshift: Int, hash: String, gzip: Bool) throws {
        let layout = ShardingLayout(
            spec: Self.spec(minishard, shard, preshift, hash: hash, gzip: gzip), gridSize: [5, 3, 4])
        var byShard: [UInt64: [(id: UInt64, data: [UInt8])]] = [:]
        var expected: [UInt64: [UInt8]] = [:]
        for x in 0..<5 {
            for y in 0..<3 {
                for z in 0..<4 {
                    let id = layout.chunkID([x, y, z])
                    let data = (0..<(7 + x * 13 + y + z)).map { UInt8(truncatingIfNeeded: $0 * (x + 1) + y * 5 + z) }
                    byShard[layout.shard(of: id), default: []].append((id, data))
                    expected[id] = data
                }
            }
        }
        for (shardNumber, chunks) in byShard {
            let file = try ShardFile.build(chunks, layout: layout)
            #expect(file.count >= layout.indexSize)
            for chunk in chunks {
                let read = try ShardFile.chunk(id: chunk.id, layout: layout, path: "s") { offset, count in
                    offset + count <= file.count ? Array(file[offset..<(offset + count)]) : nil
                }
                #expect(read == expected[chunk.id], "shard \(shardNumber) id \(chunk.id)")
            }
        }
        // An id that is not in its shard reads as absent.
        let empty = try ShardFile.build([], layout: layout)
        #expect(
            try ShardFile.chunk(id: 3, layout: layout, path: "s") { o, c in Array(empty[o..<min(o + c, empty.count)]) }
                == nil)
    }

    @Test func corruptShardsAreErrorsNamingTheFile() throws {
        let layout = ShardingLayout(spec: Self.spec(1, 0, 0, gzip: false), gridSize: [4, 1, 1])
        var file = try ShardFile.build([(1, [1, 2, 3]), (3, [4, 5])], layout: layout)
        // Point minishard 1's index past the end.
        file[16 + 8] = 0xff
        #expect {
            try ShardFile.chunk(id: 1, layout: layout, path: "k/0.shard") { o, c in
                o + c <= file.count ? Array(file[o..<(o + c)]) : nil
            }
        } throws: { "\($0)".contains("k/0.shard") }
    }
}
