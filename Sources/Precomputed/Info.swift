/// The sharding specification of a scale (`neuroglancer_uint64_sharded_v1`).
public struct ShardingSpec: Codable, Equatable, Sendable {
    public var type: String = "neuroglancer_uint64_sharded_v1"
    public var preshiftBits: Int
    public var hash: String
    public var minishardBits: Int
    public var shardBits: Int
    public var minishardIndexEncoding: String?
    public var dataEncoding: String?

    public init(
        preshiftBits: Int, hash: String = "identity", minishardBits: Int, shardBits: Int,
        minishardIndexEncoding: String? = "gzip", dataEncoding: String? = "gzip"
    ) {
        self.preshiftBits = preshiftBits
        self.hash = hash
        self.minishardBits = minishardBits
        self.shardBits = shardBits
        self.minishardIndexEncoding = minishardIndexEncoding
        self.dataEncoding = dataEncoding
    }

    enum CodingKeys: String, CodingKey {
        case type = "@type"
        case preshiftBits = "preshift_bits"
        case hash
        case minishardBits = "minishard_bits"
        case shardBits = "shard_bits"
        case minishardIndexEncoding = "minishard_index_encoding"
        case dataEncoding = "data_encoding"
    }
}

/// One scale of a multiscale volume. Keys nprec does not model are kept in `extra`.
public struct ScaleInfo: Codable, Equatable, Sendable {
    public var key: String?
    public var size: [Int]
    public var resolution: [Double]
    public var voxelOffset: [Int]?
    public var chunkSizes: [[Int]]?
    public var encoding: String?
    public var compressedSegmentationBlockSize: [Int]?
    public var sharding: ShardingSpec?
    public var extra: [String: JSONValue] = [:]

    public init(
        key: String? = nil, size: [Int], resolution: [Double], voxelOffset: [Int]? = [0, 0, 0],
        chunkSizes: [[Int]]? = nil, encoding: String? = nil
    ) {
        self.key = key
        self.size = size
        self.resolution = resolution
        self.voxelOffset = voxelOffset
        self.chunkSizes = chunkSizes
        self.encoding = encoding
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case key, size, resolution
        case voxelOffset = "voxel_offset"
        case chunkSizes = "chunk_sizes"
        case encoding
        case compressedSegmentationBlockSize = "compressed_segmentation_block_size"
        case sharding
    }

    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        key = try container.decodeIfPresent(String.self, forKey: .key)
        size = try container.decode([Int].self, forKey: .size)
        resolution = try container.decode([Double].self, forKey: .resolution)
        voxelOffset = try container.decodeIfPresent([Int].self, forKey: .voxelOffset)
        chunkSizes = try container.decodeIfPresent([[Int]].self, forKey: .chunkSizes)
        encoding = try container.decodeIfPresent(String.self, forKey: .encoding)
        compressedSegmentationBlockSize = try container.decodeIfPresent(
            [Int].self, forKey: .compressedSegmentationBlockSize)
        sharding = try container.decodeIfPresent(ShardingSpec.self, forKey: .sharding)
        extra = try decodeExtra(from: decoder, known: CodingKeys.allCases.map(\.rawValue))
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encodeIfPresent(key, forKey: .key)
        try container.encode(size, forKey: .size)
        try container.encode(resolution, forKey: .resolution)
        try container.encodeIfPresent(voxelOffset, forKey: .voxelOffset)
        try container.encodeIfPresent(chunkSizes, forKey: .chunkSizes)
        try container.encodeIfPresent(encoding, forKey: .encoding)
        try container.encodeIfPresent(
            compressedSegmentationBlockSize, forKey: .compressedSegmentationBlockSize)
        try container.encodeIfPresent(sharding, forKey: .sharding)
        try encodeExtra(extra, to: encoder)
    }

    /// `voxel_offset`, or zeros when absent.
    public var offset: [Int] { voxelOffset ?? [0, 0, 0] }
}

/// A multiscale volume `info` (also the full-resolution `info_fullres.json`, whose scale may
/// lack `key`, `chunk_sizes` and `encoding`).
public struct VolumeInfo: Codable, Equatable, Sendable {
    public var atType: String?
    public var type: String?
    public var dataType: String?
    public var numChannels: Int?
    public var scales: [ScaleInfo]
    public var mesh: String?
    public var extra: [String: JSONValue] = [:]

    public init(
        type: String?, dataType: String?, numChannels: Int?, scales: [ScaleInfo],
        atType: String? = nil
    ) {
        self.atType = atType
        self.type = type
        self.dataType = dataType
        self.numChannels = numChannels
        self.scales = scales
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case atType = "@type"
        case type
        case dataType = "data_type"
        case numChannels = "num_channels"
        case scales, mesh
    }

    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        atType = try container.decodeIfPresent(String.self, forKey: .atType)
        type = try container.decodeIfPresent(String.self, forKey: .type)
        dataType = try container.decodeIfPresent(String.self, forKey: .dataType)
        numChannels = try container.decodeIfPresent(Int.self, forKey: .numChannels)
        scales = try container.decode([ScaleInfo].self, forKey: .scales)
        mesh = try container.decodeIfPresent(String.self, forKey: .mesh)
        extra = try decodeExtra(from: decoder, known: CodingKeys.allCases.map(\.rawValue))
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encodeIfPresent(atType, forKey: .atType)
        try container.encodeIfPresent(type, forKey: .type)
        try container.encodeIfPresent(dataType, forKey: .dataType)
        try container.encodeIfPresent(numChannels, forKey: .numChannels)
        try container.encode(scales, forKey: .scales)
        try container.encodeIfPresent(mesh, forKey: .mesh)
        try encodeExtra(extra, to: encoder)
    }
}

private func decodeExtra(from decoder: Decoder, known: [String]) throws -> [String: JSONValue] {
    let container = try decoder.container(keyedBy: AnyKey.self)
    var extra: [String: JSONValue] = [:]
    for key in container.allKeys where !known.contains(key.stringValue) {
        let value = try container.decode(JSONValue.self, forKey: key)
        // `null` is never written back: the viewer rejects it for optional keys.
        if value != .null { extra[key.stringValue] = value }
    }
    return extra
}

private func encodeExtra(_ extra: [String: JSONValue], to encoder: Encoder) throws {
    guard !extra.isEmpty else { return }
    var container = encoder.container(keyedBy: AnyKey.self)
    for (key, value) in extra where value != .null {
        try container.encode(value, forKey: AnyKey(key))
    }
}
