/// The chunk encodings nprec reads and writes.
public enum ChunkEncoding: String, CaseIterable, Sendable {
    case raw, jpeg, png
    case compressedSegmentation = "compressed_segmentation"

    /// Parses an `encoding` value, case-insensitively.
    public init?(name: String) { self.init(rawValue: name.lowercased()) }

    /// JPEG and PNG chunks are images and are never gzipped.
    public var isImage: Bool { self == .jpeg || self == .png }
    public var isLossy: Bool { self == .jpeg }
}

/// The dataset types of `info`.
public enum VolumeType: String, CaseIterable, Sendable {
    case image, segmentation
}

/// The limits nprec holds an info to beyond the format's own rules, each for a stated reason.
/// `validate` checks them, so no pipeline meets an info value that overflows its arithmetic or
/// sizes an allocation beyond them.
public enum InfoLimits {
    /// Sizes, voxel offsets, chunk and block sizes: at most 2^53, the integers a JavaScript number
    /// holds exactly (the viewer reads info with `JSON.parse`); sums of two stay within `Int`.
    public static let maxCoordinate = 1 << 53
    /// The values of one chunk, all channels (256 MiB, a 512^3 uint16 chunk): chunks are decoded
    /// whole in memory, several per worker, and a lower scale reads 8 chunks of the one above.
    public static let maxChunkBytes = 1 << 28
    /// The chunks of one scale (2^27): planning a scale holds a few dozen bytes per chunk.
    public static let maxChunksPerScale = 1 << 27
    /// The voxels of a compressed_segmentation block (2^26): the encoder holds per-block tables
    /// of that many entries, and 32-bit indices of that many voxels fill 2^26 words.
    public static let maxBlockVoxels = 1 << 26
    /// `minishard_bits` (as TensorStore): a shard index of 16 x 2^32 bytes is already absurd.
    public static let maxMinishardBits = 32
}

extension VolumeInfo {
    /// Checks that this is a complete multiscale info that nprec can write chunks for, as the
    /// viewer parses it, within `InfoLimits`, and returns it typed. Every value of the info is
    /// checked here and nowhere else. `file` names the info file in messages.
    @discardableResult
    public func validate(file: String) throws -> DatasetSpec {
        let check = InfoChecker(file: file)
        if let atType, atType != "neuroglancer_multiscale_volume" {
            throw check.fail("@type", "\"\(atType)\" is not \"neuroglancer_multiscale_volume\"")
        }
        guard let type else { throw check.fail("type", "missing") }
        guard let volumeType = VolumeType(rawValue: type.lowercased()) else {
            throw check.fail("type", "\"\(type)\" is not one of image, segmentation")
        }
        let dataType = try check.dataType(self.dataType)
        let numChannels = try check.channels(self.numChannels, dataType: dataType)
        guard !scales.isEmpty else { throw check.fail("scales", "must hold at least one scale") }
        var keys = Set<String>()
        var specs: [ScaleSpec] = []
        for (index, scale) in scales.enumerated() {
            let name = "scales[\(index)]"
            guard let key = scale.key, !key.isEmpty else { throw check.fail("\(name).key", "missing") }
            guard !key.contains("\0") else { throw check.fail("\(name).key", "holds a NUL character") }
            guard keys.insert(key).inserted else { throw check.fail("\(name).key", "\"\(key)\" is used twice") }
            try check.geometry(scale, name, voxelBytes: dataType.size * numChannels)
            guard let chunkSizes = scale.chunkSizes, !chunkSizes.isEmpty else {
                throw check.fail("\(name).chunk_sizes", "missing")
            }
            for (chunkIndex, chunk) in chunkSizes.enumerated() {
                try check.chunkSize(
                    chunk, "\(name).chunk_sizes[\(chunkIndex)]", scaleSize: scale.size, channels: numChannels,
                    dataType: dataType)
            }
            guard let encodingName = scale.encoding else { throw check.fail("\(name).encoding", "missing") }
            guard let encoding = ChunkEncoding(name: encodingName) else {
                throw check.fail(
                    "\(name).encoding",
                    "\"\(encodingName)\" is not one of raw, jpeg, png, compressed_segmentation")
            }
            switch encoding {
            case .compressedSegmentation:
                guard let block = scale.compressedSegmentationBlockSize else {
                    throw check.fail(
                        "\(name).compressed_segmentation_block_size", "missing (required by compressed_segmentation)")
                }
                try check.blockSize(block, "\(name).compressed_segmentation_block_size")
                guard dataType == .uint32 || dataType == .uint64 else {
                    throw check.fail(
                        "\(name).encoding",
                        "compressed_segmentation needs data_type uint32 or uint64, not \(dataType.rawValue)")
                }
            case .jpeg:
                guard dataType == .uint8, numChannels == 1 || numChannels == 3 else {
                    throw check.fail("\(name).encoding", "jpeg needs data_type uint8 with 1 or 3 channels")
                }
            case .png:
                guard dataType == .uint8 || dataType == .uint16, (1...4).contains(numChannels) else {
                    throw check.fail("\(name).encoding", "png needs data_type uint8 or uint16 with 1 to 4 channels")
                }
            case .raw:
                break
            }
            if encoding != .compressedSegmentation, scale.compressedSegmentationBlockSize != nil {
                throw check.fail(
                    "\(name).compressed_segmentation_block_size", "only allowed with compressed_segmentation encoding")
            }
            if let sharding = scale.sharding {
                guard chunkSizes.count == 1 else {
                    throw check.fail("\(name).chunk_sizes", "sharding requires a single chunk size per scale")
                }
                try sharding.validate(key: "\(name).sharding", check.fail)
                let gridSize = ChunkGrid(size: scale.size, chunkSize: chunkSizes[0]).gridSize
                let idBits = ShardingLayout(spec: sharding, gridSize: gridSize).bits.reduce(0, +)
                guard idBits <= 64 else {
                    throw check.fail(
                        "\(name).sharding",
                        "a grid of \(check.text(gridSize)) chunks needs \(idBits) bits of chunk id, more than 64")
                }
            }
            specs.append(
                ScaleSpec(
                    index: index, info: scale, key: key, encoding: encoding, chunkSize: chunkSizes[0],
                    blockSize: encoding == .compressedSegmentation ? scale.compressedSegmentationBlockSize : nil,
                    sharding: scale.sharding))
        }
        return DatasetSpec(info: self, type: volumeType, dataType: dataType, channels: numChannels, scales: specs)
    }

