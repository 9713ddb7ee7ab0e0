import Foundation
import Testing

@testable import Precomputed

/// The golden files of Fixtures/golden/scales, recorded from neuroglancer-scripts 1.2.0's
/// generate-scales-info and scale-stats (Fixtures/make_scales_fixtures.py).
enum Golden {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Fixtures/golden/scales")

    static var cases: [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: root.path)) ?? []).sorted()
    }

    static func read(_ name: String, _ file: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: root.appendingPathComponent(name).appendingPathComponent(file)))
    }
}

struct CaseOptions: Decodable {
    var target_chunk_size: Int?
    var max_scales: Int?
    var type: String?
    var encoding: String?

    var scales: ScalesOptions {
        ScalesOptions(
            targetChunkSize: target_chunk_size ?? 64, maxScales: max_scales,
            type: type.flatMap(VolumeType.init(rawValue:)), encoding: encoding.flatMap(ChunkEncoding.init(name:)))
    }
}

@Suite struct ScalesGoldenTests {
    @Test func thereAreEnoughCases() {
        #expect(Golden.cases.count >= 12)
    }

    @Test(arguments: Golden.cases)
    func scalesMatchTheReference(name: String) throws {
        let fullres = try InfoFile.parse(try Golden.read(name, "fullres.json"), file: name)
        let options = try JSONDecoder().decode(CaseOptions.self, from: Data(try Golden.read(name, "args.json")))
        let info = try DyadicPyramid.makeInfo(from: fullres, options: options.scales, file: name, warn: { _ in })
        var ours = try JSONText.decode(JSONValue.self, from: try JSONText.encode(info))
        // nprec adds the recommended @type; the reference leaves it out.
        if case .object(var object) = ours {
            #expect(object.removeValue(forKey: "@type") == .string("neuroglancer_multiscale_volume"))
            ours = .object(object)
        }
        let reference = try JSONText.decode(JSONValue.self, from: try Golden.read(name, "info"))
        #expect(ours == reference, "scales differ from the reference for \(name)")
        try info.validate(file: name)
    }

    @Test(arguments: Golden.cases)
    func statsMatchTheReference(name: String) throws {
        let info = try InfoFile.parse(try Golden.read(name, "info"), file: name)
        let report = DatasetStats.report(try DatasetStats.compute(info))
        let reference = String(decoding: try Golden.read(name, "stats.txt"), as: UTF8.self)
        #expect(report == reference)
    }
}

@Suite struct ScalesUnitTests {
    @Test(arguments: [
        (1_000_000.0, "mm"), (20_000.0, "um"), (500.0, "nm"), (4.0, "nm"), (0.3, "pm"), (1e12, "km"),
        (300_000.0, "um"), (2_000_000.0, "mm"),
    ])
    func keyUnit(resolution: Double, unit: String) throws {
        #expect(try chooseUnitForKey(resolution).name == unit)
    }

    @Test func keysAreRoundedHalfToEven() {
        #expect(formatLength(2.5, factor: 1, unit: "nm") == "2nm")
        #expect(formatLength(3.5, factor: 1, unit: "nm") == "4nm")
        #expect(formatLength(312_500.5, factor: 1e-3, unit: "um") == "313um")
    }

    @Test func targetChunkSizeMustBeAPowerOfTwo() {
        let scale = ScaleInfo(size: [10, 10, 10], resolution: [1, 1, 1])
        #expect(throws: PrecomputedError.self) {
            try DyadicPyramid.scales(for: scale, options: ScalesOptions(targetChunkSize: 48))
        }
    }

    @Test func lowerScalesKeepOnePhysicalOrigin() throws {
        let scale = ScaleInfo(size: [256, 256, 256], resolution: [1, 1, 1], voxelOffset: [64, -32, 8])
        let scales = try DyadicPyramid.scales(for: scale, options: ScalesOptions(targetChunkSize: 32))
        #expect(scales[1].voxelOffset == [32, -16, 4])
        #expect(scales[2].voxelOffset == [16, -8, 2])
    }

    @Test func scaleKeysStayDistinct() throws {
        // The reference gives "1mm" to scales 0 and 1 here.
        let scale = ScaleInfo(size: [300, 300, 300], resolution: [800_000, 900_000, 1_200_000])
        let keys = try DyadicPyramid.scales(for: scale, options: ScalesOptions()).map(\.key)
        #expect(keys == ["800um", "1200um", "2400um"])
    }

    @Test func compressedSegmentationPromotesAndWarns() throws {
        let fullres = VolumeInfo(
            type: nil, dataType: "uint16", numChannels: 1,
            scales: [ScaleInfo(size: [100, 100, 100], resolution: [1, 1, 1])])
        let warnings = WarningBox()
        let info = try DyadicPyramid.makeInfo(
            from: fullres, options: ScalesOptions(encoding: .compressedSegmentation), file: "x",
            warn: { warnings.append($0) })
        #expect(info.dataType == "uint32")
        #expect(info.type == "segmentation")
        #expect(info.scales.allSatisfy { $0.compressedSegmentationBlockSize == [8, 8, 8] })
        #expect(warnings.messages.contains { $0.contains("promoted to uint32") })
    }

    @Test(arguments: [
        (0.0, "0 "), (512.0, "512 "), (999.0, "999 "), (1000.0, "1.0 ki"), (1024.0 * 10.5, "10 ki"),
        (1e10, "9.3 Gi"), (0x1p70, "1,024 Ei"),
    ])
    func readableCounts(count: Double, text: String) {
        #expect(readableCount(count) == text)
    }

    @Test func thousandsSeparators() {
        #expect(groupThousands(0) == "0")
        #expect(groupThousands(999) == "999")
        #expect(groupThousands(1000) == "1,000")
        #expect(groupThousands(153_391_700) == "153,391,700")
    }
}

final class WarningBox: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: [String] = []
    func append(_ message: String) { lock.withLock { stored.append(message) } }
    var messages: [String] { lock.withLock { stored } }
}
