/// The voxel box of one chunk, in the scale's voxel coordinates (voxel_offset included).
public struct ChunkBox: Hashable, Sendable, CustomStringConvertible {
    public var x: Range<Int>
    public var y: Range<Int>
    public var z: Range<Int>

    public init(x: Range<Int>, y: Range<Int>, z: Range<Int>) {
        self.x = x
        self.y = y
        self.z = z
    }

    /// Extent along x, y, z.
    public var size: [Int] { [x.count, y.count, z.count] }
    public var voxelCount: Int { x.count * y.count * z.count }

    /// The flat file name `x0-x1_y0-y1_z0-z1`.
    public var description: String {
        "\(x.lowerBound)-\(x.upperBound)_\(y.lowerBound)-\(y.upperBound)_\(z.lowerBound)-\(z.upperBound)"
    }

    /// Parses `x0-x1_y0-y1_z0-z1` (or the nested form with `/`), negative bounds included;
    /// a `.gz` suffix is ignored.
    public init?(name: String) {
        var text = Substring(name)
        if text.hasSuffix(".gz") { text = text.dropLast(3) }
        let parts = text.split(whereSeparator: { $0 == "_" || $0 == "/" })
        guard parts.count == 3 else { return nil }
        var ranges: [Range<Int>] = []
        for part in parts {
            // The separator is the first '-' that is not a sign.
            let body = part.dropFirst()
            guard let dash = body.firstIndex(of: "-"),
                let lower = Int(part[part.startIndex..<dash]),
                let upper = Int(part[part.index(after: dash)...]),
                lower < upper
            else { return nil }
            ranges.append(lower..<upper)
        }
        self.init(x: ranges[0], y: ranges[1], z: ranges[2])
    }
}

/// The chunk grid of one scale: `ceil(size / chunk)` cells per axis, edge chunks truncated.
public struct ChunkGrid: Sendable {
    public let size: [Int]
    public let chunkSize: [Int]
    public let offset: [Int]

    public init(size: [Int], chunkSize: [Int], offset: [Int] = [0, 0, 0]) {
        self.size = size
        self.chunkSize = chunkSize
        self.offset = offset
    }

    /// The grid of the first chunk size of `scale`.
    public init(scale: ScaleInfo) {
        self.init(size: scale.size, chunkSize: scale.chunkSizes?.first ?? scale.size, offset: scale.offset)
    }

    /// Cells per axis.
    public var gridSize: [Int] { (0..<3).map { (size[$0] + chunkSize[$0] - 1) / chunkSize[$0] } }
    public var chunkCount: Int { gridSize.reduce(1, *) }

    /// The box of grid cell (gx, gy, gz).
    public func box(_ gx: Int, _ gy: Int, _ gz: Int) -> ChunkBox {
        func range(_ axis: Int, _ cell: Int) -> Range<Int> {
            let begin = cell * chunkSize[axis]
            let end = min(begin + chunkSize[axis], size[axis])
            return (offset[axis] + begin)..<(offset[axis] + end)
        }
        return ChunkBox(x: range(0, gx), y: range(1, gy), z: range(2, gz))
    }

    /// Every chunk, x fastest, then y, then z.
    public var boxes: [ChunkBox] {
        let grid = gridSize
        var result: [ChunkBox] = []
        result.reserveCapacity(chunkCount)
        for gz in 0..<grid[2] {
            for gy in 0..<grid[1] {
                for gx in 0..<grid[0] { result.append(box(gx, gy, gz)) }
            }
        }
        return result
    }

    /// The grid cell of a box, when the box is one of this grid's chunks.
    public func cell(of box: ChunkBox) -> [Int]? {
        let lower = [box.x.lowerBound, box.y.lowerBound, box.z.lowerBound]
        var cell: [Int] = []
        for axis in 0..<3 {
            let begin = lower[axis] - offset[axis]
            guard begin >= 0, begin % chunkSize[axis] == 0 else { return nil }
            cell.append(begin / chunkSize[axis])
        }
        guard cell[0] < gridSize[0], cell[1] < gridSize[1], cell[2] < gridSize[2],
            self.box(cell[0], cell[1], cell[2]) == box
        else { return nil }
        return cell
    }
}
