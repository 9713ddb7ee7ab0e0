import Encoding
import Precomputed

/// How lower scales are computed.
public enum DownscalingMethod: String, CaseIterable, Sendable {
    /// Mean of each block: pairs averaged in float64 along z, then y, then x (the reference's
    /// order); odd extents padded with the edge value or an outside value.
    case average
    /// The most frequent value of each block; ties go to the smallest value.
    case majority
    /// The first voxel of each block.
    case stride
}

/// The downscaling kernels. Each dispatches on the data type once per block, then runs a
/// specialised loop.
public enum Downscaler {
    /// Downscales `block` by `factors` (1 or 2 per axis); the result has `ceil(size / factor)`.
    public static func downscale(
        _ block: VoxelBlock, factors: [Int], method: DownscalingMethod, outsideValue: Double? = nil
    ) -> VoxelBlock {
        precondition(factors.count == 3 && factors.allSatisfy { $0 == 1 || $0 == 2 })
        let outSize = (0..<3).map { (block.size[$0] + factors[$0] - 1) / factors[$0] }
        if factors == [1, 1, 1] { return block }
        var out = [UInt8](repeating: 0, count: outSize.reduce(1, *) * block.channels * block.dataType.size)
        block.values.withUnsafeBytes { source in
            out.withUnsafeMutableBytes { target in
                let geometry = Geometry(size: block.size, outSize: outSize, factors: factors, channels: block.channels)
                switch method {
                case .stride:
                    switch block.dataType.size {
                    case 1: stride(source, target, UInt8.self, geometry)
                    case 2: stride(source, target, UInt16.self, geometry)
                    case 4: stride(source, target, UInt32.self, geometry)
                    default: stride(source, target, UInt64.self, geometry)
                    }
                case .majority:
                    switch block.dataType {
                    case .uint8: majorityInLanes(source, target, Lanes8.self, geometry)
                    case .int8: majority(source, target, Int8.self, geometry)
                    case .uint16: majorityInLanes(source, target, Lanes16.self, geometry)
                    case .int16: majority(source, target, Int16.self, geometry)
                    case .uint32: majorityInLanes(source, target, Lanes32.self, geometry)
                    case .int32: majority(source, target, Int32.self, geometry)
                    case .uint64: majorityInLanes(source, target, Lanes64.self, geometry)
                    case .int64: majority(source, target, Int64.self, geometry)
                    case .float32: majority(source, target, Float.self, geometry)
                    case .float64: majority(source, target, Double.self, geometry)
                    }
                case .average:
                    switch block.dataType {
                    case .uint8: average(source, target, UInt8.self, geometry, outsideValue)
                    case .int8: average(source, target, Int8.self, geometry, outsideValue)
                    case .uint16: average(source, target, UInt16.self, geometry, outsideValue)
                    case .int16: average(source, target, Int16.self, geometry, outsideValue)
                    case .uint32: average(source, target, UInt32.self, geometry, outsideValue)
                    case .int32: average(source, target, Int32.self, geometry, outsideValue)
                    case .uint64: averageInFloat64(source, target, UInt64.self, geometry, outsideValue)
                    case .int64: averageInFloat64(source, target, Int64.self, geometry, outsideValue)
                    case .float32: averageInFloat64(source, target, Float.self, geometry, outsideValue)
                    case .float64: averageInFloat64(source, target, Double.self, geometry, outsideValue)
                    }
                }
            }
        }
        return VoxelBlock(size: outSize, channels: block.channels, dataType: block.dataType, values: out)
    }

    struct Geometry {
        let size: [Int]
        let outSize: [Int]
        let factors: [Int]
        let channels: Int
    }

