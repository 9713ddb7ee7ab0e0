import CNetCDF

/// A netCDF file (classic, 64-bit offset, CDF-5 or netCDF-4) opened read-only through libnetcdf
/// (`nc_open`): its dimensions, variables and attributes, and hyperslabs of numeric variables.
///
/// Every libnetcdf call holds the lock that libhdf5 calls hold (libnetcdf is not thread-safe,
/// and reads netCDF-4 files through libhdf5), so handles may be shared between threads.
public final class NetCDFFile: @unchecked Sendable {
    // Invariant: every stored property is immutable after init; `id` is used only under
    // `ScientificLibraries.shared`.
    public let path: String
    let id: Int32
    /// The dimensions, in definition order.
    public let dimensions: [NetCDFDimension]
    /// The variables' names, in definition order.
    public let variableNames: [String]
    /// True for the classic formats (CDF-1, CDF-2, CDF-5), whose data is stored uncompressed.
    public let isClassic: Bool

    /// Opens `path` read-only (`nc_open`, `nc_inq`, `nc_inq_dim`, `nc_inq_varname`).
    public init(path: String) throws {
        self.path = path
        (id, dimensions, variableNames, isClassic) = try NetCDF.call(path, "cannot open as netCDF") { check in
            var id: Int32 = -1
            try check(nc_open(path, NC_NOWRITE, &id))
            do {
                var (dimensionCount, variableCount, attributeCount, unlimited): (Int32, Int32, Int32, Int32) =
                    (0, 0, 0, 0)
                try check(nc_inq(id, &dimensionCount, &variableCount, &attributeCount, &unlimited))
                var dimensions: [NetCDFDimension] = []
                for dimension in 0..<dimensionCount {
                    var name = [CChar](repeating: 0, count: Int(NC_MAX_NAME) + 1)
                    var length = 0
                    try check(nc_inq_dim(id, dimension, &name, &length))
                    dimensions.append(NetCDFDimension(name: cString(name), length: length))
                }
                var names: [String] = []
                for variable in 0..<variableCount {
                    var name = [CChar](repeating: 0, count: Int(NC_MAX_NAME) + 1)
                    try check(nc_inq_varname(id, variable, &name))
                    names.append(cString(name))
                }
                var format: Int32 = 0
                try check(nc_inq_format(id, &format))
                return (
                    id, dimensions, names, [NC_FORMAT_CLASSIC, NC_FORMAT_64BIT_OFFSET, NC_FORMAT_CDF5].contains(format)
                )
            } catch {
                nc_close(id)
                throw error
            }
        }
    }

    deinit {
        let id = id
        ScientificLibraries.shared.locked { _ = nc_close(id) }
    }

    /// The variable `name`, or nil when the file has none (`nc_inq_varid`, `nc_inq_var`).
    public func variable(_ name: String) throws -> NetCDFVariable? {
        try NetCDF.call(path, "cannot read variable \(name)") { check in
            var varid: Int32 = -1
            guard nc_inq_varid(id, name, &varid) == NC_NOERR else { return nil }
            var type: nc_type = 0
            var rank: Int32 = 0
            var attributeCount: Int32 = 0
            var dimensionIDs = [Int32](repeating: 0, count: Int(NC_MAX_VAR_DIMS))
            try check(nc_inq_var(id, varid, nil, &type, &rank, &dimensionIDs, &attributeCount))
            let dimensions = try dimensionIDs.prefix(Int(rank)).map { dimension in
                var dimensionName = [CChar](repeating: 0, count: Int(NC_MAX_NAME) + 1)
                var length = 0
                try check(nc_inq_dim(id, dimension, &dimensionName, &length))
                return NetCDFDimension(name: cString(dimensionName), length: length)
            }
            var attributeNames: [String] = []
            for index in 0..<attributeCount {
                var attributeName = [CChar](repeating: 0, count: Int(NC_MAX_NAME) + 1)
                try check(nc_inq_attname(id, varid, index, &attributeName))
                attributeNames.append(cString(attributeName))
            }
            return NetCDFVariable(
                file: self, name: name, varid: varid, dimensions: dimensions, externalType: type,
                attributeNames: attributeNames)
        }
    }

    /// The global attribute `name`, or nil.
    public func globalAttribute(_ name: String) throws -> AttributeValue? {
        try NetCDF.attribute(self, NC_GLOBAL, name, "global attribute \(name)")
    }
}

/// A netCDF dimension.
public struct NetCDFDimension: Sendable, Equatable {
    public var name: String
    public var length: Int
}

/// A variable of a `NetCDFFile`.
public struct NetCDFVariable: Sendable {
    public let file: NetCDFFile
    public let name: String
    let varid: Int32
    /// Its dimensions, slowest first; empty for a scalar.
    public let dimensions: [NetCDFDimension]
    let externalType: nc_type
    /// The names of its attributes, in definition order.
    public let attributeNames: [String]

    init(
        file: NetCDFFile, name: String, varid: Int32, dimensions: [NetCDFDimension], externalType: nc_type,
        attributeNames: [String]
    ) {
        self.file = file
        self.name = name
        self.varid = varid
        self.dimensions = dimensions
        self.externalType = externalType
        self.attributeNames = attributeNames
    }

    public var dimensionNames: [String] { dimensions.map(\.name) }
    public var shape: [Int] { dimensions.map(\.length) }

    /// The numbers' type in memory (netCDF's byte is signed), or nil for characters and strings.
    public var type: NumberType? { NetCDF.numberType(externalType) }

    /// The netCDF type name: "byte", "char", "short", "int", "float", "double", "ubyte"...
    public var typeName: String { NetCDF.typeName(externalType) }

