import CSyscalls
import Foundation
import NIOHTTP1

/// What a response carries after its head.
enum ResponseBody {
    case none
    case text(String)
    /// `count` bytes of the open file `descriptor` from `offset`; whoever sends the answer
    /// closes the descriptor.
    case file(descriptor: Int32, offset: Int, count: Int)
}

/// One response, decided before a byte of it is written.
struct Answer {
    var status: Int
    var headers: HTTPHeaders
    var body: ResponseBody
}

/// Answers requests from the catalog's directories, as Neuroglancer needs: flat chunk names
/// found in the nested layout too, `X.gz` sent for `X` with `Content-Encoding: gzip` (never for
/// shards), `N:0` mesh manifests found as `N`, single byte ranges, CORS on every answer.
/// No request is answered with a file outside a served directory: the path is decoded once and
/// checked segment by segment (`RequestPath`), and the file found is opened only if its real
/// path, symbolic links resolved, lies under the served directory's.
///
/// Every request goes through here, so the work is in UTF-8 bytes and small strings: no
/// character-by-character string processing, one path string built per file tried.
struct Responder: Sendable {
    let catalog: Catalog

    /// Adds the CORS headers of every answer: any origin may read, Range may be sent, and the
    /// headers Neuroglancer reads (Content-Range for shards, Content-Length) are exposed.
    static func addCORS(to headers: inout HTTPHeaders) {
        headers.add(name: "Access-Control-Allow-Origin", value: "*")
        headers.add(
            name: "Access-Control-Expose-Headers",
            value: "Content-Range, Content-Length, Content-Encoding, Accept-Ranges")
    }

    /// The answer to `method` `target`. `gzipFirst` is the connection's guess whether the file
    /// asked for is stored gzipped (a dataset is usually all one or the other): the guess is
    /// tried first and updated to what was found, so that a gzipped dataset costs no failed
    /// open per chunk.
    func answer(method: HTTPMethod, target: String, range: String?, gzipFirst: inout Bool) -> Answer {
        var answer: Answer
        switch method {
        case .GET, .HEAD:
            answer = file(target: target, range: range, gzipFirst: &gzipFirst)
            if method == .HEAD {
                if case .file(let descriptor, _, _) = answer.body { close(descriptor) }
                answer.body = .none
            }
        case .OPTIONS:
            var headers = HTTPHeaders()
            headers.add(name: "Access-Control-Allow-Methods", value: "GET, HEAD, OPTIONS")
            headers.add(name: "Access-Control-Allow-Headers", value: "range")
            headers.add(name: "Access-Control-Max-Age", value: "86400")
            answer = Answer(status: 204, headers: headers, body: .none)
        default:
            answer = Self.text(405, "method not allowed")
            answer.headers.add(name: "Allow", value: "GET, HEAD, OPTIONS")
        }
        Self.addCORS(to: &answer.headers)
        return answer
    }

    private func file(target: String, range: String?, gzipFirst: inout Bool) -> Answer {
        guard let segments = RequestPath.segments(of: target) else { return Self.text(400, "bad request") }
        guard let mount = catalog.mounts.first(where: { segments.starts(with: $0.prefix) }) else {
            return Self.text(404, "not found")
        }
        var relative = segments[mount.prefix.count...]
        if relative.isEmpty || relative.last == "" {
            guard mount.index else { return Self.text(404, "not found") }
            relative = ArraySlice(relative.filter { !$0.isEmpty } + ["index.html"])
        }
        guard let found = Self.find(relative, under: mount.root, gzipFirst: &gzipFirst) else {
            return Self.text(404, "not found")
        }

        var headers = HTTPHeaders()
        headers.reserveCapacity(8)
        headers.add(name: "Content-Type", value: Self.contentType(of: relative.last!))
        if found.gzipped {
            headers.add(name: "Content-Encoding", value: "gzip")
            headers.add(name: "Content-Length", value: String(found.size))
            return Answer(
                status: 200, headers: headers, body: .file(descriptor: found.descriptor, offset: 0, count: found.size))
        }
        headers.add(name: "Accept-Ranges", value: "bytes")
        switch ByteRange(header: range, size: found.size) {
        case .whole:
            headers.add(name: "Content-Length", value: String(found.size))
            return Answer(
                status: 200, headers: headers, body: .file(descriptor: found.descriptor, offset: 0, count: found.size))
        case .part(let bytes):
            headers.add(name: "Content-Range", value: "bytes \(bytes.lowerBound)-\(bytes.upperBound - 1)/\(found.size)")
            headers.add(name: "Content-Length", value: String(bytes.count))
            return Answer(
                status: 206, headers: headers,
                body: .file(descriptor: found.descriptor, offset: bytes.lowerBound, count: bytes.count))
        case .unsatisfiable:
            close(found.descriptor)
            return Answer(
                status: 416, headers: ["Content-Range": "bytes */\(found.size)", "Content-Length": "0"], body: .none)
        }
    }

    static func text(_ status: Int, _ message: String) -> Answer {
        let body = message + "\n"
        return Answer(
            status: status,
            headers: ["Content-Type": "text/plain; charset=utf-8", "Content-Length": String(body.utf8.count)],
            body: .text(body))
    }