    static func stride<T>(
        _ source: UnsafeRawBufferPointer, _ target: UnsafeMutableRawBufferPointer, _: T.Type, _ g: Geometry
    ) {
        let input = source.bindMemory(to: T.self)
        let output = target.bindMemory(to: T.self)
        let (sx, sy, sz) = (g.size[0], g.size[1], g.size[2])
        let (ox, oy, oz) = (g.outSize[0], g.outSize[1], g.outSize[2])
        let (fx, fy, fz) = (g.factors[0], g.factors[1], g.factors[2])
        var o = 0
        for c in 0..<g.channels {
            for z in 0..<oz {
                for y in 0..<oy {
                    let row = ((c * sz + z * fz) * sy + y * fy) * sx
                    for x in 0..<ox {
                        output[o] = input[row + x * fx]
                        o += 1
                    }
                }
            }
        }
    }

    static func majority<T: Comparable>(
        _ source: UnsafeRawBufferPointer, _ target: UnsafeMutableRawBufferPointer, _: T.Type, _ g: Geometry
    ) {
        let input = source.bindMemory(to: T.self)
        let output = target.bindMemory(to: T.self)
        let (sx, sy, sz) = (g.size[0], g.size[1], g.size[2])
        let (ox, oy, oz) = (g.outSize[0], g.outSize[1], g.outSize[2])
        let (fx, fy, fz) = (g.factors[0], g.factors[1], g.factors[2])
        if fx == 2 && fy == 2 && fz == 2 && sx % 2 == 0 && sy % 2 == 0 && sz % 2 == 0 {
            majority222(input, output, g)
            return
        }
        withUnsafeTemporaryAllocation(of: T.self, capacity: 8) { block in
            var o = 0
            for c in 0..<g.channels {
                for z in 0..<oz {
                    let z1 = min(z * fz + fz, sz)
                    for y in 0..<oy {
                        let y1 = min(y * fy + fy, sy)
                        for x in 0..<ox {
                            let x1 = min(x * fx + fx, sx)
                            var n = 0
                            for zz in (z * fz)..<z1 {
                                for yy in (y * fy)..<y1 {
                                    let row = ((c * sz + zz) * sy + yy) * sx
                                    for xx in (x * fx)..<x1 {
                                        block[n] = input[row + xx]
                                        n += 1
                                    }
                                }
                            }
                            // The most frequent value; the smallest among equally frequent ones.
                            var best = block[0]
                            var bestCount = 0
                            for i in 0..<n {
                                let value = block[i]
                                var count = 0
                                for j in 0..<n where block[j] == value { count += 1 }
                                if count > bestCount || (count == bestCount && value < best) {
                                    best = value
                                    bestCount = count
                                }
                            }
                            output[o] = best
                            o += 1
                        }
                    }
                }
            }
        }
    }

    /// Unsigned majority: full 2x2x2 blocks of even extents take the vector path.
    static func majorityInLanes<L: ModeLanes>(
        _ source: UnsafeRawBufferPointer, _ target: UnsafeMutableRawBufferPointer, _: L.Type, _ g: Geometry
    ) {
        let (sx, sy, sz) = (g.size[0], g.size[1], g.size[2])
        guard g.factors == [2, 2, 2], sx % 2 == 0, sy % 2 == 0, sz % 2 == 0, let base = source.baseAddress,
            let out = target.baseAddress
        else {
            majority(source, target, L.Scalar.self, g)
            return
        }
        majority222Lanes(base, out, L.self, g)
    }

