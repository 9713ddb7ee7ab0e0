import Foundation
import Precomputed
import Testing

@testable import Volumes

@Suite("PAR/REC read as nibabel reads it")
struct PARRECFixtureTests {
    @Test("the fixtures and nibabel's expectations are there")
    func fixturesExist() throws {
        let expect = try #require(PARRECFixtures.expectations)
        #expect(expect.headers.count >= 25)
        #expect(expect.errors.count == 3)
        #expect(expect.pairs.count == 2)
        #expect(expect.affines.count == 300)
    }

    @Test("header: version, shape, zooms, affine, REC order and scaling", arguments: PARRECFixtures.headerNames)
    func header(name: String) throws {
        let expect = try #require(PARRECFixtures.expectations?.headers[name])
        let path = PARRECFixtures.path(name)
        let header = try PARHeader(bytes: [UInt8](Data(contentsOf: URL(fileURLWithPath: path))), path: path)
        #expect(header.version.rawValue == expect.version)
        let shape = header.volumes > 1 ? header.size + [header.volumes] : header.size
        #expect(shape == expect.shape)
        #expect(header.zooms == expect.zooms)
        #expect("uint\(header.bitsPerPixel)" == expect.dtype)
        #expect(sameBits(header.affine, expect.affine), "affine \(header.affine) != \(expect.affine)")
        #expect(header.recOrder == expect.rec_order)
        var slopes: [Double] = []
        var inters: [Double] = []
        for volume in 0..<header.volumes {
            for z in 0..<header.size[2] {
                let (slope, inter) = header.scaling(z: z, volume: volume)
                slopes.append(slope)
                inters.append(inter)
            }
        }
        #expect(slopes == expect.slopes)
        #expect(inters == expect.inters)
    }

    @Test("the affine to the last bit for random angulations, off-centres and orientations")
    func randomAffines() throws {
        let cases = try #require(PARRECFixtures.expectations?.affines)
        var mismatches: [String] = []
        for (index, item) in cases.enumerated() {
            let orientation = try #require(PARSliceOrientation(rawValue: item.orientation))
            let affine = PARHeader.affine(
                size: item.size, zooms: item.zooms, orientation: orientation, angulation: item.angulation,
                offCentre: item.off_center)
            if !sameBits(affine, item.affine) { mismatches.append("case \(index): \(affine) != \(item.affine)") }
        }
        #expect(mismatches.isEmpty, "\(mismatches.count) of \(cases.count) differ: \(mismatches.prefix(3))")
    }

    @Test("the nibabel pairs: dtype and voxels of img.dataobj", arguments: PARRECFixtures.pairNames)
    func pair(name: String) throws {
        let expect = try #require(PARRECFixtures.expectations?.pairs[name])
        let volume = try PARRECVolume(path: PARRECFixtures.path(name))
        #expect(volume.declaredTypeName == expect.dtype)
        #expect(volume.elementType == .float64)
        #expect(volume.scaling == nil)
        #expect(volume.isSeekable)
        let size = volume.size
        let slab = try volume.readSlab(0..<size[2])
        let values = doubles(slab)
        for voxel in expect.voxels {
            let (x, y, z) = (voxel.index[0], voxel.index[1], voxel.index[2])
            let c = voxel.index.count > 3 ? voxel.index[3] : 0
            let value = values[((c * size[2] + z) * size[1] + y) * size[0] + x]
            #expect(value == voxel.value, "voxel \(voxel.index): \(value) != \(voxel.value)")
        }
        // Opened from the REC, the same volume.
        let fromREC = try PARRECVolume(path: String(PARRECFixtures.path(name).dropLast(4)) + ".REC")
        #expect(try fromREC.readSlab(0..<size[2]).bytes == slab.bytes)
        #expect(fromREC.affine == volume.affine)
    }

