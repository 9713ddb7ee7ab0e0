import Encoding
import Foundation
import Precomputed
import Testing

@testable import Slices

/// An image held in memory, read row by row like a decoder would.
final class MemoryImage: SliceImage, @unchecked Sendable {
    let width: Int
    let height: Int
    let channels: Int
    let sampleType: DataType
    let samples: [UInt8]
    var nextRow = 0

    init(width: Int, height: Int, channels: Int, sampleType: DataType, samples: [UInt8]) {
        self.width = width
        self.height = height
        self.channels = channels
        self.sampleType = sampleType
        self.samples = samples
    }

    func readRows(_ count: Int) throws -> [UInt8] {
        let rowBytes = width * channels * sampleType.size
        precondition(nextRow + count <= height)
        defer { nextRow += count }
        return Array(samples[(nextRow * rowBytes)..<((nextRow + count) * rowBytes)])
    }
}

@Suite struct SliceConverterTests {
    @Test func all48OrientationsParse() {
        #expect(SliceOrientation.all.count == 48)
        for code in SliceOrientation.all { #expect(SliceOrientation(code) != nil, "\(code)") }
        for bad in ["RAR", "XYZ", "RA", "RASS", "LRA"] { #expect(SliceOrientation(bad) == nil, "\(bad)") }
        let ria = SliceOrientation("ria")!
        #expect(ria.axis == [0, 2, 1])
        #expect(ria.inverted == [false, true, false])
        #expect(ria.outputSize(input: [10, 20, 30]) == [10, 30, 20])
    }

    /// A RAS volume value, distinct per voxel and channel.
    static func value(_ x: Int, _ y: Int, _ z: Int, _ c: Int) -> UInt16 {
        UInt16(truncatingIfNeeded: x &* 7 &+ y &* 131 &+ z &* 1031 &+ c &* 17_001 &+ 1)
    }

    /// Writes the slice images of a RAS volume `size` as seen with `orientation`, converts them,
    /// and checks every voxel of the result.
    @Test(arguments: ["RAS", "RIA", "LPI", "AIL", "SLP", "IPR", "PSR", "LAS", "RIP", "ILA", "SRA", "PIL"])
    func orientationsRoundTrip(code: String) throws {
        let orientation = SliceOrientation(code)!
        let size = [11, 7, 9]  // RAS
        let input = orientation.inputSize(output: size)
        let (width, height, count) = (input[0], input[1], input[2])
        let channelsPerDirectory = [1, 2]
        var images: [String: MemoryImage] = [:]
        var files: [[String]] = []
        for (d, spp) in channelsPerDirectory.enumerated() {
            var list: [String] = []
            for s in 0..<count {
                var samples = [UInt16]()
                for row in 0..<height {
                    for column in 0..<width {
                        let coordinate = [column, row, s]
                        var ras = [0, 0, 0]
                        for i in 0..<3 {
                            let a = orientation.axis[i]
                            ras[a] = orientation.inverted[i] ? size[a] - 1 - coordinate[i] : coordinate[i]
                        }
                        for c in 0..<spp {
                            samples.append(Self.value(ras[0], ras[1], ras[2], d == 0 ? 0 : 1 + c))
                        }
                    }
                }
                let name = "d\(d)/slice\(s)"
                list.append(name)
                images[name] = MemoryImage(
                    width: width, height: height, channels: spp, sampleType: .uint16,
                    samples: samples.withUnsafeBytes { Array($0) })
            }
            files.append(list)
        }
        let table = images
        let open: SliceOpener = { path in
            let image = table[path]!
            return MemoryImage(
                width: image.width, height: image.height, channels: image.channels, sampleType: image.sampleType,
                samples: image.samples)
        }
        let stack = SliceStack(
            directories: ["d0", "d1"], files: files, width: width, height: height,
            channelsPerDirectory: channelsPerDirectory,
            sampleType: .uint16)
        let root = NSTemporaryDirectory() + "nprec-slices-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: root) }
        let dataset = Dataset(root: root, options: StorageOptions(layout: .flat, gzip: false))
        let info = VolumeInfo(
            type: "image", dataType: "uint16", numChannels: 3,
            scales: [
                ScaleInfo(
                    key: "k", size: size, resolution: [1, 1, 1], voxelOffset: [0, 0, 0], chunkSizes: [[4, 3, 2]],
                    encoding: "raw")
            ])
        let converter = SliceConverter(
            stack: stack, orientation: orientation, info: try info.validate(file: "info"), dataset: dataset, jobs: 3,
            open: open)
        try converter.run()
        for box in ChunkGrid(scale: info.scales[0]).boxes {
            let bytes = try dataset.readChunk(key: "k", box: box)
            let values = bytes.withUnsafeBytes { Array($0.bindMemory(to: UInt16.self)) }
            var i = 0
            for c in 0..<3 {
                for z in box.z {
                    for y in box.y {
                        for x in box.x {
                            #expect(values[i] == Self.value(x, y, z, c), "\(code) \(box) (\(x),\(y),\(z),\(c))")
                            i += 1
                        }
                    }
                }
            }
        }
    }

    @Test func wrongSliceCountIsNamed() throws {
        let stack = SliceStack(
            directories: ["dir"], files: [["a", "b"]], width: 2, height: 2, channelsPerDirectory: [1],
            sampleType: .uint8)
        let info = VolumeInfo(
            type: "image", dataType: "uint8", numChannels: 1,
            scales: [
                ScaleInfo(key: "k", size: [2, 2, 3], resolution: [1, 1, 1], chunkSizes: [[2, 2, 2]], encoding: "raw")
            ])
        let converter = SliceConverter(
            stack: stack, orientation: SliceOrientation("RAS")!, info: try info.validate(file: "info"),
            dataset: Dataset(root: "/nonexistent"),
            jobs: 1,
            open: { _ in throw SliceError("unused") })
        #expect { try converter.check() } throws: { "\($0)".contains("found 2 slices in dir, the info needs 3") }
    }
}
