#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

extension PARHeader {
    /// nibabel's `PARRECHeader.get_affine(origin='scanner')`, in its arithmetic order:
    /// PSL_TO_RAS · (rot · (permute_to_psl · (zoomer · to_center)) + off-centre), where rot =
    /// Mz · (Mx · My) from the angulation (ap, fh, rl) in degrees, to_center moves the centre voxel
    /// to 0 and permute_to_psl maps the slice orientation to Philips' PSL axes.
    ///
    /// numpy's `dot` goes through OpenBLAS's dgemm, which accumulates each element as a chain of
    /// fused multiply-adds over k (first term a plain product); `product` does the same, so the
    /// result matches nibabel's to the last bit on machines where OpenBLAS uses FMA (x86-64 since
    /// Haswell, arm64).
    static func affine(
        size: [Int], zooms: [Double], orientation: PARSliceOrientation, angulation: [Double], offCentre: [Double]
    ) -> [[Double]] {
        var toCenter = identity(4)
        for i in 0..<3 { toCenter[i][3] = Double(-(size[i] - 1)) / 2.0 }
        var zoomer = identity(4)
        for i in 0..<3 { zoomer[i][i] = zooms[i] }
        let radians = angulation.map { $0 * (Double.pi / 180.0) }
        let mx = rotation(x: radians[0])
        let my = rotation(y: radians[1])
        let mz = rotation(z: radians[2])
        var rot = identity(4)
        let rot3 = product(mz, product(mx, my))
        for i in 0..<3 {
            for j in 0..<3 { rot[i][j] = rot3[i][j] }
        }
        var psl = product(rot, product(orientation.toPSL, product(zoomer, toCenter)))
        for i in 0..<3 { psl[i][3] += offCentre[i] }
        return product(pslToRAS, psl)
    }

    /// PSL (Philips' ap, fh, rl) to RAS.
    static let pslToRAS: [[Double]] = [[0, 0, -1, 0], [-1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 0, 1]]

    static func identity(_ n: Int) -> [[Double]] {
        (0..<n).map { i in (0..<n).map { j in i == j ? 1 : 0 } }
    }

    /// `nibabel.eulerangles.euler2mat` for one angle: the identity when the angle is 0.
    static func rotation(x: Double = 0, y: Double = 0, z: Double = 0) -> [[Double]] {
        if x != 0 {
            let (c, s) = (cos(x), sin(x))
            return [[1, 0, 0], [0, c, -s], [0, s, c]]
        }
        if y != 0 {
            let (c, s) = (cos(y), sin(y))
            return [[c, 0, s], [0, 1, 0], [-s, 0, c]]
        }
        if z != 0 {
            let (c, s) = (cos(z), sin(z))
            return [[c, -s, 0], [s, c, 0], [0, 0, 1]]
        }
        return identity(3)
    }

    /// a · b for square matrices, each element a[i][0]·b[0][j], then fused multiply-adds of the
    /// other terms in order (as OpenBLAS's dgemm kernels accumulate).
    static func product(_ a: [[Double]], _ b: [[Double]]) -> [[Double]] {
        let n = a.count
        return (0..<n).map { i in
            (0..<n).map { j in
                var sum = a[i][0] * b[0][j]
                for k in 1..<n { sum.addProduct(a[i][k], b[k][j]) }
                return sum
            }
        }
    }
}

extension PARSliceOrientation {
    /// nibabel's `ACQ_TO_PSL`: data axes (i, j, k) to Philips' PSL axes.
    var toPSL: [[Double]] {
        switch self {
        case .transverse: [[0, 1, 0, 0], [0, 0, 1, 0], [1, 0, 0, 0], [0, 0, 0, 1]]
        case .sagittal: [[1, 0, 0, 0], [0, -1, 0, 0], [0, 0, -1, 0], [0, 0, 0, 1]]
        case .coronal: [[0, 0, 1, 0], [0, -1, 0, 0], [1, 0, 0, 0], [0, 0, 0, 1]]
        }
    }
}
