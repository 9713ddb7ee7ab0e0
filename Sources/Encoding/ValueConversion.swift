import Precomputed

/// How voxel values become the output data type, with the reference tool's arithmetic
/// (neuroglancer-scripts' `get_chunk_dtype_transformer` after nibabel's scaling):
/// - with a scaling (header slope/intercept, or `--input-min/--input-max`), values are
///   `raw * slope + inter` in float64;
/// - into an integer type from a float (or scaled) input: round half to even;
/// - into an integer type that cannot hold every input value: clip to the type's range;
/// - into float32: a plain cast (no clipping).
/// NaN becomes 0 in integer outputs (the reference leaves whatever the cast gives).
public struct ValueMapping: Sendable, Equatable {
    public var input: DataType
    public var output: DataType
    /// `raw * slope + inter`, or nil for none.
    public var scaling: (slope: Double, inter: Double)?

    public init(input: DataType, output: DataType, scaling: (slope: Double, inter: Double)? = nil) {
        self.input = input
        self.output = output
        self.scaling = scaling
    }

    public static func == (a: ValueMapping, b: ValueMapping) -> Bool {
        a.input == b.input && a.output == b.output && a.scaling?.slope == b.scaling?.slope
            && a.scaling?.inter == b.scaling?.inter
    }

    /// The linear map of `--input-min X --input-max Y` onto the output's range, composed after
    /// `header` scaling (the reference multiplies nibabel's slope and intercept).
    public static func inputRange(
        min inputMin: Double, max inputMax: Double, output: DataType, after header: (slope: Double, inter: Double)?
    ) -> (slope: Double, inter: Double) {
        let (outputMin, outputMax) = output.isInteger ? output.integerRange : (0.0, 1.0)
        let slope = (outputMax - outputMin) / (inputMax - inputMin)
        let inter = outputMin - inputMin * slope
        let pre = header ?? (1.0, 0.0)
        return (pre.slope * slope, pre.inter * slope + inter)
    }

    /// No conversion at all: same type, no scaling.
    public var isIdentity: Bool { scaling == nil && input == output }

    /// The type the values have before the cast, as the reference declares it: float64 when
    /// scaled, the input type otherwise.
    public var declaredInput: DataType { scaling != nil ? .float64 : input }

    /// Values are rounded to the nearest integer (the reference warns).
    public var rounds: Bool { output.isInteger && !declaredInput.isInteger }

    /// Values are clipped to the output range (the reference warns).
    public var clips: Bool { output.isInteger && !declaredInput.canCastSafely(to: output) }

    /// Converts `count` values from `source` (input type, host order) to `target` (output type).
    public func convert(_ source: UnsafeRawBufferPointer, into target: UnsafeMutableRawBufferPointer, count: Int) {
        precondition(source.count >= count * input.size && target.count >= count * output.size)
        switch input {
        case .uint8: convert(source, UInt8.self, target, count)
        case .int8: convert(source, Int8.self, target, count)
        case .uint16: convert(source, UInt16.self, target, count)
        case .int16: convert(source, Int16.self, target, count)
        case .uint32: convert(source, UInt32.self, target, count)
        case .int32: convert(source, Int32.self, target, count)
        case .uint64: convert(source, UInt64.self, target, count)
        case .int64: convert(source, Int64.self, target, count)
        case .float32: convert(source, Float.self, target, count)
        case .float64: convert(source, Double.self, target, count)
        }
    }

    /// Converts a whole array of input values.
    public func convert(_ source: [UInt8]) -> [UInt8] {
        let count = source.count / input.size
        var result = [UInt8](repeating: 0, count: count * output.size)
        source.withUnsafeBytes { s in result.withUnsafeMutableBytes { t in convert(s, into: t, count: count) } }
        return result
    }

    private func convert<I: Voxel>(
        _ source: UnsafeRawBufferPointer, _: I.Type, _ target: UnsafeMutableRawBufferPointer, _ count: Int
    ) {
        let values = source.bindMemory(to: I.self)
        switch output {
        case .uint8: run(values, target.bindMemory(to: UInt8.self), count)
        case .int8: run(values, target.bindMemory(to: Int8.self), count)
        case .uint16: run(values, target.bindMemory(to: UInt16.self), count)
        case .int16: run(values, target.bindMemory(to: Int16.self), count)
        case .uint32: run(values, target.bindMemory(to: UInt32.self), count)
        case .int32: run(values, target.bindMemory(to: Int32.self), count)
        case .uint64: run(values, target.bindMemory(to: UInt64.self), count)
        case .int64: run(values, target.bindMemory(to: Int64.self), count)
        case .float32: run(values, target.bindMemory(to: Float.self), count)
        case .float64: run(values, target.bindMemory(to: Double.self), count)
        }
    }

