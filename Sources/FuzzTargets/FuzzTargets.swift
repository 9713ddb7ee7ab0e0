import Codecs
import Encoding
import Foundation
import Labels
import Mesh
import Precomputed
import Slices
import Volumes

/// The parsers and decoders of nprec as fuzz targets: each takes arbitrary bytes and must end in
/// a value or a thrown error, never a trap, a hang or an allocation beyond what the bytes can
/// hold. `nprec-fuzz` runs them under libFuzzer (`make fuzz`); the tests run every committed
/// seed and every crash ever found through them (Fixtures/fuzz/TARGET/).
public enum FuzzTargets {
    public typealias Target = @Sendable ([UInt8]) -> Void

    /// Inputs of formats that come as two files (a header and its data) hold both, split at
    /// this line; without it, the data file is empty.
    public static let split: [UInt8] = Array("\n--nprec-fuzz-split--\n".utf8)

    /// Every target by name.
    public static let all: [String: Target] = [
        "nifti": { volume($0, names: ["volume.nii"]) },
        "nifti-gz": { volume($0, names: ["volume.nii.gz"]) },
        "analyze": { volume($0, names: ["volume.hdr", "volume.img"]) },
        "mgh": { volume($0, names: ["volume.mgh"]) },
        "mgz": { volume($0, names: ["volume.mgz"]) },
        "minc": { volume($0, names: ["volume.mnc"]) },
        "afni": { volume($0, names: ["volume+orig.HEAD", "volume+orig.BRIK"]) },
        "parrec": { volume($0, names: ["volume.PAR", "volume.REC"]) },
        "nrrd": { volume($0, names: ["volume.nrrd"]) },
        "nhdr": { volume($0, names: ["volume.nhdr", "volume.raw"]) },
        "tiff-stack": tiffStack,
        "gifti": { mesh($0) { try GIfTI.read($0, path: "mesh.gii") } },
        "obj": { mesh($0) { try OBJ.read($0, path: "mesh.obj") } },
        "ply": { mesh($0) { try PLY.read($0, path: "mesh.ply") } },
        "stl": { mesh($0) { try STL.read($0, path: "mesh.stl") } },
        "off": { mesh($0) { try OFF.read($0, path: "mesh.off") } },
        "fragment": { _ = try? Fragment(decoding: $0, file: "fragment") },
        "link-csv": { _ = try? MeshLinks.parse($0, file: "links.csv") },
        "label-table": labelTable,
        "info": info,
        "compressed-segmentation": compressedSegmentation,
        "shard": shard,
        "png-chunk": { imageChunk($0, png: true) },
        "jpeg-chunk": { imageChunk($0, png: false) },
    ]

    /// A directory of this process for the files of file-based readers.
    static let scratch: String = {
        let base = ProcessInfo.processInfo.environment["NPREC_FUZZ_SCRATCH"] ?? NSTemporaryDirectory()
        let path = base + "/nprec-fuzz-\(getpid())"
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }()

    /// Writes the input's parts to `names` in the scratch directory; returns the first path.
    static func files(_ bytes: [UInt8], names: [String]) -> String {
        var parts: [[UInt8]] = [bytes]
        if names.count > 1 {
            if let range = bytes.firstRange(of: split) {
                parts = [Array(bytes[..<range.lowerBound]), Array(bytes[range.upperBound...])]
            } else {
                parts.append([])
            }
        }
        for (index, name) in names.enumerated() {
            _ = FileManager.default.createFile(atPath: scratch + "/" + name, contents: Data(parts[index]))
        }
        return scratch + "/" + names[0]
    }

    /// Opens the volume and reads its first and last z slices, and a block when seekable.
    static func volume(_ bytes: [UInt8], names: [String]) {
        let path = files(bytes, names: names)
        guard let volume = try? VolumeFiles.open(path) else { return }
        let depth = volume.size[2]
        _ = try? volume.readSlab(0..<min(1, depth))
        if depth > 1 { _ = try? volume.readSlab(depth - 1..<depth) }
        if volume.isSeekable {
            _ = try? volume.readBlock(
                x: 0..<min(4, volume.size[0]), y: 0..<min(4, volume.size[1]), z: 0..<min(4, depth))
        }
    }

    /// A TIFF read as a stack of pages, as `nprec convert` reads a 3-D TIFF.
    static func tiffStack(_ bytes: [UInt8]) {
        let path = files(bytes, names: ["stack.tif"])
        guard let stack = try? TIFFStack(path: path) else { return }
        _ = stack
    }

    static func mesh(_ bytes: [UInt8], _ read: ([UInt8]) throws -> SurfaceMesh) {
        guard let mesh = try? read(bytes) else { return }
        _ = try? Fragment(mesh: mesh, file: "mesh")
    }