    /// The attribute `attributeName`, or nil (`nc_inq_att`, `nc_get_att_text`,
    /// `nc_get_att_double`): characters as text, numbers as doubles.
    public func attribute(_ attributeName: String) throws -> AttributeValue? {
        try NetCDF.attribute(file, varid, attributeName, "attribute \(attributeName) of \(name)")
    }

    /// The values of the box `start..<start+count` (one entry per dimension), C order (last
    /// dimension fastest), each of `type` in host byte order (`nc_get_vara`).
    public func read(start: [Int], count: [Int]) throws -> [UInt8] {
        let path = file.path
        guard let type else {
            throw CodecError(library: "libnetcdf", message: "\(path): \(name) holds \(typeName) values, not numbers")
        }
        let shape = self.shape
        guard start.count == shape.count, count.count == shape.count,
            zip(zip(start, count), shape).allSatisfy({ $0.0 >= 0 && $0.1 >= 0 && $0.0 + $0.1 <= $1 }),
            let values = checkedProduct(count), let bytes = checkedProduct([values, type.size])
        else {
            throw CodecError(
                library: "libnetcdf", message: "\(path): box \(start) + \(count) is outside \(name) of shape \(shape)")
        }
        var buffer = [UInt8](repeating: 0, count: bytes)
        if values == 0 { return buffer }
        try NetCDF.call(path, "cannot read \(name)") { check in
            try buffer.withUnsafeMutableBytes { target in
                try check(nc_get_vara(file.id, varid, start, count, target.baseAddress))
            }
        }
        return buffer
    }

    /// Every value, converted to double (`nc_get_var_double`); for small variables.
    public func readDoubles() throws -> [Double] {
        let path = file.path
        guard type != nil else {
            throw CodecError(library: "libnetcdf", message: "\(path): \(name) holds \(typeName) values, not numbers")
        }
        guard let count = checkedProduct(shape), let bytes = checkedProduct([count, 8]),
            bytes <= (fileSize(path) ?? 0) * 1100
        else {
            throw CodecError(
                library: "libnetcdf", message: "\(path): \(name) claims more values than the file can hold")
        }
        var values = [Double](repeating: 0, count: count)
        if count == 0 { return values }
        try NetCDF.call(path, "cannot read \(name)") { check in
            try check(nc_get_var_double(file.id, varid, &values))
        }
        return values
    }
}

/// libnetcdf calls under the lock, and its status codes as errors.
enum NetCDF {
    /// Runs `body` under the lock; `check` turns a failing status into an error naming `what`.
    static func call<T>(
        _ path: String, _ what: String, _ body: (_ check: (Int32) throws -> Void) throws -> T
    ) throws -> T {
        try ScientificLibraries.shared.locked {
            try body { status in
                guard status == NC_NOERR else {
                    let message = String(cString: nc_strerror(status))
                    throw CodecError(library: "libnetcdf", message: "\(path): \(what): \(message)")
                }
            }
        }
    }

    static func attribute(_ file: NetCDFFile, _ varid: Int32, _ name: String, _ what: String) throws
        -> AttributeValue?
    {
        let path = file.path
        return try call(path, "cannot read \(what)") { check in
            var type: nc_type = 0
            var length = 0
            guard nc_inq_att(file.id, varid, name, &type, &length) == NC_NOERR else { return nil }
            // Attributes live in the header: anything larger than the file is corrupt.
            guard length <= fileSize(path) ?? 0 else {
                throw CodecError(library: "libnetcdf", message: "\(path): \(what) is corrupt")
            }
            switch type {
            case NC_CHAR:
                var bytes = [UInt8](repeating: 0, count: length)
                if length > 0 { try check(nc_get_att_text(file.id, varid, name, &bytes)) }
                while bytes.last == 0 { bytes.removeLast() }
                return .text(String(decoding: bytes, as: UTF8.self))
            case NC_STRING:
                var pointers = [UnsafeMutablePointer<CChar>?](repeating: nil, count: length)
                if length > 0 { try check(nc_get_att_string(file.id, varid, name, &pointers)) }
                let text = pointers.map { $0.map { String(cString: $0) } ?? "" }.joined()
                if length > 0 { nc_free_string(length, &pointers) }
                return .text(text)
            default:
                guard numberType(type) != nil else { return .other(typeName(type)) }
                var values = [Double](repeating: 0, count: length)
                if length > 0 { try check(nc_get_att_double(file.id, varid, name, &values)) }
                return .numbers(values)
            }
        }
    }

    static func numberType(_ type: nc_type) -> NumberType? {
        switch type {
        case NC_BYTE: .int8
        case NC_UBYTE: .uint8
        case NC_SHORT: .int16
        case NC_USHORT: .uint16
        case NC_INT: .int32
        case NC_UINT: .uint32
        case NC_INT64: .int64
        case NC_UINT64: .uint64
        case NC_FLOAT: .float32
        case NC_DOUBLE: .float64
        default: nil
        }
    }

    static func typeName(_ type: nc_type) -> String {
        switch type {
        case NC_BYTE: "byte"
        case NC_CHAR: "char"
        case NC_SHORT: "short"
        case NC_INT: "int"
        case NC_FLOAT: "float"
        case NC_DOUBLE: "double"
        case NC_UBYTE: "ubyte"
        case NC_USHORT: "ushort"
        case NC_UINT: "uint"
        case NC_INT64: "int64"
        case NC_UINT64: "uint64"
        case NC_STRING: "string"
        default: "type \(type)"
        }
    }
}
