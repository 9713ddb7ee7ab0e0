import CHDF5

/// An HDF5 file opened read-only through libhdf5 (`H5Fopen`): its groups, datasets and their
/// attributes, and hyperslabs of numeric datasets.
///
/// Every libhdf5 call, from any handle, holds one process-wide lock (libhdf5 need not be built
/// thread-safe, and libnetcdf calls it too), so handles may be shared between threads.
public final class HDF5File: @unchecked Sendable {
    // Invariant: `id` is immutable after init and used only under `ScientificLibraries.shared`.
    public let path: String
    let id: hid_t

    /// Opens `path` read-only (`H5Fopen`).
    public init(path: String) throws {
        self.path = path
        id = try HDF5.call {
            let id = H5Fopen(path, 0 /* H5F_ACC_RDONLY */, HDF5.defaults)
            guard id >= 0 else { throw HDF5.failure(path, "cannot open as HDF5") }
            return id
        }
    }

    deinit {
        let id = id
        HDF5.call { _ = H5Fclose(id) }
    }

    /// Whether every link of the slash-separated `objectPath` exists (`H5Lexists`).
    public func exists(_ objectPath: String) -> Bool {
        HDF5.call {
            var prefix = ""
            for part in objectPath.split(separator: "/") {
                prefix += "/" + part
                guard H5Lexists(id, prefix, HDF5.defaults) > 0 else { return false }
            }
            return true
        }
    }

    /// The names of the links in the group `groupPath` (`H5Gget_info`, `H5Lget_name_by_idx`).
    public func members(of groupPath: String) throws -> [String] {
        try HDF5.call {
            let group = H5Gopen2(id, groupPath, HDF5.defaults)
            guard group >= 0 else { throw HDF5.failure(path, "cannot open group \(groupPath)") }
            defer { H5Gclose(group) }
            var info = H5G_info_t()
            guard H5Gget_info(group, &info) >= 0 else { throw HDF5.failure(path, "cannot list group \(groupPath)") }
            return (0..<info.nlinks).compactMap { index in
                let length = H5Lget_name_by_idx(group, ".", H5_INDEX_NAME, H5_ITER_INC, index, nil, 0, HDF5.defaults)
                guard length >= 0, length < 1 << 16 else { return nil }
                var name = [CChar](repeating: 0, count: Int(length) + 1)
                H5Lget_name_by_idx(group, ".", H5_INDEX_NAME, H5_ITER_INC, index, &name, name.count, HDF5.defaults)
                return cString(name)
            }
        }
    }

    /// Opens the dataset `objectPath` (`H5Dopen2`). `chunkCacheBytes`, when given, sizes its raw
    /// chunk cache (`H5Pset_chunk_cache`), so that chunks read for one hyperslab are kept for the
    /// next instead of being decompressed again.
    public func dataset(_ objectPath: String, chunkCacheBytes: Int? = nil) throws -> HDF5Dataset {
        try HDF5Dataset(file: self, name: objectPath, chunkCacheBytes: chunkCacheBytes)
    }
}

/// A dataset of an `HDF5File`.
public final class HDF5Dataset: @unchecked Sendable {
    // Invariant: every stored property is immutable after init; `id` is used only under
    // `ScientificLibraries.shared`.
    public let file: HDF5File
    /// The path of the dataset in the file.
    public let name: String
    /// The extent of each dimension, slowest first; empty for a scalar.
    public let shape: [Int]
    /// The numbers' type in memory, or nil when the dataset is not integers of 1, 2, 4 or 8 bytes
    /// or IEEE floats of 4 or 8 bytes.
    public let type: NumberType?
    /// The stored type, for messages: "16-bit signed integer", "string", ...
    public let typeDescription: String
    /// The chunk extents of a chunked dataset, or nil.
    public let chunkShape: [Int]?
    /// The bytes the dataset occupies in the file (`H5Dget_storage_size`), compressed or not.
    public let storageBytes: Int
    let id: hid_t

