import Codecs
import Precomputed

/// The octree of one label's mesh: level 0 holds the surface of each block, each coarser level
/// one node per 2x2x2 nodes below, simplified twice as coarsely.
///
/// A node of level L > 0 is kept as the up-to-eight simplified meshes of its children, never
/// joined: Neuroglancer draws the eighths of a node separately (it sorts the triangles of a
/// fragment into the octants of the node) and no triangle may cross the node's middle planes.
/// Each child is simplified with its border fixed, so that the pieces still meet the pieces of
/// the neighbouring nodes.
public struct LevelsOfDetail: Sendable {
    /// Per level, the nodes in Z-curve order (x fastest) and their pieces.
    public var levels: [[Node]]

    public struct Node: Sendable {
        public var position: SIMD3<Int>
        public var pieces: [LabelSurface]

        public var triangleCount: Int { pieces.reduce(0) { $0 + $1.triangleCount } }
    }

    /// Builds the levels from the level-0 surfaces (positions in the stored model's units, one
    /// per block). `scale` maps stored units to nanometres (the resolution) for the simplifier;
    /// `error(L)` is the error allowed at level L, in nanometres. Stops at `maxLevels` levels or
    /// when one node holds everything.
    public static func build(
        blocks: [(position: SIMD3<Int>, surface: LabelSurface)], scale: SIMD3<Float>, maxLevels: Int,
        error: (Int) -> Float
    ) -> LevelsOfDetail {
        var current = blocks.filter { $0.surface.triangleCount > 0 }.map {
            Node(position: $0.position, pieces: [$0.surface])
        }
        current.sort { mortonLess($0.position, $1.position) }
        var levels = [current]
        while levels.count < maxLevels, !isSingleNode(current) {
            let level = levels.count
            var parents: [SIMD3<Int>: [LabelSurface]] = [:]
            var order: [SIMD3<Int>] = []
            for node in current {
                let merged = weld(node.pieces)
                var simplified = simplify(merged, scale: scale, error: error(level))
                // A small piece simplified away stays as it was: every node keeps its parent, and a
                // label shows at every level.
                if simplified.triangleCount == 0 { simplified = merged }
                let parent = node.position &>> 1
                if parents[parent] == nil { order.append(parent) }
                parents[parent, default: []].append(simplified)
            }
            current = order.map { Node(position: $0, pieces: parents[$0]!) }
            current.sort { mortonLess($0.position, $1.position) }
            levels.append(current)
        }
        return LevelsOfDetail(levels: levels)
    }

    static func isSingleNode(_ nodes: [Node]) -> Bool { nodes.count <= 1 }

    /// Z-curve order: the position whose highest differing bit, over x, y, z, belongs to the
    /// smaller coordinate comes first (z is the most significant of equal bits).
    public static func mortonLess(_ a: SIMD3<Int>, _ b: SIMD3<Int>) -> Bool { ZCurve.precedes(a, b) }

    /// The pieces as one mesh whose coincident vertices are one vertex.
    public static func weld(_ pieces: [LabelSurface]) -> LabelSurface {
        if pieces.count == 1 { return pieces[0] }
        var result = LabelSurface()
        var vertexAt: [SIMD3<UInt32>: UInt32] = [:]
        for piece in pieces {
            var map = [UInt32](repeating: 0, count: piece.vertexCount)
            for v in 0..<piece.vertexCount {
                let key = SIMD3(
                    piece.positions[3 * v].bitPattern, piece.positions[3 * v + 1].bitPattern,
                    piece.positions[3 * v + 2].bitPattern)
                if let existing = vertexAt[key] {
                    map[v] = existing
                } else {
                    let index = UInt32(result.vertexCount)
                    vertexAt[key] = index
                    result.positions += piece.positions[(3 * v)..<(3 * v + 3)]
                    map[v] = index
                }
            }
            result.indices += piece.indices.map { map[Int($0)] }
        }
        return result
    }

    /// meshoptimizer's simplification in nanometres, the border (edges of one triangle) fixed,
    /// then the vertices no triangle uses dropped.
    public static func simplify(_ surface: LabelSurface, scale: SIMD3<Float>, error: Float) -> LabelSurface {
        guard surface.triangleCount > 1, error > 0 else { return surface }
        let indices = simplifiedIndices(surface, scale: scale, error: error)
        let compacted = MeshSimplifier.compact(positions: surface.positions, indices: indices)
        return LabelSurface(positions: compacted.positions, indices: compacted.indices)
    }

