import NIOCore
import NIOHTTP1
import NIOPosix

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// `nprec serve`'s HTTP/1.1 server: SwiftNIO's HTTP/1 codec, one event loop per core,
/// keep-alive, the catalog's files answered by `Responder`. The pipeline is the codec, NIO's
/// back-pressure handler and `HTTPHandler`, which answers each request synchronously and so in
/// order; NIO's pipelining and error handlers, and its check of outgoing headers (ours are
/// fixed), would cost a fifth of the time of a request and do nothing here.
public final class Server: Sendable {
    public let host: String
    /// The port listened on: the one asked for, or the one the system chose for port 0.
    public let port: Int
    private let group: MultiThreadedEventLoopGroup
    private let channel: Channel

    /// Starts listening on `host`:`port` (0: any free port).
    public init(catalog: Catalog, host: String, port: Int, threads: Int = System.coreCount) throws {
        let responder = Responder(catalog: catalog)
        let group = MultiThreadedEventLoopGroup(numberOfThreads: max(threads, 1))
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 512)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.tcpOption(.tcp_nodelay), value: 1)
            .childChannelOption(.maxMessagesPerRead, value: 16)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(BackPressureHandler())
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline(
                        withPipeliningAssistance: false, withErrorHandling: false, withOutboundHeaderValidation: false)
                    try channel.pipeline.syncOperations.addHandler(HTTPHandler(responder: responder))
                }
            }
        do {
            channel = try bootstrap.bind(host: host, port: port).wait()
        } catch {
            try? group.syncShutdownGracefully()
            if let error = error as? IOError, error.errnoCode == EADDRINUSE {
                throw ServeError.portInUse(host: host, port: port)
            }
            throw ServeError.cannotListen(host: host, port: port, problem: "\(error)")
        }
        self.group = group
        self.host = host
        self.port = channel.localAddress?.port ?? port
    }

    /// Blocks until the server is closed (by a signal, which ends the process).
    public func wait() throws {
        try channel.closeFuture.wait()
        try group.syncShutdownGracefully()
    }
}
