/// Object File Format (`.off`): an `OFF` line (also `COFF`, `NOFF`, `STOFF`... whose extra
/// vertex values are ignored), the counts `vertices faces edges`, then one vertex per line
/// (`x y z ...`) and one face per line (`n i1 ... in`, 0-based, then optional colour values).
/// Polygons are fanned into triangles; `#` starts a comment.
public enum OFF {
    public static func read(_ bytes: [UInt8], path: String) throws -> SurfaceMesh {
        enum Stage { case keyword, counts, vertices, faces, done }
        var stage = Stage.keyword
        var vertexCount = 0
        var faceCount = 0
        var positions: [Double] = []
        var triangles: [Int] = []
        var corners: [Int] = []
        var lastLine = 0
        try Text.forEachLine(bytes[...]) { number, line in
            func fail(_ problem: String) -> MeshError {
                .malformed(file: path, location: "line \(number)", problem: problem)
            }
            lastLine = number
            var words = Text.words(Text.strippingComment(line))[...]
            guard !words.isEmpty else { return }
            switch stage {
            case .keyword:
                let keyword = Text.string(words[words.startIndex])
                guard keyword.hasSuffix("OFF"), keyword.dropLast(3).allSatisfy({ "STCN".contains($0) }) else {
                    if keyword.hasSuffix("OFF") {
                        throw fail("'\(keyword)' files (other dimensions or layouts) are not supported; use plain OFF")
                    }
                    throw fail("not an OFF file (it must start with 'OFF')")
                }
                stage = .counts
                words = words.dropFirst()
                if words.isEmpty { return }
                fallthrough
            case .counts:
                guard words.count >= 2, let vertices = Text.integer(words[words.startIndex]),
                    let faces = Text.integer(words[words.startIndex + 1]), vertices >= 0, faces >= 0
                else { throw fail("expected the counts: vertices faces edges") }
                // Each vertex and face takes a line of at least two bytes.
                guard vertices <= bytes.count / 2, faces <= bytes.count / 2 else {
                    throw fail(
                        "\(vertices) vertices and \(faces) faces cannot fit in the file's \(bytes.count) bytes "
                            + "(truncated file or corrupt counts)")
                }
                vertexCount = vertices
                faceCount = faces
                positions.reserveCapacity(vertices * 3)
                stage = vertices > 0 ? .vertices : (faces > 0 ? .faces : .done)
            case .vertices:
                guard words.count >= 3 else { throw fail("a vertex needs x, y and z") }
                for word in words.prefix(3) {
                    guard let value = Text.double(word) else { throw fail("\(Text.quoted(word)) is not a number") }
                    positions.append(value)
                }
                if positions.count == vertexCount * 3 { stage = faceCount > 0 ? .faces : .done }
            case .faces:
                guard let count = Text.integer(words[words.startIndex]), count >= 3 else {
                    throw fail("a face starts with its number of vertices, at least 3")
                }
                guard words.count > count else { throw fail("the face lists fewer than \(count) vertices") }
                corners.removeAll(keepingCapacity: true)
                for word in words.dropFirst().prefix(count) {
                    guard let index = Text.integer(word) else {
                        throw fail("\(Text.quoted(word)) is not a vertex index")
                    }
                    guard index >= 0 && index < vertexCount else {
                        throw fail("vertex index \(index) is out of range: the file has \(vertexCount) vertices")
                    }
                    corners.append(index)
                }
                appendFan(corners, to: &triangles)
                faceCount -= 1
                if faceCount == 0 { stage = .done }
            case .done:
                return
            }
        }
        switch stage {
        case .keyword:
            throw MeshError.malformed(file: path, location: "", problem: "not an OFF file (it is empty)")
        case .counts:
            throw MeshError.malformed(
                file: path, location: "line \(lastLine)", problem: "the file ends before the counts")
        case .vertices:
            throw MeshError.malformed(
                file: path, location: "line \(lastLine)",
                problem: "the file ends after \(positions.count / 3) of \(vertexCount) vertices")
        case .faces:
            throw MeshError.malformed(
                file: path, location: "line \(lastLine)", problem: "the file ends with \(faceCount) faces still to read"
            )
        case .done:
            return SurfaceMesh(positions: positions, triangles: triangles)
        }
    }
}
