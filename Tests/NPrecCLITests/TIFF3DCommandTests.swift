import Foundation
import Testing

/// `nprec info`, `scales` and `convert` on one 3-D TIFF file (Fixtures/volumes/tiff3d, made with
/// tifffile by Fixtures/volumes/make_tiff3d_fixtures.py): its pages are the slices, and the chunk
/// holds tifffile's values; the resolution comes from the ImageJ or OME metadata.
@Suite struct TIFF3DCommandTests {
    static let fixtures = Runner.packageRoot.appendingPathComponent("Fixtures/volumes/tiff3d")

    struct Expected: Decodable {
        var size: [Int]
        var channels: Int
        var data_type: String
        var resolution: [Double]?
        var chunk: String
    }

    static let expectations: [String: Expected] = {
        guard let data = try? Data(contentsOf: fixtures.appendingPathComponent("expectations.json")) else { return [:] }
        return (try? JSONDecoder().decode([String: Expected].self, from: data)) ?? [:]
    }()

    struct Info: Decodable {
        struct Scale: Decodable {
            var size: [Int]
            var resolution: [Double]
        }
        var data_type: String
        var num_channels: Int
        var scales: [Scale]
    }

    @Test("the fixtures are there")
    func fixturesExist() { #expect(Self.expectations.count >= 4) }

    @Test("info, scales and convert give tifffile's values", arguments: expectations.keys.sorted())
    func convert(name: String) async throws {
        let expect = try #require(Self.expectations[name])
        let file = Self.fixtures.appendingPathComponent(name).path
        try await withTemporaryDirectory { directory in
            let out = directory.appendingPathComponent("out").path
            if expect.resolution == nil {
                let refused = try await Runner.nprec("info", file, out, in: directory)
                #expect(refused.status == 2, "\(refused)")
                #expect(refused.stderr.contains("--resolution"), "\(refused)")
            }
            let resolution = expect.resolution == nil ? ["--resolution", "10,20,30"] : []
            let info = try await Runner.nprec(["info", file, out] + resolution, in: directory)
            #expect(info.status == 0, "\(info)")
            let written = try JSONDecoder().decode(
                Info.self, from: Data(contentsOf: URL(fileURLWithPath: out + "/info_fullres.json")))
            #expect(written.data_type == expect.data_type)
            #expect(written.num_channels == expect.channels)
            #expect(written.scales[0].size == expect.size)
            #expect(written.scales[0].resolution == (expect.resolution ?? [10, 20, 30]))
            let scales = try await Runner.nprec("scales", out + "/info_fullres.json", out, in: directory)
            #expect(scales.status == 0, "\(scales)")
            let convert = try await Runner.nprec("convert", file, out, "--flat", "--no-gzip", in: directory)
            #expect(convert.status == 0, "\(convert)")
            let key = try #require(
                try FileManager.default.contentsOfDirectory(atPath: out).first { name in
                    var isDirectory: ObjCBool = false
                    return FileManager.default.fileExists(atPath: "\(out)/\(name)", isDirectory: &isDirectory)
                        && isDirectory.boolValue
                })
            let chunk = "\(out)/\(key)/0-\(expect.size[0])_0-\(expect.size[1])_0-\(expect.size[2])"
            let bytes = try Data(contentsOf: URL(fileURLWithPath: chunk))
            #expect(bytes == Data(base64Encoded: expect.chunk))
        }
    }

    @Test("an ImageJ time series is refused, naming frames")
    func frames() async throws {
        let file = Self.fixtures.appendingPathComponent("frames.tif").path
        let result = try await Runner.nprec("info", file, "out", "--resolution", "1,1,1")
        #expect(result.status == 1)
        #expect(result.stderr.contains("frames.tif") && result.stderr.contains("frames=3"), "\(result)")
    }
}
