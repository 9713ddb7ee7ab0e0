import Codecs
import Foundation
import Mesh
import Precomputed
import Testing

@testable import Verify

/// Hand-built multi-resolution manifests and mesh directories.
enum Multires {
    struct Level {
        var scale: Float = 1
        var offset: [Float] = [0, 0, 0]
        var positions: [[UInt32]]
        var sizes: [UInt32]
    }

    /// The bytes of a manifest (the format's layout, written here independently of the parser).
    static func manifest(
        chunkShape: [Float] = [8, 8, 8], origin: [Float] = [0, 0, 0], levels: [Level], lodCount: UInt32? = nil
    ) -> [UInt8] {
        var bytes: [UInt8] = []
        func put(_ value: UInt32) { bytes += (0..<4).map { UInt8(truncatingIfNeeded: value >> (8 * $0)) } }
        func put(_ value: Float) { put(value.bitPattern) }
        chunkShape.forEach(put)
        origin.forEach(put)
        put(lodCount ?? UInt32(levels.count))
        for level in levels { put(level.scale) }
        for level in levels { level.offset.forEach(put) }
        for level in levels { put(UInt32(level.sizes.count)) }
        for level in levels {
            for axis in 0..<3 { for position in level.positions { put(position[axis]) } }
            level.sizes.forEach(put)
        }
        return bytes
    }

    /// One triangle quantized to `bits`; `far` puts a corner at 2^bits (out of range).
    static func fragment(bits: Int = 10, far: Bool = false) throws -> [UInt8] {
        let top = UInt32((1 << bits) - 1)
        return try Draco.encode(positions: [0, 0, 0, far ? top + 1 : top, 0, 0, 0, top, 0], indices: [0, 1, 2])
    }

    /// The mesh of a label: LOD 0 with nodes (0,0,0) and (1,0,0), the second empty when `empty`;
    /// LOD 1 with node (0,0,0). Its manifest and data.
    static func label(empty: Bool = false) throws -> (manifest: [UInt8], data: [UInt8]) {
        let fragment = try fragment()
        let size = UInt32(fragment.count)
        let manifest = manifest(levels: [
            Level(positions: [[0, 0, 0], [1, 0, 0]], sizes: [size, empty ? 0 : size]),
            Level(scale: 2, positions: [[0, 0, 0]], sizes: [size]),
        ])
        return (manifest, Array([[UInt8]](repeating: fragment, count: empty ? 2 : 3).joined()))
    }

    static let labels: [UInt64] = [1, 2, 300]

    /// Adds a multi-resolution mesh directory `mesh` holding `labels` (label 2 with an empty
    /// node), unsharded or in shards.
    static func add(_ dataset: Dataset, sharding: ShardingSpec? = nil) throws -> MeshDirectory {
        var info = try dataset.readInfo()
        info.mesh = "mesh"
        try dataset.writeInfo(info, overwrite: true)
        let mesh = MeshDirectory(dataset: dataset, name: "mesh")
        var object: [String: JSONValue] = [
            "@type": .string("neuroglancer_multilod_draco"), "vertex_quantization_bits": .int(10),
            "transform": .array([1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0].map { .int($0) }),
            "lod_scale_multiplier": .int(1),
        ]
        if let sharding { object["sharding"] = try JSONText.decode(JSONValue.self, from: JSONText.encode(sharding)) }
        try FileManager.default.createDirectory(atPath: mesh.path(""), withIntermediateDirectories: true)
        try FileIO.writeAtomically(JSONText.encode(JSONValue.object(object)), to: mesh.path("info"))
        var shards: [UInt64: [(id: UInt64, prefix: [UInt8], data: [UInt8])]] = [:]
        let layout = sharding.map { ShardingLayout(spec: $0, gridSize: [1, 1, 1]) }
        for id in labels {
            let (manifest, data) = try label(empty: id == 2)
            if let layout {
                shards[layout.shard(of: id), default: []].append((id, data, manifest))
            } else {
                try FileIO.writeAtomically(manifest, to: mesh.path("\(id).index"))
                try FileIO.writeAtomically(data, to: mesh.path("\(id)"))
            }
        }
        if let layout {
            for (shard, entries) in shards {
                try FileIO.writeAtomically(
                    try ShardFile.build(prefixed: entries, layout: layout), to: mesh.path(layout.fileName(shard: shard))
                )
            }
        }
        return mesh
    }

