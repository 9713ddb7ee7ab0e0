import Foundation

/// Small NIfTI-1 volumes made on the fly for CLI tests: odd sizes, smooth images (uint8 or
/// float32) or blocky labels, one or more channels (the 4th dimension), plain or gzipped (by the
/// system's gzip).
enum TestVolume {
    enum Kind { case image, labels, float }

    /// Writes `name` (`.nii` or `.nii.gz`) under `directory`; returns its path.
    @discardableResult
    static func write(_ name: String, in directory: URL, size: [Int], kind: Kind = .image, channels: Int = 1) throws
        -> String
    {
        let (code, bits): (Int16, Int16) =
            switch kind {
            case .image: (2, 8)
            case .labels: (512, 16)
            case .float: (16, 32)
            }
        var header = [UInt8](repeating: 0, count: 352)
        func put<T: FixedWidthInteger>(_ value: T, at offset: Int) {
            withUnsafeBytes(of: value.littleEndian) { header.replaceSubrange(offset..<offset + $0.count, with: $0) }
        }
        func put(_ value: Float, at offset: Int) { put(value.bitPattern, at: offset) }
        put(Int32(348), at: 0)
        let dims = channels == 1 ? [3] + size + [1, 1, 1, 1] : [4] + size + [channels, 1, 1, 1]
        for (i, dim) in dims.enumerated() { put(Int16(dim), at: 40 + 2 * i) }
        put(code, at: 70)
        put(bits, at: 72)
        for (i, value) in [Float(1), 1, 1.5, 2, 0, 0, 0, 0].enumerated() { put(value, at: 76 + 4 * i) }
        put(Float(352), at: 108)
        put(Int16(1), at: 254)  // sform_code
        for (i, value) in [Float(1), 0, 0, -10, 0, 1.5, 0, -12, 0, 0, 2, -14].enumerated() {
            put(value, at: 280 + 4 * i)
        }
        header.replaceSubrange(344..<348, with: Array("n+1\0".utf8))
        var data = header
        let (nx, ny, nz) = (size[0], size[1], size[2])
        data.reserveCapacity(352 + nx * ny * nz * channels * Int(bits) / 8)
        for c in 0..<channels {
            for z in 0..<nz {
                for y in 0..<ny {
                    for x in 0..<nx {
                        switch kind {
                        case .image:
                            data.append(
                                UInt8(truncatingIfNeeded: (x * 7 + y * 3 + z * 5 + (x * y) / 11 + c * 40) % 251))
                        case .labels:
                            let label = UInt16(((x / 5) * 13 + (y / 4) * 7 + (z / 3) * 3) % 41)
                            data.append(UInt8(label & 0xff))
                            data.append(UInt8(label >> 8))
                        case .float:
                            let value = Float(x) * 0.37 - Float(y * z) * 0.011 + Float((x ^ y ^ z) % 7) * 1.7 - Float(c)
                            withUnsafeBytes(of: value.bitPattern.littleEndian) { data.append(contentsOf: $0) }
                        }
                    }
                }
            }
        }
        let plain = name.hasSuffix(".gz") ? String(name.dropLast(3)) : name
        let url = directory.appendingPathComponent(plain)
        try Data(data).write(to: url)
        if name.hasSuffix(".gz") {
            let gzip = Process()
            gzip.executableURL = URL(fileURLWithPath: "/bin/gzip")
            gzip.arguments = ["-1", "-f", url.path]
            try gzip.run()
            gzip.waitUntilExit()
        }
        return directory.appendingPathComponent(name).path
    }
}

/// Every file under `root` (relative paths, sorted) with its bytes.
func treeContents(_ root: URL) throws -> [String: Data] {
    var result: [String: Data] = [:]
    let base = root.standardizedFileURL.path
    guard let walker = FileManager.default.enumerator(atPath: base) else { return [:] }
    for case let path as String in walker {
        var isDirectory: ObjCBool = false
        let full = base + "/" + path
        if FileManager.default.fileExists(atPath: full, isDirectory: &isDirectory), !isDirectory.boolValue {
            result[path] = try Data(contentsOf: URL(fileURLWithPath: full))
        }
    }
    return result
}

/// The paths under `a` and `b` that differ (missing on one side, or other bytes).
func treeDifferences(_ a: URL, _ b: URL) throws -> [String] {
    let left = try treeContents(a)
    let right = try treeContents(b)
    return Set(left.keys).union(right.keys).sorted().filter { left[$0] != right[$0] }
}
