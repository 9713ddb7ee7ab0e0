/// The image-information table of a PAR file: one row per image line (one 2-D image of the REC
/// file, in REC order), the numeric values of each column.
public struct PARImageTable: Sendable {
    public let version: PARVersion
    /// Image lines.
    public let rows: Int
    /// Integer columns, `count` values per row, row after row.
    private let ints: [String: [Int]]
    /// Float columns, `count` values per row, row after row.
    private let floats: [String: [Double]]

    /// Reads `lines` (the text and line number of each image line) with the columns of `version`.
    /// Values beyond the last column are ignored, as nibabel ignores them.
    init(lines: [(text: String, number: Int)], version: PARVersion, path: String) throws {
        self.version = version
        rows = lines.count
        let columns = version.columns
        let needed = columns.reduce(0) { $0 + $1.count }
        var ints: [String: [Int]] = [:]
        var floats: [String: [Double]] = [:]
        for column in columns {
            switch column.kind {
            case .int: ints[column.name] = []
            case .float: floats[column.name] = []
            case .text: break
            }
        }
        for line in lines {
            let items = line.text.split(whereSeparator: \.isWhitespace)
            guard items.count >= needed else {
                throw VolumeError(
                    path: path,
                    message:
                        "line \(line.number): an image line of a \(version.rawValue) PAR file needs \(needed) values, "
                        + "this one has \(items.count)")
            }
            var next = 0
            for column in columns {
                for item in items[next..<(next + column.count)] {
                    switch column.kind {
                    case .int:
                        guard let value = PythonNumber.int(item) else {
                            throw Self.badValue(item, column, line.number, "an integer", path)
                        }
                        ints[column.name, default: []].append(value)
                    case .float:
                        guard let value = PythonNumber.float(item) else {
                            throw Self.badValue(item, column, line.number, "a number", path)
                        }
                        floats[column.name, default: []].append(value)
                    case .text: break
                    }
                }
                next += column.count
            }
        }
        self.ints = ints
        self.floats = floats
    }

    private static func badValue(
        _ item: Substring, _ column: PARColumn, _ line: Int, _ expected: String, _ path: String
    ) -> VolumeError {
        VolumeError(path: path, message: "line \(line): '\(item)' in column '\(column.name)' is not \(expected)")
    }

    /// The values of an integer column (`count` per row), or nil when this version has none.
    public func ints(_ name: String) -> [Int]? { ints[name] }

    /// The values of a float column (`count` per row), or nil when this version has none.
    public func floats(_ name: String) -> [Double]? { floats[name] }
}

/// The acquisition plane of the slices (the PAR "slice orientation" codes 1, 2, 3).
public enum PARSliceOrientation: Int, Sendable {
    case transverse = 1
    case sagittal = 2
    case coronal = 3
}

/// A Philips PAR header (versions 4, 4.1 and 4.2), read as nibabel's `parrec` module reads it
/// for `nibabel.load` (`strict_sort=False`, `permit_truncated=False`): the general information
/// (". key : value" lines), the image-information table, and what follows from them: the data
/// shape, the order of the REC images in it, the per-image scaling and the affine.
///
/// Hand-written: PAR is a short line-oriented text format with no C library; nibabel's reading
/// (which fields are required, which must not vary, how images are sorted) is the contract.
public struct PARHeader: Sendable {
    /// The file the header was read from, for messages.
    public let path: String
    public let version: PARVersion
    /// The general information, by nibabel's short names ("max_slices", "angulation", ...).
    public let general: [String: PARGeneralValue]
    public let images: PARImageTable
    /// [x, y, z]: the reconstruction resolution and the number of slices.
    public let size: [Int]
    /// 3-D volumes (1 for a 3-D image).
    public let volumes: Int
    /// Bits per stored value: 8 or 16 (unsigned, little-endian).
    public let bitsPerPixel: Int
    /// The REC image (row of the image table) holding slice z of volume v, at `v * size[2] + z`:
    /// nibabel's `get_sorted_slice_indices`, volume numbers counted by repeated slice numbers.
    public let recOrder: [Int]
    /// Voxel sizes in mm (pixel spacing, slice thickness plus gap), then the repetition time in
    /// seconds for a 4-D dynamic scan (1 for other 4-D images): nibabel's `get_zooms`.
    public let zooms: [Double]
    public let sliceOrientation: PARSliceOrientation
    /// nibabel's `get_affine()` (origin at the scanner's isocentre): voxel indices to RAS mm.
    public let affine: [[Double]]

