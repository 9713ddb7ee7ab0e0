import Foundation
import Precomputed

/// Writes a label table as Neuroglancer segment properties (`neuroglancer_segment_properties`,
/// inline) and points the dataset's info at them.
///
/// Neuroglancer has no colour property, so the table's colours go to a file of their own beside
/// the properties, `colors.json` (`{"ID": "#rrggbb"}`); `nprec serve` reads it and sets the
/// layer's `segmentColors` in its links. The viewer never asks for that file.
public enum SegmentPropertiesWriter {
    /// The directory under the dataset, as the info's `segment_properties` names it.
    public static let directory = "segment_properties"
    /// The colours of the labels, beside the properties' `info`.
    public static let colorsFile = "colors.json"
    /// The ids of the properties `--counts` adds.
    public static let countProperties = ["voxels", "volume_mm3"]

    /// The segment properties `info` of `table` (from `file`, named in errors), with the voxel
    /// counts and volumes when given: ids as decimal strings in ascending order; properties
    /// `label`, `description`, `tags`, then the table's other columns (a number property when
    /// every value is a number, of the narrowest type Neuroglancer has, else a string property),
    /// then `voxels` and `volume_mm3`.
    public static func properties(_ table: LabelTable, counts: VoxelCounts?, file: String) throws -> JSONValue {
        let labels = table.labels
        var properties: [JSONValue] = []
        if table.hasNames {
            properties.append(
                .object([
                    "id": .string("label"), "type": .string("label"),
                    "values": .array(labels.map { .string($0.name ?? "") }),
                ]))
        }
        if table.hasDescriptions {
            properties.append(
                .object([
                    "id": .string("description"), "type": .string("description"),
                    "values": .array(labels.map { .string($0.description ?? "") }),
                ]))
        }
        if table.hasTags {
            let tags = Array(Set(labels.flatMap(\.tags))).sorted()
            let positions = Dictionary(uniqueKeysWithValues: tags.enumerated().map { ($1, $0) })
            properties.append(
                .object([
                    "id": .string("tags"), "type": .string("tags"), "tags": .array(tags.map(JSONValue.string)),
                    "values": .array(
                        labels.map { label in
                            .array(label.tags.compactMap { positions[$0] }.sorted().map { .int(Int64($0)) })
                        }),
                ]))
        }
        for (index, name) in table.columns.enumerated() {
            if counts != nil && countProperties.contains(name) {
                throw LabelError(
                    file: file, line: nil, "column \"\(name)\" has the name of a property --counts writes: rename it")
            }
            properties.append(column(name, labels.map { $0.values[index] }))
        }
        if let counts {
            let voxels = labels.map { counts.counts[$0.id] ?? 0 }
            let fits = voxels.allSatisfy { $0 <= UInt64(UInt32.max) }
            properties.append(
                .object([
                    "id": .string("voxels"), "type": .string("number"),
                    "data_type": .string(fits ? "uint32" : "float32"),
                    "description": .string("voxels of the label at full resolution"),
                    "values": .array(voxels.map { fits ? .int(Int64($0)) : .double(Double($0)) }),
                ]))
            properties.append(
                .object([
                    "id": .string("volume_mm3"), "type": .string("number"), "data_type": .string("float32"),
                    "description": .string("volume of the label in cubic millimetres"),
                    "values": .array(voxels.map { .double(float32(Double($0) * counts.voxelVolume)) }),
                ]))
        }
        return .object([
            "@type": .string("neuroglancer_segment_properties"),
            "inline": .object([
                "ids": .array(labels.map { .string(String($0.id)) }),
                "properties": .array(properties),
            ]),
        ])
    }

    /// `value` as float32 holds it, written with the fewest digits that read back as that float32
    /// (`0.1`, not `0.10000000149011612`).
    static func float32(_ value: Double) -> Double {
        let single = Float(value)
        guard single.isFinite else { return Double(Float.greatestFiniteMagnitude) }
        return Double("\(single)") ?? Double(single)
    }

    /// A column as a number property when every value is a number that float32 holds without
    /// overflowing (the viewer keeps number properties in typed arrays), else a string property.
    static func column(_ name: String, _ texts: [String]) -> JSONValue {
        let numbers = texts.compactMap(Fields.number)
        guard numbers.count == texts.count, numbers.allSatisfy({ Float($0).isFinite }),
            let type = numberType(numbers)
        else {
            return .object([
                "id": .string(name), "type": .string("string"), "values": .array(texts.map(JSONValue.string)),
            ])
        }
        let integral = type != "float32"
        return .object([
            "id": .string(name), "type": .string("number"), "data_type": .string(type),
            "values": .array(numbers.map { integral ? .int(Int64($0)) : .double($0) }),
        ])
    }

    /// The narrowest of Neuroglancer's number types that holds `values` exactly: uint8, int8,
    /// uint16, int16, uint32, int32, else float32 (which may round). Nil for no values.
    static func numberType(_ values: [Double]) -> String? {
        guard let low = values.min(), let high = values.max() else { return nil }
        guard values.allSatisfy({ $0.rounded() == $0 }) else { return "float32" }
        let ranges: [(String, ClosedRange<Double>)] = [
            ("uint8", 0...255), ("int8", -128...127), ("uint16", 0...65535), ("int16", -32768...32767),
            ("uint32", 0...4_294_967_295), ("int32", -2_147_483_648...2_147_483_647),
        ]
        return ranges.first { $0.1.contains(low) && $0.1.contains(high) }?.0 ?? "float32"
    }

    /// `{"ID": "#rrggbb"}` of the labels that have a colour; nil when none has.
    public static func colors(_ table: LabelTable) -> JSONValue? {
        guard table.hasColors else { return nil }
        var colors: [String: JSONValue] = [:]
        for label in table.labels { if let color = label.color { colors[String(label.id)] = .string(color) } }
        return .object(colors)
    }

    /// Writes `DEST/segment_properties/info` (and `colors.json`, or removes a stale one), then
    /// sets the info's `segment_properties` key, every other key kept. Each file is written to
    /// a temporary name and renamed. Returns the paths written.
    @discardableResult
    public static func write(_ table: LabelTable, counts: VoxelCounts?, file: String, to dataset: Dataset) throws
        -> [String]
    {
        let infoPath = dataset.path("info")
        guard let infoBytes = try FileIO.read(infoPath) else {
            throw PrecomputedError.missing(path: infoPath, hint: "nprec labels updates a plain (not gzipped) info")
        }
        guard case .object(var info) = try? JSONText.decode(JSONValue.self, from: infoBytes) else {
            throw PrecomputedError.invalidInfo(file: infoPath, key: "(root)", problem: "not a JSON object")
        }
        let propertiesBytes = try JSONText.encode(try properties(table, counts: counts, file: file))
        info["segment_properties"] = .string(directory)
        let newInfo = try JSONText.encode(JSONValue.object(info))

        let propertiesPath = dataset.path(directory + "/info")
        let colorsPath = dataset.path(directory + "/" + colorsFile)
        try FileIO.writeAtomically(propertiesBytes, to: propertiesPath)
        var written = [propertiesPath]
        if let colors = colors(table) {
            try FileIO.writeAtomically(try JSONText.encode(colors), to: colorsPath)
            written.append(colorsPath)
        } else if FileIO.isFile(colorsPath) {
            guard unlink(colorsPath) == 0 || errno == ENOENT else {
                throw PrecomputedError.io(path: colorsPath, problem: String(cString: strerror(errno)))
            }
        }
        try FileIO.writeAtomically(newInfo, to: infoPath)
        written.append(infoPath)
        return written
    }
}