    /// 2x2x2 majority of unsigned labels, 8 output voxels at once: the 8 samples of each block as
    /// eight 8-lane vectors (even and odd lanes of four 16-value row loads), counts from the 28
    /// pairwise equalities, then a branch-free choice of the most frequent, smallest on ties.
    /// The lanes are concrete SIMD types (`ModeLanes`): the same code over a generic SIMD scalar
    /// runs 30 times slower.
    static func majority222Lanes<L: ModeLanes>(
        _ base: UnsafeRawPointer, _ out: UnsafeMutableRawPointer, _: L.Type, _ g: Geometry
    ) {
        let (sx, sy, sz) = (g.size[0], g.size[1], g.size[2])
        let (ox, oy, oz) = (g.outSize[0], g.outSize[1], g.outSize[2])
        let input = base.assumingMemoryBound(to: L.Scalar.self)
        let output = out.assumingMemoryBound(to: L.Scalar.self)
        let stride = MemoryLayout<L.Scalar>.stride
        var o = 0
        for c in 0..<g.channels {
            for z in 0..<oz {
                for y in 0..<oy {
                    let r0 = ((c * sz + 2 * z) * sy + 2 * y) * sx
                    let rows = (r0, r0 + sx, r0 + sx * sy, r0 + sx * sy + sx)
                    var x = 0
                    while x + 8 <= ox {
                        let a = 2 * x
                        let w0 = L.load(base + (rows.0 + a) * stride)
                        let w1 = L.load(base + (rows.1 + a) * stride)
                        let w2 = L.load(base + (rows.2 + a) * stride)
                        let w3 = L.load(base + (rows.3 + a) * stride)
                        let best = modeOfEight(w0.even, w0.odd, w1.even, w1.odd, w2.even, w2.odd, w3.even, w3.odd)
                        best.store(out + (o + x) * stride)
                        x += 8
                    }
                    while x < ox {
                        let a = 2 * x
                        output[o + x] = mode8(
                            input[rows.0 + a], input[rows.0 + a + 1], input[rows.1 + a], input[rows.1 + a + 1],
                            input[rows.2 + a], input[rows.2 + a + 1], input[rows.3 + a], input[rows.3 + a + 1])
                        x += 1
                    }
                    o += ox
                }
            }
        }
    }

    /// Lane by lane, the most frequent of eight values, the smallest among equally frequent ones.
    @inline(__always)
    static func modeOfEight<L: ModeLanes>(_ v0: L, _ v1: L, _ v2: L, _ v3: L, _ v4: L, _ v5: L, _ v6: L, _ v7: L) -> L {
        let e01 = v0.equal(v1)
        let e02 = v0.equal(v2)
        let e03 = v0.equal(v3)
        let e04 = v0.equal(v4)
        let e05 = v0.equal(v5)
        let e06 = v0.equal(v6)
        let e07 = v0.equal(v7)
        let e12 = v1.equal(v2)
        let e13 = v1.equal(v3)
        let e14 = v1.equal(v4)
        let e15 = v1.equal(v5)
        let e16 = v1.equal(v6)
        let e17 = v1.equal(v7)
        let e23 = v2.equal(v3)
        let e24 = v2.equal(v4)
        let e25 = v2.equal(v5)
        let e26 = v2.equal(v6)
        let e27 = v2.equal(v7)
        let e34 = v3.equal(v4)
        let e35 = v3.equal(v5)
        let e36 = v3.equal(v6)
        let e37 = v3.equal(v7)
        let e45 = v4.equal(v5)
        let e46 = v4.equal(v6)
        let e47 = v4.equal(v7)
        let e56 = v5.equal(v6)
        let e57 = v5.equal(v7)
        let e67 = v6.equal(v7)
        let n1 = e01 &+ e12 &+ e13 &+ e14 &+ e15 &+ e16 &+ e17
        let n2 = e02 &+ e12 &+ e23 &+ e24 &+ e25 &+ e26 &+ e27
        let n3 = e03 &+ e13 &+ e23 &+ e34 &+ e35 &+ e36 &+ e37
        let n4 = e04 &+ e14 &+ e24 &+ e34 &+ e45 &+ e46 &+ e47
        let n5 = e05 &+ e15 &+ e25 &+ e35 &+ e45 &+ e56 &+ e57
        let n6 = e06 &+ e16 &+ e26 &+ e36 &+ e46 &+ e56 &+ e67
        let n7 = e07 &+ e17 &+ e27 &+ e37 &+ e47 &+ e57 &+ e67
        var best = v0
        var count = e01 &+ e02 &+ e03 &+ e04 &+ e05 &+ e06 &+ e07
        @inline(__always) func consider(_ value: L, _ n: SIMD8<UInt32>) {
            let better = (n .> count) .| ((n .== count) .& value.less(best))
            best.replace(with: value, where: better)
            count.replace(with: n, where: better)
        }
        consider(v1, n1)
        consider(v2, n2)
        consider(v3, n3)
        consider(v4, n4)
        consider(v5, n5)
        consider(v6, n6)
        consider(v7, n7)
        return best
    }