    static func setInfo(_ mesh: MeshDirectory, _ key: String, _ value: JSONValue?) throws {
        guard let bytes = try FileIO.read(mesh.path("info")),
            case .object(var object) = try JSONText.decode(JSONValue.self, from: bytes)
        else { throw VerifyProblem("no info object") }
        object[key] = value
        try FileIO.writeAtomically(JSONText.encode(JSONValue.object(object)), to: mesh.path("info"))
    }
}

@Suite struct MultiresManifestTests {
    @Test func aHandBuiltManifestParses() throws {
        let bytes = Multires.manifest(
            chunkShape: [4, 5, 6], origin: [-1, 0, 2.5],
            levels: [
                .init(offset: [0.5, 0, 0], positions: [[0, 0, 0], [1, 0, 0], [0, 1, 0]], sizes: [10, 0, 7]),
                .init(scale: 2, positions: [[0, 0, 0]], sizes: [4]),
            ])
        #expect(bytes.count == 28 + 20 * 2 + 16 * 4)
        let manifest = try MultiresManifest(decoding: bytes)
        #expect(manifest.chunkShape == SIMD3(4, 5, 6) && manifest.gridOrigin == SIMD3(-1, 0, 2.5))
        #expect(manifest.levels.map(\.scale) == [1, 2])
        #expect(manifest.levels[0].vertexOffset == SIMD3(0.5, 0, 0))
        #expect(manifest.levels[0].positions == [SIMD3(0, 0, 0), SIMD3(1, 0, 0), SIMD3(0, 1, 0)])
        #expect(manifest.levels.map(\.sizes) == [[10, 0, 7], [4]])
        #expect(manifest.dataSize == 21 && manifest.nonEmptyFragments == 3)
        #expect(manifest.problems == [])
    }

    static let twoLevels = Multires.manifest(levels: [
        .init(positions: [[0, 0, 0], [1, 0, 0]], sizes: [3, 4]), .init(positions: [[0, 0, 0]], sizes: [5]),
    ])

