/// A multiscale `info` after `validate`: what every pipeline needs, typed, so that no pipeline
/// unwraps an optional string of the info model.
public struct DatasetSpec: Sendable, Equatable {
    /// The info as read, with the keys nprec does not model.
    public let info: VolumeInfo
    public let type: VolumeType
    public let dataType: DataType
    public let channels: Int
    public let scales: [ScaleSpec]

    /// Bytes of one voxel, all channels.
    public var voxelBytes: Int { dataType.size * channels }
}

/// One scale of a validated info.
public struct ScaleSpec: Sendable, Equatable {
    /// Its position in `scales`.
    public let index: Int
    /// The scale as read.
    public let info: ScaleInfo
    public let key: String
    public let encoding: ChunkEncoding
    /// The first chunk size (the one nprec writes; the only one of a sharded scale).
    public let chunkSize: [Int]
    /// `compressed_segmentation_block_size`, for that encoding.
    public let blockSize: [Int]?
    public let sharding: ShardingSpec?

    public var size: [Int] { info.size }
    public var offset: [Int] { info.offset }
    public var resolution: [Double] { info.resolution }
}
