/// STL, binary or ASCII. STL stores each triangle with its own three corners, so corners at
/// the same coordinates are merged into one vertex, numbered in order of first appearance.
public enum STL {
    public static func read(_ bytes: [UInt8], path: String) throws -> SurfaceMesh {
        if bytes.count >= 84 {
            let count = Int(BinaryReader(bytes: bytes, bigEndian: false).uint(80, size: 4))
            if bytes.count == 84 + 50 * count { return readBinary(bytes, count: count) }
        }
        // ASCII STL starts with "solid"; so do some binary files' headers, but their binary
        // part soon has a zero byte (the high bytes of the triangle count, for one).
        let start = bytes.prefix(512).firstIndex { !Text.isSpace($0) } ?? bytes.count
        if Text.equals(bytes[start..<min(start + 5, bytes.count)], "solid") && !bytes.prefix(1024).contains(0) {
            return try readASCII(bytes, path: path)
        }
        if bytes.count >= 84 {
            let count = Int(BinaryReader(bytes: bytes, bigEndian: false).uint(80, size: 4))
            throw MeshError.malformed(
                file: path, location: "",
                problem:
                    "binary STL of \(count) triangles should be \(84 + 50 * count) bytes, the file has \(bytes.count)"
            )
        }
        throw MeshError.malformed(file: path, location: "", problem: "not an STL file (too short, and not ASCII STL)")
    }

    static func readBinary(_ bytes: [UInt8], count: Int) -> SurfaceMesh {
        let reader = BinaryReader(bytes: bytes, bigEndian: false)
        var merger = VertexMerger()
        var triangles: [Int] = []
        triangles.reserveCapacity(count * 3)
        for triangle in 0..<count {
            let base = 84 + 50 * triangle + 12  // after the normal
            for corner in 0..<3 {
                let at = base + 12 * corner
                triangles.append(
                    merger.index(
                        Double(reader.float32(at)), Double(reader.float32(at + 4)), Double(reader.float32(at + 8))))
            }
        }
        return SurfaceMesh(positions: merger.positions, triangles: triangles)
    }

    static func readASCII(_ bytes: [UInt8], path: String) throws -> SurfaceMesh {
        var merger = VertexMerger()
        var triangles: [Int] = []
        var corners: [Int] = []
        var loopLine: Int?
        try Text.forEachLine(bytes[...]) { number, line in
            func fail(_ problem: String) -> MeshError {
                .malformed(file: path, location: "line \(number)", problem: problem)
            }
            let words = Text.words(line)
            guard let keyword = words.first else { return }
            if Text.equals(keyword, "vertex") {
                guard loopLine != nil else { throw fail("a vertex outside 'outer loop'") }
                guard words.count == 4 else { throw fail("a vertex needs x, y and z") }
                var xyz: [Double] = []
                for word in words[1...3] {
                    guard let value = Text.double(word) else { throw fail("\(Text.quoted(word)) is not a number") }
                    xyz.append(value)
                }
                corners.append(merger.index(xyz[0], xyz[1], xyz[2]))
            } else if Text.equals(keyword, "outer") {
                corners.removeAll(keepingCapacity: true)
                loopLine = number
            } else if Text.equals(keyword, "endloop") {
                guard corners.count >= 3 else {
                    throw fail("a facet with \(corners.count) vertices; at least 3 are needed")
                }
                appendFan(corners, to: &triangles)
                loopLine = nil
            }
        }
        if let loopLine {
            throw MeshError.malformed(
                file: path, location: "line \(loopLine)", problem: "'outer loop' without 'endloop'")
        }
        return SurfaceMesh(positions: merger.positions, triangles: triangles)
    }
}

/// Gives each distinct (x, y, z) one vertex index, in order of first appearance. 0 and -0
/// are the same coordinate.
struct VertexMerger {
    struct Key: Hashable {
        var x: UInt64
        var y: UInt64
        var z: UInt64
    }

    var positions: [Double] = []
    private var indices: [Key: Int] = [:]

    private static func bits(_ value: Double) -> UInt64 { value == 0 ? 0 : value.bitPattern }

    mutating func index(_ x: Double, _ y: Double, _ z: Double) -> Int {
        let key = Key(x: Self.bits(x), y: Self.bits(y), z: Self.bits(z))
        if let index = indices[key] { return index }
        let index = positions.count / 3
        indices[key] = index
        positions.append(x)
        positions.append(y)
        positions.append(z)
        return index
    }
}