    @Test(arguments: [
        (
            Array(twoLevels.dropLast()),
            "the manifest is 115 bytes, but num_lods 2 and 3 fragments (per LOD: 2, 1) make 116"
        ),
        (
            twoLevels + [0, 0, 0, 0],
            "the manifest is 120 bytes, but num_lods 2 and 3 fragments (per LOD: 2, 1) make 116"
        ),
        (Array(twoLevels.prefix(27)), "the manifest is 27 bytes, less than its 28-byte header"),
        (Multires.manifest(levels: []), "num_lods is 0: a manifest needs at least one LOD"),
        (
            Multires.manifest(levels: [.init(positions: [[0, 0, 0]], sizes: [1])], lodCount: .max),
            "the manifest is 64 bytes, less than the 85899345928 that num_lods 4294967295 needs"
        ),
    ])
    func wrongSizesAreRejected(bytes: [UInt8], problem: String) {
        #expect {
            _ = try MultiresManifest(decoding: bytes)
        } throws: { error in
            "\(error)".hasPrefix(problem)
        }
    }

    @Test func fragmentCountsThatOverflowTheSizeAreRejected() {
        // One LOD claiming 2^32 - 1 fragments in a 64-byte file.
        var bytes = Multires.manifest(levels: [.init(positions: [[0, 0, 0]], sizes: [1])])
        for offset in 44..<48 { bytes[offset] = 0xff }
        #expect(throws: VerifyProblem.self) { try MultiresManifest(decoding: bytes) }
    }

    /// The Z-curve code of a small position, bit by bit: x least significant.
    static func morton(_ p: SIMD3<UInt32>) -> UInt64 {
        var code: UInt64 = 0
        for bit in 0..<21 {
            for axis in 0..<3 { code |= UInt64((p[axis] >> UInt32(bit)) & 1) << UInt64(3 * bit + axis) }
        }
        return code
    }

    @Test func zOrderMatchesTheInterleavedCode() {
        var positions: [SIMD3<UInt32>] = []
        for z in 0..<5 {
            for y in 0..<5 { for x in 0..<5 { positions.append(SIMD3(UInt32(x), UInt32(y), UInt32(z))) } }
        }
        positions += [SIMD3(1 << 20, 0, 0), SIMD3(0, 1 << 20, 3), SIMD3(7, 0, 1 << 20)]
        for a in positions {
            for b in positions {
                #expect(MultiresManifest.zOrderPrecedes(a, b) == (Self.morton(a) < Self.morton(b)), "\(a) \(b)")
            }
        }
        // Beyond 21 bits per axis: z's top bit outweighs everything below it.
        #expect(MultiresManifest.zOrderPrecedes(SIMD3(.max, .max, 1 << 30), SIMD3(0, 0, 1 << 31)))
        #expect(!MultiresManifest.zOrderPrecedes(SIMD3(0, 1 << 31, 0), SIMD3(1 << 31, 0, 0)))
    }

    @Test(arguments: [
        (
            [[0, 0, 0], [0, 0, 1], [0, 1, 0]],
            "LOD 0: fragment 2 at (0, 1, 0) is before fragment 1 at (0, 0, 1) in Z-curve order (x least significant)"
        ),
        (
            [[1, 1, 0], [1, 1, 0]], "LOD 0: fragment 1 at (1, 1, 0) is at the same position as fragment 0 at (1, 1, 0)"
        ),
        ([[1, 0, 0], [0, 0, 0]], "LOD 0: fragment 1 at (0, 0, 0) is before fragment 0 at (1, 0, 0)"),
    ])
    func positionsOutOfZOrderAreNamed(positions: [[UInt32]], problem: String) throws {
        let bytes = Multires.manifest(levels: [
            .init(positions: positions, sizes: positions.map { _ in 1 }),
            .init(positions: [[0, 0, 0]], sizes: [1]),
        ])
        let problems = try MultiresManifest(decoding: bytes).problems
        #expect(problems.count == 1 && problems[0].hasPrefix(problem), "\(problems)")
    }

    @Test func valuesNeuroglancerCannotUseAreNamed() throws {
        let bytes = Multires.manifest(
            chunkShape: [8, 0, .nan], origin: [.infinity, 0, 0],
            levels: [
                .init(scale: 0, positions: [[0, 0, 0]], sizes: [1]),
                .init(scale: .nan, offset: [0, -.infinity, 0], positions: [], sizes: []),
            ])
        #expect(
            try MultiresManifest(decoding: bytes).problems == [
                "chunk_shape y is 0.0, not a finite number above 0",
                "chunk_shape z is nan, not a finite number above 0",
                "grid_origin x is inf, not a finite number", "lod_scales[0] is 0.0, not a finite number above 0",
                "lod_scales[1] is nan, not a finite number above 0", "vertex_offsets[1] y is -inf, not a finite number",
            ])
    }

    @Test func fragmentChecks() throws {
        #expect(try MultiresMeshCheck.check(try Multires.fragment(), bits: 10) == 1)
        #expect(try MultiresMeshCheck.check(try Multires.fragment(bits: 16), bits: 16) == 1)
        #expect(throws: VerifyProblem.self) { try MultiresMeshCheck.check(try Multires.fragment(bits: 16), bits: 10) }
        #expect {
            _ = try MultiresMeshCheck.check(try Multires.fragment(far: true), bits: 10)
        } throws: { error in
            "\(error)".contains("= 1024, not below 2^10 (vertex_quantization_bits)")
        }
        var garbage = try Multires.fragment()
        for i in 4..<garbage.count { garbage[i] = UInt8(truncatingIfNeeded: i &* 37) }
        #expect {
            _ = try MultiresMeshCheck.check(garbage, bits: 10)
        } throws: { error in
            "\(error)".contains("bytes that Draco cannot decode")
        }
    }
}

@Suite struct MultiresMeshVerifyTests {
    static let shardings: [ShardingSpec?] = [
        nil,
        ShardingSpec(preshiftBits: 0, hash: "murmurhash3_x86_128", minishardBits: 1, shardBits: 1),
        ShardingSpec(
            preshiftBits: 0, hash: "identity", minishardBits: 0, shardBits: 0, minishardIndexEncoding: "raw",
            dataEncoding: "raw"),
    ]

    @Test(arguments: shardings)
    func cleanDirectoriesPass(sharding: ShardingSpec?) throws {
        let dataset = try Datasets.make(try Datasets.temporaryDirectory())
        let mesh = try Multires.add(dataset, sharding: sharding)
        let report = VerifierTests.verify(dataset)
        #expect(report.ok, "\(report.problems)")
        var expected = MeshSummary(directory: mesh.path("").dropLastSlash, manifests: 3, fragments: 8, parsed: 8)
        expected.type = "neuroglancer_multilod_draco"
        expected.triangles = 8
        expected.sharded = sharding != nil
        let shards = try FileManager.default.contentsOfDirectory(atPath: mesh.path("")).filter {
            $0.hasSuffix(".shard")
        }
        expected.shards = shards.count
        #expect(report.mesh == expected)
        #expect(report.notes == [])
        #expect(report.summary.contains("3 multi-resolution mesh manifests"), "\(report.summary)")

        let sampled = VerifierTests.verify(dataset, sample: 0.3)
        #expect(sampled.ok && sampled.mesh?.parsed == 3 && sampled.mesh?.fragments == 8)
        #expect(sampled.summary.contains("8 fragments (3 decoded)"), "\(sampled.summary)")
    }