    /// The most frequent of 8 values, the smallest among equally frequent ones: a uniform block
    /// at once, else counts from the 28 pairwise equalities.
    @inline(__always)
    static func mode8<T: Comparable>(_ v0: T, _ v1: T, _ v2: T, _ v3: T, _ v4: T, _ v5: T, _ v6: T, _ v7: T) -> T {
        if v0 == v1 && v0 == v2 && v0 == v3 && v0 == v4 && v0 == v5 && v0 == v6 && v0 == v7 { return v0 }
        return withUnsafeBytes(of: (v0, v1, v2, v3, v4, v5, v6, v7)) { raw in
            let v = raw.bindMemory(to: T.self)
            var counts = (1, 1, 1, 1, 1, 1, 1, 1)
            return withUnsafeMutableBytes(of: &counts) { countRaw in
                let n = countRaw.bindMemory(to: Int.self)
                for i in 0..<7 {
                    for j in (i + 1)..<8 where v[i] == v[j] {
                        n[i] += 1
                        n[j] += 1
                    }
                }
                var best = v[0]
                var bestCount = n[0]
                for i in 1..<8 where n[i] > bestCount || (n[i] == bestCount && v[i] < best) {
                    best = v[i]
                    bestCount = n[i]
                }
                return best
            }
        }
    }

    /// Full 2x2x2 blocks (even extents): a uniform block is answered at once; otherwise the
    /// count of each of the 8 values comes from the 28 pairwise equalities, and the most
    /// frequent value wins, the smallest among equally frequent ones.
    static func majority222<T: Comparable>(
        _ input: UnsafeBufferPointer<T>, _ output: UnsafeMutableBufferPointer<T>, _ g: Geometry
    ) {
        let (sx, sy, sz) = (g.size[0], g.size[1], g.size[2])
        let (ox, oy, oz) = (g.outSize[0], g.outSize[1], g.outSize[2])
        var o = 0
        for c in 0..<g.channels {
            for z in 0..<oz {
                for y in 0..<oy {
                    let r0 = ((c * sz + 2 * z) * sy + 2 * y) * sx
                    let r1 = r0 + sx
                    let r2 = r0 + sx * sy
                    let r3 = r2 + sx
                    for x in 0..<ox {
                        let a = 2 * x
                        output[o + x] = mode8(
                            input[r0 + a], input[r0 + a + 1], input[r1 + a], input[r1 + a + 1], input[r2 + a],
                            input[r2 + a + 1], input[r3 + a], input[r3 + a + 1])
                    }
                    o += ox
                }
            }
        }
    }

