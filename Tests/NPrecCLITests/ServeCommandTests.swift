import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A running `nprec serve --port 0`: started in the background, its port read from what it
/// prints, stopped by its own pid.
final class ServeProcess {
    let process = Process()
    let output: URL
    private(set) var port = 0
    private(set) var links: [String] = []

    /// Starts `nprec serve ARGUMENTS --port 0` and waits for its `links` viewer links.
    init(_ arguments: [String], links expected: Int, sourceLocation: SourceLocation = #_sourceLocation) async throws {
        output = FileManager.default.temporaryDirectory.appendingPathComponent("nprec-serve-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: output, withIntermediateDirectories: true)
        try Data().write(to: output.appendingPathComponent("stdout"))
        try Data().write(to: output.appendingPathComponent("stderr"))
        process.executableURL = Runner.binary
        process.arguments = ["serve"] + arguments + ["--port", "0"]
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = try FileHandle(forWritingTo: output.appendingPathComponent("stdout"))
        process.standardError = try FileHandle(forWritingTo: output.appendingPathComponent("stderr"))
        try process.run()
        let deadline = ContinuousClock.now + .seconds(20)
        while ContinuousClock.now < deadline {
            links = stdout.split(separator: "\n").map(String.init)
            if links.count >= expected, let port = Self.port(in: stderr) {
                self.port = port
                return
            }
            if !process.isRunning { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        stop()
        Issue.record("nprec serve did not start:\n\(stderr)", sourceLocation: sourceLocation)
        throw CancellationError()
    }

    var stdout: String { (try? String(contentsOf: output.appendingPathComponent("stdout"), encoding: .utf8)) ?? "" }
    var stderr: String { (try? String(contentsOf: output.appendingPathComponent("stderr"), encoding: .utf8)) ?? "" }

    static func port(in text: String) -> Int? {
        guard let range = text.range(of: "(port ") else { return nil }
        return Int(text[range.upperBound...].prefix { $0.isNumber })
    }

    /// SIGTERM to this process only; returns its exit status.
    @discardableResult
    func stop() -> Int32 {
        if process.isRunning { kill(process.processIdentifier, SIGTERM) }
        process.waitUntilExit()
        try? FileManager.default.removeItem(at: output)
        return process.terminationStatus
    }

    /// One request on a new connection: `METHOD TARGET`, the target sent exactly as given.
    func request(
        _ target: String, method: String = "GET", headers: [String: String] = [:]
    ) throws -> HTTPAnswer {
        try HTTPAnswer.fetch(port: port, requests: [(method, target, headers)])[0]
    }
}

/// A response read off a socket: just enough HTTP/1.1 for these tests (Content-Length bodies).
struct HTTPAnswer {
    var status: Int
    var headers: [String: String]
    var body: [UInt8]

    func header(_ name: String) -> String? { headers[name.lowercased()] }

    /// Sends `requests` on one keep-alive connection, the last with `Connection: close`, and
    /// reads one response per request.
    static func fetch(port: Int, requests: [(String, String, [String: String])]) throws -> [HTTPAnswer] {
        var text = ""
        for (index, (method, target, headers)) in requests.enumerated() {
            text += "\(method) \(target) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\n"
            for (name, value) in headers { text += "\(name): \(value)\r\n" }
            if index == requests.count - 1 { text += "Connection: close\r\n" }
            text += "\r\n"
        }
        return parse(try exchange(port: port, sending: text), methods: requests.map(\.0))
    }

    /// Sends `text` on a new connection and reads until the server closes it.
    static func exchange(port: Int, sending text: String) throws -> [UInt8] {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw POSIXError(.EIO) }
        defer { close(fd) }
        var timeout = timeval(tv_sec: 10, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard connected == 0 else { throw POSIXError(.ECONNREFUSED) }
        let bytes = Array(text.utf8)
        _ = bytes.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, 0) }
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if count <= 0 { break }
            received += buffer[0..<count]
        }
        return received
    }