    @Test func unshardedDamageIsNamed() throws {
        let dataset = try Datasets.make(try Datasets.temporaryDirectory())
        let mesh = try Multires.add(dataset)
        try FileManager.default.removeItem(atPath: mesh.path("1"))
        try VerifierTests.corrupt(mesh.path("2")) { $0 += [0] }
        try VerifierTests.corrupt(mesh.path("300.index")) { $0.removeLast() }
        try FileIO.writeAtomically(
            Multires.manifest(levels: [.init(positions: [], sizes: [])]), to: mesh.path("x.index"))
        let report = VerifierTests.verify(dataset)
        #expect(
            report.problems.map { "\($0.kind.rawValue) \($0.path): \($0.problem)" } == [
                "bad-manifest \(mesh.path("300.index")): the manifest is 115 bytes, but num_lods 2 and 3 fragments "
                    + "(per LOD: 2, 1) make 116 (28 + 20 x num_lods + 16 x fragments): Neuroglancer rejects its size",
                "bad-manifest \(mesh.path("x.index")): x is not a uint64 segment id",
                "missing-fragment \(mesh.path("1")): missing: 1.index lists 3 fragments of "
                    + "\(3 * (try Multires.fragment()).count) bytes in all",
                "bad-fragment \(mesh.path("2")): the file is \(2 * (try Multires.fragment()).count + 1) bytes, but the "
                    + "fragment sizes in 2.index add up to \(2 * (try Multires.fragment()).count)",
            ])
        #expect(report.mesh?.manifests == 4 && report.mesh?.fragments == 2 && report.mesh?.parsed == 2)
    }

    @Test func garbageFragmentAndOutOfRangePositionsAreNamed() throws {
        let dataset = try Datasets.make(try Datasets.temporaryDirectory())
        let mesh = try Multires.add(dataset)
        let size = try Multires.fragment().count
        // Label 1: its second LOD-0 fragment overwritten with garbage.
        try VerifierTests.corrupt(mesh.path("1")) { bytes in
            for i in (size + 4)..<(2 * size) { bytes[i] = UInt8(truncatingIfNeeded: i &* 37) }
        }
        // 16 bits in the info: still valid, so nothing is out of range.
        try Multires.setInfo(mesh, "vertex_quantization_bits", .int(16))
        var report = VerifierTests.verify(dataset)
        #expect(report.problems.count == 1)
        let bad = try #require(report.problems.first)
        #expect(bad.path == mesh.path("1") + " (LOD 0, fragment 1)" && bad.kind == .badFragment, "\(bad)")
        #expect(bad.problem.contains("bytes that Draco cannot decode"), "\(bad)")

        // A fragment with a corner at 1024 under 10 bits.
        try Multires.setInfo(mesh, "vertex_quantization_bits", .int(10))
        try VerifierTests.corrupt(mesh.path("300")) { bytes in bytes = Array(bytes.prefix(2 * size)) }
        let far = try Multires.fragment(far: true)
        try VerifierTests.corrupt(mesh.path("300")) { $0 += far }
        try VerifierTests.corrupt(mesh.path("300.index")) { bytes in
            let sizeAt = bytes.count - 4
            for i in 0..<4 { bytes[sizeAt + i] = UInt8(truncatingIfNeeded: far.count >> (8 * i)) }
        }
        report = VerifierTests.verify(dataset)
        #expect(
            report.problems.map(\.path) == [
                mesh.path("1") + " (LOD 0, fragment 1)", mesh.path("300") + " (LOD 1, fragment 0)",
            ])
        #expect(report.problems.last?.problem.contains("= 1024, not below 2^10") == true, "\(report.problems)")
    }

    @Test func infoProblemsAreNamed() throws {
        let dataset = try Datasets.make(try Datasets.temporaryDirectory())
        let mesh = try Multires.add(dataset)
        try Multires.setInfo(mesh, "vertex_quantization_bits", .int(12))
        try Multires.setInfo(mesh, "transform", .array([.int(1), .int(0)]))
        try Multires.setInfo(mesh, "lod_scale_multiplier", .int(0))
        var report = VerifierTests.verify(dataset)
        let infoPath = mesh.path("info")
        #expect(
            report.problems == [
                Finding(
                    path: infoPath, kind: .mesh, problem: "lod_scale_multiplier: 0.0 is not a finite number above 0"),
                Finding(path: infoPath, kind: .mesh, problem: "transform: 2 values, not 12 (a row-major 3x4 matrix)"),
                Finding(
                    path: infoPath, kind: .mesh,
                    problem:
                        "vertex_quantization_bits: 12 is not 10 or 16 (Neuroglancer decodes positions of 10 or 16 bits)"
                ),
            ])
        // The fragments are still decoded (without the range check).
        #expect(report.mesh?.parsed == 8)

        try Multires.setInfo(mesh, "vertex_quantization_bits", .int(10))
        try Multires.setInfo(mesh, "lod_scale_multiplier", .double(0.5))
        try Multires.setInfo(mesh, "transform", nil)
        try Multires.setInfo(mesh, "sharding", .object(["@type": .string("neuroglancer_uint64_sharded_v1")]))
        report = VerifierTests.verify(dataset)
        #expect(
            report.problems.map(\.problem) == [
                "sharding: not a sharding spec (@type, preshift_bits, hash, minishard_bits, shard_bits; the shards are not checked)"
            ])
        #expect(report.notes.count == 1 && report.notes[0].contains("no transform"), "\(report.notes)")

        var spec = try #require(Self.shardings[1])
        spec.hash = "sha1"
        try Multires.setInfo(mesh, "sharding", try JSONText.decode(JSONValue.self, from: JSONText.encode(spec)))
        report = VerifierTests.verify(dataset)
        #expect(
            report.problems.map(\.problem) == [
                "sharding.hash: \"sha1\" is not one of identity, murmurhash3_x86_128 (the shards are not checked)"
            ])
    }

    @Test func shardDamageIsNamed() throws {
        let dataset = try Datasets.make(try Datasets.temporaryDirectory())
        let spec = ShardingSpec(preshiftBits: 0, hash: "identity", minishardBits: 1, shardBits: 0)
        let mesh = try Multires.add(dataset, sharding: spec)
        let shard = mesh.path("0.shard")
        #expect(VerifierTests.verify(dataset).ok)

        // A shard file of a name no shard has, a manifest whose fragments would overlap the shard index.
        try FileIO.writeAtomically([1, 2, 3], to: mesh.path("01.shard"))
        let layout = ShardingLayout(spec: spec, gridSize: [1, 1, 1])
        let big = Multires.manifest(levels: [.init(positions: [[0, 0, 0]], sizes: [1 << 20])])
        try FileIO.writeAtomically(try ShardFile.build(prefixed: [(7, [], big)], layout: layout), to: shard)
        var report = VerifierTests.verify(dataset)
        #expect(
            report.problems.map { "\($0.kind.rawValue) \($0.path)" } == [
                "bad-shard \(mesh.path("01.shard"))", "bad-manifest \(shard) (label 7)",
            ])
        #expect(report.problems.last?.problem.contains("add up to 1048576 bytes") == true, "\(report.problems)")
        try FileManager.default.removeItem(atPath: mesh.path("01.shard"))

        // A truncated shard: its last minishard index lies past the end.
        _ = try Multires.add(dataset, sharding: spec)
        try VerifierTests.corrupt(shard) { $0.removeLast(10) }
        report = VerifierTests.verify(dataset)
        #expect(report.problems.map(\.path) == [shard] && report.problems.first?.kind == .badShard)
        #expect(report.problems.first?.problem.contains("past the end of the file") == true, "\(report.problems)")

        // A label hashed to the other minishard.
        let entries = try Multires.labels.map { id in
            let (manifest, data) = try Multires.label()
            return (id: id, prefix: data, data: manifest)
        }
        var file = try ShardFile.build(prefixed: entries, layout: layout)
        // Minishard 0 holds label 2 (identity hash, 1 minishard bit): point minishard 1's index at it.
        for i in 0..<16 { file[16 + i] = file[i] }
        try FileIO.writeAtomically(file, to: shard)
        report = VerifierTests.verify(dataset)
        #expect(
            report.problems.map(\.problem) == [
                "minishard 1: label 2 belongs in 0.shard minishard 0 under the identity hash",
                "minishard 1: label 300 belongs in 0.shard minishard 0 under the identity hash",
            ], "\(report.problems)")
    }
}

extension String {
    fileprivate var dropLastSlash: String { hasSuffix("/") ? String(dropLast()) : self }
}
