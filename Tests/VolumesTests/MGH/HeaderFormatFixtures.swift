import Foundation
import Testing
import Volumes

/// The MGH, Analyze and AFNI fixtures made by
/// Fixtures/volumes/make_mgh_analyze_afni_expectations.py, and what nibabel read from them.
struct HeaderFormatFixtures {
    /// What nibabel read from one file (see the script).
    struct Expected: Decodable {
        var size: [Int]
        var channels: Int
        var declared: String
        var stored: String
        var affine: [[Double]]
        var slope: Double
        var inter: Double
        var raw_fnv: String
        var values_fnv: String
    }

    struct Table: Decodable {
        var files: [String: Expected]
        var errors: [String: String]
    }

    let directory: URL
    let table: Table

    init(_ format: String) {
        directory = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
            .appendingPathComponent("Fixtures/volumes/\(format)")
        let data = try? Data(contentsOf: directory.appendingPathComponent("expectations.json"))
        table = data.flatMap { try? JSONDecoder().decode(Table.self, from: $0) } ?? Table(files: [:], errors: [:])
    }

    func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

    var readable: [String] { table.files.keys.sorted() }
    var broken: [String] { table.errors.keys.sorted() }

    /// A fresh temporary directory, removed by the caller.
    static func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory
            .appendingPathComponent("nprec-volume-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}

/// FNV-1a 64 of `bytes`, as the fixture script computes it.
func fnv1a(_ bytes: [UInt8]) -> String {
    var value: UInt64 = 0xcbf2_9ce4_8422_2325
    for byte in bytes {
        value = (value ^ UInt64(byte)) &* 0x100_0000_01b3
    }
    let hex = String(value, radix: 16)
    return String(repeating: "0", count: 16 - hex.count) + hex
}

/// Every voxel of `volume`, read slab by slab (`step` slices at a time) and put back in
/// x, y, z, channel order.
func readWhole(_ volume: any VolumeFile, step: Int) throws -> [UInt8] {
    let (nx, ny, nz) = (volume.size[0], volume.size[1], volume.size[2])
    let element = volume.elementType.size
    let slice = nx * ny * element
    var out = [UInt8](repeating: 0, count: slice * nz * volume.channels)
    var z = 0
    while z < nz {
        let range = z..<min(nz, z + step)
        let slab = try volume.readSlab(range)
        #expect(slab.elementType == volume.elementType && slab.channels == volume.channels)
        let perChannel = slice * range.count
        for channel in 0..<volume.channels {
            let target = (channel * nz + z) * slice
            out.replaceSubrange(
                target..<(target + perChannel), with: slab.bytes[(channel * perChannel)..<((channel + 1) * perChannel)])
        }
        z = range.upperBound
    }
    return out
}

/// The box of `whole` (x, y, z, channel order) that `readBlock(x:y:z:)` returns.
func box(_ whole: [UInt8], of volume: any VolumeFile, x: Range<Int>, y: Range<Int>, z: Range<Int>) -> [UInt8] {
    let (nx, ny, nz) = (volume.size[0], volume.size[1], volume.size[2])
    let element = volume.elementType.size
    var out: [UInt8] = []
    for channel in 0..<volume.channels {
        for k in z {
            for j in y {
                let start = (((channel * nz + k) * ny + j) * nx + x.lowerBound) * element
                out += whole[start..<(start + x.count * element)]
            }
        }
    }
    return out
}

/// Checks `volume` against nibabel's reading `expected`: shape, types, affine, scaling and the
/// checksum of the values (read in two slab sizes, and by blocks when seekable).
func check(_ volume: any VolumeFile, against expected: HeaderFormatFixtures.Expected, scaledByReader: Bool) throws {
    #expect(volume.size == expected.size)
    #expect(volume.channels == expected.channels)
    #expect(volume.declaredTypeName == expected.declared)
    #expect(volume.affine == expected.affine, "\(volume.affine) vs \(expected.affine)")
    let unscaled = expected.slope == 1 && expected.inter == 0
    if scaledByReader {
        #expect(volume.scaling == nil)
        #expect(volume.elementType.rawValue == (expected.declared == expected.stored ? expected.stored : "float64"))
    } else {
        #expect(volume.elementType.rawValue == expected.stored)
        if unscaled {
            #expect(volume.scaling == nil)
        } else {
            #expect(volume.scaling?.slope == expected.slope && volume.scaling?.inter == expected.inter)
        }
    }
    let whole = try readWhole(volume, step: volume.size[2])
    let sum = fnv1a(whole)
    #expect(sum == (scaledByReader ? expected.values_fnv : expected.raw_fnv))
    if volume.isSeekable {
        let (nx, ny, nz) = (volume.size[0], volume.size[1], volume.size[2])
        let x = (nx / 3)..<nx
        let y = 0..<max(1, ny - 1)
        let z = (nz / 2)..<nz
        let block = try volume.readBlock(x: x, y: y, z: z)
        #expect(block.bytes == box(whole, of: volume, x: x, y: y, z: z))
        let full = try volume.readBlock(x: nil, y: 0..<ny, z: 0..<nz)
        #expect(full.bytes == whole)
    }
}

/// The `VolumeError` that `body` throws; nil when it throws none (any other error is recorded).
func volumeError(_ body: () throws -> Void) -> VolumeError? {
    do {
        try body()
        return nil
    } catch let error as VolumeError {
        return error
    } catch {
        Issue.record("not a VolumeError: \(error)")
        return nil
    }
}

/// Opens `path` through `VolumeFiles.open` and reads every slice, returning the error thrown.
func volumeFailure(_ path: String, options: VolumeOptions = VolumeOptions()) -> VolumeError? {
    volumeError {
        _ = try readWhole(try VolumeFiles.open(path, options: options), step: 1)
        Issue.record("\(path) opened and read without error")
    }
}
