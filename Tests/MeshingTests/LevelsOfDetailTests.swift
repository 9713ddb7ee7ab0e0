import Codecs
import Precomputed
import Testing

@testable import Meshing

/// An ellipsoid of label 3 with semi-axes `radii` (voxels) centred at `centre` (voxel units,
/// voxel v spanning [v, v+1)).
func ellipsoid(_ size: [Int], centre: SIMD3<Double>, radii: SIMD3<Double>) -> [UInt64] {
    volume(size) { x, y, z in
        let p = (SIMD3<Double>(Double(x), Double(y), Double(z)) + 0.5 - centre) / radii
        return (p * p).sum() <= 1 ? 3 : 0
    }
}

/// Distance from `p` to the ellipsoid's surface, in voxels (Newton on the scaled radius; exact
/// enough for nearly spherical shapes, and an upper bound through the radial line otherwise).
func surfaceDistance(_ p: SIMD3<Double>, centre: SIMD3<Double>, radii: SIMD3<Double>) -> Double {
    let d = p - centre
    let scaled = ((d / radii) * (d / radii)).sum().squareRoot()
    guard scaled > 0 else { return radii.min() }
    // The point on the radial line through p that lies on the surface.
    let onSurface = d / scaled
    return ((d - onSurface) * (d - onSurface)).sum().squareRoot()
}

/// Level 0 of a block as `nprec mesh generate` simplifies it.
func closed(_ surface: LabelSurface, at position: SIMD3<Int>, shape: Int, error: Float) -> LabelSurface {
    let low = SIMD3<Float>(position &* shape) - 0.5
    return LevelsOfDetail.simplifyClosed(
        surface, scale: .one, error: error, low: low, high: low + SIMD3(repeating: Float(shape)))
}

@Suite struct LevelsOfDetailTests {
    static let size = [40, 36, 30]
    static let centre = SIMD3<Double>(20.3, 17.8, 15.1)
    static let radii = SIMD3<Double>(15.2, 12.7, 10.4)

    @Test func mortonOrder() {
        let positions = (0..<64).map { SIMD3<Int>($0 & 3, $0 >> 2 & 3, $0 >> 4 & 3) }.shuffled()
        let sorted = positions.sorted(by: LevelsOfDetail.mortonLess)
        func code(_ p: SIMD3<Int>) -> Int {
            var c = 0
            for bit in 0..<2 {
                c |=
                    (p.x >> bit & 1) << (3 * bit) | (p.y >> bit & 1) << (3 * bit + 1) | (p.z >> bit & 1)
                    << (3 * bit + 2)
            }
            return c
        }
        #expect(sorted.map(code) == Array(0..<64))
    }

    @Test func ellipsoidLevelZeroIsCloseClosedAndSmaller() {
        let values = ellipsoid(Self.size, centre: Self.centre, radii: Self.radii)
        let blocks = blockSurfaces(values, size: Self.size, shape: [16, 16, 16], label: 3)
        let raw = LevelsOfDetail.weld(blocks.map(\.1))
        // The defaults of `nprec mesh generate`: half a voxel at level 0.
        let simplified = blocks.map { closed($0.1, at: $0.0, shape: 16, error: 0.5) }
        let lod0 = LevelsOfDetail.weld(simplified)
        #expect(topologyDefects(lod0) == (0, 0))
        #expect(lod0.triangleCount < raw.triangleCount * 3 / 4)
        var worst = 0.0
        for v in 0..<lod0.vertexCount {
            let p = SIMD3<Double>((0..<3).map { Double(lod0.positions[3 * v + $0]) })
            worst = max(worst, surfaceDistance(p, centre: Self.centre, radii: Self.radii))
        }
        #expect(worst <= 1, "a level-0 vertex is \(worst) voxels from the surface")
    }

