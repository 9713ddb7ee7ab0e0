import Foundation

@testable import Volumes

/// nibabel's PAR/REC test files in Fixtures/volumes/parrec/, and what nibabel reported for them
/// (expectations.json, made by Fixtures/volumes/make_parrec_expectations.py).
enum PARRECFixtures {
    static let directory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
        .appendingPathComponent("Fixtures/volumes/parrec")

    static func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

    static let expectations: PARRECExpectations? = {
        guard let data = try? Data(contentsOf: directory.appendingPathComponent("expectations.json")) else {
            return nil
        }
        return try? JSONDecoder().decode(PARRECExpectations.self, from: data)
    }()

    static var headerNames: [String] { expectations?.headers.keys.sorted() ?? [] }
    static var errorNames: [String] { expectations?.errors.keys.sorted() ?? [] }
    static var pairNames: [String] { expectations?.pairs.keys.sorted() ?? [] }

    /// A fresh temporary directory, removed by the caller.
    static func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory
            .appendingPathComponent("nprec-parrec-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// The stored value of pixel p of REC image i in the synthetic REC files the tests write.
    static func synthetic(image: Int, pixel: Int, bits: Int) -> Int {
        (image &* 7919 &+ pixel &* 31 &+ 5) & (bits == 8 ? 0xff : 0xffff)
    }

    /// Writes `name` (a fixture PAR) and a synthetic REC beside it into `directory`; returns the
    /// PAR path.
    static func withSyntheticREC(_ name: String, in directory: URL, recName: String? = nil) throws -> String {
        let par = directory.appendingPathComponent(name)
        try FileManager.default.copyItem(at: self.directory.appendingPathComponent(name), to: par)
        let header = try PARHeader(bytes: [UInt8](Data(contentsOf: par)), path: par.path)
        let pixels = header.size[0] * header.size[1]
        var bytes: [UInt8] = []
        bytes.reserveCapacity(pixels * header.images.rows * 2)
        for image in 0..<header.images.rows {
            for pixel in 0..<pixels {
                let value = synthetic(image: image, pixel: pixel, bits: header.bitsPerPixel)
                bytes.append(UInt8(value & 0xff))
                if header.bitsPerPixel == 16 { bytes.append(UInt8(value >> 8)) }
            }
        }
        let rec = directory.appendingPathComponent(recName ?? (String(name.dropLast(4)) + ".REC"))
        try Data(bytes).write(to: rec)
        return par.path
    }
}

struct PARRECExpectations: Decodable {
    struct Header: Decodable {
        var version: String
        var shape: [Int]
        var zooms: [Double]
        var dtype: String
        var affine: [[Double]]
        var rec_order: [Int]
        var slopes: [Double]
        var inters: [Double]
    }

    struct Voxel: Decodable {
        var index: [Int]
        var value: Double
    }

    struct Pair: Decodable {
        var dtype: String
        var voxels: [Voxel]
    }

    struct Affine: Decodable {
        var size: [Int]
        var zooms: [Double]
        var orientation: Int
        var angulation: [Double]
        var off_center: [Double]
        var affine: [[Double]]
    }

    var headers: [String: Header]
    var errors: [String: String]
    var pairs: [String: Pair]
    var affines: [Affine]
}

/// The same bits, signs of zeros included.
func sameBits(_ a: [[Double]], _ b: [[Double]]) -> Bool {
    a.count == b.count
        && zip(a, b).allSatisfy { row in
            row.0.count == row.1.count && zip(row.0, row.1).allSatisfy { $0.bitPattern == $1.bitPattern }
        }
}

/// The slab's values as Doubles (float64, uint16 or uint8).
func doubles(_ slab: VolumeSlab) -> [Double] {
    slab.bytes.withUnsafeBytes { raw in
        switch slab.elementType {
        case .float64: Array(raw.bindMemory(to: Double.self))
        case .uint16: raw.bindMemory(to: UInt16.self).map(Double.init)
        default: raw.map(Double.init)
        }
    }
}
