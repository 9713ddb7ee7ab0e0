import Codecs
import Precomputed

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// MINC1: a netCDF classic file whose variable "image" holds the voxels, with one variable per
/// dimension carrying its step, start and direction cosines, and the variables "image-max" and
/// "image-min" (nibabel's `minc1.Minc1File`).
enum MINC1 {
    static func open(_ path: String, ignoreScaling: Bool) throws -> (MINCHeader, any MINCData) {
        // libnetcdf trusts a classic header and can crash on a damaged one: walk it first.
        let extents = try ClassicHeader.extents(path: path)
        let file = try NetCDFFile(path: path)
        guard let image = try file.variable("image") else {
            throw VolumeError(
                path: path, message: "this netCDF file has no 'image' variable, so it is not a MINC1 image")
        }
        let names = image.dimensionNames
        let dimensions = try names.map { name in
            guard let variable = try file.variable(name) else {
                throw VolumeError(path: path, message: "the image's dimension \(name) has no variable")
            }
            // nibabel raises on any spacing but "regular__", and on none at all; MINC's default,
            // regular, is taken when the attribute is missing.
            if let spacing = try variable.attribute("spacing"), spacing.text != "regular__" {
                throw VolumeError(
                    path: path,
                    message: "dimension \(name) has spacing \(describe(spacing)); only regular spacing is supported")
            }
            return MINCDimension(
                name: name, step: try number(variable, "step", path), start: try number(variable, "start", path),
                directionCosines: try variable.attribute("direction_cosines")?.numbers)
        }
        let type = try storedType(image, path)
        guard let bytes = MINCHeader.product(image.shape + [type.size]) else {
            throw VolumeError(path: path, message: "the image's shape \(image.shape) is too large")
        }
        // libnetcdf reads a classic file's missing data as fill values: check that it is there.
        if let extents {
            let size = fileSize(path)
            for (name, begin, stored) in extents {
                let end = begin + (name == "image" ? bytes : stored)
                guard end <= size else {
                    throw VolumeError(
                        path: path,
                        message:
                            "file is truncated: it has \(size) bytes, but the data of its variable \(name) runs from "
                            + "byte \(begin) to byte \(end)")
                }
            }
        }
        var header = MINCHeader(
            version: 1, dimensionNames: names, shape: image.shape, storedType: type,
            affine: try MINCHeader.affine(dimensions, path: path), scaling: nil)
        if type.isInteger && !ignoreScaling {
            header.scaling = try scaling(file, image, type, path)
        }
        return (header, image)
    }

    /// `get_data_dtype`: netCDF's byte, short and int are signed or unsigned as the image's
    /// `signtype` says; float and double as they are.
    static func storedType(_ image: NetCDFVariable, _ path: String) throws -> DataType {
        guard let stored = image.type else {
            throw VolumeError(path: path, message: "the image holds \(image.typeName) values, not numbers")
        }
        var signed: Bool? = nil
        if let signtype = try image.attribute("signtype") {
            switch signtype.text {
            case "unsigned": signed = false
            case "signed__": signed = true
            default:
                throw VolumeError(path: path, message: "the image's signtype is \(describe(signtype))")
            }
        }
        // Without a signtype nibabel raises; MINC's default is unsigned bytes, signed otherwise.
        switch stored {
        case .int8, .uint8: return (signed ?? false) ? .int8 : .uint8
        case .int16, .uint16: return (signed ?? true) ? .int16 : .uint16
        case .int32, .uint32: return (signed ?? true) ? .int32 : .uint32
        case .int64: return .int64
        case .uint64: return .uint64
        case .float32: return .float32
        case .float64: return .float64
        }
    }

    /// The valid range (`valid_range`, else `valid_min` and `valid_max`, else the type's range)
    /// and the image-max and image-min variables.
    static func scaling(_ file: NetCDFFile, _ image: NetCDFVariable, _ type: DataType, _ path: String) throws
        -> MINCScaling
    {
        var range: [Double]? = nil
        if let validRange = try image.attribute("valid_range") {
            guard let values = validRange.numbers else {
                throw VolumeError(path: path, message: "the image's valid_range is \(describe(validRange))")
            }
            range = values
        } else if let low = try number(image, "valid_min", path), let high = try number(image, "valid_max", path) {
            range = [low, high]
        }
        let valid = try MINCHeader.validRange(range, type: type, path: path)
        guard let maximum = try file.variable("image-max"), let minimum = try file.variable("image-min") else {
            throw VolumeError(
                path: path,
                message: "the image has no image-max or image-min variable, so its integer values have no real values "
                    + "(use --ignore-scaling to read the stored values)")
        }
        // getValue() gives a Python float for a scalar; arrays keep their type.
        let float32 = maximum.type == .float32 && minimum.type == .float32 && !maximum.dimensions.isEmpty
        return try MINCHeader.scaling(
            validRange: valid, imageShape: image.shape, imageDimensions: image.dimensionNames,
            maximum: (maximum.dimensionNames, maximum.shape, try maximum.readDoubles()),
            minimum: (minimum.dimensionNames, minimum.shape, try minimum.readDoubles()), float32: float32, path: path)
    }

    /// The size of the file at `path` (0 when it cannot be read).
    static func fileSize(_ path: String) -> Int {
        var info = stat()
        return stat(path, &info) == 0 ? Int(info.st_size) : 0
    }

