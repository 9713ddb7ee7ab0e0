/// The length unit of mesh coordinates in a file.
public enum LengthUnit: String, Sendable, CaseIterable {
    case nm, um, mm

    /// Nanometres in one unit.
    public var nanometres: Double {
        switch self {
        case .nm: return 1
        case .um: return 1e3
        case .mm: return 1e6
        }
    }
}

/// An affine transform of 3-D points, in millimetres: `y = A x + t`.
public struct CoordinateTransform: Sendable, Equatable {
    /// The 3×3 linear part, row-major.
    public var linear: [Double]
    /// The translation, in millimetres.
    public var translation: [Double]

    /// From 12 numbers (3×4, row-major) or 16 (4×4, whose last row must be 0, 0, 0, 1).
    /// Returns nil with any other count or last row.
    public init?(rowMajor numbers: [Double]) {
        guard numbers.count == 12 || (numbers.count == 16 && Array(numbers[12...]) == [0, 0, 0, 1]) else {
            return nil
        }
        linear = [
            numbers[0], numbers[1], numbers[2], numbers[4], numbers[5], numbers[6], numbers[8], numbers[9], numbers[10],
        ]
        translation = [numbers[3], numbers[7], numbers[11]]
    }

    public var determinant: Double {
        let m = linear
        return m[0] * (m[4] * m[8] - m[5] * m[7]) - m[1] * (m[3] * m[8] - m[5] * m[6])
            + m[2] * (m[3] * m[7] - m[4] * m[6])
    }

    /// True when the transform mirrors space (negative determinant): triangles must then be
    /// reversed to keep their outside facing out.
    public var mirrors: Bool { determinant < 0 }
}

/// The legacy single-resolution precomputed mesh fragment (`neuroglancer_legacy_mesh`):
/// uint32 vertex count, float32 x y z per vertex (nanometres), uint32 triangle indices; all
/// little-endian.
public struct Fragment: Sendable, Equatable {
    /// x, y, z in nanometres, interleaved.
    public var vertices: [Float]
    /// Three vertex indices per triangle.
    public var triangles: [UInt32]

    public init(vertices: [Float], triangles: [UInt32]) {
        self.vertices = vertices
        self.triangles = triangles
    }

    /// The fragment of `mesh`, whose coordinates are in `unit`: `transform` (translation in
    /// millimetres) applied in float64, then millimetres to nanometres, then rounded to
    /// float32 once. A mirroring transform reverses each triangle's vertex order (as the
    /// reference: a, b, c becomes c, b, a). The mesh is validated first; `file` names it in errors.
    public init(mesh: SurfaceMesh, unit: LengthUnit = .mm, transform: CoordinateTransform? = nil, file: String) throws {
        try mesh.validate(file: file)
        let p = mesh.positions
        var vertices = [Float](repeating: 0, count: p.count)
        if let transform {
            let a = transform.linear
            let t = transform.translation
            let toMillimetres = unit.nanometres / 1e6
            for v in stride(from: 0, to: p.count, by: 3) {
                let x = p[v] * toMillimetres
                let y = p[v + 1] * toMillimetres
                let z = p[v + 2] * toMillimetres
                vertices[v] = Float((a[0] * x + a[1] * y + a[2] * z + t[0]) * 1e6)
                vertices[v + 1] = Float((a[3] * x + a[4] * y + a[5] * z + t[1]) * 1e6)
                vertices[v + 2] = Float((a[6] * x + a[7] * y + a[8] * z + t[2]) * 1e6)
            }
        } else {
            let scale = unit.nanometres
            for index in p.indices { vertices[index] = Float(p[index] * scale) }
        }
        if let bad = vertices.firstIndex(where: { !$0.isFinite }) {
            throw MeshError.invalidMesh(
                file: file,
                problem: "vertex \(bad / 3) is beyond the float32 range once in nanometres (\(p[bad]) \(unit.rawValue))"
            )
        }
        var triangles = mesh.triangles.map { UInt32($0) }
        if transform?.mirrors == true {
            for t in stride(from: 0, to: triangles.count, by: 3) { triangles.swapAt(t, t + 2) }
        }
        self.vertices = vertices
        self.triangles = triangles
    }

    public var vertexCount: Int { vertices.count / 3 }
    public var triangleCount: Int { triangles.count / 3 }

    /// The fragment file's bytes.
    public func encoded() -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(4 + 4 * vertices.count + 4 * triangles.count)
        func append(_ value: UInt32) {
            withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
        }
        append(UInt32(vertexCount))
        for value in vertices { append(value.bitPattern) }
        for value in triangles { append(value) }
        return bytes
    }

    /// Reads a fragment file's bytes, checking sizes and indices as Neuroglancer does.
    public init(decoding bytes: [UInt8], file: String) throws {
        func fail(_ problem: String) -> MeshError { .malformed(file: file, location: "", problem: problem) }
        guard bytes.count >= 4 else { throw fail("a mesh fragment has at least 4 bytes") }
        let reader = BinaryReader(bytes: bytes, bigEndian: false)
        let count = Int(reader.uint(0, size: 4))
        let rest = bytes.count - 4 - 12 * count
        guard rest >= 0 else { throw fail("\(count) vertices need \(4 + 12 * count) bytes, found \(bytes.count)") }
        guard rest % 12 == 0 else { throw fail("the triangle data is \(rest) bytes, not a multiple of 12") }
        vertices = (0..<(3 * count)).map { reader.float32(4 + 4 * $0) }
        let start = 4 + 12 * count
        triangles = (0..<(rest / 4)).map { UInt32(reader.uint(start + 4 * $0, size: 4)) }
        if let bad = triangles.first(where: { Int($0) >= count }) {
            throw fail("a triangle refers to vertex \(bad), but the fragment has \(count) vertices")
        }
    }
}
