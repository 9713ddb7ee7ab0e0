import Foundation
import Precomputed
import Testing

@testable import Volumes

/// The NRRD fixtures made by Fixtures/volumes/make_nrrd_fixtures.py, and what pynrrd read there.
enum NRRDFixtures {
    static let directory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
        .appendingPathComponent("Fixtures/volumes/nrrd")

    static func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

    struct Expectation: Decodable {
        var size: [Int]
        var channels: Int
        var components: Int
        var data_type: String
        var affine: [[Double]]
        var slab: String
    }

    static let expectations: [String: Expectation] = {
        guard let data = try? Data(contentsOf: directory.appendingPathComponent("expectations.json")) else {
            return [:]
        }
        return (try? JSONDecoder().decode([String: Expectation].self, from: data)) ?? [:]
    }()

    static let names: [String] = expectations.keys.sorted()

    static let broken: [(file: String, expect: String)] = {
        guard let data = try? Data(contentsOf: directory.appendingPathComponent("errors.json")),
            let table = try? JSONDecoder().decode([String: String].self, from: data)
        else { return [] }
        return table.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
    }()

    static func slab(_ name: String) throws -> [UInt8] {
        let expect = try #require(expectations[name])
        return [UInt8](try #require(Data(base64Encoded: expect.slab)))
    }
}

@Suite("NRRD files read as pynrrd reads them")
struct NRRDTests {
    @Test("the fixture list is there")
    func fixturesExist() {
        #expect(NRRDFixtures.names.count >= 30)
        #expect(NRRDFixtures.broken.count >= 10)
    }

    @Test("size, channels, type and RAS affine", arguments: NRRDFixtures.names)
    func header(name: String) throws {
        let expect = try #require(NRRDFixtures.expectations[name])
        let volume = try VolumeFiles.open(NRRDFixtures.path(name))
        #expect(volume is NRRDVolume)
        #expect(volume.formatName == "NRRD")
        #expect(volume.size == expect.size)
        #expect(volume.channels == expect.channels)
        #expect(volume.elementType.rawValue == expect.data_type)
        #expect(volume.declaredTypeName == expect.data_type)
        #expect(volume.scaling == nil)
        #expect(volume.affine == expect.affine, "affine \(volume.affine) != \(expect.affine)")
    }

    @Test("all voxels in one slab", arguments: NRRDFixtures.names)
    func oneSlab(name: String) throws {
        let volume = try VolumeFiles.open(NRRDFixtures.path(name))
        let slab = try volume.readSlab(0..<volume.size[2])
        #expect(slab.size == volume.size)
        #expect(slab.channels == volume.channels)
        #expect(slab.bytes == (try NRRDFixtures.slab(name)))
    }

    @Test("slice by slice, and block by block when raw", arguments: NRRDFixtures.names)
    func slices(name: String) throws {
        let volume = try VolumeFiles.open(NRRDFixtures.path(name))
        let all = try NRRDFixtures.slab(name)
        let (nx, ny, nz) = (volume.size[0], volume.size[1], volume.size[2])
        let plane = nx * ny * volume.elementType.size
        func expected(z: Range<Int>) -> [UInt8] {
            (0..<volume.channels).flatMap { c in
                all[((c * nz + z.lowerBound) * plane)..<((c * nz + z.upperBound) * plane)]
            }
        }
        for z in 0..<nz {
            #expect(try volume.readSlab(z..<(z + 1)).bytes == expected(z: z..<(z + 1)), "z \(z)")
        }
        let compressed = ["gzip", "bzip2", "space_", "vector", "annotation"].contains { name.contains($0) }
        #expect(volume.isSeekable == !compressed)
        if volume.isSeekable {
            let block = try volume.readBlock(x: nil, y: 0..<ny, z: 1..<nz)
            #expect(block.bytes == expected(z: 1..<nz))
        }
    }

    @Test(
        "bzip2 data: slices skipped within each volume's stream, concatenated streams",
        arguments: ["int16_big_bzip2.nrrd", "time_last_bzip2.nrrd", "concatenated_bzip2.nhdr", "detached_bzip2.nhdr"])
    func bzip2Skips(name: String) throws {
        let volume = try VolumeFiles.open(NRRDFixtures.path(name))
        let nrrd = try #require(volume as? NRRDVolume)
        #expect(nrrd.header.encoding == .bzip2)
        #expect(!volume.isSeekable)
        let all = try NRRDFixtures.slab(name)
        let nz = volume.size[2]
        let plane = volume.size[0] * volume.size[1] * volume.elementType.size
        let last = try volume.readSlab((nz - 1)..<nz)
        var expected: [UInt8] = []
        for c in 0..<volume.channels {
            let end: Int = (c + 1) * nz * plane
            expected += all[(end - plane)..<end]
        }
        #expect(last.bytes == expected)
    }