    /// As `simplify`, for the surface of one block whose faces are the planes `low` and `high`,
    /// so that the surfaces of all blocks stay one closed, oriented manifold (every edge in two
    /// triangles, once each way). The triangles touching a face of the block are kept as they
    /// are and fix the vertices they share with the others, so that no simplification joins two
    /// vertices of a face (the neighbouring block may join them too, which would make an edge
    /// of four triangles). meshoptimizer may still fold two nearby sheets onto one edge; then
    /// the error is halved, three times at most, before the surface is kept as it is.
    public static func simplifyClosed(
        _ surface: LabelSurface, scale: SIMD3<Float>, error: Float, low: SIMD3<Float>, high: SIMD3<Float>
    ) -> LabelSurface {
        guard surface.triangleCount > 1, error > 0 else { return surface }
        // The faces of the block each vertex is on, one bit per face.
        var faces = [UInt8](repeating: 0, count: surface.vertexCount)
        for v in 0..<surface.vertexCount {
            for axis in 0..<3 {
                let p = surface.positions[3 * v + axis]
                if p == low[axis] { faces[v] |= 1 << (2 * axis) }
                if p == high[axis] { faces[v] |= 1 << (2 * axis + 1) }
            }
        }
        var band: [UInt32] = []
        var core = LabelSurface(positions: surface.positions)
        for t in 0..<surface.triangleCount {
            let triangle = surface.indices[(3 * t)..<(3 * t + 3)]
            if triangle.contains(where: { faces[Int($0)] != 0 }) {
                band += triangle
            } else {
                core.indices += triangle
            }
        }
        let original = edgeCheck(surface.indices, faces: faces, allowed: nil)
        guard original.manifold, core.triangleCount > 1 else { return surface }
        var allowed = error
        for _ in 0..<4 {
            var indices = band + simplifiedIndices(core, scale: scale, error: allowed)
            var check = edgeCheck(indices, faces: faces, allowed: original.faceEdges)
            if !check.manifold {
                // Most folds are a triangle made twice, or made twice facing both ways: without
                // its copies the surface is often closed again.
                indices = withoutRepeatedTriangles(indices)
                check = edgeCheck(indices, faces: faces, allowed: original.faceEdges)
            }
            if check.manifold, check.border == original.border, check.newFaceEdges == 0 {
                let compacted = MeshSimplifier.compact(positions: surface.positions, indices: indices)
                return LabelSurface(positions: compacted.positions, indices: compacted.indices)
            }
            allowed /= 2
        }
        return surface
    }

    /// The triangles that occur once, whichever way they face and from whichever corner they
    /// start: every copy of a repeated one is dropped.
    static func withoutRepeatedTriangles(_ indices: [UInt32]) -> [UInt32] {
        var count: [SIMD3<UInt32>: Int] = [:]
        func key(_ t: Int) -> SIMD3<UInt32> {
            let v = [indices[t], indices[t + 1], indices[t + 2]].sorted()
            return SIMD3(v[0], v[1], v[2])
        }
        for t in Swift.stride(from: 0, to: indices.count - 2, by: 3) { count[key(t), default: 0] += 1 }
        var result: [UInt32] = []
        result.reserveCapacity(indices.count)
        for t in Swift.stride(from: 0, to: indices.count - 2, by: 3) where count[key(t)] == 1 {
            result += indices[t..<(t + 3)]
        }
        return result
    }

    struct EdgeCheck {
        /// No two triangles run along an edge the same way.
        var manifold = true
        /// Edges in one triangle only.
        var border = 0
        /// Edges in two triangles joining two vertices on one face of the block.
        var faceEdges = Set<UInt64>()
        /// Of those, the ones not in `allowed`.
        var newFaceEdges = 0
    }

    static func edgeCheck(_ indices: [UInt32], faces: [UInt8], allowed: Set<UInt64>?) -> EdgeCheck {
        var result = EdgeCheck()
        // Directed edges a << 32 | b: a repeat is two triangles running the same way.
        var directed = EdgeSet(capacity: indices.count)
        for t in Swift.stride(from: 0, to: indices.count - 2, by: 3) {
            for i in 0..<3 {
                if !directed.insert(UInt64(indices[t + i]) << 32 | UInt64(indices[t + (i + 1) % 3])) {
                    result.manifold = false
                }
            }
        }
        for edge in directed.elements {
            let a = edge >> 32
            let b = edge & 0xFFFF_FFFF
            guard directed.contains(b << 32 | a) else {
                result.border += 1
                continue
            }
            guard a < b, faces[Int(a)] & faces[Int(b)] != 0 else { continue }
            result.faceEdges.insert(edge)
            if let allowed, !allowed.contains(edge) { result.newFaceEdges += 1 }
        }
        return result
    }

    /// A set of edges (never UInt64.max) sized once: open addressing, multiplicative hash.
    struct EdgeSet {
        private var slots: [UInt64]
        private(set) var elements: [UInt64] = []

        init(capacity: Int) {
            var size = 64
            while size < 2 * capacity { size *= 2 }
            slots = [UInt64](repeating: .max, count: size)
            elements.reserveCapacity(capacity)
        }

        private func slot(_ edge: UInt64) -> Int {
            Int(truncatingIfNeeded: (edge &* 0x9E37_79B9_7F4A_7C15) >> 32) & (slots.count - 1)
        }

        /// False when the edge was there already.
        mutating func insert(_ edge: UInt64) -> Bool {
            var i = slot(edge)
            while slots[i] != .max {
                if slots[i] == edge { return false }
                i = (i + 1) & (slots.count - 1)
            }
            slots[i] = edge
            elements.append(edge)
            return true
        }

        func contains(_ edge: UInt64) -> Bool {
            var i = slot(edge)
            while slots[i] != .max {
                if slots[i] == edge { return true }
                i = (i + 1) & (slots.count - 1)
            }
            return false
        }
    }

    static func simplifiedIndices(_ surface: LabelSurface, scale: SIMD3<Float>, error: Float) -> [UInt32] {
        var scaled = surface.positions
        for i in 0..<scaled.count { scaled[i] *= scale[i % 3] }
        return MeshSimplifier.simplify(
            positions: scaled, indices: surface.indices, targetIndexCount: 0, targetError: error, lockBorder: true
        ).indices
    }

}
