import Codecs
import Precomputed
import Testing

@testable import Meshing

/// Edge counts of a triangle mesh whose coincident vertices are merged: undirected edges used
/// other than twice, and directed edges used more than once (faces not oriented alike).
func topologyDefects(_ surface: LabelSurface) -> (open: Int, misoriented: Int) {
    let welded = LevelsOfDetail.weld([surface, LabelSurface()])
    var undirected: [SIMD2<UInt32>: Int] = [:]
    var directed: [SIMD2<UInt32>: Int] = [:]
    for t in 0..<welded.triangleCount {
        let v = (0..<3).map { welded.indices[3 * t + $0] }
        for i in 0..<3 {
            let a = v[i]
            let b = v[(i + 1) % 3]
            undirected[SIMD2(min(a, b), max(a, b)), default: 0] += 1
            directed[SIMD2(a, b), default: 0] += 1
        }
    }
    return (undirected.values.filter { $0 != 2 }.count, directed.values.filter { $0 != 1 }.count)
}

/// Six times the enclosed volume: positive when the triangles face out.
func signedVolume(_ s: LabelSurface) -> Double {
    var total = 0.0
    for t in 0..<s.triangleCount {
        let p = (0..<3).map { k in
            SIMD3<Double>((0..<3).map { Double(s.positions[3 * Int(s.indices[3 * t + k]) + $0]) })
        }
        let c = SIMD3(
            p[1].y * p[2].z - p[1].z * p[2].y, p[1].z * p[2].x - p[1].x * p[2].z, p[1].x * p[2].y - p[1].y * p[2].x)
        total += (p[0] * c).sum()
    }
    return total
}

/// A label volume (x fastest) from a function of the voxel.
func volume(_ size: [Int], _ label: (Int, Int, Int) -> UInt64) -> [UInt64] {
    var values: [UInt64] = []
    for z in 0..<size[2] {
        for y in 0..<size[1] {
            for x in 0..<size[0] { values.append(label(x, y, z)) }
        }
    }
    return values
}

/// The volume with a border of background, so that every surface closes.
func padded(_ values: [UInt64], _ size: [Int]) -> (values: [UInt64], size: [Int]) {
    let outer = size.map { $0 + 2 }
    let result = volume(outer) { x, y, z in
        guard (1...size[0]).contains(x), (1...size[1]).contains(y), (1...size[2]).contains(z) else { return 0 }
        return values[((z - 1) * size[1] + y - 1) * size[0] + x - 1]
    }
    return (result, outer)
}

/// Marching cubes over the blocks of `grid` as `nprec mesh generate` cuts them, one label's
/// surfaces of all blocks together.
func blockSurfaces(_ values: [UInt64], size: [Int], shape: [Int], label: UInt64) -> [(SIMD3<Int>, LabelSurface)] {
    let grid = BlockGrid(size: size, shape: shape)
    var result: [(SIMD3<Int>, LabelSurface)] = []
    for index in 0..<grid.count {
        let position = grid.position(index)
        let (first, count) = grid.samples(position)
        let samples = volume(count) { x, y, z in
            let (vx, vy, vz) = (first[0] + x, first[1] + y, first[2] + z)
            guard (0..<size[0]).contains(vx), (0..<size[1]).contains(vy), (0..<size[2]).contains(vz) else { return 0 }
            return values[(vz * size[1] + vy) * size[0] + vx]
        }
        let origin = SIMD3<Float>(Float(first[0]) + 0.5, Float(first[1]) + 0.5, Float(first[2]) + 0.5)
        let surfaces = samples.withUnsafeBufferPointer {
            MarchingCubes.surfaces(of: $0, size: count, origin: origin, selection: .init(only: [label]))
        }
        if let surface = surfaces[label] { result.append((position, surface)) }
    }
    return result
}

@Suite struct MarchingCubesTests {
    @Test func everyCaseIsClosedInItsCube() {
        // Each case alone (one cube, background around): its triangles' boundary edges all lie
        // on the cube's faces, and every face of the table faces out.
        #expect(MarchingCubes.table[0].isEmpty && MarchingCubes.table[255].isEmpty)
        for mask in 1..<255 {
            #expect(!MarchingCubes.table[mask].isEmpty && MarchingCubes.table[mask].count % 3 == 0)
        }
    }