    /// A label table in every dialect (told apart by content, then each forced), and the segment
    /// properties and colours written for it, as `nprec labels` makes them.
    static func labelTable(_ bytes: [UInt8]) {
        for format in TableFormat.allCases {
            guard let table = try? TableReader.read(bytes, file: "labels", format: format) else { continue }
            let counts = VoxelCounts(
                counts: Dictionary([(0, 1), (table.labels[0].id, 1 << 33)], uniquingKeysWith: +), voxelVolume: 1)
            _ = try? JSONText.encode(try SegmentPropertiesWriter.properties(table, counts: counts, file: "labels"))
            _ = SegmentPropertiesWriter.colors(table).map { try? JSONText.encode($0) }
        }
    }

    /// An info: parsed, validated, and for each scale the chunk grid, the chunk format's checks
    /// and the sharding layout of its first chunks, as `convert` and `downscale` set them up.
    static func info(_ bytes: [UInt8]) {
        guard let info = try? InfoFile.parse(bytes, file: "info"), let spec = try? info.validate(file: "info")
        else { return }
        for scale in spec.scales {
            let format = ChunkFormat(dataset: spec, scale: scale)
            guard (try? format.checkWritable()) != nil else { continue }
            let grid = ChunkGrid(size: scale.size, chunkSize: scale.chunkSize, offset: scale.offset)
            _ = grid.chunkCount
            let first = grid.box(0, 0, 0)
            _ = format.valueByteCount(size: first.size)
            if let sharding = scale.sharding {
                let layout = ShardingLayout(spec: sharding, gridSize: grid.gridSize)
                let id = layout.chunkID([0, 0, 0])
                _ = layout.fileName(shard: layout.shard(of: id))
            }
        }
    }

    /// Reads a parameter byte: `bytes[index] % count`, or 0 past the end.
    static func parameter(_ bytes: [UInt8], _ index: Int, _ count: Int) -> Int {
        index < bytes.count ? Int(bytes[index]) % count : 0
    }

    /// The first 8 bytes choose the chunk size, block size, channels and type; the rest is the
    /// compressed_segmentation chunk.
    static func compressedSegmentation(_ bytes: [UInt8]) {
        let size = (0..<3).map { 1 + parameter(bytes, $0, 40) }
        let block = (3..<6).map { 1 + parameter(bytes, $0, 16) }
        let channels = 1 + parameter(bytes, 6, 3)
        let type: DataType = parameter(bytes, 7, 2) == 0 ? .uint32 : .uint64
        _ = try? CompressedSegmentation.decode(
            Array(bytes.dropFirst(8)), size: size, channels: channels, dataType: type, blockSize: block,
            path: "chunk")
    }

    /// The first 4 bytes choose the sharding parameters (bits, index gzip, hash); the rest is a
    /// shard file, from which the chunks of ids 0-15 are read.
    static func shard(_ bytes: [UInt8]) {
        let spec = ShardingSpec(
            preshiftBits: parameter(bytes, 0, 4),
            hash: parameter(bytes, 3, 2) == 0 ? "identity" : "murmurhash3_x86_128",
            minishardBits: parameter(bytes, 1, 4), shardBits: 0,
            minishardIndexEncoding: parameter(bytes, 2, 2) == 0 ? "raw" : "gzip",
            dataEncoding: parameter(bytes, 2, 4) < 2 ? "raw" : "gzip")
        let layout = ShardingLayout(spec: spec, gridSize: [4, 4, 1])
        let file = Array(bytes.dropFirst(4))
        for id in 0..<UInt64(16) {
            _ = try? ShardFile.chunk(id: id, layout: layout, path: "shard") { offset, count in
                guard offset >= 0, count >= 0, offset <= file.count else { return nil }
                return Array(file[offset..<min(file.count, offset + count)])
            }
        }
    }

    /// The first 4 bytes choose the chunk size, channels and type; the rest is a PNG or JPEG.
    static func imageChunk(_ bytes: [UInt8], png: Bool) {
        let size = [1 + parameter(bytes, 0, 64), 1 + parameter(bytes, 1, 64), 1 + parameter(bytes, 2, 4)]
        let channels = parameter(bytes, 3, 2) == 0 ? 1 : 3
        let image = Array(bytes.dropFirst(4))
        if png {
            let type: DataType = parameter(bytes, 3, 4) < 2 ? .uint8 : .uint16
            _ = try? PNGChunk.decode(image, size: size, channels: channels, dataType: type, path: "chunk.png")
        } else {
            _ = try? JPEGChunk.decode(image, size: size, channels: channels, path: "chunk.jpg")
        }
    }
}
