import Encoding
import Precomputed
import Testing

@testable import Pyramid

@Suite struct KernelTests {
    static func block<T>(_ values: [T], _ size: [Int], _ type: DataType, channels: Int = 1) -> VoxelBlock {
        VoxelBlock(size: size, channels: channels, dataType: type, values: values.withUnsafeBytes { Array($0) })
    }

    static func values<T>(_ block: VoxelBlock, as: T.Type) -> [T] {
        block.values.withUnsafeBytes { Array($0.bindMemory(to: T.self)) }
    }

    @Test func averageRoundsHalfToEven() {
        // 2x1x1 blocks: means 0.5 -> 0, 1.5 -> 2, 2.5 -> 2, 254.5 -> 254.
        let input = Self.block([UInt8(0), 1, 1, 2, 2, 3, 254, 255], [8, 1, 1], .uint8)
        let out = Downscaler.downscale(input, factors: [2, 1, 1], method: .average)
        #expect(out.size == [4, 1, 1])
        #expect(Self.values(out, as: UInt8.self) == [0, 2, 2, 254])
    }

    @Test func averageOfSignedValuesRoundsHalfToEven() {
        let input = Self.block([Int16(-3), -2, -1, -2, 5, 6, -32768, -32767], [8, 1, 1], .int16)
        let out = Downscaler.downscale(input, factors: [2, 1, 1], method: .average)
        // -2.5 -> -2, -1.5 -> -2, 5.5 -> 6, -32767.5 -> -32768
        #expect(Self.values(out, as: Int16.self) == [-2, -2, 6, -32768])
    }

    @Test func oddExtentsUseTheEdgeValueOrTheOutsideValue() {
        let input = Self.block([UInt8(10), 20, 30], [3, 1, 1], .uint8)
        let edge = Downscaler.downscale(input, factors: [2, 1, 1], method: .average)
        #expect(Self.values(edge, as: UInt8.self) == [15, 30])
        let outside = Downscaler.downscale(input, factors: [2, 1, 1], method: .average, outsideValue: 255)
        #expect(Self.values(outside, as: UInt8.self) == [15, 142])  // (30 + 255) / 2 = 142.5 -> 142
        let clipped = Downscaler.downscale(input, factors: [2, 1, 1], method: .average, outsideValue: 1000)
        #expect(Self.values(clipped, as: UInt8.self) == [15, 255])
    }

    @Test func outsideValuePadsAfterTheEarlierAxes() {
        // 1x2x3 (x, y, z): z is padded first, then y; the pad joins the already averaged values.
        let input = Self.block([Float(1), 3, 5, 7, 9, 11], [1, 2, 3], .float32)
        let out = Downscaler.downscale(input, factors: [1, 2, 2], method: .average, outsideValue: 100)
        // z pairs: (1,5)->3, (3,7)->5 ; z=1: (9,100)->54.5, (11,100)->55.5; then y: (3,5)->4, (54.5,55.5)->55
        #expect(Self.values(out, as: Float.self) == [4, 55])
    }

