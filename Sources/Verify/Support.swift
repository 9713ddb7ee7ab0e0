import Codecs
import Encoding
import Foundation
import Precomputed

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Findings and counters gathered from worker threads.
final class Findings: @unchecked Sendable {
    // @unchecked Sendable: `items` and `counters` are read and written only under `lock`.
    private let lock = NSLock()
    private var items: [Finding] = []
    private var counters: [String: Int] = [:]

    func add(_ path: String, _ kind: ProblemKind, _ problem: String) {
        lock.withLock { items.append(Finding(path: path, kind: kind, problem: problem)) }
    }

    func count(_ name: String, by amount: Int = 1) { lock.withLock { counters[name, default: 0] += amount } }

    func counter(_ name: String) -> Int { lock.withLock { counters[name] ?? 0 } }

    /// Every finding, sorted by kind, then path, then problem.
    var sorted: [Finding] {
        let order = Dictionary(uniqueKeysWithValues: ProblemKind.allCases.enumerated().map { ($1, $0) })
        return lock.withLock { items }.sorted {
            (order[$0.kind] ?? 0, $0.path, $0.problem) < (order[$1.kind] ?? 0, $1.path, $1.problem)
        }
    }
}

/// A file opened for reads at offsets (`pread`).
final class RandomAccessFile {
    let path: String
    let size: UInt64
    private let fd: Int32

    /// Opens `path`; nil when there is no such file.
    init?(path: String) throws {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            if errno == ENOENT || errno == ENOTDIR { return nil }
            throw PrecomputedError.io(path: path, problem: String(cString: strerror(errno)))
        }
        var status = stat()
        guard fstat(fd, &status) == 0, (status.st_mode & S_IFMT) == S_IFREG, status.st_size >= 0 else {
            close(fd)
            throw PrecomputedError.io(path: path, problem: "not a regular file")
        }
        self.path = path
        self.fd = fd
        size = UInt64(status.st_size)
    }

    deinit { close(fd) }

    /// `count` bytes from `offset`; the caller has checked that they lie within `size`.
    func read(offset: UInt64, count: Int) throws -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: count)
        var done = 0
        try bytes.withUnsafeMutableBytes { buffer in
            while done < count {
                guard let base = buffer.baseAddress else { return }
                let got = pread(fd, base + done, count - done, off_t(offset) + off_t(done))
                if got < 0 {
                    if errno == EINTR { continue }
                    throw PrecomputedError.io(path: path, problem: String(cString: strerror(errno)))
                }
                if got == 0 {
                    throw PrecomputedError.io(path: path, problem: "the file ends at \(offset + UInt64(done))")
                }
                done += got
            }
        }
        return bytes
    }
}

/// The content of `path`, or nil when there is no such file; a file of more than `limit` bytes is
/// a problem, not read.
func readFile(_ path: String, limit: Int) throws -> [UInt8]? {
    guard let file = try RandomAccessFile(path: path) else { return nil }
    guard file.size <= UInt64(limit) else {
        throw VerifyProblem("the file is \(file.size) bytes, more than nprec reads for it (\(limit))")
    }
    return try file.read(offset: 0, count: Int(file.size))
}

/// Undoes gzip as Neuroglancer would (a gzip stream, RFC 1952: browsers and
/// `DecompressionStream("gzip")` reject zlib streams), to at most `limit` bytes. Throws a message.
func gunzip(_ bytes: [UInt8], limit: Int) throws -> [UInt8] {
    guard Gzip.isGzip(bytes) else {
        throw VerifyProblem("not a gzip stream (no gzip magic number)")
    }
    do {
        return try Gzip.decompress(bytes, maxSize: limit)
    } catch let error as CodecError {
        throw VerifyProblem("corrupt gzip stream: \(error.message)")
    }
}

/// The most a chunk of `size` can take once un-gzipped: twice its values (compressed_segmentation
/// and PNG can exceed the values a little, never twice) and 1 MiB.
func chunkLimit(_ format: ChunkFormat, size: [Int]) -> Int {
    var bytes = CheckedGrid.voxelBytes(format)
    for extent in size {
        let (product, overflow) = bytes.multipliedReportingOverflow(by: extent)
        bytes = overflow ? Int.max / 4 : product
    }
    return min(bytes, Int.max / 4) * 2 + (1 << 20)
}

/// A problem found while checking, as its message.
struct VerifyProblem: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// The chunks (or fragments) to check: all of them, or a reproducible sample.
enum Selection: Sendable {
    case all(Int)
    case some([Int])

    var count: Int {
        switch self {
        case .all(let count): return count
        case .some(let indices): return indices.count
        }
    }

    subscript(position: Int) -> Int {
        switch self {
        case .all: return position
        case .some(let indices): return indices[position]
        }
    }

    /// `ceil(fraction * count)` of `0..<count` (at least one), chosen by `seed` and `stream`
    /// (the same arguments give the same sample), ascending; all when `fraction >= 1`.
    static func sample(count: Int, fraction: Double, seed: UInt64, stream: UInt64) -> Selection {
        guard fraction < 1, count > 1 else { return .all(max(count, 0)) }
        let wanted = min(count, max(1, Int((fraction * Double(count)).rounded(.up))))
        if wanted == count { return .all(count) }
        var random = SplitMix64(seed: seed ^ (stream &* 0x9e37_79b9_7f4a_7c15))
        // Floyd's algorithm: `wanted` distinct values, each subset equally likely.
        var chosen = Set<Int>(minimumCapacity: wanted)
        for top in (count - wanted)..<count {
            let pick = Int(random.next() % UInt64(top + 1))
            if !chosen.insert(pick).inserted { chosen.insert(top) }
        }
        return .some(chosen.sorted())
    }
}

/// A stable number for a string (FNV-1a), to seed the sample of each scale.
func stableHash(_ text: String) -> UInt64 {
    var hash: UInt64 = 0xcbf2_9ce4_8422_2325
    for byte in text.utf8 {
        hash ^= UInt64(byte)
        hash &*= 0x100_0000_01b3
    }
    return hash
}