    /// Integer types up to 32 bits with edge padding: the reference's float64 pair means are
    /// exact there, so the result is the block sum (edge values repeated) divided by the block
    /// volume, rounded half to even, computed in integers.
    static func average<T: FixedWidthInteger & Voxel>(
        _ source: UnsafeRawBufferPointer, _ target: UnsafeMutableRawBufferPointer, _: T.Type, _ g: Geometry,
        _ outsideValue: Double?
    ) {
        if outsideValue != nil {
            averageInFloat64(source, target, T.self, g, outsideValue)
            return
        }
        let input = source.bindMemory(to: T.self)
        let output = target.bindMemory(to: T.self)
        let (sx, sy, sz) = (g.size[0], g.size[1], g.size[2])
        let (ox, oy, oz) = (g.outSize[0], g.outSize[1], g.outSize[2])
        let (fx, fy, fz) = (g.factors[0], g.factors[1], g.factors[2])
        if fx == 2 && fy == 2 && fz == 2 && T.bitWidth <= 16 {
            average222(input, output, g)
            return
        }
        let shift = (fx - 1) + (fy - 1) + (fz - 1)  // log2 of the block volume
        let half = Int64(1) << max(shift - 1, 0)
        let mask = (Int64(1) << shift) - 1
        var o = 0
        for c in 0..<g.channels {
            for z in 0..<oz {
                let za = z * fz
                let zb = min(za + fz - 1, sz - 1)  // the edge value stands in past the end
                for y in 0..<oy {
                    let ya = y * fy
                    let yb = min(ya + fy - 1, sy - 1)
                    let rows = (
                        ((c * sz + za) * sy + ya) * sx, ((c * sz + za) * sy + yb) * sx,
                        ((c * sz + zb) * sy + ya) * sx, ((c * sz + zb) * sy + yb) * sx
                    )
                    for x in 0..<ox {
                        let xa = x * fx
                        let xb = min(xa + fx - 1, sx - 1)
                        // Each sample counts once per factor-2 axis it stands for.
                        var sum = Int64(input[rows.0 + xa])
                        if fx == 2 { sum += Int64(input[rows.0 + xb]) }
                        if fy == 2 {
                            sum += Int64(input[rows.1 + xa])
                            if fx == 2 { sum += Int64(input[rows.1 + xb]) }
                        }
                        if fz == 2 {
                            sum += Int64(input[rows.2 + xa])
                            if fx == 2 { sum += Int64(input[rows.2 + xb]) }
                            if fy == 2 {
                                sum += Int64(input[rows.3 + xa])
                                if fx == 2 { sum += Int64(input[rows.3 + xb]) }
                            }
                        }
                        // sum / 2^shift, rounded half to even (arithmetic shift floors).
                        var quotient = sum >> Int64(shift)
                        let remainder = sum & mask
                        if shift > 0 && (remainder > half || (remainder == half && quotient & 1 == 1)) {
                            quotient += 1
                        }
                        output[o] = T(truncatingIfNeeded: quotient)
                        o += 1
                    }
                }
            }
        }
    }

    /// 2x2x2 blocks of 8- and 16-bit integers, the common case: four rows summed pairwise in
    /// Int32 with no branch in the inner loop, then rounded half to even without a branch:
    /// `(sum + 3 + ((sum >> 3) & 1)) >> 3`. Odd extents repeat the edge value, as the general loop.
    static func average222<T: FixedWidthInteger>(
        _ input: UnsafeBufferPointer<T>, _ output: UnsafeMutableBufferPointer<T>, _ g: Geometry
    ) {
        let (sx, sy, sz) = (g.size[0], g.size[1], g.size[2])
        let (ox, oy, oz) = (g.outSize[0], g.outSize[1], g.outSize[2])
        let pairs = sx / 2  // output columns whose two inputs both exist
        var o = 0
        for c in 0..<g.channels {
            for z in 0..<oz {
                let za = 2 * z
                let zb = min(za + 1, sz - 1)
                for y in 0..<oy {
                    let ya = 2 * y
                    let yb = min(ya + 1, sy - 1)
                    let r0 = ((c * sz + za) * sy + ya) * sx
                    let r1 = ((c * sz + za) * sy + yb) * sx
                    let r2 = ((c * sz + zb) * sy + ya) * sx
                    let r3 = ((c * sz + zb) * sy + yb) * sx
                    for x in 0..<pairs {
                        let a = 2 * x
                        var sum = Int32(input[r0 &+ a]) &+ Int32(input[r0 &+ a &+ 1])
                        sum &+= Int32(input[r1 &+ a]) &+ Int32(input[r1 &+ a &+ 1])
                        sum &+= Int32(input[r2 &+ a]) &+ Int32(input[r2 &+ a &+ 1])
                        sum &+= Int32(input[r3 &+ a]) &+ Int32(input[r3 &+ a &+ 1])
                        output[o &+ x] = T(truncatingIfNeeded: (sum &+ 3 &+ ((sum >> 3) & 1)) >> 3)
                    }
                    if pairs < ox {
                        let a = sx - 1
                        let sum =
                            2
                            * (Int32(input[r0 + a]) + Int32(input[r1 + a]) + Int32(input[r2 + a]) + Int32(input[r3 + a]))
                        output[o + pairs] = T(truncatingIfNeeded: (sum + 3 + ((sum >> 3) & 1)) >> 3)
                    }
                    o += ox
                }
            }
        }
    }

