import Codecs
import Precomputed

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The mesh directory of a precomputed dataset (the info's `mesh` key): fragments, label
/// manifests and its own `info`.
public struct MeshDirectory: Sendable {
    public let dataset: Dataset
    /// The directory relative to the dataset root, as in the info's `mesh` key.
    public let name: String

    /// `{"@type":"neuroglancer_legacy_mesh"}`: the mesh directory's info.
    public static let legacyInfo = Array(#"{"@type":"neuroglancer_legacy_mesh"}"#.utf8)

    public init(dataset: Dataset, name: String) {
        self.dataset = dataset
        var name = name
        while name.count > 1 && name.hasSuffix("/") { name.removeLast() }
        self.name = name
    }

    /// The path of `file` in this directory.
    public func path(_ file: String) -> String { dataset.path(name + "/" + file) }

    /// Why `name` cannot name a file or directory under the dataset (absolute, empty, a URL,
    /// or going up with `..`), or nil when it can.
    public static func problem(with name: String) -> String? {
        if name.isEmpty { return "it is empty" }
        if name.hasPrefix("/") { return "it is an absolute path; give a path relative to DEST" }
        if name.contains("://") { return "it is a URL; nprec writes to local directories" }
        if name.split(separator: "/").contains("..") { return "it leads out of DEST with '..'" }
        return nil
    }

    /// Writes a fragment as `NAME.gz` (gzip, as chunks) or, with `storage.gzip` off, as
    /// `NAME`, and removes the other form so that no stale copy shadows it. Returns the path.
    @discardableResult
    public func writeFragment(_ fragment: Fragment, name fragmentName: String, storage: StorageOptions) throws
        -> String
    {
        let plain = path(fragmentName)
        let bytes = fragment.encoded()
        if storage.gzip {
            try FileIO.writeAtomically(try Gzip.compress(bytes, level: storage.compressionLevel), to: plain + ".gz")
            try removeIfPresent(plain)
            return plain + ".gz"
        }
        try FileIO.writeAtomically(bytes, to: plain)
        try removeIfPresent(plain + ".gz")
        return plain
    }

    /// Reads a fragment, plain or gzipped; nil when neither exists.
    public func readFragment(name fragmentName: String) throws -> Fragment? {
        guard let bytes = try dataset.readFile(name + "/" + fragmentName) else { return nil }
        return try Fragment(decoding: bytes, file: path(fragmentName))
    }

    /// True when the fragment exists as `NAME` or `NAME.gz`.
    public func fragmentExists(_ fragmentName: String) -> Bool {
        FileIO.isFile(path(fragmentName)) || FileIO.isFile(path(fragmentName) + ".gz")
    }

    /// Writes `info` = `{"@type":"neuroglancer_legacy_mesh"}` unless an info is there already
    /// (which may carry more, such as `segment_properties`). Returns true when written.
    @discardableResult
    public func writeInfoIfMissing() throws -> Bool {
        if FileIO.isFile(path("info")) { return false }
        try FileIO.writeAtomically(Self.legacyInfo, to: path("info"))
        return true
    }

    /// Writes the manifest of `link` (`LABEL:0`, or `LABEL` without `colonSuffix`), never
    /// gzipped. Returns the path.
    @discardableResult
    public func writeManifest(_ link: MeshLink, colonSuffix: Bool = true) throws -> String {
        let target = path(link.fileName(colonSuffix: colonSuffix))
        try FileIO.writeAtomically(link.manifest, to: target)
        return target
    }
}

/// Removes the file at `path`; absent is fine.
private func removeIfPresent(_ path: String) throws {
    if unlink(path) != 0 && errno != ENOENT {
        throw MeshError.io(path: path, problem: String(cString: strerror(errno)))
    }
}
