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
                    case .uint8: majority(source, target, UInt8.self, geometry)
                    case .int8: majority(source, target, Int8.self, geometry)
                    case .uint16: majority(source, target, UInt16.self, geometry)
                    case .int16: majority(source, target, Int16.self, geometry)
                    case .uint32: majority(source, target, UInt32.self, geometry)
                    case .int32: majority(source, target, Int32.self, geometry)
                    case .uint64: majority(source, target, UInt64.self, geometry)
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
                        let v0 = input[r0 + a]
                        let v1 = input[r0 + a + 1]
                        let v2 = input[r1 + a]
                        let v3 = input[r1 + a + 1]
                        let v4 = input[r2 + a]
                        let v5 = input[r2 + a + 1]
                        let v6 = input[r3 + a]
                        let v7 = input[r3 + a + 1]
                        if v0 == v1 && v0 == v2 && v0 == v3 && v0 == v4 && v0 == v5 && v0 == v6 && v0 == v7 {
                            output[o + x] = v0
                            continue
                        }
                        let values = (v0, v1, v2, v3, v4, v5, v6, v7)
                        output[o + x] = withUnsafeBytes(of: values) { raw in
                            let v = raw.bindMemory(to: T.self)
                            var counts = (0, 0, 0, 0, 0, 0, 0, 0)
                            withUnsafeMutableBytes(of: &counts) { countRaw in
                                let n = countRaw.bindMemory(to: Int.self)
                                for i in 0..<8 { n[i] = 1 }
                                for i in 0..<7 {
                                    for j in (i + 1)..<8 where v[i] == v[j] {
                                        n[i] += 1
                                        n[j] += 1
                                    }
                                }
                            }
                            return withUnsafeBytes(of: counts) { countRaw in
                                let n = countRaw.bindMemory(to: Int.self)
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
