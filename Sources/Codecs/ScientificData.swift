#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The type of the numbers of an HDF5 dataset or netCDF variable, as read into memory (host byte
/// order).
public enum NumberType: String, Sendable, CaseIterable {
    case int8, uint8, int16, uint16, int32, uint32, int64, uint64, float32, float64

    /// Bytes per value.
    public var size: Int {
        switch self {
        case .int8, .uint8: 1
        case .int16, .uint16: 2
        case .int32, .uint32, .float32: 4
        case .int64, .uint64, .float64: 8
        }
    }

    public var isFloat: Bool { self == .float32 || self == .float64 }

    /// The integer type of `size` bytes, signed or not; nil for other sizes.
    static func integer(size: Int, signed: Bool) -> NumberType? {
        switch size {
        case 1: signed ? .int8 : .uint8
        case 2: signed ? .int16 : .uint16
        case 4: signed ? .int32 : .uint32
        case 8: signed ? .int64 : .uint64
        default: nil
        }
    }
}

/// The value of an HDF5 or netCDF attribute.
public enum AttributeValue: Sendable, Equatable {
    /// Characters (trailing NULs removed).
    case text(String)
    /// Numbers of any numeric type, as doubles.
    case numbers([Double])
    /// Anything else (compound, enum, opaque...): its type only.
    case other(String)

    public var text: String? {
        if case .text(let value) = self { return value }
        return nil
    }

    public var numbers: [Double]? {
        if case .numbers(let value) = self { return value }
        return nil
    }
}

/// Neither libhdf5 as Debian builds it for netCDF nor libnetcdf may be called from two threads at
/// once, and libnetcdf calls libhdf5 for netCDF-4 files: every call into either library, from
/// every handle, holds this one lock.
enum ScientificLibraries {
    static let shared = ProcessLock()
}

/// A pthread mutex that lives as long as the process. (ThreadSanitizer follows pthread mutexes;
/// Synchronization's `Mutex`, a bare futex on Linux, it takes for unsynchronized access.)
final class ProcessLock: @unchecked Sendable {
    // Invariant: the mutex is allocated once and never freed (instances live as long as the
    // process); pthread mutexes are themselves thread-safe.
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>

    init() {
        mutex = .allocate(capacity: 1)
        pthread_mutex_init(mutex, nil)
    }

    /// Runs `body` holding the lock.
    func locked<T>(_ body: () throws -> T) rethrows -> T {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body()
    }
}

/// The product of `values`, or nil when it overflows or a value is negative.
func checkedProduct(_ values: [Int]) -> Int? {
    var product = 1
    for value in values {
        guard value >= 0 else { return nil }
        let (result, overflow) = product.multipliedReportingOverflow(by: value)
        if overflow { return nil }
        product = result
    }
    return product
}

/// The size of the file at `path`, or nil.
func fileSize(_ path: String) -> Int? {
    var info = stat()
    guard stat(path, &info) == 0 else { return nil }
    return Int(info.st_size)
}
