import Foundation
import Testing
import Volumes

private let fixtures = HeaderFormatFixtures("analyze")

@Suite("Analyze 7.5 (as nibabel's Spm2AnalyzeImage) against nibabel")
struct AnalyzeTests {
    @Test("fixtures read as nibabel reads them", arguments: fixtures.readable.filter { $0 != "analyze.hdr" })
    func fixture(name: String) throws {
        let expected = try #require(fixtures.table.files[name])
        let volume = try VolumeFiles.open(fixtures.path(name))
        #expect(volume is AnalyzeVolume)
        try check(volume, against: expected, scaledByReader: false)
    }

    @Test("the .img names the pair too")
    func throughImage() throws {
        let volume = try VolumeFiles.open(fixtures.path("spm2_scaled.img"))
        #expect(volume is AnalyzeVolume)
        #expect((volume as? AnalyzeVolume)?.matPath == fixtures.path("spm2_scaled.mat"))
        #expect(volume.affine == fixtures.table.files["spm2_scaled.hdr"]?.affine)
    }

    @Test("--ignore-scaling gives the stored type")
    func ignoreScaling() throws {
        let volume = try VolumeFiles.open(fixtures.path("glcal.hdr"), options: VolumeOptions(ignoreScaling: true))
        #expect(volume.scaling == nil && volume.declaredTypeName == "int16")
    }

    @Test("nibabel's analyze.hdr (big-endian, SPM origin, scaled) with a written .img")
    func nibabelHeader() throws {
        let expected = try #require(fixtures.table.files["analyze.hdr"])
        let directory = try HeaderFormatFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let header = directory.appendingPathComponent("analyze.hdr")
        try FileManager.default.copyItem(at: URL(fileURLWithPath: fixtures.path("analyze.hdr")), to: header)
        // The pattern the fixture script wrote: (i * 7) % 256.
        let image = (0..<(91 * 109 * 91)).map { UInt8(truncatingIfNeeded: $0 &* 7) }
        try Data(image).write(to: directory.appendingPathComponent("analyze.img"))
        let volume = try VolumeFiles.open(header.path)
        try check(volume, against: expected, scaledByReader: false)
    }

    @Test("broken pairs name the file and the problem", arguments: fixtures.broken)
    func broken(name: String) throws {
        let expect = try #require(fixtures.table.errors[name])
        let error = try #require(volumeFailure(fixtures.path(name)))
        let stem = String(name.prefix { $0 != "." })
        #expect(error.description.contains(stem), "\(error)")
        #expect(error.message.contains(expect), "\(error)")
    }
}
