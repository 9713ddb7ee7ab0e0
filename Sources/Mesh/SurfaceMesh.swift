/// A triangle mesh as read from a file, before any transform: vertex coordinates in the
/// file's own units, and triangles as indices into the vertices.
public struct SurfaceMesh: Sendable, Equatable {
    /// x, y, z of each vertex, interleaved (3 per vertex).
    public var positions: [Double]
    /// Three vertex indices per triangle, as the file gave them (checked by `validate`).
    public var triangles: [Int]

    public init(positions: [Double], triangles: [Int]) {
        self.positions = positions
        self.triangles = triangles
    }

    public var vertexCount: Int { positions.count / 3 }
    public var triangleCount: Int { triangles.count / 3 }

    /// Checks what a precomputed fragment needs: at least one triangle, finite coordinates,
    /// every index naming a vertex, and counts that fit in uint32. `file` names the source.
    public func validate(file: String) throws {
        guard positions.count % 3 == 0, triangles.count % 3 == 0 else {
            throw MeshError.invalidMesh(file: file, problem: "coordinates or indices do not come in threes")
        }
        guard vertexCount > 0 else {
            throw MeshError.invalidMesh(file: file, problem: "the mesh is empty (no vertices)")
        }
        guard triangleCount > 0 else {
            throw MeshError.invalidMesh(
                file: file, problem: "the mesh is empty (\(vertexCount) vertices but no triangles)")
        }
        guard vertexCount <= Int(UInt32.max), triangles.count <= Int(UInt32.max) else {
            throw MeshError.invalidMesh(file: file, problem: "too large for a precomputed fragment (uint32 counts)")
        }
        for (index, value) in positions.enumerated() where !value.isFinite {
            let axis = ["x", "y", "z"][index % 3]
            throw MeshError.invalidMesh(
                file: file, problem: "vertex \(index / 3) has a non-finite coordinate (\(axis) = \(value))")
        }
        let count = vertexCount
        for (index, vertex) in triangles.enumerated() where vertex < 0 || vertex >= count {
            throw MeshError.invalidMesh(
                file: file,
                problem: "triangle \(index / 3) refers to vertex \(vertex), out of range: the mesh has \(count) "
                    + "vertices (0 to \(count - 1))")
        }
    }
}
