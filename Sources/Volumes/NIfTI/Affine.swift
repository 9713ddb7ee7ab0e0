#if arch(x86_64) || arch(i386)
    /// numpy's longdouble on x86 Linux, in which nibabel computes the qform rotation.
    typealias Extended = Float80
#else
    /// Without an 80-bit type (numpy uses IEEE quad on aarch64 Linux) Double is the nearest we
    /// have; results may then differ from nibabel's in the last bit.
    typealias Extended = Double
#endif

extension NIfTIHeader {
    /// The qform affine as nibabel's `Nifti1Header.get_qform` computes it, or nil when the
    /// quaternion is not a rotation (b² + c² + d² > 1 beyond `threshold`, where nibabel raises).
    ///
    /// `fillpositive` and `quat2mat` work in longdouble: w = sqrt(1 - (b² + c² + d²)) (0 when that
    /// is within `threshold` of 0), R from the (possibly non-unit) quaternion, then R·diag(pixdim[1],
    /// pixdim[2], qfac·pixdim[3]) summed term by term as numpy's longdouble dot does, rounded once
    /// to Double.
    static func qformAffine(
        quaternion: (Double, Double, Double), threshold: Double, pixdim: [Double], offset: [Double]
    ) -> [[Double]]? {
        let x = Extended(quaternion.0)
        let y = Extended(quaternion.1)
        let z = Extended(quaternion.2)
        let w2: Extended = 1 - (x * x + y * y + z * z)
        let w: Extended
        if abs(w2) < Extended(threshold) {
            w = 0
        } else if w2 < 0 {
            return nil
        } else {
            w = w2.squareRoot()
        }
        var rotation: [[Extended]] = [[1, 0, 0], [0, 1, 0], [0, 0, 1]]
        let norm = w * w + x * x + y * y + z * z
        if norm >= Extended(Double.ulpOfOne) {
            let s = 2 / norm
            let (sx, sy, sz) = (x * s, y * s, z * s)
            let (wx, wy, wz) = (w * sx, w * sy, w * sz)
            let (xx, xy, xz) = (x * sx, x * sy, x * sz)
            let (yy, yz, zz) = (y * sy, y * sz, z * sz)
            rotation = [
                [1 - (yy + zz), xy - wz, xz + wy],
                [xy + wz, 1 - (xx + zz), yz - wx],
                [xz - wy, yz + wx, 1 - (xx + yy)],
            ]
        }
        let qfac = pixdim[0]
        let scale = [Extended(pixdim[1]), Extended(pixdim[2]), Extended(pixdim[3] * qfac)]
        var out: [[Double]] = [[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1]]
        for row in 0..<3 {
            for column in 0..<3 {
                // numpy's dot over the diagonal scale matrix, zero terms included (signs of zero).
                var sum: Extended = 0
                for k in 0..<3 {
                    sum += rotation[row][k] * (k == column ? scale[column] : 0)
                }
                out[row][column] = Double(sum)
            }
            out[row][3] = offset[row]
        }
        return out
    }

    /// nibabel's fallback affine (`AnalyzeHeader.get_base_affine`, `shape_zoom_affine` with the x
    /// flip): diagonal pixdim[1...3] with x negated, the origin at the centre voxel. Dimensions
    /// beyond the third are ignored, missing ones count as 1.
    static func baseAffine(dim: [Int], pixdim: [Double]) -> [[Double]] {
        var shape: [Double] = [1, 1, 1]
        var zooms: [Double] = [1, 1, 1]
        for i in 0..<min(3, dim.count) {
            shape[i] = Double(dim[i])
            zooms[i] = pixdim[i]
        }
        zooms[0] = -zooms[0]
        var out: [[Double]] = [[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1]]
        for i in 0..<3 {
            out[i][i] = zooms[i]
            out[i][3] = -((shape[i] - 1) / 2) * zooms[i]
        }
        return out
    }

    /// `nibabel.affines.voxel_sizes`: sqrt of the column sums of squares of affine[:3, :3], summed
    /// row by row as numpy reduces along axis 0.
    public static func voxelSizes(_ affine: [[Double]]) -> [Double] {
        (0..<3).map { column in
            let squares = (0..<3).map { affine[$0][column] * affine[$0][column] }
            return (squares[0] + squares[1] + squares[2]).squareRoot()
        }
    }
}
