import Precomputed

/// A multi-resolution mesh manifest (`ID.index`, or a shard's value for a label) as
/// Neuroglancer's `decodeMultiscaleManifestChunk` reads it, all little-endian:
/// `float32 chunk_shape[3]`, `float32 grid_origin[3]`, `uint32 num_lods`,
/// `float32 lod_scales[num_lods]`, `float32 vertex_offsets[num_lods][3]`,
/// `uint32 num_fragments_per_lod[num_lods]`, then per LOD `uint32 fragment_positions[3][n]`
/// (all x, then all y, then all z) and `uint32 fragment_sizes[n]`.
struct MultiresManifest: Sendable, Equatable {
    struct Level: Sendable, Equatable {
        var scale: Float
        var vertexOffset: SIMD3<Float>
        var positions: [SIMD3<UInt32>]
        /// Bytes of each fragment in the data; 0 marks an empty node.
        var sizes: [UInt32]
    }

    var chunkShape: SIMD3<Float>
    var gridOrigin: SIMD3<Float>
    var levels: [Level]

    /// Bytes of the header, before the first fragment position.
    static let headerSize = 28

    /// The manifest in `bytes`; throws a `VerifyProblem` unless they hold one of exactly
    /// `28 + 20 * num_lods + 16 * fragments` bytes with `num_lods >= 1`. Nothing is allocated
    /// beyond what the size check has bounded by `bytes.count`.
    init(decoding bytes: [UInt8]) throws {
        guard bytes.count >= Self.headerSize else {
            throw VerifyProblem("the manifest is \(bytes.count) bytes, less than its 28-byte header")
        }
        func float(_ offset: Int) -> Float { Float(bitPattern: uint32(offset)) }
        func uint32(_ offset: Int) -> UInt32 {
            (0..<4).reduce(UInt32(0)) { $0 | UInt32(bytes[offset + $1]) << (8 * UInt32($1)) }
        }
        func vector(_ offset: Int) -> SIMD3<Float> { SIMD3(float(offset), float(offset + 4), float(offset + 8)) }
        chunkShape = vector(0)
        gridOrigin = vector(12)
        let lodCount = Int(uint32(24))
        guard lodCount >= 1 else { throw VerifyProblem("num_lods is 0: a manifest needs at least one LOD") }
        // At most 2^32 - 1 LODs: 20 * lodCount fits in an Int.
        let lodBytes = Self.headerSize + 20 * lodCount
        guard lodBytes <= bytes.count else {
            throw VerifyProblem(
                "the manifest is \(bytes.count) bytes, less than the \(lodBytes) that num_lods \(lodCount) needs "
                    + "before the fragments (28 + 20 x num_lods)")
        }
        let scalesAt = Self.headerSize
        let offsetsAt = scalesAt + 4 * lodCount
        let countsAt = offsetsAt + 12 * lodCount
        let counts = (0..<lodCount).map { Int(uint32(countsAt + 4 * $0)) }
        // Each count is below 2^32 and there are fewer than 2^32 of them: the sum fits in an Int.
        let fragments = counts.reduce(0, +)
        let expected = lodBytes + 16 * fragments
        guard expected == bytes.count else {
            let perLOD = lodCount <= 8 ? " (per LOD: \(counts.map(String.init).joined(separator: ", ")))" : ""
            throw VerifyProblem(
                "the manifest is \(bytes.count) bytes, but num_lods \(lodCount) and \(fragments) fragments\(perLOD) "
                    + "make \(expected) (28 + 20 x num_lods + 16 x fragments): Neuroglancer rejects its size")
        }
        var cursor = lodBytes
        var levels: [Level] = []
        levels.reserveCapacity(lodCount)
        for (lod, count) in counts.enumerated() {
            var level = Level(
                scale: float(scalesAt + 4 * lod), vertexOffset: vector(offsetsAt + 12 * lod), positions: [],
                sizes: [])
            level.positions.reserveCapacity(count)
            for index in 0..<count {
                level.positions.append(
                    SIMD3(
                        uint32(cursor + 4 * index), uint32(cursor + 4 * (count + index)),
                        uint32(cursor + 4 * (2 * count + index))))
            }
            cursor += 12 * count
            level.sizes = (0..<count).map { uint32(cursor + 4 * $0) }
            cursor += 4 * count
            levels.append(level)
        }
        self.levels = levels
    }

    /// The bytes of all fragments, back to back in manifest order.
    var dataSize: UInt64 { levels.reduce(0) { $0 + $1.sizes.reduce(0) { $0 + UInt64($1) } } }

    /// Fragments with data (a size above 0).
    var nonEmptyFragments: Int { levels.reduce(0) { $0 + $1.sizes.count(where: { $0 > 0 }) } }

    /// What Neuroglancer cannot use in a manifest of the right size: a chunk shape not finite
    /// and above 0, a grid origin or vertex offset not finite, a LOD scale not finite and above 0,
    /// positions of a LOD not in strictly increasing Z-curve order (the first break per LOD).
    var problems: [String] {
        var problems: [String] = []
        let axes = ["x", "y", "z"]
        for axis in 0..<3 where !(chunkShape[axis].isFinite && chunkShape[axis] > 0) {
            problems.append("chunk_shape \(axes[axis]) is \(chunkShape[axis]), not a finite number above 0")
        }
        for axis in 0..<3 where !gridOrigin[axis].isFinite {
            problems.append("grid_origin \(axes[axis]) is \(gridOrigin[axis]), not a finite number")
        }
        for (lod, level) in levels.enumerated() {
            if !(level.scale.isFinite && level.scale > 0) {
                problems.append("lod_scales[\(lod)] is \(level.scale), not a finite number above 0")
            }
            for axis in 0..<3 where !level.vertexOffset[axis].isFinite {
                problems.append(
                    "vertex_offsets[\(lod)] \(axes[axis]) is \(level.vertexOffset[axis]), not a finite number")
            }
            for index in level.positions.indices.dropFirst() {
                let (before, here) = (level.positions[index - 1], level.positions[index])
                guard !Self.zOrderPrecedes(before, here) else { continue }
                let relation = before == here ? "at the same position as" : "before"
                problems.append(
                    "LOD \(lod): fragment \(index) at \(Self.text(here)) is \(relation) fragment \(index - 1) at "
                        + "\(Self.text(before)) in Z-curve order (x least significant); positions must increase")
                break
            }
        }
        return problems
    }

    /// True when `a` comes strictly before `b` on the Z-curve whose bits interleave x (least
    /// significant), y, z: the axis holding the highest differing bit decides, z before y
    /// before x at the same bit.
    static func zOrderPrecedes(_ a: SIMD3<UInt32>, _ b: SIMD3<UInt32>) -> Bool { ZCurve.precedes(a, b) }

    static func text(_ position: SIMD3<UInt32>) -> String { "(\(position.x), \(position.y), \(position.z))" }
}
