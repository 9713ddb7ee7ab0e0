import Precomputed

/// The units of work of one scale, in write order. A unit is one chunk of an unsharded scale
/// (cells x fastest, then y, z) or one shard file of a sharded scale (shards in ascending
/// number, each with its chunks in ascending id). Units are the grain of `--task` and
/// `--resume`: a task owns whole units, and a unit whose file exists is whole (files are
/// renamed into place), so it is done.
public struct ScalePlan: Sendable {
    public let spec: ScaleSpec
    public let grid: ChunkGrid
    public let layout: ShardingLayout?
    public let gridSize: [Int]
    /// Sharded: the shard number of each unit, ascending.
    public let shards: [UInt64]
    /// Sharded: the unit of each cell (linear cell index).
    private let unitOfCell: [Int32]
    /// Sharded: the cells of unit u are `unitCells[unitStart[u]..<unitStart[u + 1]]`.
    private let unitStart: [Int]
    private let unitCells: [Int32]

    public init(_ spec: ScaleSpec) {
        self.spec = spec
        grid = ChunkGrid(size: spec.size, chunkSize: spec.chunkSize, offset: spec.offset)
        gridSize = grid.gridSize
        let count = gridSize.reduce(1, *)
        guard let sharding = spec.sharding else {
            layout = nil
            shards = []
            unitOfCell = []
            unitStart = []
            unitCells = []
            return
        }
        let layout = ShardingLayout(spec: sharding, gridSize: gridSize)
        self.layout = layout
        // Every cell with its shard and id, sorted by (shard, id).
        var entries = [(shard: UInt64, id: UInt64, cell: Int32)]()
        entries.reserveCapacity(count)
        for cell in 0..<count {
            let id = layout.chunkID(Self.coordinates(cell, gridSize))
            entries.append((layout.shard(of: id), id, Int32(cell)))
        }
        entries.sort { ($0.shard, $0.id) < ($1.shard, $1.id) }
        var shards: [UInt64] = []
        var starts: [Int] = []
        var ofCell = [Int32](repeating: 0, count: count)
        for (position, entry) in entries.enumerated() {
            if shards.last != entry.shard {
                shards.append(entry.shard)
                starts.append(position)
            }
            ofCell[Int(entry.cell)] = Int32(shards.count - 1)
        }
        starts.append(entries.count)
        self.shards = shards
        unitOfCell = ofCell
        unitStart = starts
        unitCells = entries.map(\.cell)
    }

    public var key: String { spec.key }
    public var index: Int { spec.index }
    /// The scale as read from the info.
    public var scale: ScaleInfo { spec.info }
    public var isSharded: Bool { layout != nil }
    public var chunkCount: Int { gridSize.reduce(1, *) }
    public var unitCount: Int { isSharded ? shards.count : chunkCount }

    /// The linear cells of a unit, in write order.
    public func cells(of unit: Int) -> [Int] {
        isSharded ? unitCells[unitStart[unit]..<unitStart[unit + 1]].map { Int($0) } : [unit]
    }

    /// How many chunks a unit holds.
    public func chunkCount(of unit: Int) -> Int { isSharded ? unitStart[unit + 1] - unitStart[unit] : 1 }

    public func unit(ofCell cell: Int) -> Int { isSharded ? Int(unitOfCell[cell]) : cell }

    public func box(ofCell cell: Int) -> ChunkBox {
        let c = Self.coordinates(cell, gridSize)
        return grid.box(c[0], c[1], c[2])
    }

    public func cell(x: Int, y: Int, z: Int) -> Int { (z * gridSize[1] + y) * gridSize[0] + x }

    public static func coordinates(_ cell: Int, _ gridSize: [Int]) -> [Int] {
        [cell % gridSize[0], cell / gridSize[0] % gridSize[1], cell / (gridSize[0] * gridSize[1])]
    }

    /// The cell of a chunk box of this scale, if it is one.
    public func cell(of box: ChunkBox) -> Int? {
        grid.cell(of: box).map { cell(x: $0[0], y: $0[1], z: $0[2]) }
    }

    /// The chunk id of a cell (sharded scales).
    public func chunkID(ofCell cell: Int) -> UInt64 { layout?.chunkID(Self.coordinates(cell, gridSize)) ?? 0 }

    /// The file of a sharded unit, relative to the dataset root.
    public func shardFile(_ unit: Int) -> String { "\(key)/\(layout!.fileName(shard: shards[unit]))" }

    /// The unit a file of this scale belongs to (a chunk in either layout, `.gz` or not, or a
    /// shard), from its path relative to the scale's directory; nil for other files.
    public func unit(forRelativePath path: String) -> Int? {
        if isSharded {
            guard path.hasSuffix(".shard"), !path.contains("/"), let number = UInt64(path.dropLast(6), radix: 16)
            else { return nil }
            return binarySearch(shards, number)
        }
        guard let box = ChunkBox(name: path), let cell = cell(of: box) else { return nil }
        return cell
    }

    /// The rank of each unit in Morton order of its position: units close in rank are close in
    /// space, so a contiguous range of ranks is a compact region whose lower scales depend on
    /// few other regions. Sharded units keep their order (shard numbers of the identity hash
    /// are Morton ranges already).
    func mortonRanks() -> [Int] {
        if isSharded { return Array(0..<unitCount) }
        let morton = ShardingLayout(
            spec: ShardingSpec(preshiftBits: 0, minishardBits: 0, shardBits: 0), gridSize: gridSize)
        let order = (0..<chunkCount).map { (morton.chunkID(Self.coordinates($0, gridSize)), $0) }.sorted { $0 < $1 }
        var ranks = [Int](repeating: 0, count: chunkCount)
        for (rank, entry) in order.enumerated() { ranks[entry.1] = rank }
        return ranks
    }
}

private func binarySearch(_ values: [UInt64], _ value: UInt64) -> Int? {
    var low = 0
    var high = values.count
    while low < high {
        let mid = (low + high) / 2
        if values[mid] < value { low = mid + 1 } else { high = mid }
    }
    return low < values.count && values[low] == value ? low : nil
}
