import Foundation
import Testing
import Volumes

private let fixtures = HeaderFormatFixtures("afni")

@Suite("AFNI .HEAD/.BRIK against nibabel")
struct AFNITests {
    @Test("fixtures read as nibabel reads them", arguments: fixtures.readable)
    func fixture(name: String) throws {
        let expected = try #require(fixtures.table.files[name])
        let volume = try VolumeFiles.open(fixtures.path(name))
        #expect(volume is AFNIVolume)
        try check(volume, against: expected, scaledByReader: true)
        // --ignore-scaling: the stored values and type.
        let raw = try VolumeFiles.open(fixtures.path(name), options: VolumeOptions(ignoreScaling: true))
        #expect(raw.declaredTypeName == expected.stored && raw.elementType.rawValue == expected.stored)
        #expect(fnv1a(try readWhole(raw, step: 2)) == expected.raw_fnv)
    }

    @Test("the .BRIK or .BRIK.gz names the dataset too")
    func throughData() throws {
        for name in ["scaled+tlrc.BRIK", "example4d+orig.BRIK.gz"] {
            let volume = try VolumeFiles.open(fixtures.path(name))
            #expect((volume as? AFNIVolume)?.headerPath.hasSuffix(".HEAD") == true, "\(name)")
        }
        // The .BRIK name of a .BRIK.gz, as nibabel accepts it.
        let volume = try AFNIVolume(path: fixtures.path("example4d+orig.BRIK"))
        #expect(volume.dataPath == fixtures.path("example4d+orig.BRIK.gz"))
    }

    @Test("attribute text: types, names, values")
    func attributes() throws {
        let text =
            "\ntype = string-attribute\nname = A\ncount = 5\n'ab'c~\n\n"
            + "type  = float-attribute\nname  = B\ncount = 3\n 1.5 -2\n 1e3\n\n"
            + "type = integer-attribute\nname = C\ncount = 1\n 7\n"
        let parsed = try AFNIHeader.parse(text, path: "x")
        #expect(parsed["A"] == .string("ab'c"))
        #expect(parsed["B"] == .floats([1.5, -2, 1000]))
        #expect(parsed["C"] == .integers([7]))
        #expect(throws: VolumeError.self) { try AFNIHeader.parse(text + "\n\nname = D\ncount = 1\n 1\n", path: "x") }
    }

    @Test("broken datasets name the file and the problem", arguments: fixtures.broken)
    func broken(name: String) throws {
        let expect = try #require(fixtures.table.errors[name])
        let error = try #require(volumeFailure(fixtures.path(name)))
        let stem = String(name.prefix { $0 != "." })
        #expect(error.description.contains(stem), "\(error)")
        #expect(error.message.contains(expect), "\(error)")
    }
}
