import Engine
import Foundation
import Mesh
import Precomputed

/// Checks the mesh directory named by the info's `mesh` key. Legacy: its info, every manifest
/// (`LABEL:0`, `{"fragments": [names]}`), every fragment a manifest names present (plain or
/// `.gz`) and parsing as a legacy fragment (all of them, or the sample). Multi-resolution
/// (`neuroglancer_multilod_draco`): `MultiresMeshCheck`.
struct MeshCheck {
    let dataset: Dataset
    let name: String
    let options: VerifyOptions

    func run(reporter: any WorkReporter, findings: Findings, report: inout VerifyReport) {
        let directory = MeshDirectory(dataset: dataset, name: name)
        let root = dataset.path(directory.name)
        var summary = MeshSummary(directory: root)
        defer { report.mesh = summary }
        guard FileIO.isDirectory(root) else {
            findings.add(root, .mesh, "missing: the info's mesh key names this directory")
            return
        }
        let infoPath = directory.path("info")
        var multiresInfo: [String: JSONValue]?
        do {
            if let bytes = try readFile(infoPath, limit: 1 << 26) {
                let object = try jsonObject(bytes)
                switch object["@type"] {
                case .string("neuroglancer_legacy_mesh"):
                    break
                case .string("neuroglancer_multilod_draco"):
                    multiresInfo = object
                case .string(let other):
                    throw VerifyProblem(
                        "@type: \"\(other)\" is not neuroglancer_legacy_mesh or neuroglancer_multilod_draco")
                default:
                    throw VerifyProblem("@type: missing or not a string")
                }
                if let properties = object["segment_properties"] {
                    guard case .string(let relative) = properties else {
                        throw VerifyProblem("segment_properties: not a string")
                    }
                    checkSegmentProperties(
                        directory: root + "/" + relative, findings: findings, report: &report)
                }
            }
        } catch {
            findings.add(infoPath, .mesh, problemText(error, path: infoPath))
        }
        if let multiresInfo {
            MultiresMeshCheck(name: name, root: root, infoPath: infoPath, options: options)
                .run(info: multiresInfo, reporter: reporter, findings: findings, report: &report, summary: &summary)
            return
        }
        guard let names = meshDirectoryNames(root, findings: findings) else { return }
        // Fragment name -> the first manifest naming it.
        var fragments: [String: String] = [:]
        for fileName in names where isManifestName(fileName, in: root) {
            summary.manifests += 1
            let path = root + "/" + fileName
            do {
                for fragment in try manifestFragments(path) where fragments[fragment] == nil {
                    fragments[fragment] = fileName
                }
            } catch {
                findings.add(path, .badManifest, problemText(error, path: path))
            }
        }
        summary.fragments = fragments.count
        var present: [String] = []
        for (fragment, manifest) in fragments.sorted(by: { $0.key < $1.key }) {
            let path = directory.path(fragment)
            if FileIO.isFile(path) || FileIO.isFile(path + ".gz") {
                present.append(fragment)
            } else {
                findings.add(path, .missingFragment, "missing (named by \(root)/\(manifest))")
            }
        }
        let selection = Selection.sample(
            count: present.count, fraction: options.sample, seed: options.seed, stream: stableHash("mesh"))
        let toParse = present
        let counters = Findings()
        let progress = reporter.begin("verify \(name)", total: selection.count, unit: "fragments")
        try? parallelChunks(selection.count, jobs: options.jobs) { position in
            defer { progress.advance() }
            var path = directory.path(toParse[selection[position]])
            do {
                var bytes: [UInt8]
                if let plain = try readFile(path, limit: 1 << 31) {
                    bytes = plain
                } else {
                    path += ".gz"
                    bytes = try gunzip(try readFile(path, limit: 1 << 31) ?? [], limit: 1 << 31)
                }
                _ = try Fragment(decoding: bytes, file: path)
                counters.count("parsed")
            } catch {
                findings.add(path, .badFragment, problemText(error, path: path))
            }
        }
        progress.finish()
        summary.parsed = counters.counter("parsed")
    }

    /// `LABEL:0`; or `LABEL` alone (`nprec mesh link --no-colon-suffix`) when it holds JSON.
    private func isManifestName(_ name: String, in root: String) -> Bool {
        var digits = Substring(name)
        if digits.hasSuffix(":0") {
            digits = digits.dropLast(2)
            return !digits.isEmpty && digits.allSatisfy(\.isASCII) && digits.allSatisfy(\.isNumber)
        }
        guard !digits.isEmpty, digits.allSatisfy({ $0.isASCII && $0.isNumber }) else { return false }
        guard let file = try? RandomAccessFile(path: root + "/" + name),
            let head = try? file.read(offset: 0, count: Int(min(file.size, 256)))
        else { return false }
        return head.first(where: { ![0x20, 0x09, 0x0a, 0x0d].contains($0) }) == UInt8(ascii: "{")
    }

    /// The fragment names of a manifest; throws what is wrong with it.
    private func manifestFragments(_ path: String) throws -> [String] {
        let fileName = path.split(separator: "/").last.map(String.init) ?? path
        let label = fileName.hasSuffix(":0") ? String(fileName.dropLast(2)) : fileName
        guard UInt64(label) != nil else { throw VerifyProblem("\(label) is not a uint64 segment id") }
        guard let bytes = try readFile(path, limit: 1 << 26) else { throw VerifyProblem("cannot be read") }
        let object = try jsonObject(bytes)
        guard case .array(let items)? = object["fragments"] else {
            throw VerifyProblem("fragments: missing or not a list")
        }
        var names: [String] = []
        for (index, item) in items.enumerated() {
            guard case .string(let name) = item else { throw VerifyProblem("fragments[\(index)]: not a string") }
            if let problem = MeshDirectory.problem(with: name) {
                throw VerifyProblem("fragments[\(index)]: \"\(name)\" cannot name a fragment: \(problem)")
            }
            names.append(name)
        }
        return names
    }
}

/// The sorted names in the mesh directory `root`, or nil (and a finding) when it cannot be listed.
func meshDirectoryNames(_ root: String, findings: Findings) -> [String]? {
    do {
        return try FileManager.default.contentsOfDirectory(atPath: root).sorted()
    } catch {
        findings.add(root, .mesh, "cannot be listed")
        return nil
    }
}

/// A JSON object; throws unless `bytes` hold one.
func jsonObject(_ bytes: [UInt8]) throws -> [String: JSONValue] {
    let value: JSONValue
    do { value = try JSONText.decode(JSONValue.self, from: bytes) } catch { throw VerifyProblem("not valid JSON") }
    guard case .object(let object) = value else { throw VerifyProblem("not a JSON object") }
    return object
}
