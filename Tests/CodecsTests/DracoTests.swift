import Testing

@testable import Codecs

/// Test meshes: the surface of an n x n x n grid cube (closed, manifold, outward triangles), pushed
/// onto a sphere, and an open n x n grid.
enum TestMeshes {
    /// The cube [0, n]^3's surface, each face split into n x n squares of two triangles each; vertices
    /// shared between faces are one vertex. Returns integer grid points (3 per vertex) and indices.
    static func cubeSurface(_ n: Int) -> (points: [Int], indices: [UInt32]) {
        var points: [Int] = []
        var indices: [UInt32] = []
        var numbers: [Int: UInt32] = [:]
        func vertex(_ p: [Int]) -> UInt32 {
            let key = (p[0] * (n + 1) + p[1]) * (n + 1) + p[2]
            if let number = numbers[key] { return number }
            let number = UInt32(points.count / 3)
            numbers[key] = number
            points += p
            return number
        }
        for axis in 0..<3 {
            let u = (axis + 1) % 3
            let v = (axis + 2) % 3
            for side in [0, n] {
                for i in 0..<n {
                    for j in 0..<n {
                        func corner(_ di: Int, _ dj: Int) -> UInt32 {
                            var p = [0, 0, 0]
                            p[axis] = side
                            p[u] = i + di
                            p[v] = j + dj
                            return vertex(p)
                        }
                        let (a, b, c, d) = (corner(0, 0), corner(1, 0), corner(1, 1), corner(0, 1))
                        indices += side == n ? [a, b, c, a, c, d] : [a, c, b, a, d, c]
                    }
                }
            }
        }
        return (points, indices)
    }

    /// `cubeSurface(n)` projected onto the sphere of `radius` around the origin: float positions.
    static func sphere(_ n: Int, radius: Float) -> (positions: [Float], indices: [UInt32]) {
        let (points, indices) = cubeSurface(n)
        var positions: [Float] = []
        for start in stride(from: 0, to: points.count, by: 3) {
            let p = points[start..<(start + 3)].map { Float($0) - Float(n) / 2 }
            let length = (p[0] * p[0] + p[1] * p[1] + p[2] * p[2]).squareRoot()
            positions += p.map { $0 / length * radius }
        }
        return (positions, indices)
    }

    /// The open grid [0, n]^2 at z = 0: (n + 1)^2 vertices, 2 n^2 triangles; vertex i + (n + 1) j is (i, j).
    static func grid(_ n: Int) -> (positions: [Float], indices: [UInt32]) {
        var positions: [Float] = []
        for j in 0...n {
            for i in 0...n { positions += [Float(i), Float(j), 0] }
        }
        var indices: [UInt32] = []
        for j in 0..<n {
            for i in 0..<n {
                let a = UInt32(i + (n + 1) * j)
                let b = a + 1
                let c = a + UInt32(n + 1) + 1
                let d = a + UInt32(n + 1)
                indices += [a, b, c, a, c, d]
            }
        }
        return (positions, indices)
    }

    /// Each triangle as its three corner positions, rotated to start at the smallest corner (keeping the
    /// orientation), so that meshes equal up to vertex and triangle order compare equal.
    static func triangles(positions: [UInt32], indices: [UInt32]) -> [[[UInt32]]] {
        stride(from: 0, to: indices.count, by: 3).map { start in
            let corners = (0..<3).map { k in
                let vertex = Int(indices[start + k])
                return Array(positions[(3 * vertex)..<(3 * vertex + 3)])
            }
            let first = (0..<3).min { corners[$0].lexicographicallyPrecedes(corners[$1]) } ?? 0
            return (0..<3).map { corners[(first + $0) % 3] }
        }
        .sorted { $0.joined().lexicographicallyPrecedes($1.joined()) }
    }
}

/// A deterministic SplitMix64 stream for the garbage inputs.
struct TestRandom {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

@Suite struct DracoTests {
    /// The 2 x 2 x 2 cube surface (26 vertices, 48 triangles) scaled so its coordinates are 0, 32767
    /// and 65535 (the 16-bit quantization range).
    static func cube() -> (positions: [UInt32], indices: [UInt32]) {
        let (points, indices) = TestMeshes.cubeSurface(2)
        return (points.map { UInt32($0 == 2 ? 65535 : $0 * 32767) }, indices)
    }

