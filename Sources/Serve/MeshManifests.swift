import Foundation
import Precomputed

/// The segment ids whose meshes a viewer link shows: the labels that have a manifest in the
/// dataset's mesh directory (the info's `mesh` key), `LABEL:0` or `LABEL` (as `mesh link`
/// writes them) holding `{"fragments": [...]}` with at least one fragment.
public struct MeshManifests: Sendable, Equatable {
    /// The labels shown, smallest first, at most `limit` of them.
    public var segments: [UInt64]
    /// How many labels have a manifest name (`LABEL:0` or `LABEL`) in the mesh directory: more
    /// than `segments.count` when the link holds only the first `limit`.
    public var named: Int

    /// The most labels a link lists: each is drawn (and its fragments fetched) when the link
    /// opens, and the link's length grows with them.
    public static let limit = 1000

    /// A manifest is a few hundred bytes; a larger file of the same name is a fragment.
    static let largestManifest = 1 << 20

    /// The manifests of `info.mesh` under `directory`; empty unless the info is a segmentation
    /// whose `mesh` key names a directory inside the dataset. Only the `limit` smallest labels
    /// are read.
    public init(directory: String, info: VolumeInfo, limit: Int = Self.limit) {
        segments = []
        named = 0
        guard info.type == "segmentation", let key = info.mesh, let mesh = Self.directory(of: key, in: directory),
            let entries = try? FileManager.default.contentsOfDirectory(atPath: mesh)
        else { return }
        if let ids = Self.multiresolutionLabels(mesh, entries: entries) {
            named = ids.count
            segments = Array(ids.sorted().prefix(limit))
            return
        }
        var files: [UInt64: String] = [:]
        for entry in entries {
            let label = entry.hasSuffix(":0") ? entry.dropLast(2) : Substring(entry)
            guard !label.isEmpty, label.allSatisfy({ $0.isASCII && $0.isNumber }), let id = UInt64(label) else {
                continue
            }
            // `LABEL:0` first, as the viewer asks for it.
            if files[id] == nil || entry.hasSuffix(":0") { files[id] = entry }
        }
        named = files.count
        for id in files.keys.sorted() where segments.count < limit {
            if let file = files[id], Self.isManifest(mesh + "/" + file) { segments.append(id) }
        }
    }

    /// The labels of a multi-resolution mesh directory (`neuroglancer_multilod_draco`): those with
    /// an `ID.index` manifest, or the ids in its shards; nil for another kind of mesh directory.
    static func multiresolutionLabels(_ mesh: String, entries: [String]) -> Set<UInt64>? {
        struct Info: Decodable {
            var type: String
            var sharding: ShardingSpec?
            enum CodingKeys: String, CodingKey {
                case type = "@type"
                case sharding
            }
        }
        guard let bytes = try? FileIO.read(mesh + "/info"), let info = try? JSONText.decode(Info.self, from: bytes),
            info.type == "neuroglancer_multilod_draco"
        else { return nil }
        var ids = Set<UInt64>()
        if let spec = info.sharding {
            let layout = ShardingLayout(spec: spec, gridSize: [1, 1, 1])
            for entry in entries where entry.hasSuffix(".shard") {
                let path = mesh + "/" + entry
                guard let file = try? FileIO.read(path) else { continue }
                let found = try? ShardFile.ids(layout: layout, path: path) { offset, count in
                    guard offset >= 0, count >= 0, offset <= file.count else { return nil }
                    return Array(file[offset..<min(file.count, offset + count)])
                }
                ids.formUnion(found ?? [])
            }
        } else {
            for entry in entries where entry.hasSuffix(".index") {
                let label = entry.dropLast(6)
                if !label.isEmpty, label.allSatisfy({ $0.isASCII && $0.isNumber }), let id = UInt64(label) {
                    ids.insert(id)
                }
            }
        }
        return ids
    }

    /// The mesh directory named by the info's `mesh` key, or nil for a key that is empty,
    /// absolute, a URL, leads out with `..`, or names no directory.
    static func directory(of key: String, in dataset: String) -> String? {
        let parts = key.split(separator: "/")
        guard !parts.isEmpty, !key.hasPrefix("/"), !key.contains("://"), !parts.contains("..") else { return nil }
        let path = dataset + "/" + parts.joined(separator: "/")
        return FileIO.isDirectory(path) ? path : nil
    }

    /// True when `path` is a small JSON file `{"fragments": [...]}` with one fragment or more.
    static func isManifest(_ path: String) -> Bool {
        struct Manifest: Decodable { var fragments: [String] }
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: path),
            let size = attributes[.size] as? NSNumber, size.intValue <= largestManifest,
            let bytes = try? FileIO.read(path),
            let manifest = try? JSONText.decode(Manifest.self, from: bytes)
        else { return false }
        return !manifest.fragments.isEmpty
    }
}
