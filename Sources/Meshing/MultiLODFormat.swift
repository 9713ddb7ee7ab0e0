import Codecs

/// Neuroglancer's `neuroglancer_multilod_draco` files for one label: the fragments (one Draco
/// mesh per octree node, level 0 first) and the manifest that places them.
public struct MultiLODMesh: Sendable {
    /// The fragments back to back, in manifest order.
    public var data: [UInt8]
    /// The manifest (`ID.index`, or the shard entry).
    public var manifest: [UInt8]
    public var triangles: [Int]

    /// Encodes `lods` whose positions are in stored-model units, the node of level L at
    /// position p covering `gridOrigin + p * chunkShape * 2^L` with extent `chunkShape * 2^L`.
    /// Vertices are quantized to `bits` (10 or 16) within their node, as Neuroglancer decodes
    /// them; the middle planes of a node map to exactly its partition point.
    public static func encode(
        _ lods: LevelsOfDetail, chunkShape: SIMD3<Double>, gridOrigin: SIMD3<Double>, bits: Int, dracoSpeed: Int
    ) throws(CodecError) -> MultiLODMesh {
        let top = Double((1 << bits) - 1)
        var data: [UInt8] = []
        var sizes: [[UInt32]] = []
        var triangles: [Int] = []
        for (level, nodes) in lods.levels.enumerated() {
            let extent = chunkShape * Double(1 << level)
            var levelSizes: [UInt32] = []
            var levelTriangles = 0
            for node in nodes {
                let corner = gridOrigin + SIMD3<Double>(node.position) * extent
                var positions: [UInt32] = []
                var indices: [UInt32] = []
                for piece in node.pieces {
                    let base = UInt32(positions.count / 3)
                    positions.reserveCapacity(positions.count + piece.positions.count)
                    for i in 0..<piece.positions.count {
                        let axis = i % 3
                        let q = ((Double(piece.positions[i]) - corner[axis]) / extent[axis] * top).rounded()
                        positions.append(UInt32(min(max(q, 0), top)))
                    }
                    indices += piece.indices.map { $0 + base }
                }
                levelTriangles += indices.count / 3
                if indices.isEmpty {
                    levelSizes.append(0)
                    continue
                }
                let fragment = try Draco.encode(positions: positions, indices: indices, speed: dracoSpeed)
                data += fragment
                levelSizes.append(UInt32(fragment.count))
            }
            sizes.append(levelSizes)
            triangles.append(levelTriangles)
        }
        var manifest: [UInt8] = []
        func put(_ value: Float) { withUnsafeBytes(of: value.bitPattern.littleEndian) { manifest += $0 } }
        func put(_ value: UInt32) { withUnsafeBytes(of: value.littleEndian) { manifest += $0 } }
        for axis in 0..<3 { put(Float(chunkShape[axis])) }
        for axis in 0..<3 { put(Float(gridOrigin[axis])) }
        put(UInt32(lods.levels.count))
        for level in 0..<lods.levels.count { put(Float(1 << level)) }
        for _ in 0..<(3 * lods.levels.count) { put(Float(0)) }
        for nodes in lods.levels { put(UInt32(nodes.count)) }
        for (level, nodes) in lods.levels.enumerated() {
            for axis in 0..<3 {
                for node in nodes { put(UInt32(truncatingIfNeeded: node.position[axis])) }
            }
            for size in sizes[level] { put(size) }
        }
        return MultiLODMesh(data: data, manifest: manifest, triangles: triangles)
    }
}
