import Foundation
import Testing

@testable import Codecs

/// TIFFImage against the TIFF fixtures of Fixtures/slices: every sample type, compression,
/// predictor, strip and tile layout, planar configuration, byte order and BigTIFF.
@Suite struct TIFFTests {
    static let tiffs = SliceFixtures.readable("tif")

    @Test("TIFF fixtures read in bands equal the expected samples", arguments: tiffs, [1, 3, nil] as [Int?])
    func fixtures(name: String, band: Int?) throws {
        let (entry, expected) = try SliceFixtures.expected(name)
        let image = try TIFFImage(path: SliceFixtures.path(name))
        let shape = try #require(entry.shape)
        let (kind, bits) = SliceFixtures.kind(try #require(entry.dtype))
        #expect([image.height, image.width, image.channels] == shape)
        #expect(image.sampleKind == kind && image.bitsPerSample == bits)
        #expect(image.isTiled == name.contains("tiled"))
        #expect(image.isPlanar == name.contains("planar"))
        #expect(image.isBigTIFF == name.contains("bigtiff"))
        SliceFixtures.compare(try SliceFixtures.readAll(image, band: band), expected, entry, name)
    }

    @Test func fixturesArePresent() {
        #expect(SliceFixtures.index != nil, "no Fixtures/slices/expected.json: run Fixtures/make_slice_fixtures.py")
        #expect(Self.tiffs.count >= 40 && SliceFixtures.readable("png", "jpg").count >= 10)
    }

    @Test func layoutsAreReported() throws {
        let lzw = try TIFFImage(path: SliceFixtures.path("uint16_lzw_one_strip.tif"))
        #expect(lzw.compression == 5 && !lzw.isTiled)
        let jpeg = try TIFFImage(path: SliceFixtures.path("rgb8_jpeg_ycbcr_tiled.tif"))
        #expect(jpeg.compression == 7 && jpeg.channels == 3 && jpeg.isTiled)
        let packbits = try TIFFImage(path: SliceFixtures.path("uint8_packbits.tif"))
        #expect(packbits.compression == 32773)
    }

    /// Any range of rows, forwards and backwards, across strip and tile boundaries.
    @Test(
        "rows in any order",
        arguments: [
            "uint16_lzw_one_strip.tif", "uint16_lzw_predictor.tif", "int16_lzw_predictor_tiled.tif",
            "rgb8_planar_one_strip_lzw.tif", "rgb8_planar_tiled_packbits.tif", "float32_lzw_fpredictor_tiled.tif",
            "uint8_packbits.tif",
        ])
    func randomAccess(name: String) throws {
        let (entry, expected) = try SliceFixtures.expected(name)
        let image = try TIFFImage(path: SliceFixtures.path(name))
        let rowBytes = image.bytesPerRow
        for rows in [5..<12, 0..<3, 17..<21, 2..<19, 20..<21, 0..<21, 9..<9] {
            let got = try image.readRows(in: rows)
            let want = Array(expected[(rows.lowerBound * rowBytes)..<(rows.upperBound * rowBytes)])
            SliceFixtures.compare(got, want, entry, "\(name) rows \(rows)")
        }
        #expect(image.nextRow == 0)
        #expect(throws: CodecError.self) { try image.readRows(in: 15..<22) }
    }

    @Test("refused files name the file and the problem", arguments: SliceFixtures.refused.map(\.0))
    func refused(name: String) throws {
        let message = try #require(SliceFixtures.refused.first { $0.0 == name }?.1)
        let path = SliceFixtures.path(name)
        let error = #expect(throws: CodecError.self) { try TIFFImage(path: path) }
        #expect(error?.library == "libtiff")
        #expect(error?.message == "\(path): \(message)", "\(error.map(String.init(describing:)) ?? "")")
    }

    @Test func missingAndNonTIFFFilesThrow() throws {
        let missing = #expect(throws: CodecError.self) { try TIFFImage(path: "/nonexistent/slice.tif") }
        #expect(missing?.message.contains("/nonexistent/slice.tif") == true)
        #expect(missing?.message.contains("No such file") == true, "\(missing.map(String.init(describing:)) ?? "")")
        let png = SliceFixtures.path("grey8.png")
        let notTIFF = #expect(throws: CodecError.self) { try TIFFImage(path: png) }
        #expect(notTIFF?.message.hasPrefix(png + ": cannot open TIFF: ") == true)
    }

    /// Truncated files throw naming the file (at open when the directory is cut, else at the
    /// first read of a missing strip or tile), and keep throwing.
    @Test(
        "truncated TIFFs throw naming the file",
        arguments: [
            "uint16_lzw_predictor.tif", "uint16_lzw_one_strip.tif", "uint8.tif", "float32_lzw_fpredictor_tiled.tif",
            "rgb8_planar_deflate.tif", "rgb8_jpeg_ycbcr_tiled.tif", "uint16_bigtiff_lzw.tif", "uint8_packbits.tif",
        ], [0.0, 0.01, 0.5, 0.9])
    func truncated(name: String, keep: Double) throws {
        let path = try SliceFixtures.damaged(name, "cut") { $0 = Array($0.prefix(Int(Double($0.count) * keep))) }
        defer { SliceFixtures.remove(path) }
        var image: TIFFImage?
        let error = #expect(throws: CodecError.self) {
            image = try TIFFImage(path: path)
            _ = try SliceFixtures.readAll(image!, band: 4)
        }
        #expect(error?.message.hasPrefix(path + ": ") == true, "\(error.map(String.init(describing:)) ?? "")")
        if let image { #expect(throws: CodecError.self) { try image.readRows(1) } }
    }

    /// Bytes flipped all over the files, the directory included: every read either succeeds or
    /// throws naming the file; none crashes or allocates for sizes the file cannot hold.
    @Test(
        "damaged bytes never crash",
        arguments: [
            "uint16_lzw_predictor.tif", "int16_lzw_predictor_tiled.tif", "rgb8_planar_deflate.tif",
            "float32_deflate_fpredictor.tif", "rgb8_jpeg_ycbcr_strips.tif", "uint16_bigtiff_lzw.tif",
            "uint16_big_endian.tif",
        ])
    func damagedBytes(name: String) throws {
        let size = try Data(contentsOf: SliceFixtures.directory.appendingPathComponent(name)).count
        var failures = 0
        for position in Array(4..<min(size, 300)) + Array(stride(from: 300, to: size, by: 97)) {
            for pattern: UInt8 in [0xff, 0x10] {
                let path = try SliceFixtures.damaged(name, "flip\(position)") { $0[position] ^= pattern }
                defer { SliceFixtures.remove(path) }
                do {
                    let image = try TIFFImage(path: path)
                    _ = try SliceFixtures.readAll(image, band: 8)
                } catch let error as CodecError {
                    failures += 1
                    #expect(error.message.hasPrefix(path + ": "), "\(error)")
                }
            }
        }
        #expect(failures > 0)
    }
}