    /// The reference's arithmetic step by step: values to float64; along z, then y, then x,
    /// `0.5 * (a + b)` of pairs, an odd extent padded with the edge value (or `outsideValue`);
    /// then rounded half to even and clipped into integer types, or cast into float types.
    static func averageInFloat64<T: Voxel>(
        _ source: UnsafeRawBufferPointer, _ target: UnsafeMutableRawBufferPointer, _: T.Type, _ g: Geometry,
        _ outsideValue: Double?
    ) {
        let input = source.bindMemory(to: T.self)
        var size = g.size
        var work = [Double](unsafeUninitializedCapacity: input.count) { buffer, count in
            for i in 0..<input.count { buffer[i] = input[i].doubleValue }
            count = input.count
        }
        // Axes in the reference's order: z (2), y (1), x (0).
        for axis in [2, 1, 0] where g.factors[axis] == 2 {
            var newSize = size
            newSize[axis] = (size[axis] + 1) / 2
            let stride = axis == 0 ? 1 : (axis == 1 ? size[0] : size[0] * size[1])
            let outer = g.channels * size.enumerated().filter { $0.offset > axis }.map(\.element).reduce(1, *)
            let inner = stride
            let n = size[axis]
            let m = newSize[axis]
            var next = [Double](repeating: 0, count: outer * m * inner)
            work.withUnsafeBufferPointer { old in
                next.withUnsafeMutableBufferPointer { new in
                    for o in 0..<outer {
                        for k in 0..<m {
                            let a = (o * n + 2 * k) * inner
                            let b = (o * n + 2 * k + 1) * inner
                            let t = (o * m + k) * inner
                            if 2 * k + 1 < n {
                                for i in 0..<inner { new[t + i] = 0.5 * (old[a + i] + old[b + i]) }
                            } else if let outsideValue {
                                for i in 0..<inner { new[t + i] = 0.5 * (old[a + i] + outsideValue) }
                            } else {
                                for i in 0..<inner { new[t + i] = 0.5 * (old[a + i] + old[a + i]) }
                            }
                        }
                    }
                }
            }
            work = next
            size = newSize
        }
        let output = target.bindMemory(to: T.self)
        for i in 0..<work.count { output[i] = T(roundingClamping: work[i]) }
    }
}

/// Eight unsigned labels, one per lane, for the vector majority: loads of 16 consecutive values
/// split into even and odd lanes, 0/1 equality counts and lane-wise order, all in concrete SIMD
/// types. uint8 and uint16 widen to 32-bit lanes; uint64 compares as (high, low) 32-bit halves.
protocol ModeLanes {
    associatedtype Scalar: Comparable
    /// Values 0, 2, ..., 14 and 1, 3, ..., 15 of the 16 at `pointer`.
    static func load(_ pointer: UnsafeRawPointer) -> (even: Self, odd: Self)
    /// 1 in the lanes where the values are equal, else 0.
    func equal(_ other: Self) -> SIMD8<UInt32>
    func less(_ other: Self) -> SIMDMask<SIMD8<Int32>>
    mutating func replace(with other: Self, where mask: SIMDMask<SIMD8<Int32>>)
    /// Writes the 8 values at `pointer`.
    func store(_ pointer: UnsafeMutableRawPointer)
}

/// Lanes of up to 32-bit labels, widened to 32 bits: they differ only in how they load and store.
protocol WideLanes: ModeLanes {
    var v: SIMD8<UInt32> { get set }
}

