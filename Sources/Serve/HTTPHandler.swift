import NIOCore
import NIOHTTP1

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// One connection's requests, answered in order: each is answered (its answer written to the
/// channel) before the next is decoded, so that pipelined requests need no more machinery than
/// NIO's `BackPressureHandler`, which stops reading while the socket cannot take more. A request
/// that cannot be parsed is answered 400 and the connection closed.
///
/// The file is found, opened and, when small, read on the event loop, as nginx does on its
/// workers: an open, an fstat and a pread of a local file in the page cache cost less than a
/// hop to a thread pool and back. A file up to `readLimit` bytes (a chunk) is read and sent
/// with its head in one writev(2): fewer system calls than sendfile(2) and a corked socket,
/// which carry larger files, shards and ranges of them, never read into memory.
final class HTTPHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    /// The largest file (or range) read into memory rather than sent with sendfile(2).
    static let readLimit = 64 * 1024

    private let responder: Responder
    private var request: HTTPRequestHead?
    /// Whether this connection's last file was found gzipped: tried first next time.
    private var gzipFirst = false
    /// Set once an answer closes the connection: requests pipelined behind it are dropped.
    private var closing = false

    init(responder: Responder) {
        self.responder = responder
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            request = head
        case .body:
            break
        case .end:
            guard let head = request, !closing else { return }
            request = nil
            respond(to: head, context: context)
        }
    }

    private func respond(to request: HTTPRequestHead, context: ChannelHandlerContext) {
        var answer = responder.answer(
            method: request.method, target: request.uri, range: request.headers.first(name: "range"),
            gzipFirst: &gzipFirst)
        let allocator = context.channel.allocator
        var body: IOData?
        var file: NIOFileHandle?
        switch answer.body {
        case .none:
            break
        case .text(let text):
            body = .byteBuffer(allocator.buffer(string: text))
        case .file(let descriptor, let offset, let count) where count <= Self.readLimit:
            if let bytes = Self.read(descriptor, offset: offset, count: count, allocator: allocator) {
                body = .byteBuffer(bytes)
            } else {
                answer = Responder.text(500, "cannot read the file")
                Responder.addCORS(to: &answer.headers)
                if case .text(let text) = answer.body { body = .byteBuffer(allocator.buffer(string: text)) }
            }
            close(descriptor)
        case .file(let descriptor, let offset, let count):
            let handle = NIOFileHandle(_deprecatedTakingOwnershipOfDescriptor: descriptor)
            file = handle
            body = .fileRegion(FileRegion(fileHandle: handle, readerIndex: offset, endIndex: offset + count))
        }

        let keepAlive = request.isKeepAlive
        closing = !keepAlive
        if !keepAlive {
            answer.headers.replaceOrAdd(name: "Connection", value: "close")
        } else if request.version.major == 1 && request.version.minor == 0 {
            answer.headers.replaceOrAdd(name: "Connection", value: "keep-alive")
        }
        // The head and a file sent with sendfile(2) leave in one packet, not two: the socket is
        // corked until the file is written.
        let cork = file == nil ? nil : Self.cork
        let corked = cork.map { (try? context.channel.syncOptions?.setOption($0, value: 1)) != nil } ?? false
        context.write(
            wrapOutboundOut(
                .head(
                    HTTPResponseHead(
                        version: request.version, status: HTTPResponseStatus(statusCode: answer.status),
                        headers: answer.headers))),
            promise: nil)
        if let body { context.write(wrapOutboundOut(.body(body)), promise: nil) }
        guard file != nil || !keepAlive else {
            context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
            return
        }
        let channel = context.channel
        let opened = file
        context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in
            try? opened?.close()
            if corked, let cork { try? channel.syncOptions?.setOption(cork, value: 0) }
            if !keepAlive { channel.close(promise: nil) }
        }
    }

    /// `count` bytes of `descriptor` from `offset`, or nil if the file no longer has them.
    private static func read(_ descriptor: Int32, offset: Int, count: Int, allocator: ByteBufferAllocator)
        -> ByteBuffer?
    {
        var buffer = allocator.buffer(capacity: count)
        var done = 0
        while done < count {
            let got = buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: count - done) { space in
                let result = pread(descriptor, space.baseAddress!, count - done, off_t(offset + done))
                return max(result, 0)
            }
            if got == 0 { return nil }
            done += got
        }
        return buffer
    }

    #if os(Linux)
        static let cork: ChannelOptions.Types.SocketOption? = .init(level: .tcp, name: .init(rawValue: TCP_CORK))
    #else
        static let cork: ChannelOptions.Types.SocketOption? = nil
    #endif

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        guard error is HTTPParserError, !closing else {
            context.close(promise: nil)
            return
        }
        closing = true
        var answer = Responder.text(400, "bad request")
        Responder.addCORS(to: &answer.headers)
        answer.headers.add(name: "Connection", value: "close")
        context.write(
            wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: .badRequest, headers: answer.headers))),
            promise: nil)
        if case .text(let text) = answer.body {
            context.write(
                wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(string: text)))), promise: nil)
        }
        let channel = context.channel
        context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in channel.close(promise: nil) }
    }
}