    /// The open file answering `relative` under `root`: the file itself or NAME.gz; for a flat
    /// chunk name the nested-layout file too; for `N:0` the file `N`.
    static func find(_ relative: ArraySlice<String>, under root: String, gzipFirst: inout Bool) -> (
        descriptor: Int32, size: Int, gzipped: Bool
    )? {
        let name = relative.last!
        var directory = root
        directory.append("/")
        for segment in relative.dropLast() {
            directory.append(segment)
            directory.append("/")
        }
        // The name as asked, then the nested chunk name, then a mesh manifest without ":0"; each
        // plain or gzipped, the connection's guess first.
        func attempt(_ candidate: Substring) -> (descriptor: Int32, size: Int, gzipped: Bool)? {
            let shard = candidate.utf8.reversed().starts(with: ".shard".utf8.reversed())
            var gzipped = gzipFirst
            for _ in 0..<2 {
                if !(gzipped && shard), let file = open(directory + candidate + (gzipped ? ".gz" : ""), within: root) {
                    gzipFirst = gzipped
                    return (file.descriptor, file.size, gzipped)
                }
                gzipped.toggle()
            }
            return nil
        }
        if let found = attempt(Substring(name)) { return found }
        if let nested = RequestPath.nestedChunkName(name), let found = attempt(Substring(nested)) { return found }
        if name.utf8.reversed().starts(with: ":0".utf8.reversed()), let found = attempt(name.dropLast(2)) {
            return found
        }
        return nil
    }

    /// Opens `path` for reading if it is a regular file whose real path lies under `root`
    /// (itself a real path; `path` is `root` and checked segments, none `.` or `..`).
    /// Linux 5.6 and later open it with openat2(2) refusing any symbolic link on the way: a
    /// file opened so lies under `root`, with nothing more to check. A path through a link
    /// (or a system without openat2) is opened plainly, and then the open file's own path is
    /// checked, read back from `/proc/self/fd` in one readlink(2) (realpath(3) costs one per
    /// path component elsewhere), so that a link swapped between the check and the open cannot
    /// slip through. Opened with O_NONBLOCK, so that a FIFO is refused, not waited on.
    static func open(_ path: String, within root: String) -> (descriptor: Int32, size: Int)? {
        let flags = O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY
        var descriptor: Int32 = -1
        var beneath = false
        if openat2Works {
            descriptor = nprec_open_no_symlinks(path, flags)
            if descriptor >= 0 {
                beneath = true
            } else if errno != ELOOP && errno != ENOSYS && errno != EPERM {
                return nil
            }
        }
        if descriptor < 0 {
            descriptor = Foundation.open(path, flags)
            guard descriptor >= 0 else { return nil }
        }
        var status = stat()
        guard fstat(descriptor, &status) == 0, status.st_mode & S_IFMT == S_IFREG,
            beneath
                || realPath(of: descriptor, opened: path)?.hasPrefix(root.hasSuffix("/") ? root : root + "/") == true
        else {
            close(descriptor)
            return nil
        }
        return (descriptor, Int(status.st_size))
    }

    /// Whether openat2(2) works here (not before Linux 5.6, nor under some seccomp filters).
    static let openat2Works: Bool = {
        let descriptor = nprec_open_no_symlinks("/", O_RDONLY | O_CLOEXEC | O_DIRECTORY)
        guard descriptor >= 0 else { return false }
        close(descriptor)
        return true
    }()

    /// The real path of the file open as `descriptor` (opened from `path`).
    private static func realPath(of descriptor: Int32, opened path: String) -> String? {
        #if os(Linux)
            let found = withUnsafeTemporaryAllocation(of: UInt8.self, capacity: Int(PATH_MAX) + 1) { buffer in
                let count = buffer.baseAddress!.withMemoryRebound(to: CChar.self, capacity: buffer.count) {
                    readlink("/proc/self/fd/\(descriptor)", $0, buffer.count)
                }
                return count > 0 && count < buffer.count
                    ? String(decoding: UnsafeBufferPointer(rebasing: buffer[..<count]), as: UTF8.self) : nil
            }
            if let found { return found }
        #endif
        guard let pointer = realpath(path, nil) else { return nil }
        defer { free(pointer) }
        return String(cString: pointer)
    }

    /// JSON for `info` and `.json` files (Neuroglancer's metadata), the types a browser needs for
    /// a viewer client's files, bytes otherwise.
    static func contentType(of name: String) -> String {
        if name == "info" { return "application/json" }
        guard let dot = name.utf8.lastIndex(of: UInt8(ascii: ".")) else { return "application/octet-stream" }
        let suffix = Substring(name.utf8[name.utf8.index(after: dot)...])
        switch suffix.lowercased() {
        case "json", "map": return "application/json"
        case "html": return "text/html; charset=utf-8"
        case "js", "mjs": return "text/javascript; charset=utf-8"
        case "css": return "text/css; charset=utf-8"
        case "wasm": return "application/wasm"
        case "svg": return "image/svg+xml"
        case "png": return "image/png"
        case "ico": return "image/x-icon"
        case "txt": return "text/plain; charset=utf-8"
        default: return "application/octet-stream"
        }
    }
}