extension WideLanes {
    @inline(__always) func equal(_ other: Self) -> SIMD8<UInt32> {
        SIMD8<UInt32>(repeating: 0).replacing(with: SIMD8(repeating: 1), where: v .== other.v)
    }
    @inline(__always) func less(_ other: Self) -> SIMDMask<SIMD8<Int32>> { v .< other.v }
    @inline(__always) mutating func replace(with other: Self, where mask: SIMDMask<SIMD8<Int32>>) {
        v.replace(with: other.v, where: mask)
    }
}

struct Lanes32: WideLanes {
    typealias Scalar = UInt32
    var v: SIMD8<UInt32>

    @inline(__always) static func load(_ pointer: UnsafeRawPointer) -> (even: Self, odd: Self) {
        let w = pointer.loadUnaligned(as: SIMD16<UInt32>.self)
        return (Self(v: w.evenHalf), Self(v: w.oddHalf))
    }
    @inline(__always) func store(_ pointer: UnsafeMutableRawPointer) {
        pointer.storeBytes(of: v, as: SIMD8<UInt32>.self)
    }
}

struct Lanes16: WideLanes {
    typealias Scalar = UInt16
    var v: SIMD8<UInt32>

    @inline(__always) static func load(_ pointer: UnsafeRawPointer) -> (even: Self, odd: Self) {
        let w = SIMD16<UInt32>(truncatingIfNeeded: pointer.loadUnaligned(as: SIMD16<UInt16>.self))
        return (Self(v: w.evenHalf), Self(v: w.oddHalf))
    }
    @inline(__always) func store(_ pointer: UnsafeMutableRawPointer) {
        pointer.storeBytes(of: SIMD8<UInt16>(truncatingIfNeeded: v), as: SIMD8<UInt16>.self)
    }
}

struct Lanes8: WideLanes {
    typealias Scalar = UInt8
    var v: SIMD8<UInt32>

    @inline(__always) static func load(_ pointer: UnsafeRawPointer) -> (even: Self, odd: Self) {
        let w = SIMD16<UInt32>(truncatingIfNeeded: pointer.loadUnaligned(as: SIMD16<UInt8>.self))
        return (Self(v: w.evenHalf), Self(v: w.oddHalf))
    }
    @inline(__always) func store(_ pointer: UnsafeMutableRawPointer) {
        pointer.storeBytes(of: SIMD8<UInt8>(truncatingIfNeeded: v), as: SIMD8<UInt8>.self)
    }
}

struct Lanes64: ModeLanes {
    typealias Scalar = UInt64
    var low: SIMD8<UInt32>
    var high: SIMD8<UInt32>

    /// The 16 values as 32 words: word 2i is value i's low half (little-endian hosts).
    @inline(__always) static func load(_ pointer: UnsafeRawPointer) -> (even: Self, odd: Self) {
        let w = pointer.loadUnaligned(as: SIMD32<UInt32>.self)
        let lows = w.evenHalf  // the low halves of values 0...15
        let highs = w.oddHalf
        return (Self(low: lows.evenHalf, high: highs.evenHalf), Self(low: lows.oddHalf, high: highs.oddHalf))
    }
    @inline(__always) func equal(_ other: Self) -> SIMD8<UInt32> {
        SIMD8<UInt32>(repeating: 0).replacing(
            with: SIMD8(repeating: 1), where: (low .== other.low) .& (high .== other.high))
    }
    @inline(__always) func less(_ other: Self) -> SIMDMask<SIMD8<Int32>> {
        (high .< other.high) .| ((high .== other.high) .& (low .< other.low))
    }
    @inline(__always) mutating func replace(with other: Self, where mask: SIMDMask<SIMD8<Int32>>) {
        low.replace(with: other.low, where: mask)
        high.replace(with: other.high, where: mask)
    }
    @inline(__always) func store(_ pointer: UnsafeMutableRawPointer) {
        let words = SIMD16<UInt32>(
            low[0], high[0], low[1], high[1], low[2], high[2], low[3], high[3], low[4], high[4], low[5], high[5],
            low[6], high[6], low[7], high[7])
        pointer.storeBytes(of: words, as: SIMD16<UInt32>.self)
    }
}
