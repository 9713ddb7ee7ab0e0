import Foundation
import Testing
import Volumes

/// A NIfTI-1 file written by hand: big-endian int16, several volumes, large enough that slabs
/// span many stream blocks.
private struct SyntheticVolume {
    let size = [131, 97, 37]
    let volumes = 3

    func value(_ x: Int, _ y: Int, _ z: Int, _ t: Int) -> Int16 {
        Int16(truncatingIfNeeded: x &* 7 &+ y &* 131 &+ z &* 1009 &+ t &* 4099 &- 20000)
    }

    /// The whole .nii file.
    func file() -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: 352)
        func put<T: FixedWidthInteger>(_ value: T, _ offset: Int) {
            withUnsafeBytes(of: value.bigEndian) { bytes.replaceSubrange(offset..<(offset + $0.count), with: $0) }
        }
        put(Int32(348), 0)
        put(Int16(4), 40)
        for (i, extent) in (size + [volumes]).enumerated() { put(Int16(extent), 42 + 2 * i) }
        put(Int16(4), 70)  // int16
        put(Int16(16), 72)
        for i in 0..<8 { put(Float(1).bitPattern, 76 + 4 * i) }
        put(Float(352).bitPattern, 108)
        bytes.replaceSubrange(344..<348, with: Array("n+1\0".utf8))
        bytes.reserveCapacity(352 + size.reduce(2 * volumes, *))
        for t in 0..<volumes {
            for z in 0..<size[2] {
                for y in 0..<size[1] {
                    for x in 0..<size[0] {
                        let v = UInt16(bitPattern: value(x, y, z, t))
                        bytes.append(UInt8(v >> 8))
                        bytes.append(UInt8(v & 0xff))
                    }
                }
            }
        }
        return bytes
    }
}

/// A gzip member holding `data` in stored (uncompressed) deflate blocks.
private func gzipStored(_ data: [UInt8]) -> [UInt8] {
    var out: [UInt8] = [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 255]
    var offset = 0
    repeat {
        let count = min(65535, data.count - offset)
        let last: UInt8 = offset + count == data.count ? 1 : 0
        out.append(last)
        out += [UInt8(count & 0xff), UInt8(count >> 8), UInt8(~count & 0xff), UInt8((~count >> 8) & 0xff)]
        out += data[offset..<(offset + count)]
        offset += count
    } while offset < data.count
    var table = [UInt32](repeating: 0, count: 256)
    for i in 0..<256 {
        var c = UInt32(i)
        for _ in 0..<8 { c = c & 1 != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
        table[i] = c
    }
    var crc: UInt32 = 0xFFFF_FFFF
    for byte in data { crc = table[Int((crc ^ UInt32(byte)) & 0xff)] ^ (crc >> 8) }
    crc ^= 0xFFFF_FFFF
    for value in [crc, UInt32(truncatingIfNeeded: data.count)] {
        out += [UInt8(value & 0xff), UInt8((value >> 8) & 0xff), UInt8((value >> 16) & 0xff), UInt8(value >> 24)]
    }
    return out
}

@Suite("NIfTI slabs stream through large multi-volume files")
struct NIfTIStreamingTests {
    @Test("every voxel of every volume, in slabs of 5 z", arguments: [false, true])
    func synthetic(compressed: Bool) throws {
        let synthetic = SyntheticVolume()
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent(compressed ? "synthetic.nii.gz" : "synthetic.nii")
        let file = synthetic.file()
        try Data(compressed ? gzipStored(file) : file).write(to: url)

        let volume = try NIfTIVolume(path: url.path)
        #expect(volume.size == synthetic.size)
        #expect(volume.channels == synthetic.volumes)
        #expect(!volume.header.littleEndian)
        let (nx, ny, nz) = (synthetic.size[0], synthetic.size[1], synthetic.size[2])
        var mismatches = 0
        for z0 in stride(from: 0, to: nz, by: 5) {
            let range = z0..<min(z0 + 5, nz)
            let slab = try volume.readSlab(range)
            #expect(slab.elementType == .int16)
            slab.bytes.withUnsafeBytes { raw in
                let values = raw.bindMemory(to: Int16.self)
                var i = 0
                for t in 0..<synthetic.volumes {
                    for z in range {
                        for y in 0..<ny {
                            for x in 0..<nx {
                                if values[i] != synthetic.value(x, y, z, t) { mismatches += 1 }
                                i += 1
                            }
                        }
                    }
                }
            }
        }
        #expect(mismatches == 0)
    }
}
