import Foundation
import Precomputed

/// A dataset found under a served directory: where it is on disk, where it is on the server,
/// and what its link shows.
public struct ServedDataset: Sendable {
    /// The layer name: NAME, or the directory's own name for a DIR served at `/`.
    public var name: String
    /// The URL path of the dataset: `/NAME`, or the empty string for `/`.
    public var urlPath: String
    /// The dataset directory, symbolic links resolved.
    public var directory: String
    public var info: VolumeInfo
    /// `transform.json`: the 4x4 matrix (rotation without units, translation in nanometres)
    /// that places the volume in scanner space; nil when absent or not a 4x4 matrix.
    public var transform: [[Double]]?
    /// The labels with mesh manifests, shown in the link (segmentations with a `mesh` key).
    public var meshes: MeshManifests
    /// The labels' colours that `nprec labels` kept, set in the link (segmentations only).
    public var colors = SegmentColors()
}

/// A directory served under a URL path prefix.
struct Mount: Sendable {
    /// The decoded path segments that lead to it: `[]` for `/`, `["NAME"]`, `["client"]`.
    var prefix: [String]
    /// The directory, symbolic links resolved: nothing outside it is answered.
    var root: String
    /// Answers a request for a directory with its `index.html` (the viewer's client).
    var index: Bool
}

/// What `nprec serve` serves: the datasets of every DIR and, with `--client`, a viewer client.
public struct Catalog: Sendable {
    public private(set) var datasets: [ServedDataset] = []
    /// Longest prefix first, so that `/NAME/...` and `/client/...` win over a dataset at `/`.
    var mounts: [Mount] = []
    /// The URL path the links open the client at (`/client/v/nprec/`), when one is served.
    public private(set) var clientPath: String?

    /// Where `--client DIR` is served.
    public static let clientPrefix = "client"
    /// Where the links open it: the client of the `neuroglancer` PyPI package finds the token
    /// of its Python server in a path `.../v/TOKEN/` and shows nothing without one ("Failed to
    /// determine token from URL"); with one, it reads the state from the link and draws it,
    /// saying at the bottom that it is disconnected from the Python server (there is none). A
    /// client built on its own runs from that path just as well: its files are relative.
    public static let clientLinkPrefix = [clientPrefix, "v", "nprec"]

    /// The datasets of `directories`: DIR itself when it holds an `info` (served at `/`), and
    /// every DIR/NAME holding one (served at `/NAME`). Hidden entries are skipped.
    public init(directories: [String], client: String? = nil) throws {
        var seen: [String: String] = [:]
        for directory in directories {
            guard FileIO.isDirectory(directory) else { throw ServeError.notADirectory(path: directory) }
            var found = 0
            if Self.holdsInfo(directory) {
                let name = URL(fileURLWithPath: directory).standardizedFileURL.lastPathComponent
                try add(directory: directory, name: name, prefix: [], seen: &seen)
                found += 1
            }
            let entries = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
            for entry in entries.sorted() where !entry.hasPrefix(".") {
                let path = directory + "/" + entry
                guard FileIO.isDirectory(path), Self.holdsVolumeInfo(path) else { continue }
                try add(directory: path, name: entry, prefix: [entry], seen: &seen)
                found += 1
            }
            if found == 0 { throw ServeError.noDataset(path: directory) }
        }
        if let client {
            guard FileIO.isFile(client + "/index.html") else { throw ServeError.noClient(path: client) }
            let urlPath = "/" + Self.clientPrefix + "/"
            if let other = seen[urlPath] {
                throw ServeError.sameName(urlPath: urlPath, first: other, second: client)
            }
            mounts.append(Mount(prefix: [Self.clientPrefix], root: Self.resolved(client), index: true))
            mounts.append(Mount(prefix: Self.clientLinkPrefix, root: Self.resolved(client), index: true))
            clientPath = "/" + Self.clientLinkPrefix.joined(separator: "/") + "/"
        }
        mounts.sort { $0.prefix.count > $1.prefix.count }
    }

    private mutating func add(directory: String, name: String, prefix: [String], seen: inout [String: String])
        throws
    {
        let urlPath = prefix.isEmpty ? "/" : "/" + prefix[0] + "/"
        if let other = seen[urlPath] {
            throw ServeError.sameName(urlPath: urlPath, first: other, second: directory)
        }
        seen[urlPath] = directory
        let dataset = Dataset(root: directory)
        let info: VolumeInfo
        do {
            info = try dataset.readInfo()
        } catch {
            throw ServeError.badInfo(path: dataset.path("info"), problem: "\(error)")
        }
        guard !info.scales.isEmpty else {
            throw ServeError.badInfo(path: dataset.path("info"), problem: "no scales")
        }
        let transform = (try? dataset.readFile("transform.json")).flatMap { $0 }.flatMap {
            try? JSONText.decode([[Double]].self, from: $0)
        }
        let square = transform.map { $0.count == 4 && $0.allSatisfy { $0.count == 4 && $0.allSatisfy(\.isFinite) } }
        datasets.append(
            ServedDataset(
                name: name, urlPath: prefix.isEmpty ? "" : "/" + prefix[0], directory: Self.resolved(directory),
                info: info, transform: square == true ? transform : nil,
                meshes: MeshManifests(directory: directory, info: info),
                colors: SegmentColors(directory: directory, info: info)))
        mounts.append(Mount(prefix: prefix, root: Self.resolved(directory), index: false))
    }

    static func holdsInfo(_ directory: String) -> Bool {
        FileIO.isFile(directory + "/info") || FileIO.isFile(directory + "/info.gz")
    }

    /// True when `directory` holds an info that is not of another kind: a dataset's mesh or
    /// segment properties directory (`@type` `neuroglancer_legacy_mesh`,
    /// `neuroglancer_segment_properties`, ...) is part of the dataset, not a dataset of its own.
    /// An info that does not parse counts as a volume's, so that its problem is reported.
    static func holdsVolumeInfo(_ directory: String) -> Bool {
        guard holdsInfo(directory) else { return false }
        guard let bytes = (try? Dataset(root: directory).readFile("info")) ?? nil,
            case .object(let object)? = try? JSONText.decode(JSONValue.self, from: bytes),
            case .string(let type)? = object["@type"]
        else { return true }
        return type == "neuroglancer_multiscale_volume"
    }

    /// `path` with every symbolic link resolved (realpath(3)); `path` itself if that fails.
    static func resolved(_ path: String) -> String {
        guard let pointer = realpath(path, nil) else { return path }
        defer { free(pointer) }
        return String(cString: pointer)
    }
}
