import Encoding
import Precomputed
import Volumes

/// What `info` and `convert` share about a volume file: its values' type and scaling as the
/// reference reads them (nibabel with neuroglancer-scripts' options).
struct VolumeSource {
    let volume: any VolumeFile
    /// The stored component type (uint8 for RGB24 and RGBA32).
    let storageType: DataType
    /// Header scaling that applies (nil when none or `--ignore-scaling`).
    let headerScaling: (slope: Double, inter: Double)?
    let inputMin: Double?
    let inputMax: Double?

    init(path: String, invocation: Invocation) throws {
        if invocation.has("input-min") && !invocation.has("input-max") {
            throw UsageError("option '--input-min' needs '--input-max'", commandPath: invocation.commandPath)
        }
        volume = try VolumeFiles.open(path, options: VolumeOptions(ignoreScaling: invocation.flag("ignore-scaling")))
        storageType = volume.elementType
        headerScaling = volume.scaling
        inputMax = invocation.double("input-max")
        inputMin = inputMax == nil ? nil : (invocation.double("input-min") ?? 0)
        if let inputMin, let inputMax, inputMin == inputMax {
            throw UsageError("'--input-min' and '--input-max' must differ", commandPath: invocation.commandPath)
        }
    }

    /// The type of the values as the reference declares them: float64 when scaled (header
    /// scaling or `--input-max`), else the stored type.
    var declaredType: DataType {
        (headerScaling != nil || inputMax != nil) ? .float64 : storageType
    }

    /// The mapping of stored values into `output`.
    func mapping(to output: DataType) -> ValueMapping {
        var scaling = headerScaling
        if let inputMin, let inputMax {
            scaling = ValueMapping.inputRange(min: inputMin, max: inputMax, output: output, after: headerScaling)
        }
        return ValueMapping(input: storageType, output: output, scaling: scaling)
    }

    /// Voxel size in nanometres, from the affine (as nibabel's voxel_sizes) times 1e6.
    var resolution: [Double] { volume.voxelSizes.map { $0 * 1_000_000 } }

    /// The Neuroglancer transform: the affine without its voxel scaling, translation in
    /// nanometres, shifted by half a voxel (NIfTI addresses voxel centres, Neuroglancer corners).
    var transform: [[Double]] {
        let affine = volume.affine
        let sizes = volume.voxelSizes
        var matrix = [[Double]](repeating: [0, 0, 0, 0], count: 4)
        for row in 0..<4 {
            for column in 0..<3 { matrix[row][column] = affine[row][column] / sizes[column] }
        }
        for row in 0..<3 { matrix[row][3] = affine[row][3] * 1_000_000 }
        matrix[3][3] = 1
        let half = resolution.map { 0.5 * $0 }
        for row in 0..<3 {
            var shift = 0.0
            for column in 0..<3 { shift += matrix[row][column] * half[column] }
            matrix[row][3] -= shift
        }
        return matrix
    }
}

/// A matrix as compact URL-safe JSON (`[[1_0_0_-500000]_...]`), integral values as integers,
/// as the reference prints it for Neuroglancer URLs.
func compactURLSafeJSON(_ matrix: [[Double]]) -> String {
    func number(_ value: Double) -> String {
        if value == value.rounded(), abs(value) < 1e16 { return String(Int64(value)) }
        return "\(value)"
    }
    return "[" + matrix.map { "[" + $0.map(number).joined(separator: "_") + "]" }.joined(separator: "_") + "]"
}