    init(file: HDF5File, name: String, chunkCacheBytes: Int?) throws {
        self.file = file
        self.name = name
        let path = file.path
        (id, shape, type, typeDescription, chunkShape, storageBytes) = try HDF5.call {
            var access = HDF5.defaults
            if let bytes = chunkCacheBytes {
                access = H5Pcreate(nprec_h5p_dataset_access())
                // Slots: a prime about ten times the chunks the cache holds (libhdf5's advice).
                H5Pset_chunk_cache(access, HDF5.prime(atLeast: min(max(bytes / 4096, 521), 1 << 22)), bytes, 1.0)
            }
            defer { if access != HDF5.defaults { H5Pclose(access) } }
            let id = H5Dopen2(file.id, name, access)
            guard id >= 0 else { throw HDF5.failure(path, "cannot open dataset \(name)") }
            do {
                let shape = try HDF5.extent(H5Dget_space(id), path, "dataset \(name)")
                let typeID = H5Dget_type(id)
                defer { H5Tclose(typeID) }
                let (type, description) = HDF5.numberType(typeID)
                var chunks: [Int]? = nil
                let plist = H5Dget_create_plist(id)
                if plist >= 0 {
                    if H5Pget_layout(plist) == H5D_CHUNKED, !shape.isEmpty {
                        var dims = [hsize_t](repeating: 0, count: shape.count)
                        if H5Pget_chunk(plist, Int32(shape.count), &dims) == Int32(shape.count) {
                            chunks = dims.map { Int(clamping: $0) }
                        }
                    }
                    H5Pclose(plist)
                }
                let storage = Int(clamping: H5Dget_storage_size(id))
                return (id, shape, type, description, chunks, storage)
            } catch {
                H5Dclose(id)
                throw error
            }
        }
    }

    deinit {
        let id = id
        HDF5.call { _ = H5Dclose(id) }
    }

    /// The number of values.
    public var count: Int { checkedProduct(shape) ?? Int.max }

    /// The names of the dataset's attributes (`H5Aget_name_by_idx`).
    public var attributeNames: [String] {
        HDF5.call {
            var names: [String] = []
            var index: hsize_t = 0
            while true {
                let length = H5Aget_name_by_idx(id, ".", H5_INDEX_NAME, H5_ITER_INC, index, nil, 0, HDF5.defaults)
                guard length >= 0, length < 1 << 16 else { break }
                var name = [CChar](repeating: 0, count: Int(length) + 1)
                H5Aget_name_by_idx(id, ".", H5_INDEX_NAME, H5_ITER_INC, index, &name, name.count, HDF5.defaults)
                names.append(cString(name))
                index += 1
            }
            H5Eclear2(HDF5.defaultStack)
            return names
        }
    }

    /// The attribute `attributeName`, or nil when the dataset has none of that name (`H5Aopen`,
    /// `H5Aread`): strings as text (fixed or variable length), numbers as doubles.
    public func attribute(_ attributeName: String) throws -> AttributeValue? {
        let path = file.path
        let what = "attribute \(attributeName) of \(name)"
        return try HDF5.call { () throws -> AttributeValue? in
            guard H5Aexists(id, attributeName) > 0 else { return nil }
            let attribute = H5Aopen(id, attributeName, HDF5.defaults)
            guard attribute >= 0 else { throw HDF5.failure(path, "cannot open \(what)") }
            defer { H5Aclose(attribute) }
            let type = H5Aget_type(attribute)
            defer { H5Tclose(type) }
            let space = H5Aget_space(attribute)
            defer { H5Sclose(space) }
            let points = Int(H5Sget_simple_extent_npoints(space))
            // Attributes live in object headers: anything larger than the file is corrupt.
            let limit = fileSize(path) ?? 0
            guard points >= 0, points <= limit else {
                throw CodecError(library: "libhdf5", message: "\(path): \(what) is corrupt")
            }
            switch H5Tget_class(type) {
            case H5T_STRING:
                if H5Tis_variable_str(type) > 0 {
                    let memory = H5Tcopy(nprec_h5t_c_s1())
                    defer { H5Tclose(memory) }
                    H5Tset_size(memory, Int(bitPattern: UInt(bitPattern: -1)) /* H5T_VARIABLE */)
                    var pointers = [UnsafeMutablePointer<CChar>?](repeating: nil, count: points)
                    guard H5Aread(attribute, memory, &pointers) >= 0 else {
                        throw HDF5.failure(path, "cannot read \(what)")
                    }
                    let text = pointers.map { $0.map { String(cString: $0) } ?? "" }.joined()
                    H5Dvlen_reclaim(memory, space, HDF5.defaults, &pointers)
                    return .text(text)
                }
                let size = H5Tget_size(type)
                guard size > 0, let total = checkedProduct([size, points]), total <= limit else {
                    throw CodecError(library: "libhdf5", message: "\(path): \(what) is corrupt")
                }
                var bytes = [UInt8](repeating: 0, count: total)
                guard H5Aread(attribute, type, &bytes) >= 0 else { throw HDF5.failure(path, "cannot read \(what)") }
                let text = stride(from: 0, to: total, by: size).map { start in
                    String(decoding: bytes[start..<(start + size)].prefix { $0 != 0 }, as: UTF8.self)
                }
                return .text(text.joined())
            case H5T_INTEGER, H5T_FLOAT:
                var values = [Double](repeating: 0, count: points)
                guard H5Aread(attribute, nprec_h5t_native_double(), &values) >= 0 else {
                    throw HDF5.failure(path, "cannot read \(what)")
                }
                return .numbers(values)
            default:
                return .other(HDF5.numberType(type).description)
            }
        }
    }

