/// Wavefront OBJ: `v x y z` vertices and `f` faces (`i`, `i/t`, `i//n`, `i/t/n`; 1-based,
/// negative indices count back from the last vertex read). Polygons are fanned into
/// triangles. Everything else (normals, texture coordinates, groups, materials, lines) is
/// ignored.
public enum OBJ {
    public static func read(_ bytes: [UInt8], path: String) throws -> SurfaceMesh {
        var positions: [Double] = []
        var triangles: [Int] = []
        var corners: [Int] = []
        var faceLines: [Int] = []  // the line of each triangle, for range errors
        try Text.forEachLine(bytes[...]) { number, line in
            func fail(_ problem: String) -> MeshError {
                .malformed(file: path, location: "line \(number)", problem: problem)
            }
            let words = Text.words(Text.strippingComment(line))
            guard let keyword = words.first else { return }
            if Text.equals(keyword, "v") {
                guard words.count >= 4 else { throw fail("a vertex needs x, y and z") }
                for word in words[1...3] {
                    guard let value = Text.double(word) else { throw fail("\(Text.quoted(word)) is not a number") }
                    positions.append(value)
                }
            } else if Text.equals(keyword, "f") {
                guard words.count >= 4 else { throw fail("a face needs at least 3 vertices, found \(words.count - 1)") }
                corners.removeAll(keepingCapacity: true)
                let defined = positions.count / 3
                for word in words.dropFirst() {
                    let index = word.prefix { $0 != UInt8(ascii: "/") }
                    guard let value = Text.integer(index), value != 0 else {
                        throw fail("\(Text.quoted(word)) is not a vertex index (1-based, or negative)")
                    }
                    if value < 0 {
                        guard defined + value >= 0 else {
                            throw fail("vertex index \(value) reaches before the first vertex (\(defined) read so far)")
                        }
                        corners.append(defined + value)
                    } else {
                        corners.append(value - 1)
                    }
                }
                let before = triangles.count
                appendFan(corners, to: &triangles)
                faceLines.append(contentsOf: repeatElement(number, count: (triangles.count - before) / 3))
            }
        }
        let count = positions.count / 3
        if let bad = triangles.firstIndex(where: { $0 >= count }) {
            throw MeshError.malformed(
                file: path, location: "line \(faceLines[bad / 3])",
                problem: "vertex index \(triangles[bad] + 1) is out of range: the file has \(count) vertices")
        }
        return SurfaceMesh(positions: positions, triangles: triangles)
    }
}
