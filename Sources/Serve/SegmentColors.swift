import Foundation
import Precomputed

/// The colours `nprec labels` keeps for a segmentation's labels: `colors.json`
/// (`{"ID": "#rrggbb"}`) in the directory the info's `segment_properties` key names. The links
/// set them as the layer's `segmentColors` (Neuroglancer has no colour property).
public struct SegmentColors: Sendable, Equatable {
    /// Label and `#rrggbb`, smallest label first, at most `limit` of them.
    public var colors: [(id: UInt64, color: String)]
    /// How many valid colours the file holds: more than `colors.count` when cut at `limit`.
    public var total: Int

    /// The most colours a link sets: each takes about 20 bytes of the link.
    public static let limit = 10_000
    /// The file's name, as `nprec labels` writes it.
    public static let fileName = "colors.json"
    /// A larger file is not read.
    static let largestFile = 1 << 26

    public init(colors: [(id: UInt64, color: String)] = [], total: Int = 0) {
        self.colors = colors
        self.total = total
    }

    /// The colours of the segmentation in `directory`; none unless the info is a segmentation
    /// whose `segment_properties` names a directory inside the dataset holding a well-formed
    /// `colors.json`. Entries that are not a decimal id and a `#rrggbb` colour are skipped.
    public init(directory: String, info: VolumeInfo, limit: Int = Self.limit) {
        self.init()
        guard info.type == "segmentation", case .string(let key)? = info.extra["segment_properties"],
            let properties = MeshManifests.directory(of: key, in: directory)
        else { return }
        let path = properties + "/" + Self.fileName
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: path),
            let size = attributes[.size] as? NSNumber, size.intValue <= Self.largestFile,
            let bytes = try? FileIO.read(path),
            let map = try? JSONText.decode([String: String].self, from: bytes)
        else { return }
        var valid: [(id: UInt64, color: String)] = []
        for (key, color) in map {
            guard key.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }), let id = UInt64(key),
                color.utf8.count == 7, color.hasPrefix("#"), color.dropFirst().allSatisfy({ $0.isHexDigit })
            else { continue }
            valid.append((id, color.lowercased()))
        }
        valid.sort { $0.id < $1.id }
        total = valid.count
        colors = Array(valid.prefix(max(0, limit)))
    }

    public static func == (lhs: SegmentColors, rhs: SegmentColors) -> Bool {
        lhs.total == rhs.total && lhs.colors.elementsEqual(rhs.colors) { $0.id == $1.id && $0.color == $1.color }
    }
}
