import Codecs

/// Where chunk files go under a scale's key.
public enum ChunkLayout: String, Sendable {
    /// `KEY/x0-x1/y0-y1/z0-z1`: keeps directories small (the default, as the reference).
    case nested
    /// `KEY/x0-x1_y0-y1_z0-z1`: the names Neuroglancer fetches.
    case flat

    func relativePath(key: String, box: ChunkBox) -> String {
        switch self {
        case .flat:
            return "\(key)/\(box)"
        case .nested:
            return "\(key)/\(box.x.lowerBound)-\(box.x.upperBound)/\(box.y.lowerBound)-\(box.y.upperBound)/"
                + "\(box.z.lowerBound)-\(box.z.upperBound)"
        }
    }
}

/// How chunks and files are written.
public struct StorageOptions: Sendable, Equatable {
    public var layout: ChunkLayout
    public var gzip: Bool
    public var compressionLevel: Int

    public init(layout: ChunkLayout = .nested, gzip: Bool = true, compressionLevel: Int = 6) {
        self.layout = layout
        self.gzip = gzip
        self.compressionLevel = compressionLevel
    }
}

/// A precomputed dataset on the local file system: reads and writes its files and chunks.
public struct Dataset: Sendable {
    public let root: String
    public let options: StorageOptions

    public init(root: String, options: StorageOptions = StorageOptions()) {
        var root = root
        while root.count > 1 && root.hasSuffix("/") { root.removeLast() }
        self.root = root
        self.options = options
    }

    public func path(_ relative: String) -> String { root + "/" + relative }

    /// The path a chunk is written to (without `.gz`).
    public func chunkPath(key: String, box: ChunkBox) -> String {
        path(options.layout.relativePath(key: key, box: box))
    }

    /// Writes one encoded chunk. Image encodings (JPEG, PNG) are never gzipped.
    public func writeChunk(_ bytes: [UInt8], key: String, box: ChunkBox, encoding: ChunkEncoding) throws {
        let target = chunkPath(key: key, box: box)
        if options.gzip && !encoding.isImage {
            let compressed = try Gzip.compress(bytes, level: options.compressionLevel)
            try FileIO.writeAtomically(compressed, to: target + ".gz")
        } else {
            try FileIO.writeAtomically(bytes, to: target)
        }
    }

    /// The most bytes an encoded chunk decompresses to: compressed_segmentation can take about
    /// twice the values' bytes, so four times `InfoLimits.maxChunkBytes` leaves room to spare.
    public static let maxEncodedChunkBytes = 4 * InfoLimits.maxChunkBytes

    /// Reads one chunk in either layout, plain or gzipped. Throws `missing` when absent, and
    /// `badChunk` when its gzip stream is corrupt or decodes to more than `maxEncodedChunkBytes`.
    public func readChunk(key: String, box: ChunkBox) throws -> [UInt8] {
        for layout in [options.layout, options.layout == .flat ? ChunkLayout.nested : .flat] {
            let base = path(layout.relativePath(key: key, box: box))
            if let bytes = try FileIO.read(base) { return bytes }
            if let bytes = try FileIO.read(base + ".gz") {
                do {
                    return try Gzip.decompress(bytes, maxSize: Self.maxEncodedChunkBytes)
                } catch let error as CodecError {
                    throw PrecomputedError.badChunk(path: base + ".gz", problem: error.message)
                }
            }
        }
        throw PrecomputedError.missing(
            path: path(ChunkLayout.flat.relativePath(key: key, box: box)),
            hint: "the chunk is absent in both layouts, plain and .gz")
    }

    /// Whether a chunk is written with this dataset's storage options, absent, or written
    /// with other ones (the other layout, or gzipped where this is not, or the reverse).
    public enum ChunkState: Equatable, Sendable {
        case written, absent
        case otherStorage(path: String)
    }

    public func chunkState(key: String, box: ChunkBox, encoding: ChunkEncoding? = nil) -> ChunkState {
        let gzip = options.gzip && !(encoding?.isImage ?? false)
        let own = chunkPath(key: key, box: box) + (gzip ? ".gz" : "")
        if FileIO.isFile(own) { return .written }
        for layout in [ChunkLayout.flat, .nested] {
            let base = path(layout.relativePath(key: key, box: box))
            for candidate in [base, base + ".gz"] where candidate != own && FileIO.isFile(candidate) {
                return .otherStorage(path: candidate)
            }
        }
        return .absent
    }