    /// The responses in `received`, one per request method.
    static func parse(_ received: [UInt8], methods: [String]) -> [HTTPAnswer] {
        var answers: [HTTPAnswer] = []
        var rest = received[...]
        for method in methods {
            guard let end = rest.firstRange(of: Array("\r\n\r\n".utf8)) else { break }
            let lines = String(decoding: rest[..<end.lowerBound], as: UTF8.self).components(separatedBy: "\r\n")
            let status = Int(lines[0].split(separator: " ")[1]) ?? 0
            var headers: [String: String] = [:]
            for line in lines.dropFirst() {
                guard let colon = line.firstIndex(of: ":") else { continue }
                headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(
                    in: .whitespaces)
            }
            rest = rest[end.upperBound...]
            let length = method == "HEAD" || status == 204 ? 0 : Int(headers["content-length"] ?? "0") ?? 0
            answers.append(HTTPAnswer(status: status, headers: headers, body: Array(rest.prefix(length))))
            rest = rest.dropFirst(length)
        }
        return answers
    }
}

/// Datasets to serve, written by the binary from the bundled sample: `nested` (nprec's default:
/// nested layout, gzip), `flat` (flat, raw), `sharded`, and `seg`, a hand-written segmentation
/// whose mesh manifest is `mesh/5` (as `mesh link --no-colon-suffix` writes it). Beside the
/// served directory lies `secret`, which no request may read.
func withServedDatasets<T>(_ body: (URL) async throws -> T) async throws -> T {
    try await withTemporaryDirectory { directory in
        let sample = Runner.packageRoot.appendingPathComponent("Fixtures/sample/brain.nii.gz").path
        for (name, options) in [
            ("nested", [String]()), ("flat", ["--flat", "--no-gzip"]), ("sharded", ["--sharding", "2,1,0"]),
        ] {
            let result = try await Runner.nprec(["pyramid", sample, "data/\(name)"] + options, in: directory)
            try #require(result.status == 0, "\(result)")
        }
        try directory.write(
            """
            {"@type":"neuroglancer_multiscale_volume","data_type":"uint32","num_channels":1,"type":"segmentation",\
            "mesh":"mesh","scales":[{"key":"1","size":[4,4,4],"resolution":[1,1,1],"voxel_offset":[0,0,0],\
            "chunk_sizes":[[4,4,4]],"encoding":"raw"}]}
            """, to: "data/seg/info")
        try directory.write(#"{"fragments":["5.frag"]}"#, to: "data/seg/mesh/5")
        try directory.write("do not serve", to: "secret")
        try directory.write("do not serve", to: "data/secret")
        return try await body(directory)
    }
}

@Suite("nprec serve", .serialized)
struct ServeCommandTests {
    @Test func answersFlatNamesFromTheNestedLayoutWithGzipEncoding() async throws {
        try await withServedDatasets { directory in
            let server = try await ServeProcess([directory.appendingPathComponent("data").path], links: 4)
            defer { server.stop() }
            let nested = "/nested/2mm/0-64/0-64/0-64.gz"
            let stored = Array(try directory.contents(of: "data" + nested))
            let answer = try server.request("/nested/2mm/0-64_0-64_0-64")
            #expect(answer.status == 200)
            #expect(answer.header("Content-Encoding") == "gzip")
            #expect(answer.body == stored, "the .gz file as it is, for the browser to decompress")
            #expect(answer.header("Access-Control-Allow-Origin") == "*")

            let flat = try server.request("/flat/2mm/0-64_0-64_0-64")
            #expect(flat.status == 200)
            #expect(flat.header("Content-Encoding") == nil)
            #expect(flat.body == Array(try directory.contents(of: "data/flat/2mm/0-64_0-64_0-64")))

            let info = try server.request("/nested/info")
            #expect(info.header("Content-Type") == "application/json")
            #expect(info.body == Array(try directory.contents(of: "data/nested/info")))
            #expect(try server.request("/nested/transform.json").header("Content-Type") == "application/json")

            #expect(try server.request("/nested/2mm/64-91_64-109_64-91_").status == 404)
            #expect(try server.request("/nested/2mm/999-1000_0-64_0-64").status == 404)
            #expect(try server.request("/missing/info").status == 404)
        }
    }

    @Test func answersRangesOfShardsAndRefusesRangesPastTheEnd() async throws {
        try await withServedDatasets { directory in
            let server = try await ServeProcess([directory.appendingPathComponent("data").path], links: 4)
            defer { server.stop() }
            let shard = Array(try directory.contents(of: "data/sharded/2mm/0.shard"))
            let part = try server.request("/sharded/2mm/0.shard", headers: ["Range": "bytes=16-47"])
            #expect(part.status == 206)
            #expect(part.header("Content-Range") == "bytes 16-47/\(shard.count)")
            #expect(part.body == Array(shard[16..<48]))
            #expect(part.header("Content-Encoding") == nil)

            let tail = try server.request("/sharded/2mm/0.shard", headers: ["Range": "bytes=-10"])
            #expect(tail.status == 206)
            #expect(tail.body == Array(shard.suffix(10)))

            let past = try server.request("/sharded/2mm/0.shard", headers: ["Range": "bytes=\(shard.count)-"])
            #expect(past.status == 416)
            #expect(past.header("Content-Range") == "bytes */\(shard.count)")

            let whole = try server.request("/sharded/2mm/0.shard")
            #expect(whole.status == 200)
            #expect(whole.body == shard)
        }
    }

    @Test func answersHeadOptionsAndKeepsTheConnectionAlive() async throws {
        try await withServedDatasets { directory in
            let server = try await ServeProcess([directory.appendingPathComponent("data").path], links: 4)
            defer { server.stop() }
            let size = try directory.contents(of: "data/flat/info").count
            let head = try server.request("/flat/info", method: "HEAD")
            #expect(head.status == 200)
            #expect(head.header("Content-Length") == String(size))
            #expect(head.body.isEmpty)

            let preflight = try server.request(
                "/flat/info", method: "OPTIONS",
                headers: ["Origin": "https://neuroglancer-demo.appspot.com", "Access-Control-Request-Headers": "range"])
            #expect(preflight.status == 204)
            #expect(preflight.header("Access-Control-Allow-Origin") == "*")
            #expect(preflight.header("Access-Control-Allow-Headers")?.lowercased().contains("range") == true)
            #expect(preflight.header("Access-Control-Allow-Methods")?.contains("GET") == true)

            let three = try HTTPAnswer.fetch(
                port: server.port,
                requests: [("GET", "/flat/info", [:]), ("GET", "/nested/info", [:]), ("GET", "/nope", [:])])
            #expect(three.map(\.status) == [200, 200, 404], "three requests answered on one connection")
            #expect(three.allSatisfy { $0.header("Access-Control-Allow-Origin") == "*" })
            #expect(
                try server.request("/flat/info", method: "DELETE").status == 405)
        }
    }

    @Test func fallsBackFromColonZeroManifestsToTheLabel() async throws {
        try await withServedDatasets { directory in
            let server = try await ServeProcess([directory.appendingPathComponent("data").path], links: 4)
            defer { server.stop() }
            let manifest = try server.request("/seg/mesh/5:0")
            #expect(manifest.status == 200)
            #expect(String(decoding: manifest.body, as: UTF8.self) == #"{"fragments":["5.frag"]}"#)
            #expect(try server.request("/seg/mesh/6:0").status == 404)
        }
    }

    /// Pipelined requests come back in order, whether the file is small (read and sent with its
    /// head) or large (sent with sendfile), whole or a range, found through a link that stays
    /// inside the dataset or not.
    @Test func answersPipelinedRequestsInOrderSmallAndLargeFiles() async throws {
        try await withServedDatasets { directory in
            let large = (0..<300_000).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ $0 >> 9) }
            try Data(large).write(to: directory.appendingPathComponent("data/flat/large.bin"))
            try FileManager.default.createSymbolicLink(
                atPath: directory.appendingPathComponent("data/flat/alias").path, withDestinationPath: "2mm")
            let chunk = Array(try directory.contents(of: "data/flat/2mm/0-64_0-64_0-64"))
            let server = try await ServeProcess([directory.appendingPathComponent("data").path], links: 4)
            defer { server.stop() }
            var requests: [(String, String, [String: String])] = []
            for index in 0..<24 {
                requests.append(("GET", index % 3 == 0 ? "/flat/large.bin" : "/flat/alias/0-64_0-64_0-64", [:]))
            }
            requests.append(("GET", "/flat/large.bin", ["Range": "bytes=100000-299998"]))
            requests.append(("GET", "/flat/2mm/0-64_0-64_0-64", ["Range": "bytes=10-19"]))
            let answers = try HTTPAnswer.fetch(port: server.port, requests: requests)
            #expect(answers.count == requests.count)
            for (index, answer) in answers.prefix(24).enumerated() {
                #expect(answer.status == 200)
                #expect(answer.body == (index % 3 == 0 ? large : chunk), "answer \(index) out of order or wrong")
            }
            #expect(answers.dropFirst(24).map(\.status) == [206, 206])
            #expect(answers.dropFirst(24).first?.body == Array(large[100000...299998]))
            #expect(answers.last?.body == Array(chunk[10...19]))
        }
    }

    @Test func answersARequestItCannotParse400AndClosesTheConnection() async throws {
        try await withServedDatasets { directory in
            let server = try await ServeProcess([directory.appendingPathComponent("data").path], links: 4)
            defer { server.stop() }
            let received = try HTTPAnswer.exchange(
                port: server.port,
                sending: "GET /flat/info HTTP/1.1\r\nHost: x\r\n\r\nGET /flat/info HTTP/1.1\r\nBad header\r\n\r\n"
                    + "GET /flat/info HTTP/1.1\r\nHost: x\r\n\r\n")
            let answers = HTTPAnswer.parse(received, methods: ["GET", "GET", "GET"])
            #expect(
                answers.map(\.status) == [200, 400], "the good request answered, then 400 and the connection closed")
            #expect(answers.last?.header("Connection") == "close")
            #expect(answers.last?.header("Access-Control-Allow-Origin") == "*")
        }
    }

    /// Files are opened before their real path is checked: a FIFO, inside the served directory
    /// or behind a link out of it, is refused at once rather than waited on (which would stall
    /// every connection of its event loop).
    @Test func refusesFifosWithoutWaitingOnThem() async throws {
        try await withServedDatasets { directory in
            let fifo = directory.appendingPathComponent("fifo").path
            #expect(mkfifo(fifo, 0o644) == 0)
            #expect(mkfifo(directory.appendingPathComponent("data/nested/inside").path, 0o644) == 0)
            try FileManager.default.createSymbolicLink(
                atPath: directory.appendingPathComponent("data/nested/outside").path, withDestinationPath: fifo)
            let server = try await ServeProcess([directory.appendingPathComponent("data").path], links: 4)
            defer { server.stop() }
            #expect(try server.request("/nested/inside").status == 404)
            #expect(try server.request("/nested/outside").status == 404)
            #expect(try server.request("/nested/info").status == 200)
        }
    }

    @Test(
        "never answers outside the served directories",
        arguments: [
            "/../secret", "/nested/../../secret", "/%2e%2e/secret", "/nested/%2e%2e/%2e%2e/secret",
            "/nested%2f..%2f..%2fsecret", "/nested/..%2f..%2fsecret", "//secret", "/./secret", "/secret",
            "/nested/%2E%2E/secret", "secret", "http://127.0.0.1/secret", "/nested/%zz", "/nested/link/secret",
            "/nested/link",
        ])
    func neverAnswersOutside(target: String) async throws {
        try await withServedDatasets { directory in
            try FileManager.default.createSymbolicLink(
                atPath: directory.appendingPathComponent("data/nested/link").path, withDestinationPath: "../..")
            let server = try await ServeProcess([directory.appendingPathComponent("data").path], links: 4)
            defer { server.stop() }
            let answer = try server.request(target)
            #expect([400, 404].contains(answer.status), "\(target): \(answer.status)")
            #expect(!String(decoding: answer.body, as: UTF8.self).contains("do not serve"))
        }
    }

    @Test func printsOneLinkPerDatasetWithTheLayerTypeSourceAndTransform() async throws {
        try await withServedDatasets { directory in
            let server = try await ServeProcess([directory.appendingPathComponent("data").path], links: 4)
            defer { server.stop() }
            #expect(server.links.count == 4, "\(server.stdout)")
            var layers: [String: [String: Any]] = [:]
            for link in server.links {
                #expect(link.hasPrefix("https://neuroglancer-demo.appspot.com/#!"))
                let encoded = try #require(link.components(separatedBy: "#!").last?.removingPercentEncoding)
                let state = try #require(
                    try JSONSerialization.jsonObject(with: Data(encoded.utf8)) as? [String: Any], "\(encoded)")
                let layer = try #require((state["layers"] as? [[String: Any]])?.first)
                layers[layer["name"] as? String ?? "?"] = layer
                if layer["name"] as? String == "nested" {
                    // brain.nii.gz: 91x109x91 voxels of 2 mm from (-91, -127, -73) mm; centre (0, -18, 18) mm.
                    #expect(state["position"] as? [Double] == [0, -9, 9])
                    let source = try #require(layer["source"] as? [String: Any])
                    let transform = try #require(source["transform"] as? [String: Any])
                    #expect(
                        transform["matrix"] as? [[Double]] == [[1, 0, 0, -45.5], [0, 1, 0, -63.5], [0, 0, 1, -36.5]])
                    #expect((state["dimensions"] as? [String: Any])?["x"] as? [AnyHashable] == [0.002, "m"])
                }
            }
            #expect(Set(layers.keys) == ["nested", "flat", "sharded", "seg"])
            #expect(layers["seg"]?["type"] as? String == "segmentation")
            #expect(layers["nested"]?["type"] as? String == "image")
            let source = layers["flat"]?["source"] as? [String: Any]
            #expect(source?["url"] as? String == "precomputed://http://127.0.0.1:\(server.port)/flat")
            #expect(server.stop() == 143, "SIGTERM exits 143 as the other commands do")
        }
    }

    /// The state of the link whose layer is named `name`.
    static func layer(_ name: String, in links: [String]) throws -> [String: Any]? {
        for link in links {
            let encoded = try #require(link.components(separatedBy: "#!").last?.removingPercentEncoding)
            let state = try #require(try JSONSerialization.jsonObject(with: Data(encoded.utf8)) as? [String: Any])
            let layer = (state["layers"] as? [[String: Any]])?.first
            if layer?["name"] as? String == name { return layer }
        }
        return nil
    }

    @Test func selectsTheLabelsWithMeshManifestsSoThatTheirMeshesAreDrawn() async throws {
        try await withServedDatasets { directory in
            // seg: mesh/5 is there already; 12:0 (as mesh link writes it), 7 with its :0 twin,
            // an empty manifest, a fragment named like a label, and names that are no label.
            try directory.write(#"{"fragments":["a","b"]}"#, to: "data/seg/mesh/12:0")
            try directory.write(#"{"fragments":["7.frag"]}"#, to: "data/seg/mesh/7:0")
            try directory.write(#"{"fragments":["7.frag"]}"#, to: "data/seg/mesh/7")
            try directory.write(#"{"fragments":[]}"#, to: "data/seg/mesh/9:0")
            try directory.write("\u{0}\u{0}\u{0}\u{0}binary", to: "data/seg/mesh/3")
            try directory.write(#"{"fragments":["x"]}"#, to: "data/seg/mesh/head:0")
            try directory.write(#"{"fragments":["x"]}"#, to: "data/seg/mesh/4:1")
            try directory.write(#"{"@type":"neuroglancer_legacy_mesh"}"#, to: "data/seg/mesh/info")
            // An image whose info names a mesh directory: no segments in its link.
            let info = try directory.contents(of: "data/flat/info")
            var object = try #require(try JSONSerialization.jsonObject(with: info) as? [String: Any])
            object["mesh"] = "mesh"
            try directory.write(
                String(decoding: try JSONSerialization.data(withJSONObject: object), as: UTF8.self),
                to: "data/flat/info")
            try directory.write(#"{"fragments":["x"]}"#, to: "data/flat/mesh/1:0")

            let server = try await ServeProcess([directory.appendingPathComponent("data").path], links: 4)
            defer { server.stop() }
            let seg = try #require(try Self.layer("seg", in: server.links))
            #expect(seg["segments"] as? [String] == ["5", "7", "12"], "numeric order, each label once")
            #expect(try Self.layer("flat", in: server.links)?["segments"] == nil)
            #expect(try Self.layer("nested", in: server.links)?["segments"] == nil)
            #expect(try server.request("/seg/mesh/12:0").status == 200)
        }
    }

    @Test func listsAtMostAThousandLabelsAndSaysSo() async throws {
        try await withTemporaryDirectory { directory in
            try directory.write(
                """
                {"@type":"neuroglancer_multiscale_volume","data_type":"uint32","num_channels":1,\
                "type":"segmentation","mesh":"mesh","segment_properties":"props","scales":[{"key":"1",\
                "size":[4,4,4],"resolution":[1,1,1],"voxel_offset":[0,0,0],"chunk_sizes":[[4,4,4]],\
                "encoding":"raw"}]}
                """, to: "data/many/info")
            for label in 1...1005 { try directory.write(#"{"fragments":["f"]}"#, to: "data/many/mesh/\(label):0") }
            let properties = #"{"@type":"neuroglancer_segment_properties","inline":{"ids":["1"],"properties":[]}}"#
            try directory.write(properties, to: "data/many/props/info")
            let server = try await ServeProcess([directory.appendingPathComponent("data").path], links: 1)
            defer { server.stop() }
            let layer = try #require(try Self.layer("many", in: server.links))
            #expect(layer["segments"] as? [String] == (1...1000).map(String.init))
            #expect(server.stderr.contains("many: the link shows the meshes of the first 1000 of 1005 labels"))
            let served = try server.request("/many/props/info")
            #expect(served.status == 200, "segment properties are read by the viewer from the server")
            #expect(String(decoding: served.body, as: UTF8.self) == properties)
        }
    }

    @Test func servesADatasetDirectoryAtTheRoot() async throws {
        try await withServedDatasets { directory in
            let server = try await ServeProcess([directory.appendingPathComponent("data/flat").path], links: 1)
            defer { server.stop() }
            #expect(try server.request("/info").status == 200)
            #expect(try server.request("/2mm/0-64_0-64_0-64").status == 200)
            #expect(server.links[0].contains("precomputed%3A%2F%2Fhttp%3A%2F%2F127.0.0.1%3A\(server.port)%22"))
        }
    }

    @Test func exitsOneForAPortInUseADirectoryWithoutDatasetsAndAMissingOne() async throws {
        try await withServedDatasets { directory in
            let server = try await ServeProcess([directory.appendingPathComponent("data").path], links: 4)
            defer { server.stop() }
            let taken = try await Runner.nprec(["serve", "data", "--port", String(server.port)], in: directory)
            #expect(taken.status == 1, "\(taken)")
            #expect(taken.stderr.contains("port \(server.port)"), "names the port")

            try directory.makeDirectory("empty")
            let empty = try await Runner.nprec(["serve", "empty", "--port", "0"], in: directory)
            #expect(empty.status == 1)
            #expect(empty.stderr.contains("empty: no dataset"), "\(empty)")

            let missing = try await Runner.nprec(["serve", "nowhere", "--port", "0"], in: directory)
            #expect(missing.status == 1)
            #expect(missing.stderr.contains("nowhere: no such directory"), "\(missing)")
        }
    }

    @Test func servesAClientAndLinksToIt() async throws {
        try await withServedDatasets { directory in
            try directory.write("<html>viewer</html>", to: "client/index.html")
            try directory.write("main();", to: "client/main.bundle.js")
            let server = try await ServeProcess(
                [
                    directory.appendingPathComponent("data").path, "--client",
                    directory.appendingPathComponent("client").path,
                ],
                links: 4)
            defer { server.stop() }
            // The neuroglancer PyPI package's client needs `/v/TOKEN/` in its path.
            #expect(server.links.allSatisfy { $0.hasPrefix("http://127.0.0.1:\(server.port)/client/v/nprec/#!") })
            for path in ["/client/", "/client/v/nprec/"] {
                let index = try server.request(path)
                #expect(index.status == 200)
                #expect(index.header("Content-Type")?.hasPrefix("text/html") == true)
                #expect(index.body == Array("<html>viewer</html>".utf8))
            }
            #expect(try server.request("/client/v/nprec/main.bundle.js").status == 200)
            #expect(
                try server.request("/client/main.bundle.js").header("Content-Type")?.hasPrefix("text/javascript")
                    == true)
            #expect(try server.request("/client/../secret").status == 400)
        }
    }

    @Test func stopsAtOnceOnSIGINT() async throws {
        try await withServedDatasets { directory in
            let server = try await ServeProcess([directory.appendingPathComponent("data").path], links: 4)
            kill(server.process.processIdentifier, SIGINT)
            #expect(server.stop() == 130)
        }
    }
}