    @Test func majorityBreaksTiesTowardsTheSmallestValue() {
        let input = Self.block([UInt32(7), 3, 3, 7, 9, 9, 9, 1], [2, 2, 2], .uint32)
        #expect(
            Self.values(Downscaler.downscale(input, factors: [2, 2, 2], method: .majority), as: UInt32.self) == [9])
        let tie = Self.block([UInt32(7), 3, 3, 7, 5, 5, 8, 9], [2, 2, 2], .uint32)
        #expect(Self.values(Downscaler.downscale(tie, factors: [2, 2, 2], method: .majority), as: UInt32.self) == [3])
        let signed = Self.block([Int8(-1), 2, -1, 2], [4, 1, 1], .int8)
        #expect(
            Self.values(Downscaler.downscale(signed, factors: [2, 1, 1], method: .majority), as: Int8.self) == [-1, -1])
    }

    @Test func majorityAtOddEdgesUsesThePartialBlock() {
        let input = Self.block([UInt16(1), 1, 2, 5, 5], [5, 1, 1], .uint16)
        #expect(
            Self.values(Downscaler.downscale(input, factors: [2, 1, 1], method: .majority), as: UInt16.self) == [
                1, 2, 5,
            ])
    }

    @Test func strideTakesTheFirstVoxel() {
        let input = Self.block((0..<27).map { UInt64($0) }, [3, 3, 3], .uint64)
        let out = Downscaler.downscale(input, factors: [2, 2, 2], method: .stride)
        #expect(out.size == [2, 2, 2])
        #expect(Self.values(out, as: UInt64.self) == [0, 2, 6, 8, 18, 20, 24, 26])
    }

    @Test func channelsAreIndependent() {
        let input = Self.block([UInt8(0), 2, 100, 102], [2, 1, 1], .uint8, channels: 2)
        let out = Downscaler.downscale(input, factors: [2, 1, 1], method: .average)
        #expect(Self.values(out, as: UInt8.self) == [1, 101])
    }

    /// The integer fast path equals the step-by-step float64 arithmetic for every factor
    /// combination and odd size.
    @Test(arguments: [[2, 2, 2], [2, 1, 1], [1, 2, 1], [1, 1, 2], [2, 2, 1], [1, 2, 2], [2, 1, 2]])
    func integerFastPathMatchesFloat64(factors: [Int]) {
        var generator = SplitMix64(seed: 7)
        let size = [7, 6, 5]
        let count = size.reduce(1, *) * 2
        for type in [DataType.uint8, .int8, .uint16, .int16, .uint32, .int32] {
            let bytes = (0..<(count * type.size)).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
            let block = VoxelBlock(size: size, channels: 2, dataType: type, values: bytes)
            let fast = Downscaler.downscale(block, factors: factors, method: .average)
            // An outside value forces the float64 path; NaN-free edge padding is the same as
            // padding with the edge value, so compare against a float64 run on the same input.
            let slow = Self.float64Average(block, factors: factors)
            #expect(fast == slow, "\(type) \(factors)")
        }
    }

    static func float64Average(_ block: VoxelBlock, factors: [Int]) -> VoxelBlock {
        let outSize = (0..<3).map { (block.size[$0] + factors[$0] - 1) / factors[$0] }
        var out = [UInt8](repeating: 0, count: outSize.reduce(1, *) * block.channels * block.dataType.size)
        block.values.withUnsafeBytes { source in
            out.withUnsafeMutableBytes { target in
                let g = Downscaler.Geometry(
                    size: block.size, outSize: outSize, factors: factors, channels: block.channels)
                switch block.dataType {
                case .uint8: Downscaler.averageInFloat64(source, target, UInt8.self, g, nil)
                case .int8: Downscaler.averageInFloat64(source, target, Int8.self, g, nil)
                case .uint16: Downscaler.averageInFloat64(source, target, UInt16.self, g, nil)
                case .int16: Downscaler.averageInFloat64(source, target, Int16.self, g, nil)
                case .uint32: Downscaler.averageInFloat64(source, target, UInt32.self, g, nil)
                default: Downscaler.averageInFloat64(source, target, Int32.self, g, nil)
                }
            }
        }
        return VoxelBlock(size: outSize, channels: block.channels, dataType: block.dataType, values: out)
    }

    @Test(arguments: DataType.allCases)
    func everyTypeEveryMethod(type: DataType) {
        let size = [5, 4, 3]
        let count = size.reduce(1, *)
        var bytes: [UInt8]
        switch type {
        case .float32: bytes = (0..<count).map { Float($0) * 0.5 }.withUnsafeBytes { Array($0) }
        case .float64: bytes = (0..<count).map { Double($0) * 0.5 }.withUnsafeBytes { Array($0) }
        default: bytes = (0..<(count * type.size)).map { UInt8(truncatingIfNeeded: $0 % 7 == 0 ? $0 : 0) }
        }
        let block = VoxelBlock(size: size, channels: 1, dataType: type, values: bytes)
        for method in DownscalingMethod.allCases {
            let out = Downscaler.downscale(block, factors: [2, 2, 2], method: method)
            #expect(out.size == [3, 2, 2])
            #expect(out.values.count == 12 * type.size)
        }
        // A constant block stays constant under every method.
        let constant = VoxelBlock(
            size: size, channels: 1, dataType: type, values: Array(bytes[0..<type.size]).repeated(count))
        for method in DownscalingMethod.allCases {
            let out = Downscaler.downscale(constant, factors: [2, 1, 2], method: method)
            #expect(out.values == Array(bytes[0..<type.size]).repeated(out.size.reduce(1, *)))
        }
    }

    @Test func floatAverageKeepsFractionsAndNaN() {
        let input = Self.block([Float(1), 2, 0.1, 0.2, .nan, 1], [6, 1, 1], .float32)
        let out = Self.values(Downscaler.downscale(input, factors: [2, 1, 1], method: .average), as: Float.self)
        #expect(out[0] == 1.5)
        #expect(out[1] == Float(0.5 * (Double(Float(0.1)) + Double(Float(0.2)))))
        #expect(out[2].isNaN)
    }
}

