import Foundation
import Testing

@testable import Mesh

/// The mesh fixtures made by Fixtures/make_mesh_fixtures.py, and the reference's outputs
/// recorded there.
enum Fixtures {
    static let directory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/mesh")

    static func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

    static func bytes(_ name: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: directory.appendingPathComponent(name)))
    }

    struct Index: Decodable {
        struct SameAs: Decodable {
            var gifti: String
            var units: String?
        }
        /// GIfTI file -> its directory under golden/.
        var gifti: [String: String]
        /// Other-format file -> the GIfTI file of the same surface, and its units.
        var same_as: [String: SameAs]
        /// Transform name -> --coord-transform value (nil: none).
        var transforms: [String: String?]
    }

    static let index: Index = {
        guard let data = try? Data(contentsOf: directory.appendingPathComponent("index.json")),
            let index = try? JSONDecoder().decode(Index.self, from: data)
        else { return Index(gifti: [:], same_as: [:], transforms: [:]) }
        return index
    }()

    /// Broken files and a phrase their error must contain.
    static let broken: [(file: String, expect: String)] = {
        guard let data = try? Data(contentsOf: directory.appendingPathComponent("errors.json")),
            let table = try? JSONDecoder().decode([String: String].self, from: data)
        else { return [] }
        return table.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
    }()

    /// (GIfTI file, transform name) for every golden fragment recorded.
    static let goldenCases: [GoldenCase] = {
        var cases: [GoldenCase] = []
        for (file, stem) in index.gifti.sorted(by: { $0.key < $1.key }) {
            for transform in index.transforms.keys.sorted()
            where FileManager.default.fileExists(atPath: path("golden/\(stem)/\(transform).bin")) {
                cases.append(GoldenCase(file: file, stem: stem, transform: transform))
            }
        }
        return cases
    }()

    static func transform(_ name: String) -> CoordinateTransform? {
        guard let text = index.transforms[name] ?? nil else { return nil }
        return CoordinateTransform(rowMajor: text.split(separator: ",").map { Double($0)! })
    }

    struct LinkCase: Decodable {
        var csv: String
        var args: [String]
        var existing: [String]
        var files: [String: String]
    }

    static let linkCases: [String: LinkCase] = {
        guard let data = try? Data(contentsOf: directory.appendingPathComponent("golden/links.json")),
            let cases = try? JSONDecoder().decode([String: LinkCase].self, from: data)
        else { return [:] }
        return cases
    }()
}

struct GoldenCase: CustomTestStringConvertible, Sendable {
    var file: String
    var stem: String
    var transform: String
    var testDescription: String { "\(file), transform \(transform)" }
}

/// The distance between two floats in units in the last place.
func ulps(_ a: Float, _ b: Float) -> Int {
    func ordered(_ x: Float) -> Int {
        let bits = Int(Int32(bitPattern: x.bitPattern))
        return bits < 0 ? Int(Int32.min) - bits : bits
    }
    return abs(ordered(a) - ordered(b))
}
