import Foundation

/// The NIfTI fixtures made by Fixtures/make_nifti_fixtures.py, and what nibabel reported for them.
enum Fixtures {
    static let directory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
        .appendingPathComponent("Fixtures/nifti")

    static func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

    /// Names of the readable fixtures (the first file of each), from index.json.
    static let names: [String] = {
        guard let data = try? Data(contentsOf: directory.appendingPathComponent("index.json")),
            let names = try? JSONDecoder().decode([String].self, from: data)
        else { return [] }
        return names
    }()

    /// Broken fixtures and a word their error message must contain, from errors.json.
    static let broken: [(file: String, expect: String)] = {
        guard let data = try? Data(contentsOf: directory.appendingPathComponent("errors.json")),
            let table = try? JSONDecoder().decode([String: String].self, from: data)
        else { return [] }
        return table.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
    }()

    static func expectation(for name: String) throws -> Expectation {
        let stem = name.components(separatedBy: ".").first!
        let data = try Data(contentsOf: directory.appendingPathComponent(stem + ".json"))
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(
            positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return try decoder.decode(Expectation.self, from: data)
    }

    static func bytes(_ name: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: directory.appendingPathComponent(name)))
    }

    /// A fresh temporary directory, removed by the caller.
    static func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory
            .appendingPathComponent("nprec-nifti-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}

/// What nibabel reported for one fixture (see make_nifti_fixtures.py).
struct Expectation: Decodable {
    var files: [String]
    var version: Int
    var little_endian: Bool
    var dim: [Int]
    var shape: [Int]
    var data_type: String
    var stored_dtype_name: String
    var pixdim: [Double]
    var vox_offset: Int
    var scl_slope: Double
    var scl_inter: Double
    var qform_code: Int
    var sform_code: Int
    var xyzt_units: Int
    var affine: [[Double]]
    var voxel_sizes: [Double]
    var scaled_dtype_name: String
    var unscaled_dtype_name: String
    var scaling: [Double]?
    var raw_bin: String
    var scaled_bin: String?
}

/// Equal, or both NaN.
func same(_ a: Double, _ b: Double) -> Bool { a == b || (a.isNaN && b.isNaN) }

func same(_ a: [Double], _ b: [Double]) -> Bool {
    a.count == b.count && zip(a, b).allSatisfy { same($0, $1) }
}
