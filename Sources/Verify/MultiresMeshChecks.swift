import Codecs
import Engine
import Foundation
import Precomputed

/// Checks a multi-resolution mesh directory (`neuroglancer_multilod_draco`) as Neuroglancer
/// reads it: the info (`vertex_quantization_bits` 10 or 16, `transform` of 12 finite numbers,
/// `lod_scale_multiplier` above 0, `sharding`); every manifest (each `ID.index`, or each label
/// of each shard) as `MultiresManifest` parses and checks it; the fragment data (the `ID` file
/// holding exactly the fragments, or in a shard the bytes right before the manifest); every
/// non-empty fragment (or the sample) decoding with Draco to positions below
/// 2^vertex_quantization_bits and whole triangles.
struct MultiresMeshCheck {
    /// The info's `mesh` key, in progress lines.
    let name: String
    let root: String
    let infoPath: String
    let options: VerifyOptions

    /// The largest manifest read (one with 2^26 fragments).
    static let manifestLimit = 1 << 30

    /// One non-empty fragment to decode: `size` bytes at `offset` of `file`, fragment `index` of
    /// LOD `lod` of `label` (nil for an unsharded `ID` file, which names the label). Its place in
    /// findings is made only for a finding: a directory may list millions of fragments.
    struct FragmentRef: Sendable {
        var file: String
        var label: UInt64?
        var lod: Int
        var index: Int
        var offset: UInt64
        var size: UInt32

        var place: String {
            let label = label.map { "label \($0), " } ?? ""
            return "\(file) (\(label)LOD \(lod), fragment \(index))"
        }
    }

    /// What the manifests of one label (or one shard) lead to.
    struct Gathered: Sendable {
        var manifests = 0
        var fragments: [FragmentRef] = []
    }

    func run(
        info: [String: JSONValue], reporter: any WorkReporter, findings: Findings, report: inout VerifyReport,
        summary: inout MeshSummary
    ) {
        summary.type = "neuroglancer_multilod_draco"
        let bits = quantizationBits(info, findings: findings)
        checkNumbers(info, findings: findings, report: &report)
        var layout: ShardingLayout?
        if let value = info["sharding"] {
            guard let spec = shardingSpec(value, findings: findings) else { return }
            layout = ShardingLayout(spec: spec, gridSize: [1, 1, 1])
        }
        guard let names = meshDirectoryNames(root, findings: findings) else { return }
        let gathered: [Gathered]
        if let layout {
            summary.sharded = true
            let shards = names.filter { $0.hasSuffix(".shard") }
            summary.shards = shards.count
            let progress = reporter.begin("verify \(name)", total: shards.count, unit: "shards")
            gathered =
                (try? parallelMap(shards.count, jobs: options.jobs) { position in
                    defer { progress.advance() }
                    return readShard(shards[position], layout: layout, findings: findings)
                }) ?? []
            progress.finish()
        } else {
            let manifests = names.filter { $0.hasSuffix(".index") && $0.count > 6 }
            let progress = reporter.begin("verify \(name)", total: manifests.count, unit: "manifests")
            gathered =
                (try? parallelMap(manifests.count, jobs: options.jobs) { position in
                    defer { progress.advance() }
                    return readUnsharded(manifests[position], findings: findings)
                }) ?? []
            progress.finish()
        }
        summary.manifests = gathered.reduce(0) { $0 + $1.manifests }
        let fragments = gathered.flatMap(\.fragments)
        summary.fragments = fragments.count
        let selection = Selection.sample(
            count: fragments.count, fraction: options.sample, seed: options.seed, stream: stableHash("mesh"))
        let counters = Findings()
        let progress = reporter.begin("verify \(name)", total: selection.count, unit: "fragments")
        try? parallelChunks(selection.count, jobs: options.jobs) { position in
            defer { progress.advance() }
            let fragment = fragments[selection[position]]
            do {
                let triangles = try Self.decode(fragment, bits: bits)
                counters.count("decoded")
                counters.count("triangles", by: triangles)
            } catch {
                findings.add(fragment.place, .badFragment, problemText(error, path: fragment.file))
            }
        }
        progress.finish()
        summary.parsed = counters.counter("decoded")
        summary.triangles = counters.counter("triangles")
    }

