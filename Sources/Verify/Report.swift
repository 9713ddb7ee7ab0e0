import Precomputed

/// What is wrong with a file. The raw values are the `kind` of `--json` problems.
public enum ProblemKind: String, CaseIterable, Sendable, Codable {
    /// The volume info: absent, not JSON, or not valid as Neuroglancer reads it.
    case info
    /// A chunk of the grid that is absent (unsharded file, or an id absent from its shard).
    case missingChunk = "missing-chunk"
    /// A chunk that cannot be read, un-gzipped or decoded, or has the wrong size for its box.
    case badChunk = "bad-chunk"
    /// A shard file that is absent: every chunk it should hold is missing.
    case missingShard = "missing-shard"
    /// A shard file (of a scale, or of a multi-resolution mesh directory) whose shard or
    /// minishard index is inconsistent.
    case badShard = "bad-shard"
    /// The mesh directory or its info.
    case mesh
    /// A legacy mesh manifest (`LABEL:0`) that is not `{"fragments": [names]}`; a
    /// multi-resolution manifest (`ID.index` or a shard's value) of the wrong size, with values
    /// Neuroglancer cannot use or positions out of Z-curve order, or whose fragments would start
    /// before the shard's data.
    case badManifest = "bad-manifest"
    /// A legacy fragment named by a manifest that exists neither plain nor gzipped; the data
    /// file `ID` of a multi-resolution manifest.
    case missingFragment = "missing-fragment"
    /// A fragment that does not parse as a legacy mesh fragment, or does not decode with Draco to
    /// quantized positions and triangles; a multi-resolution data file whose size is not the sum
    /// of its manifest's fragment sizes.
    case badFragment = "bad-fragment"
    /// The segment properties info.
    case segmentProperties = "segment-properties"

    /// The kind in counts: "3 missing chunks".
    public func counted(_ count: Int) -> String { "\(count) \(noun(count))" }

    /// "missing chunk" or "missing chunks".
    public func noun(_ count: Int) -> String {
        let (one, many): (String, String) =
            switch self {
            case .info: ("info problem", "info problems")
            case .missingChunk: ("missing chunk", "missing chunks")
            case .badChunk: ("bad chunk", "bad chunks")
            case .missingShard: ("missing shard file", "missing shard files")
            case .badShard: ("shard index problem", "shard index problems")
            case .mesh: ("mesh directory problem", "mesh directory problems")
            case .badManifest: ("bad mesh manifest", "bad mesh manifests")
            case .missingFragment: ("missing mesh fragment", "missing mesh fragments")
            case .badFragment: ("bad mesh fragment", "bad mesh fragments")
            case .segmentProperties: ("segment properties problem", "segment properties problems")
            }
        return count == 1 ? one : many
    }
}

/// One problem with one file.
public struct Finding: Sendable, Equatable, Codable {
    /// The file, as DEST joined with its relative path (a sharded chunk: its shard file and
    /// `(chunk BOX, id N)`).
    public var path: String
    public var kind: ProblemKind
    public var problem: String

    public init(path: String, kind: ProblemKind, problem: String) {
        self.path = path
        self.kind = kind
        self.problem = problem
    }
}

/// What was checked in one scale.
public struct ScaleSummary: Sendable, Equatable, Codable {
    public var key: String
    public var sharded: Bool
    /// Chunks of the grid (every chunk size).
    public var chunks: Int
    /// Chunks looked for (all of them, or the `--sample`).
    public var checked: Int
    /// Chunks read and decoded.
    public var decoded: Int
    public var missing: Int
    public var bad: Int
    /// Shard files of a sharded scale whose indexes were read.
    public var shards: Int
}

/// What was checked in the mesh directory.
public struct MeshSummary: Sendable, Equatable, Codable {
    public var directory: String
    /// The info's `@type`: `neuroglancer_legacy_mesh` (also when there is no info, as Neuroglancer
    /// assumes) or `neuroglancer_multilod_draco`.
    public var type = "neuroglancer_legacy_mesh"
    /// Legacy: the `LABEL:0` manifests. Multi-resolution: the labels, one manifest each (`ID.index`
    /// files, or the ids in the shards).
    public var manifests: Int
    /// Legacy: distinct fragments named by the manifests. Multi-resolution: non-empty fragments
    /// listed by the manifests whose data was found.
    public var fragments: Int
    /// Fragments read and parsed (legacy) or Draco-decoded (multi-resolution), all or the
    /// `--sample`.
    public var parsed: Int
    /// Triangles in the fragments decoded (multi-resolution; 0 for legacy meshes).
    public var triangles = 0
    /// True when the multi-resolution info has a `sharding` spec.
    public var sharded = false
    /// `.shard` files read.
    public var shards = 0

    public init(directory: String, manifests: Int = 0, fragments: Int = 0, parsed: Int = 0) {
        self.directory = directory
        self.manifests = manifests
        self.fragments = fragments
        self.parsed = parsed
    }

    /// "2 mesh manifests, 5 fragments" (legacy) or "3 multi-resolution mesh manifests in 1 shard,
    /// 40 fragments" (with "(12 decoded)" when a sample was decoded).
    var text: String {
        func plural(_ count: Int, _ noun: String) -> String { "\(count) \(noun)\(count == 1 ? "" : "s")" }
        guard type == "neuroglancer_multilod_draco" else {
            return plural(manifests, "mesh manifest") + ", " + plural(fragments, "fragment")
        }
        let shardText = sharded ? " in " + plural(shards, "shard") : ""
        let decoded = parsed < fragments ? " (\(parsed) decoded)" : ""
        return plural(manifests, "multi-resolution mesh manifest") + shardText + ", " + plural(fragments, "fragment")
            + decoded
    }
}

