/// The Z-curve (Morton) order of grid positions whose bits interleave x (least significant), y
/// and z: the order of multi-resolution mesh manifests' nodes.
public enum ZCurve {
    /// True when `a` comes strictly before `b`: the axis holding the highest differing bit
    /// decides, z before y before x at the same bit.
    public static func precedes<T: FixedWidthInteger>(_ a: SIMD3<T>, _ b: SIMD3<T>) -> Bool {
        var axis = 2
        var highest = a[2] ^ b[2]
        for candidate in [1, 0] {
            let difference = a[candidate] ^ b[candidate]
            // `difference` has a higher top bit than `highest`.
            if highest < difference && highest < (highest ^ difference) {
                axis = candidate
                highest = difference
            }
        }
        return a[axis] < b[axis]
    }
}
