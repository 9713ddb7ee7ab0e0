import CMeshopt

/// Triangle mesh simplification through meshoptimizer, and vertex compaction.
public enum MeshSimplifier {
    /// meshoptimizer's meshopt_simplify on a triangle list: `positions` xyz floats (3 per vertex), `indices`
    /// 3 per triangle. `targetError` is ABSOLUTE in the units of `positions` (convert to meshopt's relative
    /// error with meshopt_simplifyScale); `lockBorder` passes meshopt_SimplifyLockBorder (edges used by one
    /// triangle keep their vertices). Returns the new index list and the absolute error reached.
    ///
    /// The result indexes the same `positions` (compact it with `compact`). A mesh meshopt cannot take (counts
    /// not multiples of 3, an index naming no vertex) comes back unchanged with error 0, as does an empty one.
    public static func simplify(
        positions: [Float], indices: [UInt32], targetIndexCount: Int, targetError: Float, lockBorder: Bool
    ) -> (indices: [UInt32], error: Float) {
        let vertexCount = positions.count / 3
        guard positions.count % 3 == 0, indices.count % 3 == 0, !indices.isEmpty,
            indices.allSatisfy({ Int($0) < vertexCount })
        else { return (indices, 0) }
        let target = min(max(targetIndexCount, 0), indices.count)
        var output = [UInt32](repeating: 0, count: indices.count)
        var relativeError: Float = 0
        let stride = 3 * MemoryLayout<Float>.stride
        let (count, scale) = positions.withUnsafeBufferPointer { vertices in
            indices.withUnsafeBufferPointer { input in
                output.withUnsafeMutableBufferPointer { destination in
                    let scale = meshopt_simplifyScale(vertices.baseAddress, vertexCount, stride)
                    // All vertices in one point: any collapse is exact.
                    let relative = scale > 0 ? max(targetError, 0) / scale : 0
                    let count = meshopt_simplify(
                        destination.baseAddress, input.baseAddress, input.count, vertices.baseAddress, vertexCount,
                        stride, target, relative, lockBorder ? UInt32(meshopt_SimplifyLockBorder) : 0,
                        &relativeError)
                    return (count, scale)
                }
            }
        }
        output.removeSubrange(min(count, output.count)...)
        return (output, relativeError * scale)
    }

    /// meshopt_optimizeVertexFetch-style compaction: drops unreferenced vertices, renumbers; returns
    /// (positions, indices) of the same triangles.
    ///
    /// Vertices are kept in the order of their first use in `indices`. Triangles with an index that names
    /// no vertex are dropped (as are trailing indices short of a triangle).
    public static func compact(positions: [Float], indices: [UInt32]) -> (positions: [Float], indices: [UInt32]) {
        let vertexCount = positions.count / 3
        var remap = [UInt32](repeating: .max, count: vertexCount)
        var newPositions: [Float] = []
        var newIndices: [UInt32] = []
        newIndices.reserveCapacity(indices.count - indices.count % 3)
        var next: UInt32 = 0
        for start in Swift.stride(from: 0, to: indices.count - indices.count % 3, by: 3) {
            let triangle = indices[start..<(start + 3)]
            guard triangle.allSatisfy({ Int($0) < vertexCount }) else { continue }
            for index in triangle {
                let old = Int(index)
                if remap[old] == .max {
                    remap[old] = next
                    next &+= 1
                    newPositions.append(contentsOf: positions[(3 * old)..<(3 * old + 3)])
                }
                newIndices.append(remap[old])
            }
        }
        return (newPositions, newIndices)
    }
}
