import Precomputed

/// What a MINC1 or MINC2 file says about its image, in nibabel's terms (`minc1.Minc1File`,
/// `minc2.Minc2File`): dimensions in file order (slowest first), which become nibabel's array
/// axes in that order; the stored type; the affine of the spatial dimensions; the real-value
/// scaling of integer data.
public struct MINCHeader: Sendable {
    /// 1 or 2.
    public var version: Int
    /// The image's dimensions in file order: "zspace", "yspace", "xspace", "time"...
    public var dimensionNames: [String]
    /// Their lengths: nibabel's `img.shape`.
    public var shape: [Int]
    /// The stored type (MINC1's byte, short and int read with their `signtype`).
    public var storedType: DataType
    /// nibabel's `img.affine`, from the spatial dimensions' direction cosines, steps and starts.
    public var affine: [[Double]]
    /// How integer values become real values; nil for float data (used as stored) or when the
    /// stored values were asked for.
    public var scaling: MINCScaling?
}

/// MINC's real values (`Minc1File._normalize`): each stored value v, clipped to the valid range,
/// becomes clip(v)·slope + inter, in float64, with one slope and intercept per index of the first
/// 0, 1 or 2 dimensions (those of the image-max and image-min variables).
public struct MINCScaling: Sendable, Equatable {
    public var validMin: Double
    public var validMax: Double
    /// How many leading dimensions the slopes vary over: 0, 1 or 2.
    public var dimensions: Int
    /// One per index of the leading dimensions (C order), or one.
    public var slopes: [Double]
    public var inters: [Double]

    /// slope = (image-max − image-min) / (valid max − valid min); inter = image-min − valid min ·
    /// slope. `differences` are image-max − image-min, computed in the variables' own type.
    init(validMin: Double, validMax: Double, dimensions: Int, differences: [Double], imageMin: [Double]) {
        self.validMin = validMin
        self.validMax = validMax
        self.dimensions = dimensions
        let range = validMax - validMin
        slopes = differences.map { $0 / range }
        inters = zip(imageMin, slopes).map { $0 - validMin * $1 }
    }
}

/// A dimension variable's attributes, as the affine needs them.
struct MINCDimension {
    var name: String
    var step: Double?
    var start: Double?
    var directionCosines: [Double]?
}

extension MINCHeader {
    /// The product of `values`, or nil when it overflows or a value is negative.
    static func product(_ values: [Int]) -> Int? {
        var product = 1
        for value in values {
            guard value >= 0 else { return nil }
            let (result, overflow) = product.multipliedReportingOverflow(by: value)
            if overflow { return nil }
            product = result
        }
        return product
    }

    /// `Minc1File.get_affine`: one column per spatial dimension (a name ending in "space"), in file
    /// order: its direction cosines (default: the axis its name says) times its step (default 1);
    /// the origin is the rotation times the starts (default 0). Exactly three spatial dimensions.
    static func affine(_ dimensions: [MINCDimension], path: String) throws -> [[Double]] {
        let spatial = dimensions.filter { $0.name.hasSuffix("space") }
        guard spatial.count == 3 else {
            throw VolumeError(
                path: path,
                message:
                    "the image has \(spatial.count) spatial dimensions (\(spatial.map(\.name).joined(separator: ", "))) "
                    + "among its dimensions \(dimensions.map(\.name)); MINC images need 3 (xspace, yspace, zspace)")
        }
        let defaults: [String: [Double]] = ["xspace": [1, 0, 0], "yspace": [0, 1, 0], "zspace": [0, 0, 1]]
        var rotation = [[Double]](repeating: [0, 0, 0], count: 3)
        var steps = [Double](repeating: 1, count: 3)
        var starts = [Double](repeating: 0, count: 3)
        for (column, dimension) in spatial.enumerated() {
            guard let cosines = dimension.directionCosines ?? defaults[dimension.name] else {
                throw VolumeError(
                    path: path,
                    message: "dimension \(dimension.name) has no direction_cosines, and its name implies none")
            }
            guard cosines.count == 3, cosines.allSatisfy(\.isFinite) else {
                throw VolumeError(
                    path: path, message: "the direction_cosines of \(dimension.name) are \(cosines), not 3 numbers")
            }
            for row in 0..<3 { rotation[row][column] = cosines[row] }
            steps[column] = dimension.step ?? 1
            starts[column] = dimension.start ?? 0
        }
        var affine: [[Double]] = [[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1]]
        for row in 0..<3 {
            for column in 0..<3 { affine[row][column] = rotation[row][column] * steps[column] }
            // np.dot(rot_mat, starts) as numpy's BLAS (OpenBLAS's dgemv_t kernel on x86-64) sums
            // it: the second product, then the first and third fused in (matches numpy on random
            // oblique rotations to the last bit; other BLAS builds may differ in the last bit).
            var origin = rotation[row][1] * starts[1]
            origin = origin.addingProduct(rotation[row][0], starts[0])
            origin = origin.addingProduct(rotation[row][2], starts[2])
            affine[row][3] = origin
        }
        return affine
    }