    private func run<I: Voxel, O: Voxel>(
        _ source: UnsafeBufferPointer<I>, _ target: UnsafeMutableBufferPointer<O>, _ count: Int
    ) {
        if let (slope, inter) = scaling {
            // nibabel: arr * slope (when slope != 1), then + inter (when inter != 0), in float64.
            for i in 0..<count {
                var value = source[i].doubleValue
                if slope != 1 { value *= slope }
                if inter != 0 { value += inter }
                target[i] = O(roundingClamping: value)
            }
        } else if I.isFloatingPoint || O.isFloatingPoint {
            for i in 0..<count { target[i] = O(roundingClamping: source[i].doubleValue) }
        } else if I.isSigned64 || O.isSigned64 || !(I.isUnsigned64 || O.isUnsigned64) {
            for i in 0..<count { target[i] = O(clampingInt: source[i].int64Value) }
        } else {
            for i in 0..<count { target[i] = O(clampingUInt: source[i].uint64Value) }
        }
    }
}

extension DataType {
    /// The range of an integer type, as doubles.
    public var integerRange: (Double, Double) {
        switch self {
        case .uint8: return (0, 255)
        case .int8: return (-128, 127)
        case .uint16: return (0, 65535)
        case .int16: return (-32768, 32767)
        case .uint32: return (0, 4_294_967_295)
        case .int32: return (-2_147_483_648, 2_147_483_647)
        case .uint64: return (0, Double(UInt64.max))
        case .int64: return (Double(Int64.min), Double(Int64.max))
        case .float32, .float64: return (-.infinity, .infinity)
        }
    }

    /// numpy's `can_cast(self, other, casting="safe")`.
    public func canCastSafely(to other: DataType) -> Bool {
        if self == other { return true }
        switch (isInteger, other.isInteger) {
        case (true, true):
            if isSigned && !other.isSigned { return false }
            if !isSigned && other.isSigned { return other.size > size }
            return other.size >= size
        case (true, false):
            return other == .float64 || size <= 2  // float32 holds 16-bit integers exactly
        case (false, true):
            return false
        case (false, false):
            return other.size >= size
        }
    }
}

/// The element types of voxel arrays, with the conversions the mapping needs.
public protocol Voxel: Sendable {
    static var isFloatingPoint: Bool { get }
    static var isSigned64: Bool { get }
    static var isUnsigned64: Bool { get }
    var doubleValue: Double { get }
    var int64Value: Int64 { get }
    var uint64Value: UInt64 { get }
    /// Rounds half to even and clamps to the type (integers; NaN gives 0); casts (floats).
    init(roundingClamping value: Double)
    init(clampingInt value: Int64)
    init(clampingUInt value: UInt64)
}

extension Voxel where Self: FixedWidthInteger {
    @inlinable public static var isFloatingPoint: Bool { false }
    @inlinable public static var isSigned64: Bool { Self.isSigned && Self.bitWidth == 64 }
    @inlinable public static var isUnsigned64: Bool { !Self.isSigned && Self.bitWidth == 64 }
    @inlinable public var doubleValue: Double { Double(self) }
    @inlinable public var int64Value: Int64 { Int64(truncatingIfNeeded: self) }
    @inlinable public var uint64Value: UInt64 { UInt64(truncatingIfNeeded: self) }

    @inlinable
    public init(roundingClamping value: Double) {
        let rounded = value.rounded(.toNearestOrEven)
        if rounded.isNaN {
            self = 0
        } else if rounded <= Double(Self.min) {
            self = Self.min
        } else if rounded >= Double(Self.max) {
            self = Self.max
        } else {
            self = Self(rounded)
        }
    }

    @inlinable public init(clampingInt value: Int64) { self.init(clamping: value) }
    @inlinable public init(clampingUInt value: UInt64) { self.init(clamping: value) }
}

extension UInt8: Voxel {}
extension Int8: Voxel {}
extension UInt16: Voxel {}
extension Int16: Voxel {}
extension UInt32: Voxel {}
extension Int32: Voxel {}
extension UInt64: Voxel {}
extension Int64: Voxel {}

extension Float: Voxel {
    @inlinable public static var isFloatingPoint: Bool { true }
    @inlinable public static var isSigned64: Bool { false }
    @inlinable public static var isUnsigned64: Bool { false }
    @inlinable public var doubleValue: Double { Double(self) }
    @inlinable public var int64Value: Int64 { Int64(self) }
    @inlinable public var uint64Value: UInt64 { UInt64(self) }
    @inlinable public init(roundingClamping value: Double) { self = Float(value) }
    @inlinable public init(clampingInt value: Int64) { self = Float(value) }
    @inlinable public init(clampingUInt value: UInt64) { self = Float(value) }
}

extension Double: Voxel {
    @inlinable public static var isFloatingPoint: Bool { true }
    @inlinable public static var isSigned64: Bool { false }
    @inlinable public static var isUnsigned64: Bool { false }
    @inlinable public var doubleValue: Double { self }
    @inlinable public var int64Value: Int64 { Int64(self) }
    @inlinable public var uint64Value: UInt64 { UInt64(self) }
    @inlinable public init(roundingClamping value: Double) { self = value }
    @inlinable public init(clampingInt value: Int64) { self = Double(value) }
    @inlinable public init(clampingUInt value: UInt64) { self = Double(value) }
}