    /// Checks a full-resolution info (`info_fullres.json`, which `nprec scales` completes): its
    /// data type, channels, and the size, resolution and voxel offset of its first scale; the
    /// keys it may lack (`key`, `chunk_sizes`, `encoding`) are checked when present.
    public func validateFullres(file: String) throws {
        let check = InfoChecker(file: file)
        guard let first = scales.first else { throw check.fail("scales", "must hold at least one scale") }
        let dataType = try check.dataType(self.dataType, allowingAny: true)
        let numChannels = try check.channels(self.numChannels, dataType: dataType)
        try check.geometry(first, "scales[0]", voxelBytes: dataType.size * numChannels)
        // The pyramid's factors are powers of two up to the ratio of the coarsest axis to the finest.
        if let finest = first.resolution.min(), let coarsest = first.resolution.max(), !(coarsest / finest < 0x1p62) {
            throw check.fail(
                "scales[0].resolution", "\(first.resolution): one axis is more than 2^62 times coarser than another")
        }
        if let block = first.compressedSegmentationBlockSize {
            try check.blockSize(block, "scales[0].compressed_segmentation_block_size")
        }
    }
}

/// The checks of `validate`, each throwing `invalidInfo` naming the file and the key.
struct InfoChecker {
    let file: String

    func fail(_ key: String, _ problem: String) -> PrecomputedError {
        .invalidInfo(file: file, key: key, problem: problem)
    }

    func text(_ values: [Int]) -> String { values.map(String.init).joined(separator: "x") }

    /// `allowingAny`: also the types Neuroglancer does not display (a full-resolution info may
    /// hold them until `nprec scales` is told what to write).
    func dataType(_ name: String?, allowingAny: Bool = false) throws -> DataType {
        guard let name else { throw fail("data_type", "missing") }
        guard let dataType = DataType(name: name), allowingAny || dataType.neuroglancerSupports else {
            throw fail(
                "data_type",
                "\"\(name)\" is not one of uint8, int8, uint16, int16, uint32, int32, uint64, float32")
        }
        return dataType
    }

    func channels(_ value: Int?, dataType: DataType) throws -> Int {
        guard let value else { throw fail("num_channels", "missing") }
        guard value > 0 else { throw fail("num_channels", "must be positive, not \(value)") }
        guard value <= InfoLimits.maxChunkBytes / dataType.size else {
            throw fail(
                "num_channels",
                "\(value) channels of \(dataType.rawValue) make one voxel larger than the "
                    + "\(InfoLimits.maxChunkBytes >> 20) MiB nprec holds per chunk")
        }
        return value
    }

    /// `size`, `resolution`, `voxel_offset`, and the bytes of the whole scale.
    func geometry(_ scale: ScaleInfo, _ name: String, voxelBytes: Int) throws {
        try triple(scale.size, "\(name).size", lower: 1)
        guard scale.resolution.count == 3, scale.resolution.allSatisfy({ $0.isFinite && $0 > 0 }) else {
            throw fail("\(name).resolution", "must be 3 finite positive numbers (nanometres)")
        }
        if let offset = scale.voxelOffset {
            try triple(offset, "\(name).voxel_offset", lower: -InfoLimits.maxCoordinate)
        }
        var bytes = voxelBytes
        for value in scale.size {
            let (product, overflow) = bytes.multipliedReportingOverflow(by: value)
            guard !overflow else {
                throw fail(
                    "\(name).size",
                    "\(text(scale.size)) voxels of \(voxelBytes) bytes are more than 2^63 bytes")
            }
            bytes = product
        }
    }