    /// `_get_valid_range`: `range` (the file's valid range, or nil) checked against the stored
    /// type's range, which it defaults to.
    static func validRange(_ range: [Double]?, type: DataType, path: String) throws -> (Double, Double) {
        let limits = type.integerLimits
        guard let range else { return limits }
        guard range.count == 2 else {
            throw VolumeError(path: path, message: "the image's valid range is \(range), not two numbers")
        }
        if range[0] < limits.0 || range[1] > limits.1 {
            throw VolumeError(
                path: path,
                message:
                    "the image's valid range \(range[0])...\(range[1]) is outside the range of its "
                    + "\(type.rawValue) values (\(limits.0)...\(limits.1))")
        }
        return (range[0], range[1])
    }

    /// The scaling from the image-max and image-min variables (`_normalize`): both over the same
    /// dimensions, at most two, which must be the image's first ones, with one value per index.
    /// `float32` tells that both were stored as float32 and read as arrays, so numpy subtracts
    /// them in float32.
    static func scaling(
        validRange: (Double, Double), imageShape: [Int], imageDimensions: [String],
        maximum: (dimensions: [String], shape: [Int], values: [Double]),
        minimum: (dimensions: [String], shape: [Int], values: [Double]), float32: Bool, path: String
    ) throws -> MINCScaling {
        guard maximum.dimensions == minimum.dimensions else {
            throw VolumeError(
                path: path,
                message:
                    "image-max (over \(maximum.dimensions)) and image-min (over \(minimum.dimensions)) "
                    + "do not have the same dimensions")
        }
        let count = maximum.dimensions.count
        guard count <= 2 else {
            throw VolumeError(
                path: path, message: "image-max varies over \(count) dimensions (\(maximum.dimensions)); at most 2")
        }
        guard maximum.dimensions == Array(imageDimensions.prefix(count)) else {
            throw VolumeError(
                path: path,
                message:
                    "image-max varies over \(maximum.dimensions), which are not the first dimensions of the image "
                    + "\(imageDimensions)")
        }
        let expected = Array(imageShape.prefix(count))
        let values = expected.reduce(1, *)
        for (name, variable) in [("image-max", maximum), ("image-min", minimum)] {
            // A scalar without dimensions may be stored as one value of shape [1].
            guard variable.values.count == values, count == 0 || variable.shape == expected else {
                throw VolumeError(
                    path: path,
                    message:
                        "\(name) has shape \(variable.shape) (\(variable.values.count) values), but the image's "
                        + "\(maximum.dimensions) have shape \(expected)")
            }
        }
        let differences = zip(maximum.values, minimum.values).map { high, low in
            float32 ? Double(Float(high) - Float(low)) : high - low
        }
        return MINCScaling(
            validMin: validRange.0, validMax: validRange.1, dimensions: count, differences: differences,
            imageMin: minimum.values)
    }
}

extension DataType {
    /// numpy's `iinfo(type).min, .max` as doubles (the float types' values are never used).
    var integerLimits: (Double, Double) {
        switch self {
        case .uint8: (0, 255)
        case .int8: (-128, 127)
        case .uint16: (0, 65535)
        case .int16: (-32768, 32767)
        case .uint32: (0, 4_294_967_295)
        case .int32: (-2_147_483_648, 2_147_483_647)
        case .uint64: (0, Double(UInt64.max))
        case .int64: (Double(Int64.min), Double(Int64.max))
        case .float32: (-Double(Float.greatestFiniteMagnitude), Double(Float.greatestFiniteMagnitude))
        case .float64: (-Double.greatestFiniteMagnitude, Double.greatestFiniteMagnitude)
        }
    }
}