    /// Writes a metadata file (JSON), never gzipped.
    public func writeFile(_ relative: String, _ bytes: [UInt8]) throws {
        try FileIO.writeAtomically(bytes, to: path(relative))
    }

    /// Reads a file, plain or gzipped; nil when absent.
    public func readFile(_ relative: String) throws -> [UInt8]? {
        if let bytes = try FileIO.read(path(relative)) { return bytes }
        if let bytes = try FileIO.read(path(relative) + ".gz") {
            do {
                return try Gzip.decompress(bytes)
            } catch let error as CodecError {
                throw PrecomputedError.io(path: path(relative) + ".gz", problem: error.message)
            }
        }
        return nil
    }

    // MARK: info

    /// Reads and parses `info`. Missing: `missing` with `hint`.
    public func readInfo(hint: String = "") throws -> VolumeInfo {
        guard let bytes = try readFile("info") else {
            throw PrecomputedError.missing(path: path("info"), hint: hint)
        }
        return try InfoFile.parse(bytes, file: path("info"))
    }

    /// Writes `info`. An existing info that differs is not overwritten (error); an identical
    /// one is left as it is.
    public func writeInfo(_ info: VolumeInfo, overwrite: Bool = false) throws {
        try InfoFile.write(info, to: path("info"), overwrite: overwrite)
    }
}

/// Reading and writing info JSON files.
public enum InfoFile {
    public static func parse(_ bytes: [UInt8], file: String) throws -> VolumeInfo {
        do {
            return try JSONText.decode(VolumeInfo.self, from: bytes)
        } catch let error as DecodingError {
            throw describe(error, file: file)
        } catch {
            throw PrecomputedError.invalidInfo(file: file, key: "(root)", problem: "not valid JSON")
        }
    }

    public static func load(_ path: String) throws -> VolumeInfo {
        guard let bytes = try FileIO.read(path) else { throw PrecomputedError.missing(path: path, hint: "") }
        return try parse(bytes, file: path)
    }

    /// Writes `info` to `path`. Unless `overwrite`, an existing file with other content is an
    /// error and an identical one is left alone.
    public static func write(_ info: VolumeInfo, to path: String, overwrite: Bool = false) throws {
        let bytes = try JSONText.encode(info)
        if !overwrite, let existing = try FileIO.read(path) {
            let same =
                (try? JSONText.decode(JSONValue.self, from: existing))
                == (try JSONText.decode(JSONValue.self, from: bytes))
            if same { return }
            throw PrecomputedError.io(
                path: path, problem: "exists with different content; remove it or choose another destination")
        }
        try FileIO.writeAtomically(bytes, to: path)
    }

    static func describe(_ error: DecodingError, file: String) -> PrecomputedError {
        func render(_ path: [CodingKey]) -> String {
            var text = ""
            for key in path {
                if let index = key.intValue {
                    text += "[\(index)]"
                } else {
                    text += (text.isEmpty ? "" : ".") + key.stringValue
                }
            }
            return text.isEmpty ? "(root)" : text
        }
        switch error {
        case .keyNotFound(let key, let context):
            return .invalidInfo(file: file, key: render(context.codingPath + [key]), problem: "missing")
        case .typeMismatch(let type, let context):
            return .invalidInfo(file: file, key: render(context.codingPath), problem: "expected \(typeName(type))")
        case .valueNotFound(let type, let context):
            return .invalidInfo(
                file: file, key: render(context.codingPath), problem: "expected \(typeName(type)), found null")
        case .dataCorrupted(let context):
            if context.codingPath.isEmpty {
                return .invalidInfo(file: file, key: "(root)", problem: "not valid JSON")
            }
            return .invalidInfo(file: file, key: render(context.codingPath), problem: "invalid value")
        @unknown default:
            return .invalidInfo(file: file, key: "(root)", problem: "cannot be read")
        }
    }

    static func typeName(_ type: Any.Type) -> String {
        switch type {
        case is Int.Type: return "an integer"
        case is Double.Type: return "a number"
        case is String.Type: return "a string"
        case is [Int].Type: return "a list of integers"
        case is [Double].Type: return "a list of numbers"
        case is [[Int]].Type: return "a list of lists of integers"
        default: return "\(type)"
        }
    }
}