    /// Parses `bytes`, the text of the PAR file at `path`.
    public init(bytes: [UInt8], path: String) throws {
        self.path = path
        let split = Self.split(bytes)
        guard let versionName = split.version else {
            throw VolumeError(
                path: path,
                message:
                    "no PAR version: the header has no '# ... image export tool  V4.x' line (nprec reads "
                    + "PAR versions \(Self.supportedVersions))")
        }
        guard let version = PARVersion(rawValue: versionName) else {
            throw VolumeError(
                path: path,
                message:
                    "PAR version '\(versionName)' is not supported (nprec reads PAR versions \(Self.supportedVersions))"
            )
        }
        self.version = version
        general = try Self.generalInfo(split.general, path: path)
        images = try PARImageTable(lines: split.images, version: version, path: path)

        let layout = try Self.layout(general: general, images: images, path: path)
        size = layout.size
        volumes = layout.volumes
        bitsPerPixel = layout.bitsPerPixel
        recOrder = layout.recOrder
        zooms = try Self.zooms(general: general, images: images, volumes: volumes, path: path)
        let orientation = try Self.unique("slice orientation", images, path: path)
        guard let sliceOrientation = PARSliceOrientation(rawValue: orientation[0]) else {
            throw VolumeError(
                path: path,
                message:
                    "unknown slice orientation \(orientation[0]) (1 transverse, 2 sagittal, 3 coronal are known)")
        }
        self.sliceOrientation = sliceOrientation
        affine = Self.affine(
            size: size, zooms: zooms, orientation: sliceOrientation,
            angulation: try Self.required("angulation", general, path: path).floats,
            offCentre: try Self.required("off_center", general, path: path).floats)
    }

    static let supportedVersions = "V4, V4.1 and V4.2"

    /// The 'dv' scaling of slice z of volume v: the rescale slope and intercept of its image line
    /// (value = stored · slope + intercept, nibabel's default `scaling='dv'`).
    public func scaling(z: Int, volume: Int) -> (slope: Double, inter: Double) {
        let row = recOrder[volume * size[2] + z]
        return (images.floats("rescale slope")?[row] ?? 1, images.floats("rescale intercept")?[row] ?? 0)
    }

    // MARK: - Lines

    /// nibabel's `_split_header`: the version from the '... image export tool  V4.2' comment, the
    /// ". key : value" lines, and the image lines (the first non-comment block after the comments
    /// that follow the general information, up to the next comment). Lines are trimmed; empty
    /// lines are skipped.
    static func split(_ bytes: [UInt8]) -> (
        version: String?, general: [(text: String, number: Int)], images: [(text: String, number: Int)]
    ) {
        enum State { case top, general, comments, images }
        var state = State.top
        var version: String?
        var general: [(text: String, number: Int)] = []
        var images: [(text: String, number: Int)] = []
        var number = 1
        var start = 0
        var index = 0
        func line(_ range: Range<Int>) -> String {
            String(decoding: bytes[range], as: UTF8.self).trimmingWhitespace()
        }
        lines: while start <= bytes.count {
            // One line, ended by \n, \r\n or \r (Python's universal newlines).
            index = start
            while index < bytes.count, bytes[index] != 0x0a, bytes[index] != 0x0d { index += 1 }
            let text = line(start..<index)
            let lineNumber = number
            if index < bytes.count, bytes[index] == 0x0d, index + 1 < bytes.count, bytes[index + 1] == 0x0a {
                index += 1
            }
            start = index + 1
            number += 1
            if text.isEmpty { continue }
            if state == .top {
                if !text.hasPrefix("#") {
                    state = .general
                } else if text.contains("image export tool") {
                    version = text.split(whereSeparator: \.isWhitespace).last.map(String.init)
                }
            }
            if state == .general {
                if !text.hasPrefix(".") {
                    state = .comments
                } else {
                    general.append((text: text, number: lineNumber))
                }
            }
            if state == .comments && !text.hasPrefix("#") { state = .images }
            if state == .images {
                if text.hasPrefix("#") { break lines }
                images.append((text: text, number: lineNumber))
            }
        }
        return (version, general, images)
    }

    /// nibabel's `GEN_RE` (`.\s+(.*?)\s*:\s*(.*)`) on one ". key : value" line: the key up to the
    /// first colon, without surrounding whitespace; the value after it, without leading whitespace.
    static func keyValue(_ line: String) -> (key: String, value: String)? {
        let characters = line.dropFirst()
        guard let first = characters.first, first.isWhitespace, let colon = characters.firstIndex(of: ":") else {
            return nil
        }
        let key = String(characters[..<colon]).trimmingWhitespace()
        let value = String(characters[characters.index(after: colon)...].drop(while: \.isWhitespace))
        return (key, value)
    }