    // MARK: The info

    /// `vertex_quantization_bits`, when it is 10 or 16.
    private func quantizationBits(_ info: [String: JSONValue], findings: Findings) -> Int? {
        let problem: String
        switch info["vertex_quantization_bits"] {
        case .int(let bits) where bits == 10 || bits == 16: return Int(bits)
        case .double(let bits) where bits == 10 || bits == 16: return Int(bits)
        case nil: problem = "missing"
        case .int(let bits): problem = "\(bits) is not 10 or 16"
        case .double(let bits): problem = "\(bits) is not 10 or 16"
        default: problem = "not a number"
        }
        findings.add(
            infoPath, .mesh,
            "vertex_quantization_bits: \(problem) (Neuroglancer decodes positions of 10 or 16 bits)")
        return nil
    }

    /// `transform` (12 finite numbers; Neuroglancer takes identity when absent, a note) and
    /// `lod_scale_multiplier` (a finite number above 0).
    private func checkNumbers(_ info: [String: JSONValue], findings: Findings, report: inout VerifyReport) {
        switch info["transform"] {
        case nil:
            report.notes.append(
                "\(infoPath): no transform: Neuroglancer takes the identity, the schema requires the key")
        case .array(let items):
            let bad = items.indices.filter { Self.number(items[$0])?.isFinite != true }
            if items.count != 12 {
                findings.add(infoPath, .mesh, "transform: \(items.count) values, not 12 (a row-major 3x4 matrix)")
            } else if let first = bad.first {
                findings.add(infoPath, .mesh, "transform[\(first)]: not a finite number")
            }
        default:
            findings.add(infoPath, .mesh, "transform: not a list of 12 numbers")
        }
        switch info["lod_scale_multiplier"].flatMap(Self.number) {
        case nil:
            let missing = info["lod_scale_multiplier"] == nil
            findings.add(infoPath, .mesh, "lod_scale_multiplier: \(missing ? "missing" : "not a number")")
        case let value? where !(value.isFinite && value > 0):
            findings.add(infoPath, .mesh, "lod_scale_multiplier: \(value) is not a finite number above 0")
        default:
            break
        }
    }

    private static func number(_ value: JSONValue) -> Double? {
        switch value {
        case .int(let number): return Double(number)
        case .double(let number): return number
        default: return nil
        }
    }

    /// The info's sharding spec, when valid as Neuroglancer reads it; else a finding, nil.
    private func shardingSpec(_ value: JSONValue, findings: Findings) -> ShardingSpec? {
        let spec: ShardingSpec
        do {
            spec = try JSONText.decode(ShardingSpec.self, from: JSONText.encode(value))
        } catch {
            findings.add(
                infoPath, .mesh,
                "sharding: not a sharding spec (@type, preshift_bits, hash, minishard_bits, shard_bits; "
                    + "the shards are not checked)")
            return nil
        }
        do {
            try spec.validate(key: "sharding") { key, problem in
                .invalidInfo(file: infoPath, key: key, problem: problem)
            }
        } catch {
            findings.add(infoPath, .mesh, problemText(error, path: infoPath) + " (the shards are not checked)")
            return nil
        }
        return spec
    }

    // MARK: Unsharded: `ID.index` and `ID`

