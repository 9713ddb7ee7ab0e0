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

extension VolumeInfo {
    /// Checks that this is a complete multiscale info that nprec can write chunks for, as the
    /// viewer parses it, and returns it typed. `file` names the info file in messages.
    @discardableResult
    public func validate(file: String) throws -> DatasetSpec {
        func fail(_ key: String, _ problem: String) -> PrecomputedError {
            .invalidInfo(file: file, key: key, problem: problem)
        }
        if let atType, atType != "neuroglancer_multiscale_volume" {
            throw fail("@type", "\"\(atType)\" is not \"neuroglancer_multiscale_volume\"")
        }
        guard let type else { throw fail("type", "missing") }
        guard let volumeType = VolumeType(rawValue: type.lowercased()) else {
            throw fail("type", "\"\(type)\" is not one of image, segmentation")
        }
        guard let dataTypeName = dataType else { throw fail("data_type", "missing") }
        guard let dataType = DataType(name: dataTypeName), dataType.neuroglancerSupports else {
            throw fail(
                "data_type",
                "\"\(dataTypeName)\" is not one of uint8, int8, uint16, int16, uint32, int32, uint64, float32")
        }
        guard let numChannels else { throw fail("num_channels", "missing") }
        guard numChannels > 0 else { throw fail("num_channels", "must be positive, not \(numChannels)") }
        guard !scales.isEmpty else { throw fail("scales", "must hold at least one scale") }
        var keys = Set<String>()
        var specs: [ScaleSpec] = []
        for (index, scale) in scales.enumerated() {
            let name = "scales[\(index)]"
            guard let key = scale.key, !key.isEmpty else { throw fail("\(name).key", "missing") }
            guard keys.insert(key).inserted else { throw fail("\(name).key", "\"\(key)\" is used twice") }
            try checkTriple(scale.size, "\(name).size", positive: true, fail)
            guard scale.resolution.count == 3, scale.resolution.allSatisfy({ $0.isFinite && $0 > 0 }) else {
                throw fail("\(name).resolution", "must be 3 positive numbers (nanometres)")
            }
            if let offset = scale.voxelOffset { try checkTriple(offset, "\(name).voxel_offset", positive: false, fail) }
            guard let chunkSizes = scale.chunkSizes, !chunkSizes.isEmpty else {
                throw fail("\(name).chunk_sizes", "missing")
            }
            for (chunkIndex, chunk) in chunkSizes.enumerated() {
                try checkTriple(chunk, "\(name).chunk_sizes[\(chunkIndex)]", positive: true, fail)
            }
            guard let encodingName = scale.encoding else { throw fail("\(name).encoding", "missing") }
            guard let encoding = ChunkEncoding(name: encodingName) else {
                throw fail(
                    "\(name).encoding",
                    "\"\(encodingName)\" is not one of raw, jpeg, png, compressed_segmentation")
            }
            switch encoding {
            case .compressedSegmentation:
                guard let block = scale.compressedSegmentationBlockSize else {
                    throw fail(
                        "\(name).compressed_segmentation_block_size", "missing (required by compressed_segmentation)")
                }
                try checkTriple(block, "\(name).compressed_segmentation_block_size", positive: true, fail)
                guard dataType == .uint32 || dataType == .uint64 else {
                    throw fail(
                        "\(name).encoding",
                        "compressed_segmentation needs data_type uint32 or uint64, not \(dataTypeName)")
                }
            case .jpeg:
                guard dataType == .uint8, numChannels == 1 || numChannels == 3 else {
                    throw fail("\(name).encoding", "jpeg needs data_type uint8 with 1 or 3 channels")
                }
            case .png:
                guard dataType == .uint8 || dataType == .uint16, (1...4).contains(numChannels) else {
                    throw fail("\(name).encoding", "png needs data_type uint8 or uint16 with 1 to 4 channels")
                }
            case .raw:
                break
            }
            if encoding != .compressedSegmentation, scale.compressedSegmentationBlockSize != nil {
                throw fail(
                    "\(name).compressed_segmentation_block_size", "only allowed with compressed_segmentation encoding")
            }
            if let sharding = scale.sharding {
                guard chunkSizes.count == 1 else {
                    throw fail("\(name).chunk_sizes", "sharding requires a single chunk size per scale")
                }
                try sharding.validate(key: "\(name).sharding", fail)
            }
            specs.append(
                ScaleSpec(
                    index: index, info: scale, key: key, encoding: encoding, chunkSize: chunkSizes[0],
                    blockSize: encoding == .compressedSegmentation ? scale.compressedSegmentationBlockSize : nil,
                    sharding: scale.sharding))
        }
        return DatasetSpec(info: self, type: volumeType, dataType: dataType, channels: numChannels, scales: specs)
    }
}

extension ShardingSpec {
    func validate(key: String, _ fail: (String, String) -> PrecomputedError) throws {
        guard type == "neuroglancer_uint64_sharded_v1" else {
            throw fail("\(key).@type", "\"\(type)\" is not \"neuroglancer_uint64_sharded_v1\"")
        }
        guard hash == "identity" || hash == "murmurhash3_x86_128" else {
            throw fail("\(key).hash", "\"\(hash)\" is not one of identity, murmurhash3_x86_128")
        }
        for (name, value) in [
            ("preshift_bits", preshiftBits), ("minishard_bits", minishardBits), ("shard_bits", shardBits),
        ] {
            guard (0...64).contains(value) else { throw fail("\(key).\(name)", "must be within 0...64, not \(value)") }
        }
        guard minishardBits + shardBits <= 64 else { throw fail(key, "minishard_bits + shard_bits exceeds 64") }
        for (name, value) in [("minishard_index_encoding", minishardIndexEncoding), ("data_encoding", dataEncoding)] {
            if let value, value != "raw", value != "gzip" {
                throw fail("\(key).\(name)", "\"\(value)\" is not one of raw, gzip")
            }
        }
    }
}

private func checkTriple(
    _ values: [Int], _ key: String, positive: Bool, _ fail: (String, String) -> PrecomputedError
) throws {
    guard values.count == 3 else { throw fail(key, "must hold 3 integers, not \(values.count)") }
    if positive, let bad = values.first(where: { $0 <= 0 }) {
        throw fail(key, "must be positive, not \(bad)")
    }
}