    /// nibabel's `_process_gen_dict`: each key (a repeated key keeps its first place and its last
    /// value) by its short name, its value converted.
    static func generalInfo(
        _ lines: [(text: String, number: Int)], path: String
    ) throws -> [String: PARGeneralValue] {
        var order: [String] = []
        var entries: [String: (value: String, number: Int)] = [:]
        for line in lines {
            guard let (key, value) = keyValue(line.text) else {
                throw VolumeError(
                    path: path,
                    message: "line \(line.number): malformed general information line (expected '.  key : value')")
            }
            if entries[key] == nil { order.append(key) }
            entries[key] = (value, line.number)
        }
        var general: [String: PARGeneralValue] = [:]
        for key in order {
            guard let (text, number) = entries[key] else { continue }
            guard let field = PARGeneralField.byKey[key.lowercased()] else {
                throw VolumeError(path: path, message: "line \(number): unknown general information field '\(key)'")
            }
            general[field.name] = try value(text, field, key: key, line: number, path: path)
        }
        return general
    }

    private static func value(
        _ text: String, _ field: PARGeneralField, key: String, line: Int, path: String
    ) throws -> PARGeneralValue {
        func bad(_ expected: String) -> VolumeError {
            VolumeError(path: path, message: "line \(line): the value of '\(key)' ('\(text)') is not \(expected)")
        }
        if !field.isList {
            switch field.kind {
            case .text: return .text(text)
            case .int:
                guard let value = PythonNumber.int(text[...]) else { throw bad("an integer") }
                return .int(value)
            case .float:
                guard let value = PythonNumber.float(text[...]) else { throw bad("a number") }
                return .float(value)
            }
        }
        // numpy's fromstring(sep=' '): values up to the first that does not parse.
        let tokens = text.split(whereSeparator: \.isWhitespace)
        let what = field.count.map { "\($0) " } ?? ""
        switch field.kind {
        case .int:
            let values = Array(tokens.lazy.map(PythonNumber.int).prefix { $0 != nil }.compactMap { $0 })
            if let count = field.count, values.count != count { throw bad("\(what)integers") }
            return .ints(values)
        case .float, .text:
            let values = Array(tokens.lazy.map(PythonNumber.float).prefix { $0 != nil }.compactMap { $0 })
            if let count = field.count, values.count != count { throw bad("\(what)numbers") }
            return .floats(values)
        }
    }

    // MARK: - Layout

    /// The checks nibabel makes before it accepts a header (`_truncation_checks`, the unique
    /// pixel size and resolution), then the shape and the order of the REC images in it.
    static func layout(general: [String: PARGeneralValue], images: PARImageTable, path: String) throws -> (
        size: [Int], volumes: Int, bitsPerPixel: Int, recOrder: [Int]
    ) {
        let slices = images.ints("slice number") ?? []
        // The counts of distinct values the general information announces.
        let counted: [(column: String, key: String, label: String)] = [
            ("slice number", "max_slices", "Max. number of slices/locations"),
            ("echo number", "max_echoes", "Max. number of echoes"),
            ("dynamic scan number", "max_dynamics", "Max. number of dynamics"),
            ("diffusion b value number", "max_diffusion_values", "Max. number of diffusion values"),
            ("gradient orientation number", "max_gradient_orient", "Max. number of gradient orients"),
        ]
        for (column, key, label) in counted {
            guard let expected = general[key] else { continue }
            guard let values = images.ints(column) else {
                throw VolumeError(
                    path: path,
                    message:
                        "the general information gives '\(label)', but a \(images.version.rawValue) PAR file has no "
                        + "'\(column)' column")
            }
            let have = Set(values).count
            if case .int(let expected) = expected, have != expected {
                let name = column.dropLast(" number".count)
                throw VolumeError(
                    path: path,
                    message:
                        "header inconsistency: the image lines hold \(have) \(name) values, but '\(label)' is "
                        + "\(expected) (a truncated recording?)")
            }
        }
        guard case .int(let maxSlices) = general["max_slices"] else {
            throw VolumeError(path: path, message: "the general information has no 'Max. number of slices/locations'")
        }
        // vol_is_full: volume numbers count repeated slice numbers; every volume must hold slices
        // 1...maxSlices.
        if let outside = slices.first(where: { $0 < 1 || $0 > maxSlices }) {
            throw VolumeError(
                path: path,
                message: "slice number \(outside) is outside 1...\(maxSlices) (the maximum number of slices)")
        }
        // Each of slices 1...maxSlices needs an image line: a larger maximum is a partial volume,
        // refused before it sizes the count table.
        guard maxSlices <= slices.count else {
            throw VolumeError(
                path: path,
                message:
                    "the image lines hold one or more partial volumes (not all of slices 1...\(maxSlices)): "
                    + "a truncated recording")
        }
        var seen = [Int](repeating: 0, count: max(maxSlices, 0) + 1)
        var volumeOf = [Int](repeating: 0, count: slices.count)
        for (row, slice) in slices.enumerated() {
            volumeOf[row] = seen[slice]
            seen[slice] += 1
        }
        let volumes = seen.dropFirst().max() ?? 0
        // Full volumes: every slice number occurs in each of them, that is, as often as any.
        if seen.dropFirst().contains(where: { $0 != volumes }) {
            throw VolumeError(
                path: path,
                message:
                    "the image lines hold one or more partial volumes (not all of slices 1...\(maxSlices)): "
                    + "a truncated recording")
        }
        guard images.rows > 0 else {
            throw VolumeError(path: path, message: "the header has no image lines")
        }
        let bits = try unique("image pixel size", images, path: path)[0]
        guard bits == 8 || bits == 16 else {
            throw VolumeError(path: path, message: "\(bits)-bit images are not supported (only 8- and 16-bit)")
        }
        let resolution = try unique("recon resolution", images, path: path)
        guard resolution.allSatisfy({ $0 > 0 }) else {
            throw VolumeError(path: path, message: "the recon resolution \(resolution[0]) x \(resolution[1]) is empty")
        }
        // Rows sorted by volume number, then slice number (nibabel's lax sort).
        var recOrder = [Int](repeating: 0, count: slices.count)
        for (row, slice) in slices.enumerated() {
            recOrder[volumeOf[row] * maxSlices + slice - 1] = row
        }
        return ([resolution[0], resolution[1], maxSlices], volumes, bits, recOrder)
    }