    private func readUnsharded(_ name: String, findings: Findings) -> Gathered {
        var gathered = Gathered(manifests: 1)
        let path = root + "/" + name
        let label = String(name.dropLast(6))
        guard label.allSatisfy({ $0.isASCII && $0.isNumber }), UInt64(label) != nil else {
            findings.add(path, .badManifest, "\(label) is not a uint64 segment id")
            return gathered
        }
        let manifest: MultiresManifest
        do {
            guard let bytes = try readFile(path, limit: Self.manifestLimit) else {
                throw VerifyProblem("the file is gone")
            }
            manifest = try MultiresManifest(decoding: bytes)
        } catch {
            findings.add(path, .badManifest, problemText(error, path: path))
            return gathered
        }
        for problem in manifest.problems { findings.add(path, .badManifest, problem) }
        let dataPath = root + "/" + label
        let total = manifest.dataSize
        let file: RandomAccessFile
        do {
            guard let opened = try RandomAccessFile(path: dataPath) else {
                if total > 0 {
                    findings.add(
                        dataPath, .missingFragment,
                        "missing: \(name) lists \(manifest.nonEmptyFragments) fragments of \(total) bytes in all")
                }
                return gathered
            }
            file = opened
        } catch {
            findings.add(dataPath, .missingFragment, problemText(error, path: dataPath))
            return gathered
        }
        if file.size != total {
            findings.add(
                dataPath, .badFragment,
                "the file is \(file.size) bytes, but the fragment sizes in \(name) add up to \(total)")
        }
        gathered.fragments = Self.fragments(of: manifest, file: dataPath, label: nil, start: 0, end: file.size)
        return gathered
    }

    /// The non-empty fragments of `manifest`, laid out from `start` of `file`, that end by `end`.
    static func fragments(of manifest: MultiresManifest, file: String, label: UInt64?, start: UInt64, end: UInt64)
        -> [FragmentRef]
    {
        var fragments: [FragmentRef] = []
        var offset = start
        for (lod, level) in manifest.levels.enumerated() {
            for (index, size) in level.sizes.enumerated() where size > 0 {
                defer { offset += UInt64(size) }
                guard offset + UInt64(size) <= end else { continue }
                fragments.append(
                    FragmentRef(
                        file: file, label: label, lod: lod, index: index,
                        offset: offset, size: size))
            }
        }
        return fragments
    }

    // MARK: Sharded

    private func readShard(_ name: String, layout: ShardingLayout, findings: Findings) -> Gathered {
        var gathered = Gathered()
        let path = root + "/" + name
        guard let shard = UInt64(name.dropLast(6), radix: 16), layout.fileName(shard: shard) == name else {
            findings.add(
                path, .badShard,
                "not a shard file name under sharding shard_bits \(layout.spec.shardBits): Neuroglancer never reads it")
            return gathered
        }
        let file: RandomAccessFile
        let entries: [ShardFile.Entry]
        do {
            guard let opened = try RandomAccessFile(path: path) else { throw VerifyProblem("the file is gone") }
            file = opened
            entries = try ShardFile.entries(layout: layout, path: path) { offset, count in
                guard offset >= 0, count >= 0, UInt64(offset) <= file.size else { return nil }
                let available = min(UInt64(count), file.size - UInt64(offset))
                return try file.read(offset: UInt64(offset), count: Int(available))
            }
        } catch {
            findings.add(path, .badShard, problemText(error, path: path))
            return gathered
        }
        let dataStart = UInt64(layout.indexSize)
        var seen = Set<UInt64>()
        for entry in entries {
            let place = "\(path) (label \(entry.id))"
            let (rightShard, rightMinishard) = (layout.shard(of: entry.id), layout.minishard(of: entry.id))
            guard rightShard == shard, rightMinishard == UInt64(entry.minishard) else {
                findings.add(
                    path, .badShard,
                    "minishard \(entry.minishard): label \(entry.id) belongs in \(layout.fileName(shard: rightShard)) "
                        + "minishard \(rightMinishard) under the \(layout.spec.hash) hash")
                continue
            }
            guard seen.insert(entry.id).inserted else {
                findings.add(path, .badShard, "minishard \(entry.minishard): label \(entry.id) is listed twice")
                continue
            }
            gathered.manifests += 1
            let (end, overflow) = entry.start.addingReportingOverflow(entry.size)
            guard !overflow, entry.start >= dataStart, end <= file.size else {
                findings.add(
                    place, .badManifest,
                    "the manifest at bytes \(entry.start)..<\(entry.start &+ entry.size) lies outside the file's "
                        + "data (\(dataStart)..<\(file.size))")
                continue
            }
            let manifest: MultiresManifest
            do {
                guard entry.size <= UInt64(Self.manifestLimit) else {
                    throw VerifyProblem("the manifest is \(entry.size) bytes, more than nprec reads for one")
                }
                var bytes = try file.read(offset: entry.start, count: Int(entry.size))
                if layout.gzipData {
                    do { bytes = try gunzip(bytes, limit: Self.manifestLimit) } catch {
                        throw VerifyProblem("the manifest: \(error)")
                    }
                }
                manifest = try MultiresManifest(decoding: bytes)
            } catch {
                findings.add(place, .badManifest, problemText(error, path: path))
                continue
            }
            for problem in manifest.problems { findings.add(place, .badManifest, problem) }
            // The fragments sit right before the manifest, never compressed.
            let total = manifest.dataSize
            guard total <= entry.start - dataStart else {
                findings.add(
                    place, .badManifest,
                    "its fragment sizes add up to \(total) bytes, but the manifest starts at byte \(entry.start) "
                        + "and the fragments, right before it, cannot start before the shard data (\(dataStart))")
                continue
            }
            gathered.fragments += Self.fragments(
                of: manifest, file: path, label: entry.id, start: entry.start - total, end: entry.start)
        }
        return gathered
    }

