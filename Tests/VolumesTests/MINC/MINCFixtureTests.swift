import Foundation
import Precomputed
import Testing

@testable import Volumes

/// The MINC fixtures (Fixtures/volumes/minc) and what nibabel read from them, written by
/// Fixtures/volumes/make_minc_expectations.py.
enum MINCFixtures {
    static let directory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
        .appendingPathComponent("Fixtures/volumes/minc")

    static func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

    struct Expectation: Decodable {
        var version: Int
        var shape: [Int]
        var size: [Int]
        var channels: Int
        var dtype: String
        var stored_dtype: String
        var affine: [[Double]]
        var scaled_fnv1a: String
        var stored_fnv1a: String
        /// [x, y, z, channel, scaled value, stored value]
        var samples: [[Double]]
    }

    static let table: [String: Expectation] = {
        guard let data = try? Data(contentsOf: directory.appendingPathComponent("expectations.json")),
            let table = try? JSONDecoder().decode([String: Expectation].self, from: data)
        else { return [:] }
        return table
    }()

    static var names: [String] { table.keys.sorted() }

    /// 64-bit FNV-1a, as the fixture script computes it.
    static func fnv1a(_ bytes: [UInt8]) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in bytes { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        let hex = String(hash, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }

    /// The value at `index` of `bytes` holding `type`s in host order.
    static func value(_ bytes: [UInt8], _ type: DataType, _ index: Int) -> Double {
        bytes.withUnsafeBytes { raw in
            switch type {
            case .uint8: Double(raw.load(fromByteOffset: index, as: UInt8.self))
            case .int8: Double(raw.load(fromByteOffset: index, as: Int8.self))
            case .uint16: Double(raw.load(fromByteOffset: index * 2, as: UInt16.self))
            case .int16: Double(raw.load(fromByteOffset: index * 2, as: Int16.self))
            case .uint32: Double(raw.load(fromByteOffset: index * 4, as: UInt32.self))
            case .int32: Double(raw.load(fromByteOffset: index * 4, as: Int32.self))
            case .uint64: Double(raw.load(fromByteOffset: index * 8, as: UInt64.self))
            case .int64: Double(raw.load(fromByteOffset: index * 8, as: Int64.self))
            case .float32: Double(raw.load(fromByteOffset: index * 4, as: Float.self))
            case .float64: raw.load(fromByteOffset: index * 8, as: Double.self)
            }
        }
    }
}

@Suite("MINC1 and MINC2 read as nibabel reads them")
struct MINCFixtureTests {
    @Test("the fixtures are there")
    func fixturesExist() {
        #expect(MINCFixtures.names.count == 12)
    }

    @Test("format, shape, channels, types and affine", arguments: MINCFixtures.names)
    func header(name: String) throws {
        let expect = try #require(MINCFixtures.table[name])
        let volume = try VolumeFiles.open(MINCFixtures.path(name))
        #expect(volume.formatName == "MINC\(expect.version)")
        #expect(volume.size == expect.size)
        #expect(volume.channels == expect.channels)
        #expect(volume.declaredTypeName == expect.dtype)
        #expect(volume.scaling == nil)
        #expect(volume.affine == expect.affine, "affine \(volume.affine) != \(expect.affine)")
        let stored = try VolumeFiles.open(MINCFixtures.path(name), options: VolumeOptions(ignoreScaling: true))
        #expect(stored.declaredTypeName == expect.stored_dtype)
        #expect(stored.elementType.rawValue == expect.stored_dtype)
    }

    @Test("all values in one slab, scaled and stored", arguments: MINCFixtures.names)
    func oneSlab(name: String) throws {
        let expect = try #require(MINCFixtures.table[name])
        for ignoreScaling in [false, true] {
            let volume = try VolumeFiles.open(
                MINCFixtures.path(name), options: VolumeOptions(ignoreScaling: ignoreScaling))
            let slab = try volume.readSlab(0..<volume.size[2])
            #expect(slab.size == expect.size)
            #expect(slab.channels == expect.channels)
            #expect(slab.elementType == volume.elementType)
            #expect(MINCFixtures.fnv1a(slab.bytes) == (ignoreScaling ? expect.stored_fnv1a : expect.scaled_fnv1a))
            let (nx, ny, nz) = (expect.size[0], expect.size[1], expect.size[2])
            for sample in expect.samples {
                let (x, y, z, c) = (Int(sample[0]), Int(sample[1]), Int(sample[2]), Int(sample[3]))
                let value = MINCFixtures.value(slab.bytes, slab.elementType, ((c * nz + z) * ny + y) * nx + x)
                #expect(value == sample[ignoreScaling ? 5 : 4], "\(name) at \(x), \(y), \(z), \(c)")
            }
        }
    }

    @Test("slabs of every thickness put together give the whole volume", arguments: MINCFixtures.names)
    func slabs(name: String) throws {
        let expect = try #require(MINCFixtures.table[name])
        let (nx, ny, nz) = (expect.size[0], expect.size[1], expect.size[2])
        for thickness in [1, 3, 7] {
            let volume = try VolumeFiles.open(MINCFixtures.path(name))
            let elementSize = volume.elementType.size
            let plane = nx * ny * elementSize
            var whole = [UInt8](repeating: 0, count: plane * nz * expect.channels)
            for start in stride(from: 0, to: nz, by: thickness) {
                let range = start..<min(start + thickness, nz)
                let slab = try volume.readSlab(range)
                #expect(slab.size == [nx, ny, range.count])
                for c in 0..<expect.channels {
                    let from = c * range.count * plane
                    let to = (c * nz + start) * plane
                    whole.replaceSubrange(
                        to..<(to + range.count * plane), with: slab.bytes[from..<(from + range.count * plane)])
                }
            }
            #expect(MINCFixtures.fnv1a(whole) == expect.scaled_fnv1a, "\(name) in slabs of \(thickness)")
        }
    }

    @Test("the format is told by content, whatever the name")
    func sniffing() throws {
        #expect(try VolumeFiles.detect(MINCFixtures.path("tiny.mnc")) == .minc1)
        #expect(try VolumeFiles.detect(MINCFixtures.path("small.mnc")) == .minc2)
    }
}