    /// The values of the box `start..<start+count` (one entry per dimension), C order (last
    /// dimension fastest), each of `type` in host byte order (`H5Sselect_hyperslab`, `H5Dread`).
    public func read(start: [Int], count: [Int]) throws -> [UInt8] {
        let path = file.path
        guard let type else {
            throw CodecError(library: "libhdf5", message: "\(path): \(name) holds \(typeDescription), not numbers")
        }
        guard start.count == shape.count, count.count == shape.count,
            zip(zip(start, count), shape).allSatisfy({ $0.0 >= 0 && $0.1 >= 0 && $0.0 + $0.1 <= $1 }),
            let values = checkedProduct(count), let bytes = checkedProduct([values, type.size])
        else {
            throw CodecError(
                library: "libhdf5", message: "\(path): box \(start) + \(count) is outside \(name) of shape \(shape)")
        }
        var buffer = [UInt8](repeating: 0, count: bytes)
        if values == 0 { return buffer }
        try HDF5.call {
            let fileSpace = H5Dget_space(id)
            defer { H5Sclose(fileSpace) }
            var memorySpace = HDF5.all
            if !shape.isEmpty {
                let starts = start.map { hsize_t($0) }
                let counts = count.map { hsize_t($0) }
                guard H5Sselect_hyperslab(fileSpace, H5S_SELECT_SET, starts, nil, counts, nil) >= 0 else {
                    throw HDF5.failure(path, "cannot select a box of \(name)")
                }
                memorySpace = H5Screate_simple(Int32(counts.count), counts, nil)
            }
            defer { if memorySpace != HDF5.all { H5Sclose(memorySpace) } }
            // The stored type in host byte order (its size and sign are those of `type`).
            let storedType = H5Dget_type(id)
            let memoryType = H5Tget_native_type(storedType, H5T_DIR_ASCEND)
            H5Tclose(storedType)
            defer { H5Tclose(memoryType) }
            guard memoryType >= 0, H5Tget_size(memoryType) == type.size else {
                throw HDF5.failure(path, "cannot read \(name) as \(type.rawValue)")
            }
            let status = buffer.withUnsafeMutableBytes {
                H5Dread(id, memoryType, memorySpace, fileSpace, HDF5.defaults, $0.baseAddress)
            }
            guard status >= 0 else { throw HDF5.failure(path, "cannot read \(name)") }
        }
        return buffer
    }

    /// Every value, converted to double (`H5Dread` into `H5T_NATIVE_DOUBLE`); for small datasets.
    public func readDoubles() throws -> [Double] {
        let path = file.path
        guard type != nil else {
            throw CodecError(library: "libhdf5", message: "\(path): \(name) holds \(typeDescription), not numbers")
        }
        guard let total = checkedProduct([count, 8]), total <= max(fileSize(path) ?? 0, storageBytes) * 1100 else {
            throw CodecError(library: "libhdf5", message: "\(path): \(name) claims more values than the file can hold")
        }
        var values = [Double](repeating: 0, count: count)
        if values.isEmpty { return values }
        try HDF5.call {
            guard H5Dread(id, nprec_h5t_native_double(), HDF5.all, HDF5.all, HDF5.defaults, &values) >= 0 else {
                throw HDF5.failure(path, "cannot read \(name)")
            }
        }
        return values
    }
}