    // MARK: Fragments

    /// Decodes one fragment as Neuroglancer does; its triangles, or a `VerifyProblem`.
    static func decode(_ fragment: FragmentRef, bits: Int?) throws -> Int {
        guard let file = try RandomAccessFile(path: fragment.file) else { throw VerifyProblem("the file is gone") }
        guard fragment.offset + UInt64(fragment.size) <= file.size else {
            throw VerifyProblem("the fragment lies past the end of the file (\(file.size) bytes)")
        }
        let bytes = try file.read(offset: fragment.offset, count: Int(fragment.size))
        return try check(bytes, bits: bits)
    }

    /// The triangles of a Draco fragment whose positions are below 2^`bits` (any, when nil)
    /// and whose indices name its vertices, three per triangle; else a `VerifyProblem`.
    static func check(_ bytes: [UInt8], bits: Int?) throws -> Int {
        let mesh: (positions: [UInt32], indices: [UInt32])
        do { mesh = try Draco.decode(bytes) } catch {
            throw VerifyProblem("\(bytes.count) bytes that Draco cannot decode: \(error.message)")
        }
        guard mesh.positions.count % 3 == 0 else {
            throw VerifyProblem("\(mesh.positions.count) position values, not 3 per vertex")
        }
        let vertices = mesh.positions.count / 3
        if let bits {
            let limit = UInt32(1) << UInt32(bits)
            if let at = mesh.positions.firstIndex(where: { $0 >= limit }) {
                throw VerifyProblem(
                    "vertex \(at / 3) has position \(["x", "y", "z"][at % 3]) = \(mesh.positions[at]), not below "
                        + "2^\(bits) (vertex_quantization_bits)")
            }
        }
        guard mesh.indices.count % 3 == 0 else {
            throw VerifyProblem("\(mesh.indices.count) triangle indices, not a multiple of 3")
        }
        if let at = mesh.indices.firstIndex(where: { Int($0) >= vertices }) {
            throw VerifyProblem("triangle \(at / 3) names vertex \(mesh.indices[at]) of \(vertices)")
        }
        return mesh.indices.count / 3
    }
}