/// The outcome of `Verifier.verify`.
public struct VerifyReport: Sendable, Equatable, Codable {
    public var dataset: String
    public var sample: Double
    public var seed: UInt64
    public var scales: [ScaleSummary] = []
    public var mesh: MeshSummary?
    /// The segment properties infos checked (the volume's, the mesh directory's).
    public var segmentProperties: [String] = []
    /// What was not checked, and why (multi-resolution meshes, ...). Not problems.
    public var notes: [String] = []
    /// Every problem, sorted by kind then path.
    public var problems: [Finding] = []

    public var ok: Bool { problems.isEmpty }

    public init(dataset: String, sample: Double, seed: UInt64) {
        self.dataset = dataset
        self.sample = sample
        self.seed = seed
    }

    /// Problems per kind, in `ProblemKind` order, kinds without problems left out.
    public var counts: [(kind: ProblemKind, count: Int)] {
        var counts: [ProblemKind: Int] = [:]
        for finding in problems { counts[finding.kind, default: 0] += 1 }
        return ProblemKind.allCases.compactMap { kind in counts[kind].map { (kind, $0) } }
    }

    enum CodingKeys: String, CodingKey {
        case dataset, sample, seed, scales, mesh, notes, problems, ok, counts
        case segmentProperties = "segment_properties"
    }

    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        dataset = try container.decode(String.self, forKey: .dataset)
        sample = try container.decode(Double.self, forKey: .sample)
        seed = try container.decode(UInt64.self, forKey: .seed)
        scales = try container.decode([ScaleSummary].self, forKey: .scales)
        mesh = try container.decodeIfPresent(MeshSummary.self, forKey: .mesh)
        segmentProperties = try container.decode([String].self, forKey: .segmentProperties)
        notes = try container.decode([String].self, forKey: .notes)
        problems = try container.decode([Finding].self, forKey: .problems)
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(dataset, forKey: .dataset)
        try container.encode(ok, forKey: .ok)
        try container.encode(sample, forKey: .sample)
        try container.encode(seed, forKey: .seed)
        try container.encode(scales, forKey: .scales)
        try container.encodeIfPresent(mesh, forKey: .mesh)
        try container.encode(segmentProperties, forKey: .segmentProperties)
        try container.encode(notes, forKey: .notes)
        try container.encode(problems, forKey: .problems)
        var counts: [String: Int] = [:]
        for (kind, count) in self.counts { counts[kind.rawValue] = count }
        try container.encode(counts, forKey: .counts)
    }

    /// The report as text: `PATH: problem` per bad file, at most `limit` per kind (0: all)
    /// with the count of the others, the missing chunks per scale, a summary line.
    public func text(limit: Int) -> String {
        var lines: [String] = []
        for (kind, count) in counts {
            let shown = problems.filter { $0.kind == kind }.prefix(limit > 0 ? limit : Int.max)
            lines += shown.map { "\($0.path): \($0.problem)" }
            if count > shown.count {
                lines.append("... and \(count - shown.count) more \(kind.noun(count - shown.count)) (\(count) in all)")
            }
        }
        for scale in scales where scale.missing > 0 {
            let whole = scale.checked == scale.chunks ? "\(scale.chunks)" : "\(scale.checked) checked"
            lines.append("\(dataset)/\(scale.key): \(scale.missing) of \(whole) chunks missing")
        }
        lines.append(summary)
        return lines.joined(separator: "\n") + "\n"
    }

    /// One line: what was checked, and the problems per kind.
    public var summary: String {
        var checked: [String] = []
        if !scales.isEmpty {
            let chunks = scales.reduce(0) { $0 + $1.chunks }
            let looked = scales.reduce(0) { $0 + $1.checked }
            checked.append(
                "\(scales.count) scale\(scales.count == 1 ? "" : "s"), "
                    + (looked == chunks ? "\(chunks) chunks" : "\(looked) of \(chunks) chunks (sample)"))
        }
        if let mesh { checked.append(mesh.text) }
        if !segmentProperties.isEmpty { checked.append("segment properties") }
        let what = checked.isEmpty ? "" : " (" + checked.joined(separator: ", ") + ")"
        if ok { return "\(dataset): OK\(what)" }
        let total = problems.count
        return "\(dataset): \(total) problem\(total == 1 ? "" : "s"): "
            + counts.map { $0.kind.counted($0.count) }.joined(separator: ", ") + what
    }
}

/// The problem an error describes, without the path that the finding carries already.
func problemText(_ error: Error, path: String) -> String {
    let text: String
    if let error = error as? PrecomputedError {
        switch error {
        case .invalidInfo(_, let key, let problem): return "\(key): \(problem)"
        case .io(_, let problem): return problem
        case .badChunk(_, let problem): return problem
        case .missing: return "no such file"
        case .unsupported(let message): text = message
        }
    } else {
        text = "\(error)"
    }
    for prefix in [path + ": ", path + ".gz: "] where text.hasPrefix(prefix) {
        return String(text.dropFirst(prefix.count))
    }
    return text
}