/// libhdf5 calls under the lock, and its errors as messages.
enum HDF5 {
    /// `H5P_DEFAULT`, `H5S_ALL`, `H5E_DEFAULT` (macros of 0, imported with the wrong type).
    static let defaults: hid_t = 0
    static let all: hid_t = 0
    static let defaultStack: hid_t = 0

    /// Runs `body` under the lock, with libhdf5 initialized and its error printing off (the
    /// setting is per thread in a thread-safe build, so it is set on every call).
    static func call<T>(_ body: () throws -> T) rethrows -> T {
        try ScientificLibraries.shared.locked {
            H5open()
            H5Eset_auto2(HDF5.defaultStack, nil, nil)
            return try body()
        }
    }

    /// An error naming `what` failed, with libhdf5's innermost error messages (`H5Ewalk2`);
    /// clears the error stack. Call under the lock.
    static func failure(_ path: String, _ what: String) -> CodecError {
        final class Messages { var list: [String] = [] }
        let messages = Messages()
        let walker: H5E_walk2_t = { _, error, data in
            guard let error, let data, let description = error.pointee.desc else { return 0 }
            let messages = Unmanaged<Messages>.fromOpaque(data).takeUnretainedValue()
            messages.list.append(String(cString: description))
            return 0
        }
        H5Ewalk2(HDF5.defaultStack, H5E_WALK_DOWNWARD, walker, Unmanaged.passUnretained(messages).toOpaque())
        H5Eclear2(HDF5.defaultStack)
        // The innermost messages say what is wrong ("truncated file: eof = ..."); the outer ones
        // only which call failed.
        var unique: [String] = []
        for message in messages.list.reversed() where !message.isEmpty && !unique.contains(message) {
            unique.append(message)
        }
        let detail = unique.prefix(2).joined(separator: "; ")
        return CodecError(library: "libhdf5", message: "\(path): \(what)" + (detail.isEmpty ? "" : ": \(detail)"))
    }

    /// The extents of `space` (closed here): empty for a scalar.
    static func extent(_ space: hid_t, _ path: String, _ what: String) throws -> [Int] {
        guard space >= 0 else { throw failure(path, "cannot read the shape of \(what)") }
        defer { H5Sclose(space) }
        let rank = H5Sget_simple_extent_ndims(space)
        guard rank >= 0, rank <= 32 else { throw failure(path, "cannot read the shape of \(what)") }
        var dims = [hsize_t](repeating: 0, count: Int(rank))
        if rank > 0 { H5Sget_simple_extent_dims(space, &dims, nil) }
        return dims.map { Int(clamping: $0) }
    }

    /// The number type of an HDF5 type, and words for messages.
    static func numberType(_ type: hid_t) -> (type: NumberType?, description: String) {
        let size = H5Tget_size(type)
        switch H5Tget_class(type) {
        case H5T_INTEGER:
            let signed = H5Tget_sign(type) == H5T_SGN_2
            return (.integer(size: size, signed: signed), "\(size * 8)-bit \(signed ? "signed" : "unsigned") integers")
        case H5T_FLOAT:
            return (size == 4 ? .float32 : size == 8 ? .float64 : nil, "\(size * 8)-bit floats")
        case H5T_STRING: return (nil, "strings")
        case H5T_COMPOUND: return (nil, "compound values")
        case H5T_ENUM: return (nil, "enumerated values")
        case H5T_ARRAY: return (nil, "arrays")
        case H5T_VLEN: return (nil, "variable-length values")
        default: return (nil, "values of an unsupported type")
        }
    }

    /// The smallest prime at least `n`.
    static func prime(atLeast n: Int) -> Int {
        var candidate = max(n, 2)
        while (2...max(2, Int(Double(candidate).squareRoot()))).contains(where: {
            $0 < candidate && candidate % $0 == 0
        }) {
            candidate += 1
        }
        return candidate
    }
}
