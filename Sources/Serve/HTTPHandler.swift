import NIOCore
import NIOHTTP1

/// One connection's requests, answered in order (NIO's `HTTPServerPipelineHandler` holds back a
/// pipelined request until the answer before it is written). Files go out as `FileRegion`s,
/// which NIO sends with sendfile(2): no file, shard or range of one is read into memory.
///
/// The file is found and opened on the event loop, as nginx does on its workers: an open, an
/// fstat and a readlink of a local file, cheaper than a hop to a thread pool and back.
final class HTTPHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let responder: Responder
    private var request: HTTPRequestHead?

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
            guard let head = request else { return }
            request = nil
            respond(to: head, context: context)
        }
    }

    private func respond(to request: HTTPRequestHead, context: ChannelHandlerContext) {
        let answer = responder.answer(
            method: request.method.rawValue, target: request.uri, range: request.headers.first(name: "range"))
        var headers = HTTPHeaders(answer.headers)
        let keepAlive = request.isKeepAlive
        if !keepAlive {
            headers.replaceOrAdd(name: "Connection", value: "close")
        } else if request.version.major == 1 && request.version.minor == 0 {
            headers.replaceOrAdd(name: "Connection", value: "keep-alive")
        }
        let head = HTTPResponseHead(
            version: request.version, status: HTTPResponseStatus(statusCode: answer.status), headers: headers)
        context.write(wrapOutboundOut(.head(head)), promise: nil)

        let file: NIOFileHandle?
        switch answer.body {
        case .none:
            file = nil
        case .text(let text):
            file = nil
            context.write(
                wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(string: text)))), promise: nil)
        case .file(let descriptor, let offset, let count):
            let handle = NIOFileHandle(_deprecatedTakingOwnershipOfDescriptor: descriptor)
            file = handle
            let region = FileRegion(fileHandle: handle, readerIndex: offset, endIndex: offset + count)
            context.write(wrapOutboundOut(.body(.fileRegion(region))), promise: nil)
        }
        let channel = context.channel
        context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in
            try? file?.close()
            if !keepAlive { channel.close(promise: nil) }
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        context.close(promise: nil)
    }
}
