/// Marching cubes over a label volume, with a case table built so that the surfaces of
/// neighbouring cubes always meet: closed and without cracks.
///
/// The classic table resolves the ambiguous faces (two inside corners on a diagonal) differently
/// in complementary cases, which leaves holes. This one is derived, not typed in: on every face
/// the crossing points are joined by the same rule whichever cube looks at the face (an
/// ambiguous face separates its inside corners, i.e. the inside is 6-connected), each cube's
/// segments then close into loops, and each loop becomes a fan of triangles facing out. Two
/// cubes sharing a face draw the same segments on it, so every edge of the surface is shared
/// by exactly two triangles.
public enum MarchingCubes {
    /// The 12 edges of a cube. Corner `c` is at (c & 1, c >> 1 & 1, c >> 2 & 1); an edge is
    /// its lower corner and its axis.
    static let edges: [(corner: Int, axis: Int)] = {
        var edges: [(Int, Int)] = []
        for axis in 0..<3 {
            for corner in 0..<8 where corner & (1 << axis) == 0 {
                edges.append((corner, axis))
            }
        }
        return edges
    }()

    /// The edge joining two corners that differ in one axis.
    static func edge(_ a: Int, _ b: Int) -> Int {
        let low = min(a, b)
        let axis = (a ^ b).trailingZeroBitCount
        return edges.firstIndex { $0.corner == low && $0.axis == axis }!
    }

    /// Per case (bit c set = corner c inside): triangles as triples of edge numbers, facing out.
    public static let table: [[UInt8]] = (0..<256).map(triangles(case:))

    static func corner(_ c: Int) -> SIMD3<Double> { SIMD3(Double(c & 1), Double(c >> 1 & 1), Double(c >> 2 & 1)) }

    static func midpoint(_ edge: Int) -> SIMD3<Double> {
        let (c, axis) = edges[edge]
        var point = corner(c)
        point[axis] += 0.5
        return point
    }

    static func triangles(case mask: Int) -> [UInt8] {
        let inside = { (c: Int) in mask & (1 << c) != 0 }
        // Segments on the six faces, as pairs of crossing edges.
        var links = [[Int]](repeating: [], count: 12)
        for axis in 0..<3 {
            let (u, v) = ((axis + 1) % 3, (axis + 2) % 3)
            for side in 0..<2 {
                // Face corners in cyclic order.
                let base = side << axis
                let ring = [base, base | 1 << u, base | 1 << u | 1 << v, base | 1 << v]
                let crossings = (0..<4).filter { inside(ring[$0]) != inside(ring[($0 + 1) % 4]) }
                if crossings.count == 2 {
                    let a = edge(ring[crossings[0]], ring[(crossings[0] + 1) % 4])
                    let b = edge(ring[crossings[1]], ring[(crossings[1] + 1) % 4])
                    links[a].append(b)
                    links[b].append(a)
                } else if crossings.count == 4 {
                    // Cut off each inside corner: join the two edges that meet at it.
                    for i in 0..<4 where inside(ring[i]) {
                        let a = edge(ring[(i + 3) % 4], ring[i])
                        let b = edge(ring[i], ring[(i + 1) % 4])
                        links[a].append(b)
                        links[b].append(a)
                    }
                }
            }
        }
        var result: [UInt8] = []
        var used = [Bool](repeating: false, count: 12)
        for start in 0..<12 where !links[start].isEmpty && !used[start] {
            var loop = [start]
            used[start] = true
            var previous = start
            var current = links[start][0]
            while current != start {
                loop.append(current)
                used[current] = true
                let next = links[current][0] == previous ? links[current][1] : links[current][0]
                previous = current
                current = next
            }
            // Face the loop out: its normal (Newell) along the inside-to-outside directions of its edges.
            var normal = SIMD3<Double>.zero
            for i in 0..<loop.count {
                let p = midpoint(loop[i])
                let q = midpoint(loop[(i + 1) % loop.count])
                normal += SIMD3(
                    (p.y - q.y) * (p.z + q.z), (p.z - q.z) * (p.x + q.x), (p.x - q.x) * (p.y + q.y))
            }
            var outward = 0.0
            for e in loop {
                let (c, axis) = edges[e]
                // From the inside corner to the outside one along the edge.
                let sign = inside(c) ? 1.0 : -1.0
                outward += sign * normal[axis]
            }
            if outward < 0 { loop.reverse() }
            for i in 1..<(loop.count - 1) {
                result += [UInt8(loop[0]), UInt8(loop[i]), UInt8(loop[i + 1])]
            }
        }
        return result
    }
}

/// The surface of one label in a block: positions (x, y, z per vertex) and triangles (three
/// vertex indices each, facing out), vertices shared between the triangles that meet at them.
public struct LabelSurface: Sendable, Equatable {
    public var positions: [Float]
    public var indices: [UInt32]

    public init(positions: [Float] = [], indices: [UInt32] = []) {
        self.positions = positions
        self.indices = indices
    }

    public var vertexCount: Int { positions.count / 3 }
    public var triangleCount: Int { indices.count / 3 }
}

extension MarchingCubes {
    /// Which labels get a surface.
    public struct Selection: Sendable {
        public var only: Set<UInt64>?
        public var excluded: Set<UInt64>

        public init(only: Set<UInt64>? = nil, excluded: Set<UInt64> = []) {
            self.only = only
            self.excluded = excluded
        }

        /// Label 0 is the background and never meshed.
        public func contains(_ label: UInt64) -> Bool {
            label != 0 && !excluded.contains(label) && (only?.contains(label) ?? true)
        }
    }