    /// One entry of `chunk_sizes`: positive, a chunk's values within `maxChunkBytes`, the grid
    /// within `maxChunksPerScale`.
    func chunkSize(_ chunk: [Int], _ key: String, scaleSize: [Int], channels: Int, dataType: DataType) throws {
        try triple(chunk, key, lower: 1)
        // The largest chunk is the chunk size clipped to the scale (edge chunks are truncated).
        var bytes = channels * dataType.size
        var chunks = 1
        for axis in 0..<3 {
            let (product, overflow) = bytes.multipliedReportingOverflow(by: min(chunk[axis], scaleSize[axis]))
            guard !overflow, product <= InfoLimits.maxChunkBytes else {
                throw fail(
                    key,
                    "chunks of \(text(chunk.indices.map { min(chunk[$0], scaleSize[$0]) })) voxels x \(channels) "
                        + "channel\(channels == 1 ? "" : "s") (num_channels) x \(dataType.size) byte"
                        + "\(dataType.size == 1 ? "" : "s") (\(dataType.rawValue)) are more than the "
                        + "\(InfoLimits.maxChunkBytes >> 20) MiB nprec decodes at once; use smaller chunks")
            }
            bytes = product
            let (cells, cellsOverflow) = chunks.multipliedReportingOverflow(by: (scaleSize[axis] - 1) / chunk[axis] + 1)
            chunks = cells
            guard !cellsOverflow, chunks <= InfoLimits.maxChunksPerScale else {
                throw fail(
                    key,
                    "\(text(chunk)) chunks over \(text(scaleSize)) voxels are more than the "
                        + "\(InfoLimits.maxChunksPerScale) chunks per scale nprec handles; use larger chunks")
            }
        }
    }

    func blockSize(_ block: [Int], _ key: String) throws {
        try triple(block, key, lower: 1)
        var voxels = 1
        for value in block {
            let (product, overflow) = voxels.multipliedReportingOverflow(by: value)
            guard !overflow, product <= InfoLimits.maxBlockVoxels else {
                throw fail(
                    key,
                    "blocks of \(text(block)) voxels are more than the \(InfoLimits.maxBlockVoxels) voxels "
                        + "nprec's compressed_segmentation codec handles; 8x8x8 is usual")
            }
            voxels = product
        }
    }

    /// Three integers within `lower...InfoLimits.maxCoordinate`.
    func triple(_ values: [Int], _ key: String, lower: Int) throws {
        guard values.count == 3 else { throw fail(key, "must hold 3 integers, not \(values.count)") }
        if let bad = values.first(where: { $0 < lower }) {
            throw fail(key, lower == 1 ? "must be positive, not \(bad)" : "\(bad) is less than -2^53")
        }
        if let bad = values.first(where: { $0 > InfoLimits.maxCoordinate }) {
            throw fail(key, "\(bad) is more than 2^53, the largest integer the viewer reads exactly")
        }
    }
}

extension ShardingSpec {
    /// Throws `fail(key, problem)` for the first thing Neuroglancer rejects in the spec.
    public func validate(key: String, _ fail: (String, String) -> PrecomputedError) throws {
        guard type == "neuroglancer_uint64_sharded_v1" else {
            throw fail("\(key).@type", "\"\(type)\" is not \"neuroglancer_uint64_sharded_v1\"")
        }
        guard hash == "identity" || hash == "murmurhash3_x86_128" else {
            throw fail("\(key).hash", "\"\(hash)\" is not one of identity, murmurhash3_x86_128")
        }
        for (name, value, limit) in [
            ("preshift_bits", preshiftBits, 64), ("minishard_bits", minishardBits, InfoLimits.maxMinishardBits),
            ("shard_bits", shardBits, 64),
        ] {
            guard (0...limit).contains(value) else {
                throw fail("\(key).\(name)", "must be within 0...\(limit), not \(value)")
            }
        }
        guard minishardBits + shardBits <= 64 else {
            throw fail(key, "minishard_bits + shard_bits is \(minishardBits + shardBits), more than 64")
        }
        for (name, value) in [("minishard_index_encoding", minishardIndexEncoding), ("data_encoding", dataEncoding)] {
            if let value, value != "raw", value != "gzip" {
                throw fail("\(key).\(name)", "\"\(value)\" is not one of raw, gzip")
            }
        }
    }
}
