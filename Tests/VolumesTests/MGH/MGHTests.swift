import Foundation
import Testing
import Volumes

private let fixtures = HeaderFormatFixtures("mgh")

@Suite("MGH/MGZ against nibabel")
struct MGHTests {
    @Test("fixtures read as nibabel reads them", arguments: fixtures.readable)
    func fixture(name: String) throws {
        let expected = try #require(fixtures.table.files[name])
        let volume = try VolumeFiles.open(fixtures.path(name))
        #expect(volume is MGHVolume)
        try check(volume, against: expected, scaledByReader: false)
        // Slice by slice gives the same bytes.
        let again = try VolumeFiles.open(fixtures.path(name))
        #expect(fnv1a(try readWhole(again, step: 1)) == expected.raw_fnv)
    }

    @Test("an .mgz named .nii.gz is found by content")
    func renamed() throws {
        #expect(try VolumeFiles.detect(fixtures.path("renamed_mgz.nii.gz")) == .mgh)
        let volume = try VolumeFiles.open(fixtures.path("renamed_mgz.nii.gz"))
        #expect(volume.formatName == "MGZ" && !volume.isSeekable)
    }

    @Test("goodRASFlag 0 gives nibabel's default affine")
    func noRAS() throws {
        let volume = try VolumeFiles.open(fixtures.path("noras.mgh"))
        #expect(volume.affine == [[-1, 0, 0, 2], [0, 0, -1, 1], [0, 1, 0, -1.5], [0, 0, 0, 1]])
    }

    @Test("broken files name the file and the problem", arguments: fixtures.broken)
    func broken(name: String) throws {
        let expect = try #require(fixtures.table.errors[name])
        let error = try #require(volumeFailure(fixtures.path(name)))
        #expect(error.description.contains(name), "\(error)")
        #expect(error.message.contains(expect), "\(error)")
    }
}