    final class Builder {
        var surface = LabelSurface()
        var vertexOfEdge = EdgeTable()
    }

    /// The vertex made on each edge of the samples (edge numbers >= 0): open addressing with a
    /// multiplicative hash, cheaper than Dictionary's seeded hashing in the cube loop.
    struct EdgeTable {
        private var keys = [Int](repeating: -1, count: 1024)
        private var values = [UInt32](repeating: 0, count: 1024)
        private var count = 0

        /// The vertex of `key`, or `make()`'s, stored.
        mutating func vertex(_ key: Int, _ make: () -> UInt32) -> UInt32 {
            let mask = keys.count - 1
            var slot = Int(truncatingIfNeeded: (UInt64(truncatingIfNeeded: key) &* 0x9E37_79B9_7F4A_7C15) >> 40) & mask
            while true {
                let found = keys[slot]
                if found == key { return values[slot] }
                if found < 0 { break }
                slot = (slot + 1) & mask
            }
            let value = make()
            keys[slot] = key
            values[slot] = value
            count += 1
            if 2 * count > keys.count { grow() }
            return value
        }

        private mutating func grow() {
            let (oldKeys, oldValues) = (keys, values)
            keys = [Int](repeating: -1, count: 2 * oldKeys.count)
            values = [UInt32](repeating: 0, count: 2 * oldKeys.count)
            let mask = keys.count - 1
            for (key, value) in zip(oldKeys, oldValues) where key >= 0 {
                var slot =
                    Int(truncatingIfNeeded: (UInt64(truncatingIfNeeded: key) &* 0x9E37_79B9_7F4A_7C15) >> 40) & mask
                while keys[slot] >= 0 { slot = (slot + 1) & mask }
                keys[slot] = key
                values[slot] = value
            }
        }
    }

    /// The surfaces of the labels of a block of samples (`size` = x, y, z; x fastest), whose
    /// sample (0, 0, 0) is at `origin`: one cube between every 2x2x2 samples, a vertex at the
    /// middle of each edge whose ends differ. Samples outside the data must be given as 0
    /// (background) for surfaces to close at the volume's border.
    public static func surfaces(
        of labels: UnsafeBufferPointer<UInt64>, size: [Int], origin: SIMD3<Float>, selection: Selection
    ) -> [UInt64: LabelSurface] {
        precondition(size.count == 3 && labels.count == size[0] * size[1] * size[2])
        let (sx, sy, sz) = (size[0], size[1], size[2])
        guard sx > 1, sy > 1, sz > 1 else { return [:] }
        let sxy = sx * sy
        let cornerOffset = (0..<8).map { ($0 & 1) + ($0 >> 1 & 1) * sx + ($0 >> 2 & 1) * sxy }
        let edgeCorner = edges.map { cornerOffset[$0.corner] }
        let edgeAxis = edges.map { $0.axis }
        let edgeCornerXYZ = edges.map {
            SIMD3<Float>(Float($0.corner & 1), Float($0.corner >> 1 & 1), Float($0.corner >> 2 & 1))
        }
        let table = Self.table
        var builders: [UInt64: Builder] = [:]
        var lastLabel: UInt64 = 0
        var lastBuilder: Builder?
        var skipped = Set<UInt64>()
        var values = [UInt64](repeating: 0, count: 8)
        var seen = [UInt64](repeating: 0, count: 8)
        for z in 0..<(sz - 1) {
            for y in 0..<(sy - 1) {
                var base = (z * sy + y) * sx
                for x in 0..<(sx - 1) {
                    defer { base += 1 }
                    // Most cubes lie inside one label: eight loads, no table.
                    let first = labels[base]
                    if labels[base + 1] == first, labels[base + sx] == first, labels[base + sx + 1] == first,
                        labels[base + sxy] == first, labels[base + sxy + 1] == first,
                        labels[base + sxy + sx] == first, labels[base + sxy + sx + 1] == first
                    {
                        continue
                    }
                    for c in 0..<8 { values[c] = labels[base + cornerOffset[c]] }
                    var seenCount = 0
                    for c in 0..<8 {
                        let label = values[c]
                        if label == 0 || (0..<seenCount).contains(where: { seen[$0] == label }) { continue }
                        seen[seenCount] = label
                        seenCount += 1
                        if skipped.contains(label) { continue }
                        let builder: Builder
                        if label == lastLabel, let last = lastBuilder {
                            builder = last
                        } else if let existing = builders[label] {
                            builder = existing
                        } else if selection.contains(label) {
                            builder = Builder()
                            builders[label] = builder
                        } else {
                            skipped.insert(label)
                            continue
                        }
                        lastLabel = label
                        lastBuilder = builder
                        var mask = 0
                        for k in 0..<8 where values[k] == label { mask |= 1 << k }
                        let cell = SIMD3<Float>(Float(x), Float(y), Float(z))
                        for edge in table[mask] {
                            let e = Int(edge)
                            let key = (base + edgeCorner[e]) * 3 + edgeAxis[e]
                            let vertex = builder.vertexOfEdge.vertex(key) {
                                var point = origin + cell + edgeCornerXYZ[e]
                                point[edgeAxis[e]] += 0.5
                                builder.surface.positions += [point.x, point.y, point.z]
                                return UInt32(builder.surface.positions.count / 3 - 1)
                            }
                            builder.surface.indices.append(vertex)
                        }
                    }
                }
            }
        }
        return builders.mapValues(\.surface)
    }
}