    /// The values of a column's first row, checked to be the same on every row (nibabel's
    /// `_get_unique_image_prop`).
    static func unique(_ name: String, _ images: PARImageTable, path: String) throws -> [Int] {
        let count = images.version.columns.first { $0.name == name }?.count ?? 1
        let values = images.ints(name) ?? []
        guard values.count >= count else {
            throw VolumeError(path: path, message: "the header has no image lines")
        }
        for row in 1..<max(images.rows, 1) where values[(row * count)..<((row + 1) * count)] != values[0..<count] {
            throw VolumeError(path: path, message: "varying \(name) in the image lines: this is not supported")
        }
        return Array(values[0..<count])
    }

    /// Float columns as `unique`: equal when their difference is zero (NaN and infinities vary).
    static func uniqueFloats(_ name: String, _ images: PARImageTable, path: String) throws -> [Double] {
        let count = images.version.columns.first { $0.name == name }?.count ?? 1
        let values = images.floats(name) ?? []
        guard values.count >= count else {
            throw VolumeError(path: path, message: "the header has no image lines")
        }
        for row in 1..<max(images.rows, 1) {
            for k in 0..<count {
                let difference = values[row * count + k] - values[(row - 1) * count + k]
                if difference != 0 {
                    throw VolumeError(path: path, message: "varying \(name) in the image lines: this is not supported")
                }
            }
        }
        return Array(values[0..<count])
    }

    /// nibabel's `_calc_zooms`: pixel spacing, slice thickness + gap, and for 4-D images the
    /// repetition time in seconds (dynamic scans) or 1; none may be negative.
    static func zooms(general: [String: PARGeneralValue], images: PARImageTable, volumes: Int, path: String) throws
        -> [Double]
    {
        let gap = try uniqueFloats("slice gap", images, path: path)[0]
        var zooms = try uniqueFloats("pixel spacing", images, path: path)
        let thickness = try uniqueFloats("slice thickness", images, path: path)[0]
        zooms.append(thickness + gap)
        if volumes > 1 {
            let dynamic = try required("dyn_scan", general, path: path)
            if dynamic != .int(0) {
                guard let repetition = try required("repetition_time", general, path: path).floats.first else {
                    throw VolumeError(path: path, message: "the repetition time of this dynamic scan is empty")
                }
                zooms.append(repetition / 1000.0)
            } else {
                zooms.append(1)
            }
        }
        if zooms.contains(where: { $0 < 0 }) {
            throw VolumeError(path: path, message: "negative voxel size or repetition time: \(zooms)")
        }
        return zooms
    }

    static func required(_ name: String, _ general: [String: PARGeneralValue], path: String) throws
        -> PARGeneralValue
    {
        guard let value = general[name] else {
            let key = PARGeneralField.keys[name] ?? name
            throw VolumeError(path: path, message: "the general information has no '\(key)'")
        }
        return value
    }
}

extension PARGeneralValue {
    /// The values of a list of numbers (empty for other values).
    var floats: [Double] {
        switch self {
        case .floats(let values): values
        case .float(let value): [value]
        case .int(let value): [Double(value)]
        case .ints(let values): values.map(Double.init)
        case .text: []
        }
    }
}

extension PARGeneralField {
    /// A PAR key of each short name, for messages.
    static let keys: [String: String] = [
        "max_slices": "Max. number of slices/locations", "angulation": "Angulation midslice(ap,fh,rl)[degr]",
        "off_center": "Off Centre midslice(ap,fh,rl) [mm]", "dyn_scan": "Dynamic scan      <0=no 1=yes> ?",
        "repetition_time": "Repetition time [ms]",
    ]
}
