import Encoding
import Engine
import Foundation
import Precomputed

/// Options of `nprec downscale`.
public struct DownscaleOptions: Sendable {
    public var method: DownscalingMethod
    public var outsideValue: Double?
    public var jobs: Int
    public var jpegQuality: Int
    public var jpegPlane: ChunkFormat.JPEGPlane

    public init(
        method: DownscalingMethod, outsideValue: Double? = nil, jobs: Int = 1, jpegQuality: Int = 95,
        jpegPlane: ChunkFormat.JPEGPlane = .xy
    ) {
        self.method = method
        self.outsideValue = outsideValue
        self.jobs = jobs
        self.jpegQuality = jpegQuality
        self.jpegPlane = jpegPlane
    }

    /// `auto`: average for images, stride for segmentations (as the reference).
    public static func method(named name: String, type: VolumeType) -> DownscalingMethod {
        if name == "auto" { return type == .segmentation ? .stride : .average }
        return DownscalingMethod(rawValue: name) ?? .average
    }
}

/// Computes one scale of a dataset from the scale before it.
public struct ScaleDownscaler: Sendable {
    public let dataset: Dataset
    public let info: DatasetSpec
    public let source: Int
    public let options: DownscaleOptions
    /// 1 or 2 per axis, from the sizes.
    public let factors: [Int]

    /// Checks that scale `source + 1` halves or keeps each axis of scale `source`.
    public init(dataset: Dataset, info: DatasetSpec, source: Int, options: DownscaleOptions) throws {
        self.dataset = dataset
        self.info = info
        self.source = source
        self.options = options
        let old = info.scales[source]
        let new = info.scales[source + 1]
        let factors = DownscaleGeometry.factors(from: old.info, to: new.info)
        guard (0..<3).allSatisfy({ new.size[$0] == (old.size[$0] + factors[$0] - 1) / factors[$0] }),
            old.info.chunkSizes?.count == 1, new.info.chunkSizes?.count == 1
        else {
            throw PrecomputedError.invalidInfo(
                file: dataset.path("info"), key: "scales[\(source + 1)].size",
                problem:
                    "scale \(new.key) (\(new.size.map(String.init).joined(separator: "x"))) is not scale "
                    + "\(old.key) (\(old.size.map(String.init).joined(separator: "x"))) downscaled by 1 or 2 per axis "
                    + "with one chunk size each")
        }
        self.factors = factors
    }

    public var sourceKey: String { info.scales[source].key }
    public var targetKey: String { info.scales[source + 1].key }
    public var sourceIsLossy: Bool { info.scales[source].encoding.isLossy }

    /// Writes the chunks of `units` of the target scale (its plan's units, in write order);
    /// `progress` advances after each chunk.
    public func run(units: [Int], plan: ScalePlan, progress: any StepProgress) throws {
        let oldScale = info.scales[source].info
        let newScale = info.scales[source + 1].info
        let oldFormat = ChunkFormat(dataset: info, scale: info.scales[source])
        let newFormat = ChunkFormat(
            dataset: info, scale: info.scales[source + 1], jpegQuality: options.jpegQuality,
            jpegPlane: options.jpegPlane)
        try newFormat.checkWritable()
        let reader = ScaleReader(dataset: dataset, scale: oldScale)
        let sink = ScaleSink(dataset: dataset, plan: plan, format: newFormat)
        let factors = self.factors
        let options = self.options
        try Engine.run(units: units, plan: plan, sink: sink, jobs: options.jobs, progress: progress) { box in
            let region = DownscaleGeometry.sourceRegion(of: box, target: newScale, source: oldScale, factors: factors)
            let block = try reader.readRegion(format: oldFormat, lower: region.lower, upper: region.upper)
            let result = Downscaler.downscale(
                block, factors: factors, method: options.method, outsideValue: options.outsideValue)
            guard result.size == box.size else {
                throw PrecomputedError.unsupported(
                    "scale \(newScale.key ?? ""): chunk \(box) downscales to \(result.size), not \(box.size)")
            }
            return result.values
        }
    }
}