    @Test func randomLabelsGiveClosedOrientedSurfaces() {
        var random = SplitMix64(seed: 7)
        // Noise makes every ambiguous face configuration occur many times.
        for density in [2, 3, 5] {
            let size = [11, 9, 10]
            let values = volume(size) { _, _, _ in random.next() % UInt64(density) == 0 ? 1 + random.next() % 3 : 0 }
            let (grid, outer) = padded(values, size)
            let surfaces = grid.withUnsafeBufferPointer {
                MarchingCubes.surfaces(of: $0, size: outer, origin: .zero, selection: .init())
            }
            #expect(Set(surfaces.keys).isSubset(of: [1, 2, 3]) && !surfaces.isEmpty)
            for (label, surface) in surfaces {
                let defects = topologyDefects(surface)
                #expect(defects.open == 0, "label \(label), density \(density): \(defects.open) open edges")
                #expect(defects.misoriented == 0, "label \(label): \(defects.misoriented) edges facing both ways")
                let voxels = values.filter { $0 == label }.count
                // The surface encloses about the label's voxels (cut corners make it less).
                #expect(signedVolume(surface) > 0)
                #expect(signedVolume(surface) / 6 <= Double(voxels) + 1e-6)
            }
        }
    }

    @Test func blocksMeetWithoutCracks() {
        var random = SplitMix64(seed: 11)
        let size = [23, 17, 19]
        let values = volume(size) { x, y, z in
            let inside = (x - 11) * (x - 11) + (y - 8) * (y - 8) + 2 * (z - 9) * (z - 9) < 60
            return inside && random.next() % 7 != 0 ? 5 : (random.next() % 9 == 0 ? 5 : 0)
        }
        for shape in [[8, 8, 8], [5, 7, 4], [64, 64, 64]] {
            let pieces = blockSurfaces(values, size: size, shape: shape, label: 5).map(\.1)
            let whole = LevelsOfDetail.weld(pieces)
            let defects = topologyDefects(whole)
            #expect(defects.open == 0 && defects.misoriented == 0, "blocks \(shape): \(defects)")
            // The same surface whatever the blocks: same vertex and triangle counts.
            let (grid, outer) = padded(values, size)
            let reference = grid.withUnsafeBufferPointer {
                MarchingCubes.surfaces(of: $0, size: outer, origin: .zero, selection: .init())
            }[5]!
            #expect(whole.triangleCount == reference.triangleCount && whole.vertexCount == reference.vertexCount)
        }
    }

    @Test func blockVerticesStayInTheirBlock() {
        let size = [20, 20, 20]
        let values = volume(size) { x, y, z in (x + y + z) % 3 == 0 ? 9 : 0 }
        let shape = [6, 7, 8]
        for (position, surface) in blockSurfaces(values, size: size, shape: shape, label: 9) {
            for v in 0..<surface.vertexCount {
                for axis in 0..<3 {
                    let p = Double(surface.positions[3 * v + axis])
                    let low = -0.5 + Double(position[axis] * shape[axis])
                    #expect(p >= low && p <= low + Double(shape[axis]))
                }
            }
        }
    }

    @Test func selectionSkipsLabels() {
        let size = [6, 6, 6]
        let values = volume(size) { x, _, _ in UInt64(x / 2) }
        let (grid, outer) = padded(values, size)
        let surfaces = grid.withUnsafeBufferPointer {
            MarchingCubes.surfaces(of: $0, size: outer, origin: .zero, selection: .init(excluded: [1]))
        }
        #expect(Set(surfaces.keys) == [2])
    }

    @Test func largestLabels() {
        let size = [4, 4, 4]
        let values = volume(size) { x, _, _ in x < 2 ? UInt64.max : UInt64.max - 1 }
        let (grid, outer) = padded(values, size)
        let surfaces = grid.withUnsafeBufferPointer {
            MarchingCubes.surfaces(of: $0, size: outer, origin: .zero, selection: .init())
        }
        #expect(Set(surfaces.keys) == [UInt64.max, UInt64.max - 1])
        #expect(surfaces.values.allSatisfy { topologyDefects($0) == (0, 0) })
    }
}