extension Array where Element == UInt8 {
    func repeated(_ times: Int) -> [UInt8] { (0..<times).flatMap { _ in self } }
}

@Suite struct MajorityFastPathTests {
    /// The 2x2x2 fast path (even extents) against a direct count over each block.
    /// uint64 labels ordered by their high halves and, where those are equal, their low halves.
    static let wide: [UInt64] = [0xFFFF_FFFF, 0x1_0000_0000, 0x1_0000_0001, 0xFFFF_FFFF_0000_0000]

    @Test(arguments: [DataType.uint8, .uint16, .uint32, .uint64, .int16, .float32])
    func matchesADirectCount(type: DataType) {
        var generator = SplitMix64(seed: 11)
        let size = [36, 6, 4]  // 18 outputs per row: two vector steps of 8 and a tail of 2
        let count = size.reduce(1, *) * 2
        // Few distinct values, so that ties and runs occur.
        let small = (0..<count).map { _ in Int(generator.next() % 4) }
        let bytes: [UInt8]
        switch type {
        case .uint8: bytes = small.map { UInt8($0 * 80) }
        case .uint16: bytes = small.map { UInt16($0 * 21_000) }.withUnsafeBytes { Array($0) }
        case .uint32: bytes = small.map { UInt32($0) }.withUnsafeBytes { Array($0) }
        case .uint64: bytes = small.map { Self.wide[$0] }.withUnsafeBytes { Array($0) }
        case .int16: bytes = small.map { Int16($0) - 2 }.withUnsafeBytes { Array($0) }
        default: bytes = small.map { Float($0) * 0.5 }.withUnsafeBytes { Array($0) }
        }
        let out = Downscaler.downscale(
            VoxelBlock(size: size, channels: 2, dataType: type, values: bytes), factors: [2, 2, 2], method: .majority)
        var index = 0
        for c in 0..<2 {
            for z in 0..<2 {
                for y in 0..<3 {
                    for x in 0..<18 {
                        var counts: [Int: Int] = [:]
                        for dz in 0..<2 {
                            for dy in 0..<2 {
                                for dx in 0..<2 {
                                    let i = (((c * 4 + 2 * z + dz) * 6 + 2 * y + dy) * 36) + 2 * x + dx
                                    counts[small[i], default: 0] += 1
                                }
                            }
                        }
                        let best = counts.max { ($0.value, -$0.key) < ($1.value, -$1.key) }!.key
                        let got = out.values[(index * type.size)..<((index + 1) * type.size)]
                        let want: [UInt8]
                        switch type {
                        case .uint8: want = [UInt8(best * 80)]
                        case .uint16: want = withUnsafeBytes(of: UInt16(best * 21_000)) { Array($0) }
                        case .uint32: want = withUnsafeBytes(of: UInt32(best)) { Array($0) }
                        case .uint64: want = withUnsafeBytes(of: Self.wide[best]) { Array($0) }
                        case .int16: want = withUnsafeBytes(of: Int16(best) - 2) { Array($0) }
                        default: want = withUnsafeBytes(of: Float(best) * 0.5) { Array($0) }
                        }
                        #expect(Array(got) == want, "\(type) block (\(x),\(y),\(z),\(c))")
                        index += 1
                    }
                }
            }
        }
    }
}