    @Test func levelsShrinkAndKeepToTheirOctants() {
        let values = ellipsoid(Self.size, centre: Self.centre, radii: Self.radii)
        let shape = [8, 8, 8]
        let blocks = blockSurfaces(values, size: Self.size, shape: shape, label: 3).map {
            (position: $0.0, surface: LevelsOfDetail.simplify($0.1, scale: .one, error: 0.5))
        }
        let lods = LevelsOfDetail.build(blocks: blocks, scale: .one, maxLevels: 64) { 0.5 * Float(1 << $0) }
        #expect(lods.levels.count == 4)
        #expect(lods.levels.last!.count == 1)
        let counts = lods.levels.map { $0.reduce(0) { $0 + $1.triangleCount } }
        for level in 1..<counts.count { #expect(counts[level] < counts[level - 1], "\(counts)") }
        for (level, nodes) in lods.levels.enumerated() {
            #expect(nodes.map(\.position) == nodes.map(\.position).sorted(by: LevelsOfDetail.mortonLess))
            for node in nodes {
                #expect(level == 0 ? node.pieces.count == 1 : (1...8).contains(node.pieces.count))
                // Each piece within one eighth of the node (level > 0) or within the node.
                let extent = Double(shape[0] << level)
                let corner = SIMD3<Double>(node.position) * extent - 0.5
                for piece in node.pieces {
                    let points = (0..<piece.vertexCount).map { v in
                        SIMD3<Double>((0..<3).map { Double(piece.positions[3 * v + $0]) })
                    }
                    let half = level == 0 ? extent : extent / 2
                    let low = points.reduce(SIMD3(repeating: .infinity)) { pointwiseMin($0, $1) }
                    let octant = ((low - corner) / half).rounded(.down)
                    let start = corner + octant * half
                    #expect(points.allSatisfy { all($0 .>= start - 1e-4) && all($0 .<= start + half + 1e-4) })
                }
            }
        }
    }

    @Test func manifestLayoutAndFragments() throws {
        let values = ellipsoid(Self.size, centre: Self.centre, radii: Self.radii)
        let shape = [16, 16, 16]
        let blocks = blockSurfaces(values, size: Self.size, shape: shape, label: 3).map {
            (position: $0.0, surface: LevelsOfDetail.simplify($0.1, scale: .one, error: 0.5))
        }
        let lods = LevelsOfDetail.build(blocks: blocks, scale: .one, maxLevels: 64) { 0.5 * Float(1 << $0) }
        for bits in [10, 16] {
            let mesh = try MultiLODMesh.encode(
                lods, chunkShape: SIMD3(16, 16, 16), gridOrigin: BlockGrid.gridOrigin, bits: bits, dracoSpeed: 5)
            let fragments = lods.levels.reduce(0) { $0 + $1.count }
            #expect(mesh.manifest.count == 28 + 20 * lods.levels.count + 16 * fragments)
            // The fragment sizes of the manifest add up to the data, and each decodes to the node's
            // triangles with coordinates within the quantization range.
            let top = UInt32((1 << bits) - 1)
            var offset = 0
            var cursor = 28 + 20 * lods.levels.count
            for nodes in lods.levels {
                cursor += 12 * nodes.count
                for node in nodes {
                    let size = Int(BlockFile.uint32(mesh.manifest, cursor))
                    cursor += 4
                    let decoded = try Draco.decode(Array(mesh.data[offset..<(offset + size)]))
                    offset += size
                    #expect(decoded.indices.count == 3 * node.triangleCount)
                    #expect(decoded.positions.allSatisfy { $0 <= top })
                }
            }
            #expect(offset == mesh.data.count)
        }
    }

    @Test func repeatedTrianglesGoWithAllTheirCopies() {
        // A tetrahedron, one face made again (the same way) and another made again facing the
        // other way, from another corner.
        let tetrahedron: [UInt32] = [0, 2, 1, 0, 1, 3, 1, 2, 3, 0, 3, 2]
        let folded = tetrahedron + [0, 2, 1] + [3, 1, 0] + [4, 5, 6, 4, 6, 5]
        #expect(LevelsOfDetail.withoutRepeatedTriangles(folded) == [1, 2, 3, 0, 3, 2])
        #expect(LevelsOfDetail.withoutRepeatedTriangles(tetrahedron) == tetrahedron)
    }
}
