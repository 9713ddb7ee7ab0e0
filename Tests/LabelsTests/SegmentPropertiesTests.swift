import Foundation
import Precomputed
import Testing

@testable import Labels

/// The segment properties written for a table, byte for byte, as Neuroglancer's
/// `parseInlinePropertyMap` reads them.
@Suite struct SegmentPropertiesTests {
    static func json(_ text: String, counts: VoxelCounts? = nil) throws -> String {
        let table = try TableReader.read(Array(text.utf8), file: "t.csv")
        return String(
            decoding: try JSONText.encode(try SegmentPropertiesWriter.properties(table, counts: counts, file: "t.csv")),
            as: UTF8.self)
    }

    @Test func everyKindOfProperty() throws {
        let text = "id,name,description,tags,area,hemi,weight\n2,b,,y,2,R,-5\n1,a,first,y;x,1.5,L,300\n"
        #expect(
            try Self.json(text)
                == """
                {"@type":"neuroglancer_segment_properties","inline":{"ids":["1","2"],"properties":[\
                {"id":"label","type":"label","values":["a","b"]},\
                {"id":"description","type":"description","values":["first",""]},\
                {"id":"tags","tags":["x","y"],"type":"tags","values":[[0,1],[1]]},\
                {"data_type":"float32","id":"area","type":"number","values":[1.5,2]},\
                {"id":"hemi","type":"string","values":["L","R"]},\
                {"data_type":"int16","id":"weight","type":"number","values":[300,-5]}]}}
                """)
    }

    @Test func countsAndVolumes() throws {
        let counts = VoxelCounts(counts: [0: 10, 1: 4, 7: 3], voxelVolume: 0.1)
        #expect(
            try Self.json("{\"1\": \"one\", \"18446744073709551615\": \"last\"}", counts: counts)
                == """
                {"@type":"neuroglancer_segment_properties","inline":{"ids":["1","18446744073709551615"],"properties":[\
                {"id":"label","type":"label","values":["one","last"]},\
                {"data_type":"uint32","description":"voxels of the label at full resolution","id":"voxels",\
                "type":"number","values":[4,0]},\
                {"data_type":"float32","description":"volume of the label in cubic millimetres","id":"volume_mm3",\
                "type":"number","values":[0.4,0]}]}}
                """)
        let huge = VoxelCounts(counts: [1: 1 << 40], voxelVolume: 1)
        let text = try Self.json("{\"1\": \"one\"}", counts: huge)
        #expect(text.contains("{\"data_type\":\"float32\",\"description\":\"voxels of the label at full resolution\""))
        let table = try TableReader.read(Array("id,voxels\n1,2\n".utf8), file: "t.csv")
        #expect(
            throws: LabelError(
                file: "t.csv", line: nil, "column \"voxels\" has the name of a property --counts writes: rename it")
        ) {
            try SegmentPropertiesWriter.properties(table, counts: huge, file: "t.csv")
        }
    }

    @Test(arguments: [
        ([0.0, 255], "uint8"), ([-1.0, 127], "int8"), ([-1.0, 128], "int16"), ([0.0, 256], "uint16"),
        ([0.0, 65536], "uint32"), ([-1.0, 32768], "int32"), ([0, 4_294_967_295.0], "uint32"),
        ([-1, 4_294_967_295.0], "float32"), ([0.5], "float32"), ([-2_147_483_649.0], "float32"),
    ])
    func narrowestNumberType(values: [Double], expected: String) {
        #expect(SegmentPropertiesWriter.numberType(values) == expected)
    }

    @Test func columnsWithAnyTextAreStrings() throws {
        let text = try Self.json("id,a,b,c\n1,1,nan,0x10\n2,,inf,1\n")
        #expect(text.contains("{\"id\":\"a\",\"type\":\"string\",\"values\":[\"1\",\"\"]}"))
        #expect(text.contains("{\"id\":\"b\",\"type\":\"string\",\"values\":[\"nan\",\"inf\"]}"))
        #expect(text.contains("{\"id\":\"c\",\"type\":\"string\",\"values\":[\"0x10\",\"1\"]}"))
        let huge = try Self.json("id,d\n1,1e39\n2,1\n")
        #expect(huge.contains("{\"id\":\"d\",\"type\":\"string\",\"values\":[\"1e39\",\"1\"]}"), "beyond float32")
    }

    @Test func colorsOfTheTable() throws {
        let table = try TableReader.read(Array("0 a 0 0 0 0\n12 b 255 16 1 0\n".utf8), file: "t.txt")
        #expect(SegmentPropertiesWriter.colors(table) == .object(["0": .string("#000000"), "12": .string("#ff1001")]))
        let plain = try TableReader.read(Array("id,name\n1,a\n".utf8), file: "t.csv")
        #expect(SegmentPropertiesWriter.colors(plain) == nil)
    }

    @Test func runsAreTallied() {
        var values: [UInt8] = []
        for value: UInt32 in [5, 5, 5, 0, 0xFFFF_FFFF, 5, 5] {
            withUnsafeBytes(of: value) { values.append(contentsOf: $0) }
        }
        #expect(VoxelCounts.tally(values, dataType: .uint32) == [5: 5, 0: 1, 0xFFFF_FFFF: 1])
        #expect(VoxelCounts.tally([0xFF, 0xFF, 1], dataType: .int8) == [UInt64.max: 2, 1: 1])
        #expect(VoxelCounts.tally([], dataType: .uint64) == [:])
    }

    @Test func writeKeepsTheOtherKeysOfTheInfo() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("labels-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: root) }
        try FileManager.default.createDirectory(atPath: root + "/segment_properties", withIntermediateDirectories: true)
        let info = """
            {"type":"segmentation","data_type":"uint16","num_channels":1,"mesh":"mesh","custom":{"a":[1,null,"x"]},\
            "scales":[{"key":"1mm","size":[2,2,2],"resolution":[1,1,1],"chunk_sizes":[[2,2,2]],"encoding":"raw",\
            "extra_scale_key":true}]}
            """
        try Data(info.utf8).write(to: URL(fileURLWithPath: root + "/info"))
        try Data("{}".utf8).write(to: URL(fileURLWithPath: root + "/segment_properties/colors.json"))
        let table = try TableReader.read(Array("id,name\n1,a\n".utf8), file: "t.csv")
        let written = try SegmentPropertiesWriter.write(table, counts: nil, file: "t.csv", to: Dataset(root: root))
        #expect(written == [root + "/segment_properties/info", root + "/info"])
        #expect(!FileManager.default.fileExists(atPath: root + "/segment_properties/colors.json"), "stale colours")
        let before = try JSONText.decode(JSONValue.self, from: Array(info.utf8))
        let after = try JSONText.decode(
            JSONValue.self, from: Array(try Data(contentsOf: URL(fileURLWithPath: root + "/info"))))
        guard case .object(var expected) = before else { throw LabelError(file: "", line: nil, "") }
        expected["segment_properties"] = .string("segment_properties")
        #expect(after == .object(expected))
    }
}