    @Test("truncated gzip and bzip2 data are reported alike", arguments: ["gzip", "bzip2"])
    func truncatedCompressed(encoding: String) throws {
        let path = NRRDFixtures.path("bad_truncated_\(encoding).nrrd")
        let volume = try VolumeFiles.open(path)
        #expect {
            _ = try volume.readSlab(0..<volume.size[2])
        } throws: { error in
            guard let error = error as? VolumeError else { return false }
            return error.path == path
                && error.message.hasPrefix("file is truncated: the compressed data ends after")
        }
    }

    @Test("broken and unsupported files throw a VolumeError naming the problem", arguments: NRRDFixtures.broken)
    func broken(file: String, expect: String) throws {
        let path = NRRDFixtures.path(file)
        #expect {
            let volume = try VolumeFiles.open(path)
            _ = try volume.readSlab(0..<volume.size[2])
        } throws: { error in
            guard let error = error as? VolumeError else { return false }
            return error.path.hasPrefix(NRRDFixtures.directory.path) && error.message.contains(expect)
        }
    }

    @Test("header fields: aliases, comments, key/value pairs")
    func parsing() throws {
        let lines = [
            "NRRD0003", "# a comment", "type: unsigned short int", "dimension: 3", "sizes: 2 3 4",
            "endian: big", "encoding: gz", "space: Left-Posterior-Superior", "byteskip: 4", "lineskip: 1",
            "space directions: (1, 0, 0) (0,2,0) (0,0,3e-1)", "space origin: ( 1, 2, 3 )", "modality:=DWMRI",
        ]
        let header = try NRRDHeader(lines: lines, length: 0, path: "x.nrrd")
        #expect(header.version == 3)
        #expect(header.type == .uint16)
        #expect(header.sizes == [2, 3, 4])
        #expect(!header.littleEndian)
        #expect(header.encoding == .gzip)
        #expect(header.space == "left-posterior-superior")
        #expect(header.byteSkip == 4 && header.lineSkip == 1)
        #expect(header.value("modality") == "DWMRI")
        #expect(header.spaceOrigin == [1, 2, 3])
        let affine = try NRRDVolume.affine(header, spatial: [0, 1, 2], path: "x.nrrd")
        #expect(affine == [[-1, 0, 0, -1], [0, -2, 0, -2], [0, 0, 0.3, 3], [0, 0, 0, 1]])
    }

    @Test("space units turn the directions and origin into millimetres; unknown units are refused")
    func spaceUnits() throws {
        func affine(_ units: String) throws -> [[Double]] {
            let lines = [
                "NRRD0004", "type: uint8", "dimension: 3", "sizes: 2 3 4", "encoding: raw",
                "space: left-posterior-superior", "space directions: (25,0,0) (0,25,0) (0,0,50)",
                "space origin: (100,-200,300)", "space units: \(units)",
            ]
            let header = try NRRDHeader(lines: lines, length: 0, path: "x.nrrd")
            return try NRRDVolume.affine(header, spatial: [0, 1, 2], path: "x.nrrd")
        }
        #expect(
            try affine(#""mm" "mm" "mm""#) == [[-25, 0, 0, -100], [0, -25, 0, 200], [0, 0, 50, 300], [0, 0, 0, 1]])
        #expect(
            try affine(#""microns" "microns" "µm""#)
                == [[-0.025, 0, 0, -0.1], [0, -0.025, 0, 0.2], [0, 0, 0.05, 0.3], [0, 0, 0, 1]])
        #expect(throws: VolumeError.self) { try affine(#""parsec" "mm" "mm""#) }
        #expect(throws: VolumeError.self) { try affine(#""mm" "mm""#) }
    }

    @Test("a bad magic line or a version above 5 is refused", arguments: ["NRRD0006", "NRRD00x4", "NRRD"])
    func magic(line: String) {
        #expect(throws: VolumeError.self) {
            try NRRDHeader(
                lines: [line, "type: uchar", "dimension: 1", "sizes: 1", "encoding: raw"], length: 0, path: "x")
        }
    }
}