    @Test("every voxel of a synthetic REC, sorted and scaled", arguments: PARRECFixtures.headerNames)
    func synthetic(name: String) throws {
        let expect = try #require(PARRECFixtures.expectations?.headers[name])
        // T1_dual_echo (256 x 256 x 360 images) is left to the conformance check.
        guard expect.shape.reduce(1, *) <= 4_000_000 else { return }
        let directory = try PARRECFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = try PARRECFixtures.withSyntheticREC(name, in: directory)
        let volume = try PARRECVolume(path: path)
        let unscaled = try PARRECVolume(path: path, options: VolumeOptions(ignoreScaling: true))
        let size = volume.size
        let (nx, ny, nz) = (size[0], size[1], size[2])
        let bits = volume.header.bitsPerPixel
        #expect(unscaled.elementType == (bits == 8 ? .uint8 : .uint16))
        #expect(unscaled.declaredTypeName == (bits == 8 ? "uint8" : "uint16"))
        #expect(volume.declaredTypeName == "float64")
        #expect(volume.channels == (expect.shape.count > 3 ? expect.shape[3] : 1))

        let values = doubles(try volume.readSlab(0..<nz))
        let stored = doubles(try unscaled.readSlab(0..<nz))
        #expect(values.count == nx * ny * nz * volume.channels)
        var wrong = 0
        for c in 0..<volume.channels {
            for z in 0..<nz {
                let k = c * nz + z
                let image = expect.rec_order[k]
                for pixel in 0..<(nx * ny) {
                    let raw = Double(PARRECFixtures.synthetic(image: image, pixel: pixel, bits: bits))
                    let index = k * nx * ny + pixel
                    if stored[index] != raw || values[index] != raw * expect.slopes[k] + expect.inters[k] {
                        wrong += 1
                    }
                }
            }
        }
        #expect(wrong == 0, "\(wrong) voxels differ")

        // A block, and slabs in pieces, are the matching parts of the whole.
        let (x0, y0, z0) = (nx / 3, ny / 4, nz / 2)
        let block = doubles(try volume.readBlock(x: x0..<(nx - 1), y: y0..<ny, z: z0..<nz))
        var index = 0
        var blockWrong = 0
        for c in 0..<volume.channels {
            for z in z0..<nz {
                for y in y0..<ny {
                    for x in x0..<(nx - 1) {
                        if block[index] != values[((c * nz + z) * ny + y) * nx + x] { blockWrong += 1 }
                        index += 1
                    }
                }
            }
        }
        #expect(index == block.count && blockWrong == 0)
        let top = try volume.readSlab(z0..<nz)
        #expect(top.size == [nx, ny, nz - z0])
        #expect(top.channels == volume.channels)
    }

    @Test("nibabel's refusals are errors naming the file", arguments: PARRECFixtures.errorNames)
    func refused(name: String) throws {
        let directory = try PARRECFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = try PARRECFixtures.withSyntheticRECIfParses(name, in: directory)
        let error = #expect(throws: VolumeError.self) { try PARRECVolume(path: path) }
        #expect(error?.path == path)
        let words: [String: String] = [
            "ADC_Map.PAR": "diffusion b value", "NA.PAR": "varying slice orientation",
            "phantom_truncated.PAR": "dynamic scan",
        ]
        if let word = words[name] {
            #expect(error?.message.contains(word) == true, "\(error?.message ?? "")")
        }
    }

    @Test("either file names the pair, in either case")
    func pairing() throws {
        let directory = try PARRECFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let source = PARRECFixtures.path("phantom_varscale")
        let reference = try PARRECVolume(path: source + ".PAR").readSlab(0..<9).bytes
        // nibabel looks for the other file in the case of the given extension (lower when mixed);
        // nprec then tries the other case.
        let pairs = [
            ("a.par", "a.rec", ["a.par", "a.rec"]), ("b.PAR", "b.REC", ["b.PAR", "b.REC"]),
            ("c.PAR", "c.rec", ["c.PAR", "c.rec"]), ("d.Par", "d.rec", ["d.Par"]),
        ]
        for (par, rec, names) in pairs {
            try FileManager.default.copyItem(
                atPath: source + ".PAR", toPath: directory.appendingPathComponent(par).path)
            try FileManager.default.copyItem(
                atPath: source + ".REC", toPath: directory.appendingPathComponent(rec).path)
            for name in names {
                let path = directory.appendingPathComponent(name).path
                let volume = try VolumeFiles.open(path)
                #expect(volume.formatName == "PAR/REC")
                #expect(try volume.readSlab(0..<9).bytes == reference, "\(name)")
            }
        }
    }
}

extension PARRECFixtures {
    /// `withSyntheticREC` for a header that parses; else the PAR alone with an empty REC.
    static func withSyntheticRECIfParses(_ name: String, in directory: URL) throws -> String {
        if let path = try? withSyntheticREC(name, in: directory) { return path }
        let par = directory.appendingPathComponent(name)
        if !FileManager.default.fileExists(atPath: par.path) {
            try FileManager.default.copyItem(at: self.directory.appendingPathComponent(name), to: par)
        }
        try Data().write(to: directory.appendingPathComponent(String(name.dropLast(4)) + ".REC"))
        return par.path
    }
}
