import Serve

/// `nprec serve [DIR...]`: the datasets of each DIR over HTTP, as Neuroglancer reads them, and
/// one viewer link per dataset.
enum ServeCommand {
    static let command = Command(
        name: "serve",
        summary: "Serve datasets to Neuroglancer over HTTP and print a viewer link for each.",
        discussion: """
            Serves every dataset of each DIR (DIR/NAME holding an info, at /NAME; DIR itself at / \
            when it holds one) over HTTP/1.1 on 127.0.0.1, as Neuroglancer reads them: flat chunk \
            names answered from either layout, NAME.gz sent for NAME with Content-Encoding: gzip, \
            LABEL:0 mesh manifests found as LABEL, byte ranges for shards, CORS headers for any \
            origin. Nothing outside the served directories is answered. Prints one Neuroglancer \
            link per dataset on stdout (the layer, its transform.json, the position at the \
            volume's centre and, for a segmentation, the labels that have mesh manifests, at \
            most 1000, so that their meshes are drawn), and runs until Ctrl-C.
            """,
        examples: [
            "nprec serve out/",
            "nprec serve out/ --port 0",
            "nprec serve out/ --client .venv/lib/python3.11/site-packages/neuroglancer/static/client",
        ],
        options: [
            OptionSpec(
                "port", value: ("N", .integer(0...65535)), help: "Port to listen on; 0: any free port.", default: "8000"
            ),
            OptionSpec(
                "host", value: ("ADDR", .text), help: "Address to listen on (0.0.0.0: every interface).",
                default: "127.0.0.1"),
            OptionSpec(
                "client", value: ("DIR", .path(.directory)),
                help: "Also serve a built Neuroglancer client from DIR at /client/, and link to it (/client/v/nprec/)."),
            OptionSpec(
                "jobs", short: "j", value: ("N", .integer(1...1024)),
                help: "Event loop threads answering requests; default: one per core."),
        ],
        positionals: [
            Positional(
                "DIR", "Directory holding datasets (DIR/NAME/info), or a dataset.", repeats: true, optional: true,
                completion: .directory)
        ],
        run: run)

    @Sendable static func run(_ invocation: Invocation) throws -> Int32 {
        let directories = invocation.positionals.isEmpty ? ["."] : invocation.positionals
        let catalog = try Catalog(directories: directories, client: invocation.string("client"))
        let host = invocation.string("host") ?? "127.0.0.1"
        let server = try Server(
            catalog: catalog, host: host, port: invocation.int("port") ?? 8000, threads: invocation.jobs)
        let base = "http://\(linkHost(host)):\(server.port)"
        Console.note("serving on \(base)/ (port \(server.port)); Ctrl-C stops")
        let client = catalog.clientPath.map { base + $0 } ?? ViewerLink.publicClient
        for dataset in catalog.datasets {
            Console.note("\(dataset.urlPath.isEmpty ? "/" : dataset.urlPath): \(dataset.directory)")
            let meshes = dataset.meshes
            if meshes.named > meshes.segments.count && meshes.segments.count == MeshManifests.limit {
                Console.note(
                    "\(dataset.name): the link shows the meshes of the first \(meshes.segments.count) of "
                        + "\(meshes.named) labels")
            }
            if dataset.colors.total > dataset.colors.colors.count {
                Console.note(
                    "\(dataset.name): the link sets the colours of the first \(dataset.colors.colors.count) of "
                        + "\(dataset.colors.total) labels")
            }
            Console.out(try ViewerLink.url(client: client, dataset: dataset, server: base))
        }
        try server.wait()
        return 0
    }

    /// The host in links: loopback for a wildcard address, IPv6 in brackets.
    static func linkHost(_ host: String) -> String {
        switch host {
        case "0.0.0.0", "": return "127.0.0.1"
        case "::": return "[::1]"
        default: return host.contains(":") ? "[\(host)]" : host
        }
    }
}
