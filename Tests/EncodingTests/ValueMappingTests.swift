import Testing

@testable import Encoding
@testable import Precomputed

@Suite struct ValueMappingTests {
    static func bytes<T>(_ values: [T]) -> [UInt8] { values.withUnsafeBytes { Array($0) } }
    static func values<T>(_ bytes: [UInt8], as: T.Type) -> [T] {
        bytes.withUnsafeBytes { Array($0.bindMemory(to: T.self)) }
    }

    @Test func floatToIntegerRoundsHalfToEvenAndClips() {
        let mapping = ValueMapping(input: .float32, output: .uint8)
        let input: [Float] = [-3, -0.5, 0.5, 1.5, 2.5, 2.5000002, 254.5, 255.5, 300, .nan]
        let out = Self.values(mapping.convert(Self.bytes(input)), as: UInt8.self)
        #expect(out == [0, 0, 0, 2, 2, 3, 254, 255, 255, 0])
        #expect(mapping.rounds && mapping.clips)
    }

    @Test func integerNarrowingClipsWithoutRounding() {
        let mapping = ValueMapping(input: .int16, output: .uint8)
        let out = Self.values(mapping.convert(Self.bytes([Int16(-5), 0, 17, 255, 256, 32767])), as: UInt8.self)
        #expect(out == [0, 0, 17, 255, 255, 255])
        #expect(!mapping.rounds && mapping.clips)
    }

    @Test func wideningNeitherRoundsNorClips() {
        let mapping = ValueMapping(input: .uint8, output: .uint16)
        #expect(!mapping.rounds && !mapping.clips)
        let out = Self.values(mapping.convert([0, 1, 255]), as: UInt16.self)
        #expect(out == [0, 1, 255])
    }

    @Test func uint64ExtremesSurvive() {
        let mapping = ValueMapping(input: .uint64, output: .uint64)
        let input: [UInt64] = [0, UInt64.max, 1 << 63]
        #expect(Self.values(mapping.convert(Self.bytes(input)), as: UInt64.self) == input)
        let narrow = ValueMapping(input: .uint64, output: .int32)
        #expect(Self.values(narrow.convert(Self.bytes(input)), as: Int32.self) == [0, Int32.max, Int32.max])
        let signed = ValueMapping(input: .int64, output: .uint32)
        #expect(Self.values(signed.convert(Self.bytes([Int64.min, -1, 5])), as: UInt32.self) == [0, 0, 5])
    }

    @Test func scalingIsAppliedInFloat64() {
        // nibabel: raw * slope + inter in float64; then rounded into uint8.
        let mapping = ValueMapping(input: .uint8, output: .uint8, scaling: (0.5, 0.25))
        let out = Self.values(mapping.convert([0, 1, 2, 3, 4, 5]), as: UInt8.self)
        #expect(out == [0, 1, 1, 2, 2, 3])
        #expect(mapping.declaredInput == .float64)
    }

    @Test func inputRangeMapsOntoTheOutputRange() {
        let (slope, inter) = ValueMapping.inputRange(min: -5, max: 200, output: .uint8, after: nil)
        #expect(abs(-5 * slope + inter) < 1e-12)
        #expect(abs(200 * slope + inter - 255) < 1e-12)
        let float = ValueMapping.inputRange(min: 0, max: 10, output: .float32, after: (2, 1))
        // (raw * 2 + 1) mapped from [0, 10] onto [0, 1].
        #expect(abs(3 * float.slope + float.inter - 0.7) < 1e-12)
    }

    @Test(arguments: DataType.allCases)
    func identityForEveryType(type: DataType) {
        let bytes = (0..<(type.size * 7)).map { UInt8(truncatingIfNeeded: $0 * 37 + 3) }
        var input = bytes
        if !type.isInteger {
            // Keep finite, ordinary floats.
            input =
                type == .float32
                ? Self.bytes((0..<7).map { Float($0) * 1.25 - 3 }) : Self.bytes((0..<7).map { Double($0) * 1.25 - 3 })
        }
        #expect(ValueMapping(input: type, output: type).convert(input) == input)
    }

    @Test func safeCastsFollowNumpy() {
        #expect(DataType.uint8.canCastSafely(to: .int16))
        #expect(!DataType.uint16.canCastSafely(to: .int16))
        #expect(!DataType.int8.canCastSafely(to: .uint64))
        #expect(DataType.int16.canCastSafely(to: .float32))
        #expect(!DataType.int32.canCastSafely(to: .float32))
        #expect(DataType.int32.canCastSafely(to: .float64))
        #expect(!DataType.float32.canCastSafely(to: .uint8))
        #expect(!DataType.float64.canCastSafely(to: .float32))
    }

    @Test func rawChunksNeedTheirExactSize() throws {
        #expect(
            try RawCodec.decode([1, 2, 3, 4], size: [2, 2, 1], channels: 1, dataType: .uint8, path: "c") == [
                1, 2, 3, 4,
            ])
        #expect {
            try RawCodec.decode([1, 2, 3], size: [2, 2, 1], channels: 1, dataType: .uint8, path: "k/0-2_0-2_0-1")
        } throws: { "\($0)".contains("k/0-2_0-2_0-1") && "\($0)".contains("3 bytes") }
    }
}
