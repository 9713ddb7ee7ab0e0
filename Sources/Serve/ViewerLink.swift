import Precomputed

/// The Neuroglancer link of a served dataset: a viewer state with one layer (image or
/// segmentation, as the info says), the dataset's `transform.json` as the layer's source
/// transform, the position at the volume's centre and, for a segmentation with linked meshes,
/// the labels that have a manifest (at most `MeshManifests.limit`) selected so that their
/// meshes are drawn, and the labels' colours that `nprec labels` kept (`SegmentColors`) as the
/// layer's `segmentColors`. Segment properties (names, tags, numbers) are not copied into the
/// state: the layer's source reads the info's `segment_properties` directory from the server;
/// the link opens the layer's side panel on its segment list ("Seg." tab), which lists them.
public enum ViewerLink {
    /// The public Neuroglancer client, used unless nprec serves one (`--client`).
    public static let publicClient = "https://neuroglancer-demo.appspot.com/"

    /// `client#!STATE`, the state's JSON percent-encoded.
    public static func url(client: String, dataset: ServedDataset, server: String) throws -> String {
        let json = String(decoding: try JSONText.encode(state(dataset, server: server)), as: UTF8.self)
        return client + "#!" + percentEncoded(json)
    }

    /// The viewer state. Global coordinates are voxels of scale 0 (dimensions x, y, z whose
    /// scale is scale 0's resolution), so the position is the centre voxel's coordinates.
    ///
    /// `transform.json` holds the legacy Neuroglancer transform: a 4x4 matrix from nanometres to
    /// nanometres (rotation without units, translation in nanometres). The layer's source
    /// transform maps the source's voxels to the global voxels: with R, t from the matrix and r
    /// scale 0's resolution, M[i][j] = R[i][j] * r[j] / r[i] and the offset is t[i] / r[i].
    public static func state(_ dataset: ServedDataset, server: String) -> JSONValue {
        let scale = dataset.info.scales[0]
        let resolution = (0..<3).map {
            scale.resolution.count == 3 && scale.resolution[$0] > 0 ? scale.resolution[$0] : 1
        }
        let dimensions = JSONValue.object(
            Dictionary(
                uniqueKeysWithValues: ["x", "y", "z"].enumerated().map { axis, name in
                    (name, JSONValue.array([.double(resolution[axis] * 1e-9), .string("m")]))
                }))
        let centre = (0..<3).map { axis -> Double in
            let offset = axis < scale.offset.count ? Double(scale.offset[axis]) : 0
            let size = axis < scale.size.count ? Double(scale.size[axis]) : 0
            return offset + size / 2
        }
        var source: [String: JSONValue] = ["url": .string("precomputed://" + server + dataset.urlPath)]
        var position = centre
        if let transform = dataset.transform {
            let matrix = (0..<3).map { row in
                (0..<3).map { column in transform[row][column] * resolution[column] / resolution[row] }
                    + [transform[row][3] / resolution[row]]
            }
            position = matrix.map { row in (0..<3).reduce(row[3]) { $0 + row[$1] * centre[$1] } }
            source["transform"] = .object([
                "outputDimensions": dimensions,
                "matrix": .array(matrix.map { .array($0.map(JSONValue.double)) }),
            ])
        }
        let type = dataset.info.type == "segmentation" ? "segmentation" : "image"
        var layer: [String: JSONValue] = [
            "type": .string(type), "name": .string(dataset.name), "source": .object(source),
        ]
        if type == "segmentation" && !dataset.meshes.segments.isEmpty {
            // Selected segments are drawn in every panel, their meshes in the 3D one.
            layer["segments"] = .array(dataset.meshes.segments.map { JSONValue.string(String($0)) })
        }
        if type == "segmentation", case .string? = dataset.info.extra["segment_properties"] {
            // The side panel (open: `selectedLayer` is visible) shows the segment list with
            // the labels' names rather than the source.
            layer["tab"] = .string("segments")
        }
        if type == "segmentation" && !dataset.colors.colors.isEmpty {
            layer["segmentColors"] = .object(
                Dictionary(
                    dataset.colors.colors.map { (String($0.id), JSONValue.string($0.color)) },
                    uniquingKeysWith: { first, _ in first }))
        }
        return .object([
            "dimensions": dimensions,
            "position": .array(position.map(JSONValue.double)),
            "layers": .array([.object(layer)]),
            "selectedLayer": .object(["layer": .string(dataset.name), "visible": .bool(true)]),
            "layout": .string("4panel"),
        ])
    }

    /// Every byte but the unreserved ones of RFC 3986 as `%XX`.
    static func percentEncoded(_ text: String) -> String {
        var result = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"),
                UInt8(ascii: "~"):
                result.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                let hex = Array("0123456789ABCDEF".utf8)
                result += "%" + String(decoding: [hex[Int(byte >> 4)], hex[Int(byte & 15)]], as: UTF8.self)
            }
        }
        return result
    }
}
