import Foundation

/// A warning to show the user; the CLI prints it on stderr.
public typealias WarningSink = @Sendable (String) -> Void

/// The length units of scale keys, coarsest first, with their factor from nanometres.
let lengthUnits: [(name: String, factor: Double)] = [
    ("km", 1e-12), ("m", 1e-9), ("mm", 1e-6), ("um", 1e-3), ("nm", 1), ("pm", 1e3),
]

/// A length rounded to a whole number of `unit` (half to even, as `format(x, ".0f")`).
func formatLength(_ nanometres: Double, factor: Double, unit: String) -> String {
    let value = (nanometres * factor).rounded(.toNearestOrEven)
    return (value == 0 ? "0" : String(format: "%.0f", value)) + unit
}

/// The coarsest unit in which `resolution` and twice it give distinct keys.
func chooseUnitForKey(_ resolution: Double) throws -> (name: String, factor: Double) {
    for unit in lengthUnits {
        if (resolution * unit.factor).rounded(.toNearestOrEven) != 0,
            formatLength(resolution, factor: unit.factor, unit: unit.name)
                != formatLength(resolution * 2, factor: unit.factor, unit: unit.name)
        {
            return unit
        }
    }
    throw PrecomputedError.unsupported("cannot find a unit for scale keys at a resolution of \(resolution) nm")
}

/// Options of the dyadic pyramid (`nprec scales`).
public struct ScalesOptions: Sendable {
    public var targetChunkSize: Int = 64
    public var maxScales: Int? = nil
    public var type: VolumeType? = nil
    public var encoding: ChunkEncoding? = nil

    public init(
        targetChunkSize: Int = 64, maxScales: Int? = nil, type: VolumeType? = nil, encoding: ChunkEncoding? = nil
    ) {
        self.targetChunkSize = targetChunkSize
        self.maxScales = maxScales
        self.type = type
        self.encoding = encoding
    }
}

/// The dyadic pyramid of the reference tool (`generate-scales-info`): each scale halves the
/// finest axes until the voxels are as isotropic as powers of two allow, then all axes.
public enum DyadicPyramid {
    /// Completes a full-resolution info into a multiscale info.
    public static func makeInfo(
        from fullres: VolumeInfo, options: ScalesOptions, file: String, warn: WarningSink
    ) throws -> VolumeInfo {
        var info = fullres
        guard var full = info.scales.first else {
            throw PrecomputedError.invalidInfo(file: file, key: "scales", problem: "must hold at least one scale")
        }
        if info.scales.count != 1 {
            warn("the source info JSON contains multiple scales, only the first one will be used.")
        }
        try info.validateFullres(file: file)
        guard let dataType = info.dataType, let numChannels = info.numChannels else {
            throw PrecomputedError.invalidInfo(file: file, key: "data_type", problem: "missing")
        }

        // Encoding and type, as the reference's set_info_params.
        if let encoding = options.encoding {
            full.encoding = encoding.rawValue
        } else if full.encoding == nil {
            full.encoding = ChunkEncoding.raw.rawValue
        }
        if let type = options.type {
            info.type = type.rawValue
        } else if info.type == nil {
            info.type = full.encoding == ChunkEncoding.compressedSegmentation.rawValue ? "segmentation" : "image"
        }
        if full.encoding == ChunkEncoding.compressedSegmentation.rawValue {
            if info.type != "segmentation" {
                warn("using compressed_segmentation encoding but 'type' is not 'segmentation'")
            }
            if full.compressedSegmentationBlockSize == nil { full.compressedSegmentationBlockSize = [8, 8, 8] }
            if info.dataType == "uint8" || info.dataType == "uint16" {
                warn("compressed_segmentation needs uint32 or uint64: data_type \(dataType) promoted to uint32")
                info.dataType = "uint32"
            }
            if info.dataType != "uint32" && info.dataType != "uint64" {
                warn("data type \(dataType) is not supported by the compressed_segmentation encoding")
            }
        }
        let integerTypes = ["uint8", "uint16", "uint32", "uint64", "int8", "int16", "int32"]
        if info.type == "segmentation", let type = info.dataType, !integerTypes.contains(type) {
            warn("the dataset is of type \"segmentation\" but has a non-integer data_type (\(type))")
        }
        if info.type == "segmentation" && numChannels != 1 {
            warn("the dataset is of type \"segmentation\" but num_channels is \(numChannels) (must be 1)")
        }

        info.scales = try scales(for: full, options: options)
        if info.scales.contains(where: { !$0.resolution.allSatisfy(\.isFinite) }) {
            throw PrecomputedError.invalidInfo(
                file: file, key: "scales[0].resolution",
                problem: "\(full.resolution) nm is too large: the coarser scales' resolutions are not finite")
        }
        if info.atType == nil { info.atType = "neuroglancer_multiscale_volume" }
        return info
    }

