import Encoding
import Foundation
import Precomputed

/// The blocks of a scale that meshes are made in, and the surfaces of one block.
///
/// Block p covers the cubes whose lower sample is voxel p*C - 1 to (p+1)*C - 2 along each
/// axis (C = `shape`): its samples are voxels p*C - 1 to (p+1)*C, one voxel shared with
/// each neighbour, so the cubes of all blocks tile the volume, the background beyond its
/// border included. In stored-model units (voxels, voxel v spanning [v, v+1)), block p spans
/// `gridOrigin + p*C` to `gridOrigin + (p+1)*C` with `gridOrigin` = -0.5: the octree of the
/// multi-resolution format on the same grid.
public struct BlockGrid: Sendable, Equatable {
    public let size: [Int]
    public let shape: [Int]

    public init(size: [Int], shape: [Int]) {
        self.size = size
        self.shape = shape
    }

    public static let gridOrigin = SIMD3<Double>(repeating: -0.5)

    /// Blocks per axis: cubes from voxel -1 to size-1 (size+1 of them).
    public var counts: [Int] { (0..<3).map { (size[$0] + 1 + shape[$0] - 1) / shape[$0] } }
    public var count: Int { counts.reduce(1, *) }

    public func position(_ index: Int) -> SIMD3<Int> {
        SIMD3(index % counts[0], index / counts[0] % counts[1], index / (counts[0] * counts[1]))
    }

    public func index(_ position: SIMD3<Int>) -> Int { (position.z * counts[1] + position.y) * counts[0] + position.x }

    /// The block's first sample (may be -1) and its sample count per axis.
    public func samples(_ position: SIMD3<Int>) -> (first: [Int], count: [Int]) {
        let first = (0..<3).map { position[$0] * shape[$0] - 1 }
        return (first, shape.map { $0 + 1 })
    }

    public func name(_ position: SIMD3<Int>) -> String { "\(position.x)_\(position.y)_\(position.z)" }
}

extension ScaleReader {
    /// The labels of `count` samples from `first` (voxel indices of the scale, from 0), as
    /// uint64: voxels outside the scale and chunks that are absent read as 0.
    public func labelSamples(format: ChunkFormat, first: [Int], count: [Int]) throws -> [UInt64] {
        var samples = [UInt64](repeating: 0, count: count.reduce(1, *))
        let lower = (0..<3).map { max(first[$0], 0) }
        let upper = (0..<3).map { min(first[$0] + count[$0], grid.size[$0]) }
        guard (0..<3).allSatisfy({ lower[$0] < upper[$0] }) else { return samples }
        try forEachChunk(format: format, lower: lower, upper: upper, skipMissing: true) {
            box, decoded, chunkLower, from, to in
            func copy<T: FixedWidthInteger>(_: T.Type) {
                decoded.withUnsafeBytes { raw in
                    let chunk = raw.bindMemory(to: T.self)
                    samples.withUnsafeMutableBufferPointer { target in
                        for z in from[2]..<to[2] {
                            for y in from[1]..<to[1] {
                                var s =
                                    ((z - chunkLower[2]) * box.size[1] + y - chunkLower[1]) * box.size[0] + from[0]
                                    - chunkLower[0]
                                var t = ((z - first[2]) * count[1] + y - first[1]) * count[0] + from[0] - first[0]
                                for _ in from[0]..<to[0] {
                                    target[t] = UInt64(truncatingIfNeeded: chunk[s])
                                    s += 1
                                    t += 1
                                }
                            }
                        }
                    }
                }
            }
            switch format.dataType {
            case .uint8: copy(UInt8.self)
            case .uint16: copy(UInt16.self)
            case .uint32: copy(UInt32.self)
            case .uint64: copy(UInt64.self)
            default:
                throw PrecomputedError.unsupported(
                    "\(describe(box)): data_type \(format.dataType.rawValue) does not hold labels")
            }
        }
        return samples
    }
}

/// The level-0 surfaces of the labels of one block, as a work file between the two stages of
/// `nprec mesh generate`: "NPMESHB1", uint32 label count, per label (ascending) uint64 label,
/// uint32 vertex count, uint32 index count; then per label its float32 positions and uint32
/// indices. Little-endian.
public enum BlockFile {
    static let magic = Array("NPMESHB1".utf8)

    public struct Entry: Sendable, Equatable {
        public var label: UInt64
        public var vertexCount: Int
        public var indexCount: Int
        /// Where its positions start in the file.
        public var offset: Int
    }

    public static func encode(_ surfaces: [UInt64: LabelSurface]) -> [UInt8] {
        let labels = surfaces.keys.sorted()
        var bytes = magic
        func put32(_ value: UInt32) { withUnsafeBytes(of: value.littleEndian) { bytes += $0 } }
        put32(UInt32(labels.count))
        for label in labels {
            withUnsafeBytes(of: label.littleEndian) { bytes += $0 }
            put32(UInt32(surfaces[label]!.vertexCount))
            put32(UInt32(surfaces[label]!.indices.count))
        }
        for label in labels {
            let surface = surfaces[label]!
            for value in surface.positions { put32(value.bitPattern) }
            for value in surface.indices { put32(value) }
        }
        return bytes
    }

    /// The entries of a work file's header; `path` names it in errors.
    public static func entries(_ header: (Int, Int) throws -> [UInt8], path: String) throws -> [Entry] {
        let start = try header(0, 12)
        guard start.count == 12, Array(start[0..<8]) == magic else {
            throw PrecomputedError.badChunk(path: path, problem: "not an nprec mesh work file")
        }
        let count = Int(uint32(start, 8))
        let table = try header(12, 16 * count)
        guard table.count == 16 * count else { throw PrecomputedError.badChunk(path: path, problem: "truncated") }
        var offset = 12 + 16 * count
        var result: [Entry] = []
        for i in 0..<count {
            var label: UInt64 = 0
            for b in 0..<8 { label |= UInt64(table[16 * i + b]) << (8 * UInt64(b)) }
            let vertices = Int(uint32(table, 16 * i + 8))
            let indices = Int(uint32(table, 16 * i + 12))
            result.append(Entry(label: label, vertexCount: vertices, indexCount: indices, offset: offset))
            offset += 12 * vertices + 4 * indices
        }
        return result
    }

    /// One label's surface, from the bytes at its entry's offset.
    public static func surface(_ bytes: [UInt8], entry: Entry, path: String) throws -> LabelSurface {
        guard bytes.count == 12 * entry.vertexCount + 4 * entry.indexCount, entry.indexCount % 3 == 0 else {
            throw PrecomputedError.badChunk(path: path, problem: "label \(entry.label): truncated")
        }
        var surface = LabelSurface()
        surface.positions = (0..<(3 * entry.vertexCount)).map { Float(bitPattern: uint32(bytes, 4 * $0)) }
        let base = 12 * entry.vertexCount
        surface.indices = (0..<entry.indexCount).map { uint32(bytes, base + 4 * $0) }
        guard surface.indices.allSatisfy({ Int($0) < entry.vertexCount }) else {
            throw PrecomputedError.badChunk(
                path: path, problem: "label \(entry.label): a vertex index past its vertices")
        }
        return surface
    }

    static func uint32(_ bytes: [UInt8], _ at: Int) -> UInt32 {
        UInt32(bytes[at]) | UInt32(bytes[at + 1]) << 8 | UInt32(bytes[at + 2]) << 16 | UInt32(bytes[at + 3]) << 24
    }
}