    /// A one-number attribute, or nil when absent.
    static func number(_ variable: NetCDFVariable, _ name: String, _ path: String) throws -> Double? {
        guard let value = try variable.attribute(name) else { return nil }
        guard let numbers = value.numbers, numbers.count == 1 else {
            throw VolumeError(
                path: path, message: "the \(name) of \(variable.name) is \(describe(value)), not a number")
        }
        return numbers[0]
    }
}

/// An attribute's value for messages.
func describe(_ value: AttributeValue) -> String {
    switch value {
    case .text(let text): "\"\(text)\""
    case .numbers(let numbers): numbers.count == 1 ? "\(numbers[0])" : "\(numbers)"
    case .other(let type): "a value of type \(type)"
    }
}

/// Where each variable's data lies in a netCDF classic file (CDF-1, CDF-2, CDF-5), which
/// libnetcdf does not tell: the header is walked to each variable's `vsize` and `begin` fields.
/// Hand-written because no libnetcdf function returns a variable's offset. The walk also checks
/// the header before libnetcdf sees it (libnetcdf can crash on a damaged one): a header that does
/// not parse, or whose dimension ids or offsets are impossible, is refused. nil for a netCDF-4
/// (HDF5) file, which libhdf5 checks.
enum ClassicHeader {
    /// (name, begin, vsize) of every variable (the first record of a record variable).
    static func extents(path: String) throws -> [(String, Int, Int)]? {
        let size = MINC1.fileSize(path)
        let length = min(size, 1 << 22)
        let bytes = try RawVolumeData.read(
            RawVolumeData.open(path, compressed: false, blockSize: 1 << 16), length, path: path)
        guard bytes.starts(with: Array("CDF".utf8)), bytes.count > 4, [1, 2, 5].contains(bytes[3]) else {
            return nil
        }
        func damaged(_ what: String) -> VolumeError {
            VolumeError(path: path, message: "the netCDF (MINC1) header is damaged: \(what)")
        }
        var reader = Reader(bytes: bytes)
        let version = Int(bytes[3])
        reader.position = 4
        reader.wide = version == 5
        let wideOffsets = version != 1
        guard reader.count() != nil else { throw damaged("the record count is cut off") }
        // Dimensions: name, length.
        guard let dimensions = reader.list(tag: 0x0A), dimensions < 1 << 16 else {
            throw damaged("the dimension list is not readable")
        }
        for index in 0..<dimensions {
            guard let name = reader.name(), !name.isEmpty, reader.count() != nil else {
                throw damaged("dimension \(index) is not readable")
            }
        }
        guard reader.skipAttributes() else { throw damaged("the global attributes are not readable") }
        guard let variables = reader.list(tag: 0x0B), variables < 1 << 16 else {
            throw damaged("the variable list is not readable")
        }
        var extents: [(String, Int, Int)] = []
        for index in 0..<variables {
            guard let name = reader.name(), !name.isEmpty, let rank = reader.count(), rank <= dimensions else {
                throw damaged("variable \(index) is not readable")
            }
            for _ in 0..<rank {
                guard let id = reader.count(), id < dimensions else {
                    throw damaged("variable \(name) names a dimension that does not exist")
                }
            }
            guard reader.skipAttributes(), let type = reader.int32(), (1...11).contains(type),
                let stored = reader.count(),
                let begin = wideOffsets ? reader.int64() : reader.int32(), begin >= reader.position, begin <= size
            else {
                throw damaged("the description of variable \(name) is not readable")
            }
            extents.append((name, begin, stored))
        }
        return extents
    }

    struct Reader {
        let bytes: [UInt8]
        var position = 0
        /// CDF-5: counts are 8 bytes.
        var wide = false

        init(bytes: [UInt8]) { self.bytes = bytes }

        mutating func int32() -> Int? {
            guard position + 4 <= bytes.count else { return nil }
            defer { position += 4 }
            return bytes[position..<(position + 4)].reduce(0) { $0 << 8 | Int($1) }
        }

        mutating func int64() -> Int? {
            guard position + 8 <= bytes.count, bytes[position] < 0x80 else { return nil }
            defer { position += 8 }
            return bytes[position..<(position + 8)].reduce(0) { $0 << 8 | Int($1) }
        }

        mutating func count() -> Int? { wide ? int64() : int32() }

        /// ABSENT (two zeros) or the tag and a count.
        mutating func list(tag: Int) -> Int? {
            guard let found = int32(), let count = count(), found == tag || (found == 0 && count == 0) else {
                return nil
            }
            return count
        }

        mutating func skip(_ count: Int) -> Bool {
            let padded = (count + 3) / 4 * 4
            guard count >= 0, padded <= bytes.count - position else { return false }
            position += padded
            return true
        }

        mutating func name() -> String? {
            guard let length = count(), length >= 0, length <= bytes.count - position else { return nil }
            let name = String(decoding: bytes[position..<(position + length)], as: UTF8.self)
            return skip(length) ? name : nil
        }

        mutating func skipAttributes() -> Bool {
            guard let attributes = list(tag: 0x0C) else { return false }
            for _ in 0..<attributes {
                guard name() != nil, let type = int32(), let count = count() else { return false }
                let sizes = [1: 1, 2: 1, 3: 2, 4: 4, 5: 4, 6: 8, 7: 1, 8: 2, 9: 4, 10: 8, 11: 8]
                guard let size = sizes[type], count <= bytes.count, skip(count * size) else { return false }
            }
            return true
        }
    }
}