    /// The list of scales for a full-resolution scale (its size and resolution as
    /// `validateFullres` checks them).
    public static func scales(for full: ScaleInfo, options: ScalesOptions) throws -> [ScaleInfo] {
        let target = options.targetChunkSize
        guard target > 0, target & (target - 1) == 0 else {
            throw PrecomputedError.unsupported("the target chunk size must be a power of two, not \(target)")
        }
        guard full.size.count == 3, full.size.allSatisfy({ (1...InfoLimits.maxCoordinate).contains($0) }),
            full.resolution.count == 3, full.resolution.allSatisfy({ $0.isFinite && $0 > 0 }),
            full.offset.count == 3,
            full.offset.allSatisfy({ (-InfoLimits.maxCoordinate...InfoLimits.maxCoordinate).contains($0) })
        else {
            throw PrecomputedError.unsupported(
                "a scale needs 3 positive sizes and resolutions and 3 offsets, not \(full.size), \(full.resolution) "
                    + "and \(full.offset)")
        }
        let targetExponent = target.trailingZeroBitCount
        let best = full.resolution.min() ?? 1
        let ratios = full.resolution.map { log2($0 / best).rounded(.toNearestOrEven) }
        // Beyond 2^62 the factors of the pyramid overflow; real voxels are never that anisotropic.
        guard ratios.allSatisfy({ $0 <= 62 }) else {
            throw PrecomputedError.unsupported(
                "resolution \(full.resolution): one axis is more than 2^62 times coarser than another")
        }
        let delays = ratios.map { Int($0) }
        let maxDelay = delays.max() ?? 0
        var unit = try chooseUnitForKey(best)

        func scale(level: Int) throws -> ScaleInfo {
            let factors = delays.map { 1 << max(0, level - $0) }
            var scale = full
            scale.resolution = (0..<3).map { full.resolution[$0] * Double(factors[$0]) }
            scale.size = (0..<3).map { (full.size[$0] - 1) / factors[$0] + 1 }
            scale.key = formatLength(scale.resolution.min() ?? 0, factor: unit.factor, unit: unit.name)
            if let offset = full.voxelOffset {
                // Keep one physical origin: offset_i * res_i == offset_0 * res_0 (floor).
                scale.voxelOffset = (0..<3).map { Int((Double(offset[$0]) / Double(factors[$0])).rounded(.down)) }
            }
            var anisotropy = delays.map { max(0, maxDelay - $0 - level) }
            var sum = anisotropy.reduce(0, +)
            let excess = sum - 3 * targetExponent
            if excess > 0 {
                let nonZero = anisotropy.filter { $0 != 0 }.count
                let reduction = (excess - 1) / nonZero + 1
                anisotropy = anisotropy.map { max($0 - reduction, 0) }
                sum = anisotropy.reduce(0, +)
            }
            let baseExponent = targetExponent - (sum + 1) / 3
            guard baseExponent >= 0 else {
                throw PrecomputedError.unsupported(
                    "a target chunk size of \(target) is too small for this anisotropic volume; use a larger one")
            }
            scale.chunkSizes = [anisotropy.map { 1 << (baseExponent + $0) }]
            return scale
        }

        var maxLevel =
            (0..<3).map { axis in
                Int(ceil(log2(Double(full.size[axis]) / Double(target)))) - delays[axis]
            }.max() ?? 1
        if let maxScales = options.maxScales, maxScales > 0 { maxLevel = min(maxLevel, maxScales) }
        maxLevel = max(maxLevel, 1)
        var scales = try (0..<maxLevel).map { try scale(level: $0) }
        // The reference keys scales by their finest resolution in one unit; anisotropic volumes
        // can give two scales the same key (0.8 x 0.9 x 1.2 mm: "1mm" twice), which puts both
        // in one directory. Take finer units until the keys are distinct.
        var unitIndex = lengthUnits.firstIndex { $0.name == unit.name } ?? 0
        while Set(scales.compactMap(\.key)).count < scales.count, unitIndex + 1 < lengthUnits.count {
            unitIndex += 1
            unit = lengthUnits[unitIndex]
            scales = try (0..<maxLevel).map { try scale(level: $0) }
        }
        return scales
    }
}
