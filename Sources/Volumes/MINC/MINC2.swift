import Codecs
import Precomputed

/// MINC2: an HDF5 file whose dataset /minc-2.0/image/0/image holds the voxels, its `dimorder`
/// attribute naming its dimensions, each a dataset under /minc-2.0/dimensions carrying its step,
/// start and direction cosines, beside the image-max and image-min datasets (nibabel's
/// `minc2.Minc2File`).
enum MINC2 {
    static let imagePath = "/minc-2.0/image/0/image"

    /// The largest chunk cache kept for one slab's chunks.
    static let maximumChunkCache = 512 << 20

    static func open(_ path: String, ignoreScaling: Bool) throws -> (MINCHeader, any MINCData) {
        let file = try HDF5File(path: path)
        guard file.exists(imagePath) else {
            throw VolumeError(
                path: path, message: "this HDF5 file has no dataset \(imagePath), so it is not a MINC2 image")
        }
        var image = try file.dataset(imagePath)
        guard let stored = image.type else {
            throw VolumeError(path: path, message: "the image holds \(image.typeDescription), not numbers")
        }
        let type = stored.dataType
        let shape = image.shape
        // A compressed dataset cannot expand beyond gzip's ratio (about 1032:1) of what it stores.
        guard let bytes = MINCHeader.product(shape + [type.size]),
            bytes <= max(image.storageBytes, MINC1.fileSize(path)) * 1100 + (1 << 20)
        else {
            throw VolumeError(
                path: path,
                message: "the image claims shape \(shape), more than the \(image.storageBytes) bytes it stores can hold"
            )
        }
        if let cache = chunkCache(shape: shape, chunks: image.chunkShape, elementSize: type.size) {
            image = try file.dataset(imagePath, chunkCacheBytes: cache)
        }
        let names = try dimensionOrder(image, path)
        let dimensions = try names.map { name in
            let dimensionPath = "/minc-2.0/dimensions/\(name)"
            guard file.exists(dimensionPath) else {
                throw VolumeError(path: path, message: "the image's dimension \(name) has no dataset \(dimensionPath)")
            }
            let variable = try file.dataset(dimensionPath)
            // "If this attribute is absent, a value of regular__ should be assumed"; nibabel warns
            // about other values than "irregular" and reads them as regular.
            if let spacing = try variable.attribute("spacing"), spacing.text == "irregular" {
                throw VolumeError(
                    path: path, message: "dimension \(name) has irregular spacing, which is not supported")
            }
            return MINCDimension(
                name: name, step: try number(variable, "step", path), start: try number(variable, "start", path),
                directionCosines: try variable.attribute("direction_cosines")?.numbers)
        }
        var header = MINCHeader(
            version: 2, dimensionNames: names, shape: shape, storedType: type,
            affine: try MINCHeader.affine(dimensions, path: path), scaling: nil)
        if type.isInteger && !ignoreScaling {
            header.scaling = try scaling(file, image, names, type, path)
        }
        return (header, image)
    }

    /// `_get_dimensions`: the `dimorder` attribute split at commas, as many names as the dataset
    /// has dimensions; none without the attribute.
    static func dimensionOrder(_ dataset: HDF5Dataset, _ path: String) throws -> [String] {
        guard let value = try dataset.attribute("dimorder") else { return [] }
        guard let text = value.text else {
            throw VolumeError(path: path, message: "the dimorder of \(dataset.name) is \(describe(value)), not names")
        }
        return Array(
            text.split(separator: ",", omittingEmptySubsequences: false).map(String.init).prefix(dataset.shape.count))
    }

    /// The valid range (`valid_range`, else the type's range) and the image-max and image-min
    /// datasets.
    static func scaling(_ file: HDF5File, _ image: HDF5Dataset, _ names: [String], _ type: DataType, _ path: String)
        throws -> MINCScaling
    {
        var range: [Double]? = nil
        if let validRange = try image.attribute("valid_range") {
            guard let values = validRange.numbers else {
                throw VolumeError(path: path, message: "the image's valid_range is \(describe(validRange))")
            }
            range = values
        }
        let valid = try MINCHeader.validRange(range, type: type, path: path)
        let maximumPath = "/minc-2.0/image/0/image-max"
        let minimumPath = "/minc-2.0/image/0/image-min"
        guard file.exists(maximumPath), file.exists(minimumPath) else {
            throw VolumeError(
                path: path,
                message: "the image has no image-max or image-min dataset, so its integer values have no real values "
                    + "(use --ignore-scaling to read the stored values)")
        }
        let maximum = try file.dataset(maximumPath)
        let minimum = try file.dataset(minimumPath)
        return try MINCHeader.scaling(
            validRange: valid, imageShape: image.shape, imageDimensions: names,
            maximum: (try dimensionOrder(maximum, path), maximum.shape, try maximum.readDoubles()),
            minimum: (try dimensionOrder(minimum, path), minimum.shape, try minimum.readDoubles()),
            float32: maximum.type == .float32 && minimum.type == .float32, path: path)
    }

    /// A one-number attribute, or nil when absent.
    static func number(_ dataset: HDF5Dataset, _ name: String, _ path: String) throws -> Double? {
        guard let value = try dataset.attribute(name) else { return nil }
        guard let numbers = value.numbers, numbers.count == 1 else {
            throw VolumeError(path: path, message: "the \(name) of \(dataset.name) is \(describe(value)), not a number")
        }
        return numbers[0]
    }

    /// The bytes of the chunks one slab of a chunk's thickness in the third dimension touches,
    /// capped, for a chunked image whose chunks span more than one slice of it: a slab thinner
    /// than the chunks then finds them in the cache instead of decompressing them again.
    static func chunkCache(shape: [Int], chunks: [Int]?, elementSize: Int) -> Int? {
        guard let chunks, chunks.count == shape.count, shape.count >= 3, chunks[2] > 1,
            chunks.allSatisfy({ $0 > 0 })
        else { return nil }
        var bytes = elementSize
        for (axis, (extent, chunk)) in zip(shape, chunks).enumerated() {
            let covered = axis == 2 ? chunk : (extent + chunk - 1) / chunk * chunk
            let (product, overflow) = bytes.multipliedReportingOverflow(by: covered)
            if overflow || product > maximumChunkCache { return maximumChunkCache }
            bytes = product
        }
        // Default cache (1 MiB) when the chunks fit in it anyway.
        return bytes > 1 << 20 ? bytes : nil
    }
}

extension NumberType {
    var dataType: DataType {
        switch self {
        case .int8: .int8
        case .uint8: .uint8
        case .int16: .int16
        case .uint16: .uint16
        case .int32: .int32
        case .uint32: .uint32
        case .int64: .int64
        case .uint64: .uint64
        case .float32: .float32
        case .float64: .float64
        }
    }
}