    @Test(arguments: [0, 5, 10])
    func roundTripKeepsPositionsAndTriangles(speed: Int) throws {
        let (positions, indices) = Self.cube()
        let bytes = try Draco.encode(positions: positions, indices: indices, speed: speed)
        let decoded = try Draco.decode(bytes)
        #expect(decoded.positions.count == positions.count)
        #expect(decoded.indices.count == indices.count)
        #expect(Set(decoded.positions) == [0, 32767, 65535])
        #expect(
            TestMeshes.triangles(positions: decoded.positions, indices: decoded.indices)
                == TestMeshes.triangles(positions: positions, indices: indices))
    }

    @Test func roundTripOfALargerMeshWithScatteredValues() throws {
        let (points, indices) = TestMeshes.cubeSurface(12)
        // Distinct, irregular values in 0...65535 per vertex.
        var random = TestRandom(state: 7)
        var positions = points.map { UInt32($0 * 5000) + UInt32(random.next() % 500) }
        positions[0] = 0
        positions[1] = 65535
        let bytes = try Draco.encode(positions: positions, indices: indices)
        let decoded = try Draco.decode(bytes)
        #expect(decoded.positions.count == positions.count)
        #expect(
            TestMeshes.triangles(positions: decoded.positions, indices: decoded.indices)
                == TestMeshes.triangles(positions: positions, indices: indices))
    }

    @Test func encodeRejectsWhatItCannotWrite() {
        let (positions, indices) = Self.cube()
        #expect(throws: CodecError.self) { try Draco.encode(positions: positions, indices: []) }
        #expect(throws: CodecError.self) { try Draco.encode(positions: positions, indices: [0, 1, 26]) }
        #expect(throws: CodecError.self) { try Draco.encode(positions: positions, indices: [0, 1]) }
        #expect(throws: CodecError.self) { try Draco.encode(positions: [1, 2], indices: [0, 0, 0]) }
        #expect(throws: CodecError.self) { try Draco.encode(positions: positions, indices: indices, speed: 11) }
        #expect(throws: CodecError.self) {
            try Draco.encode(positions: [0x8000_0000, 0, 0, 1, 0, 0, 0, 1, 0], indices: [0, 1, 2])
        }
    }

    @Test func everyTruncationThrows() throws {
        let (positions, indices) = Self.cube()
        let bytes = try Draco.encode(positions: positions, indices: indices)
        for count in 0..<bytes.count {
            #expect(throws: CodecError.self) { try Draco.decode(Array(bytes.prefix(count))) }
        }
    }

    @Test func garbageNeverCrashes() throws {
        #expect(throws: CodecError.self) { try Draco.decode([]) }
        #expect(throws: CodecError.self) { try Draco.decode(Array("not a draco mesh".utf8)) }
        var random = TestRandom(state: 18)
        for _ in 0..<2000 {
            let count = Int(random.next() % 200)
            var bytes = (0..<count).map { _ in UInt8(truncatingIfNeeded: random.next()) }
            // Half of them behind a valid-looking header ("DRACO", version 2.2, a mesh, edgebreaker).
            if random.next() % 2 == 0 { bytes = Array("DRACO".utf8) + [2, 2, 1, 1] + bytes }
            #expect(throws: CodecError.self) { try Draco.decode(bytes) }
        }
        // Corrupted encodings: whatever decodes has indices inside its positions.
        let (positions, indices) = Self.cube()
        let valid = try Draco.encode(positions: positions, indices: indices)
        for _ in 0..<3000 {
            var bytes = valid
            for _ in 0..<(1 + random.next() % 3) {
                let at = Int(random.next() % UInt64(bytes.count))
                bytes[at] ^= UInt8(truncatingIfNeeded: 1 << (random.next() % 8))
            }
            if let decoded = try? Draco.decode(bytes) {
                #expect(decoded.positions.count % 3 == 0)
                #expect(decoded.indices.allSatisfy { Int($0) < decoded.positions.count / 3 })
            }
        }
    }
}

