import Foundation
import NIOConcurrencyHelpers

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
    var headers: [(String, String)]
    var body: ResponseBody
}

/// Answers requests from the catalog's directories, as Neuroglancer needs: flat chunk names
/// found in the nested layout too, `X.gz` sent for `X` with `Content-Encoding: gzip` (never for
/// shards), `N:0` mesh manifests found as `N`, single byte ranges, CORS on every answer.
/// No request is answered with a file outside a served directory: the path is decoded once and
/// checked segment by segment (`RequestPath`), and the file found is opened only if its real
/// path, symbolic links resolved, lies under the served directory's.
struct Responder: Sendable {
    let catalog: Catalog

    /// CORS headers of every answer: any origin may read, Range may be sent, and the headers
    /// Neuroglancer reads (Content-Range for shards, Content-Length) are exposed.
    static let corsHeaders: [(String, String)] = [
        ("Access-Control-Allow-Origin", "*"),
        ("Access-Control-Expose-Headers", "Content-Range, Content-Length, Content-Encoding, Accept-Ranges"),
    ]

    func answer(method: String, target: String, range: String?) -> Answer {
        var answer: Answer
        switch method {
        case "GET", "HEAD":
            answer = file(target: target, range: range)
            if method == "HEAD", case .file(let descriptor, _, _) = answer.body {
                close(descriptor)
                answer.body = .none
            } else if method == "HEAD", case .text = answer.body {
                answer.body = .none
            }
        case "OPTIONS":
            answer = Answer(
                status: 204,
                headers: [
                    ("Access-Control-Allow-Methods", "GET, HEAD, OPTIONS"),
                    ("Access-Control-Allow-Headers", "range"),
                    ("Access-Control-Max-Age", "86400"),
                ], body: .none)
        default:
            answer = Self.text(405, "method not allowed")
            answer.headers.append(("Allow", "GET, HEAD, OPTIONS"))
        }
        answer.headers += Self.corsHeaders
        return answer
    }

    private func file(target: String, range: String?) -> Answer {
        guard let segments = RequestPath.segments(of: target) else { return Self.text(400, "bad request") }
        guard let mount = catalog.mounts.first(where: { segments.starts(with: $0.prefix) }) else {
            return Self.text(404, "not found")
        }
        var relative = Array(segments.dropFirst(mount.prefix.count))
        if relative.isEmpty || relative.last == "" {
            guard mount.index else { return Self.text(404, "not found") }
            relative = relative.filter { !$0.isEmpty } + ["index.html"]
        }
        guard let found = Self.find(relative, under: mount.root) else { return Self.text(404, "not found") }

        var headers: [(String, String)] = [("Content-Type", Self.contentType(of: relative.last!))]
        if found.gzipped {
            headers.append(("Content-Encoding", "gzip"))
            headers.append(("Content-Length", String(found.size)))
            return Answer(
                status: 200, headers: headers, body: .file(descriptor: found.descriptor, offset: 0, count: found.size))
        }
        headers.append(("Accept-Ranges", "bytes"))
        switch ByteRange(header: range, size: found.size) {
        case .whole:
            headers.append(("Content-Length", String(found.size)))
            return Answer(
                status: 200, headers: headers, body: .file(descriptor: found.descriptor, offset: 0, count: found.size))
        case .part(let bytes):
            headers.append(("Content-Range", "bytes \(bytes.lowerBound)-\(bytes.upperBound - 1)/\(found.size)"))
            headers.append(("Content-Length", String(bytes.count)))
            return Answer(
                status: 206, headers: headers,
                body: .file(descriptor: found.descriptor, offset: bytes.lowerBound, count: bytes.count))
        case .unsatisfiable:
            close(found.descriptor)
            return Answer(
                status: 416, headers: [("Content-Range", "bytes */\(found.size)"), ("Content-Length", "0")],
                body: .none)
        }
    }

    static func text(_ status: Int, _ message: String) -> Answer {
        let body = message + "\n"
        return Answer(
            status: status,
            headers: [("Content-Type", "text/plain; charset=utf-8"), ("Content-Length", String(body.utf8.count))],
            body: .text(body))
    }

    /// The open file answering `relative` under `root`: the file itself or NAME.gz; for a flat
    /// chunk name the nested-layout file too; for `N:0` the file `N`.
    static func find(_ relative: [String], under root: String) -> (descriptor: Int32, size: Int, gzipped: Bool)? {
        let name = relative.last!
        let directory = relative.dropLast().map { $0 + "/" }.joined()
        // The name as asked, then the nested chunk name, then a mesh manifest without ":0"; each
        // plain or gzipped, in the order that last succeeded (a dataset is usually all one or
        // the other), so a gzipped dataset costs no failed open per chunk.
        let gzipFirst = lastHitWasGzip.withLockedValue { $0 }
        func attempt(_ candidate: String) -> (descriptor: Int32, size: Int, gzipped: Bool)? {
            let orders = gzipFirst ? [true, false] : [false, true]
            for gzipped in orders where !(gzipped && candidate.hasSuffix(".shard")) {
                if let file = open(root + "/" + candidate + (gzipped ? ".gz" : ""), within: root) {
                    if gzipped != gzipFirst { lastHitWasGzip.withLockedValue { $0 = gzipped } }
                    return (file.descriptor, file.size, gzipped)
                }
            }
            return nil
        }
        if let found = attempt(directory + name) { return found }
        if let nested = RequestPath.nestedChunkName(name), let found = attempt(directory + nested) { return found }
        if name.hasSuffix(":0"), let found = attempt(directory + name.dropLast(2)) { return found }
        return nil
    }

    /// Whether the last file found was the gzipped one: tried first next time.
    private static let lastHitWasGzip = NIOLockedValueBox(false)

    /// Opens `path` for reading if it is a regular file whose real path lies under `root`
    /// (itself a real path). The path checked is the open file's own, read back from
    /// `/proc/self/fd` on Linux in one readlink(2): realpath(3) costs one per path component,
    /// and a link swapped between its check and the open would slip through (realpath is the
    /// fallback elsewhere). Opened with O_NONBLOCK, so that a FIFO is refused, not waited on.
    static func open(_ path: String, within root: String) -> (descriptor: Int32, size: Int)? {
        let descriptor = Foundation.open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY)
        guard descriptor >= 0 else { return nil }
        var status = stat()
        guard fstat(descriptor, &status) == 0, status.st_mode & S_IFMT == S_IFREG,
            let real = realPath(of: descriptor, opened: path),
            real.hasPrefix(root.hasSuffix("/") ? root : root + "/")
        else {
            close(descriptor)
            return nil
        }
        return (descriptor, Int(status.st_size))
    }

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
        let suffix = name.split(separator: ".").count > 1 ? String(name.split(separator: ".").last!) : ""
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