@Suite struct MeshSimplifierTests {
    @Test func simplifiesASphereWithinTheAbsoluteError() {
        let radius: Float = 1000
        let (positions, indices) = TestMeshes.sphere(32, radius: radius)
        #expect(indices.count == 6 * 32 * 32 * 6)
        let targetError: Float = 0.01 * radius
        let result = MeshSimplifier.simplify(
            positions: positions, indices: indices, targetIndexCount: 0, targetError: targetError, lockBorder: false)
        #expect(result.indices.count % 3 == 0)
        #expect(result.indices.count > 0)
        #expect(result.indices.count < indices.count / 10)
        #expect(result.error <= targetError)
        #expect(result.error > 0)
        // A tighter bound keeps more triangles and reaches a smaller error.
        let tighter = MeshSimplifier.simplify(
            positions: positions, indices: indices, targetIndexCount: 0, targetError: targetError / 10,
            lockBorder: false)
        #expect(tighter.indices.count > result.indices.count)
        #expect(tighter.error <= targetError / 10)
    }

    @Test func stopsAtTheTargetIndexCount() {
        let (positions, indices) = TestMeshes.sphere(16, radius: 10)
        let result = MeshSimplifier.simplify(
            positions: positions, indices: indices, targetIndexCount: indices.count / 2, targetError: 10,
            lockBorder: false)
        #expect(result.indices.count <= indices.count / 2)
        #expect(result.indices.count > indices.count / 4)
    }

    @Test func lockBorderKeepsTheBorderVertices() {
        let n = 16
        let (positions, indices) = TestMeshes.grid(n)
        var border: Set<UInt32> = []
        for k in 0...n {
            let row = (n + 1) * k
            border.formUnion([UInt32(k), UInt32((n + 1) * n + k), UInt32(row), UInt32(row + n)])
        }
        let locked = MeshSimplifier.simplify(
            positions: positions, indices: indices, targetIndexCount: 0, targetError: 1, lockBorder: true)
        #expect(locked.indices.count < indices.count)
        #expect(border.isSubset(of: Set(locked.indices)))
        // Without the lock, the flat grid's straight borders lose vertices.
        let free = MeshSimplifier.simplify(
            positions: positions, indices: indices, targetIndexCount: 0, targetError: 1, lockBorder: false)
        #expect(!border.isSubset(of: Set(free.indices)))
        #expect(free.indices.count < locked.indices.count)
    }

    @Test func badInputComesBackUnchanged() {
        let (positions, indices) = TestMeshes.grid(2)
        for bad in [indices + [0, 1, 99], Array(indices.dropLast()), []] {
            let result = MeshSimplifier.simplify(
                positions: positions, indices: bad, targetIndexCount: 0, targetError: 1, lockBorder: false)
            #expect(result.indices == bad)
            #expect(result.error == 0)
        }
    }

    @Test func compactDropsUnusedVertices() {
        let positions: [Float] = [0, 0, 0, 9, 9, 9, 1, 0, 0, 8, 8, 8, 0, 1, 0]
        let compacted = MeshSimplifier.compact(positions: positions, indices: [4, 0, 2, 2, 0, 4])
        #expect(compacted.positions == [0, 1, 0, 0, 0, 0, 1, 0, 0])
        #expect(compacted.indices == [0, 1, 2, 2, 1, 0])
        // A triangle naming a missing vertex is dropped.
        #expect(MeshSimplifier.compact(positions: positions, indices: [0, 1, 5]) == ([], []))
    }

    @Test func compactKeepsTheTrianglesOfASimplifiedMesh() {
        let (positions, indices) = TestMeshes.sphere(8, radius: 10)
        let simplified = MeshSimplifier.simplify(
            positions: positions, indices: indices, targetIndexCount: indices.count / 4, targetError: 10,
            lockBorder: false)
        let compacted = MeshSimplifier.compact(positions: positions, indices: simplified.indices)
        #expect(Set(compacted.indices).count == compacted.positions.count / 3)
        let before = simplified.indices.map { Array(positions[(3 * Int($0))..<(3 * Int($0) + 3)]) }
        let after = compacted.indices.map { Array(compacted.positions[(3 * Int($0))..<(3 * Int($0) + 3)]) }
        #expect(before == after)
    }
}
