import Foundation
import Testing

@testable import Precomputed

@Suite struct InfoTests {
    static let sample = """
        {"@type":"neuroglancer_multiscale_volume","type":"segmentation","data_type":"uint64","num_channels":1,
         "mesh":"mesh","segment_properties":"props","x_unknown":{"a":[1,2.5,null,true]},
         "scales":[{"key":"8_8_8","size":[100,50,1],"resolution":[8,8,8],"voxel_offset":[10,0,0],
                    "chunk_sizes":[[64,64,64]],"encoding":"compressed_segmentation",
                    "compressed_segmentation_block_size":[8,8,8],"hidden":false,"x_scale":"kept"}]}
        """

    @Test func unknownKeysSurviveARoundTrip() throws {
        let info = try InfoFile.parse(Array(Self.sample.utf8), file: "info")
        #expect(info.extra["segment_properties"] == .string("props"))
        #expect(info.scales[0].extra["hidden"] == .bool(false))
        #expect(info.scales[0].extra["x_scale"] == .string("kept"))
        let written = try JSONText.encode(info)
        let original = try JSONText.decode(JSONValue.self, from: Array(Self.sample.utf8))
        #expect(try JSONText.decode(JSONValue.self, from: written) == original)
        try info.validate(file: "info")
    }

    @Test func nullIsNeverWritten() throws {
        let text =
            #"{"type":"image","data_type":"uint8","num_channels":1,"mesh":null,"other":null,"#
            + #""scales":[{"key":"1","size":[1,1,1],"resolution":[1,1,1],"voxel_offset":null,"chunk_sizes":[[1,1,1]],"encoding":"raw","sharding":null}]}"#
        let info = try InfoFile.parse(Array(text.utf8), file: "info")
        let written = String(decoding: try JSONText.encode(info), as: UTF8.self)
        #expect(!written.contains("null"))
        #expect(written.contains(#""scales":[{"chunk_sizes":[[1,1,1]],"encoding":"raw","key":"1""#))
    }

    @Test func integersStayIntegers() throws {
        let info = VolumeInfo(
            type: "image", dataType: "uint8", numChannels: 1,
            scales: [
                ScaleInfo(
                    key: "1mm", size: [3, 2, 1], resolution: [1e6, 1e6, 312500.5], chunkSizes: [[64, 64, 64]],
                    encoding: "raw")
            ])
        let text = String(decoding: try JSONText.encode(info), as: UTF8.self)
        #expect(text.contains(#""resolution":[1000000,1000000,312500.5]"#))
    }

    static let invalid: [(String, String)] = [
        (
            #"{"type":"image","data_type":"uint8","num_channels":1,"scales":[{"key":"a","size":[0,1,1],"resolution":[1,1,1],"chunk_sizes":[[1,1,1]],"encoding":"raw"}]}"#,
            "scales[0].size"
        ),
        (#"{"type":"image","data_type":"uint8","num_channels":1,"scales":[]}"#, "scales"),
        (
            #"{"type":"picture","data_type":"uint8","num_channels":1,"scales":[{"key":"a","size":[1,1,1],"resolution":[1,1,1],"chunk_sizes":[[1,1,1]],"encoding":"raw"}]}"#,
            "type"
        ),
        (
            #"{"type":"image","data_type":"float64","num_channels":1,"scales":[{"key":"a","size":[1,1,1],"resolution":[1,1,1],"chunk_sizes":[[1,1,1]],"encoding":"raw"}]}"#,
            "data_type"
        ),
        (
            #"{"type":"image","data_type":"uint8","num_channels":0,"scales":[{"key":"a","size":[1,1,1],"resolution":[1,1,1],"chunk_sizes":[[1,1,1]],"encoding":"raw"}]}"#,
            "num_channels"
        ),
        (
            #"{"type":"image","data_type":"uint8","num_channels":1,"scales":[{"key":"a","size":[1,1,1],"resolution":[1,0,1],"chunk_sizes":[[1,1,1]],"encoding":"raw"}]}"#,
            "scales[0].resolution"
        ),
        (
            #"{"type":"image","data_type":"uint8","num_channels":1,"scales":[{"key":"a","size":[1,1,1],"resolution":[1,1,1],"encoding":"raw"}]}"#,
            "scales[0].chunk_sizes"
        ),
        (
            #"{"type":"image","data_type":"uint8","num_channels":1,"scales":[{"key":"a","size":[1,1,1],"resolution":[1,1,1],"chunk_sizes":[[1,1,1]],"encoding":"zstd"}]}"#,
            "scales[0].encoding"
        ),
        (
            #"{"type":"segmentation","data_type":"uint32","num_channels":1,"scales":[{"key":"a","size":[1,1,1],"resolution":[1,1,1],"chunk_sizes":[[1,1,1]],"encoding":"compressed_segmentation"}]}"#,
            "scales[0].compressed_segmentation_block_size"
        ),
        (
            #"{"type":"segmentation","data_type":"uint16","num_channels":1,"scales":[{"key":"a","size":[1,1,1],"resolution":[1,1,1],"chunk_sizes":[[1,1,1]],"encoding":"compressed_segmentation","compressed_segmentation_block_size":[8,8,8]}]}"#,
            "scales[0].encoding"
        ),
        (
            #"{"type":"image","data_type":"uint16","num_channels":1,"scales":[{"key":"a","size":[1,1,1],"resolution":[1,1,1],"chunk_sizes":[[1,1,1]],"encoding":"jpeg"}]}"#,
            "scales[0].encoding"
        ),
        (
            #"{"type":"image","data_type":"uint8","num_channels":5,"scales":[{"key":"a","size":[1,1,1],"resolution":[1,1,1],"chunk_sizes":[[1,1,1]],"encoding":"png"}]}"#,
            "scales[0].encoding"
        ),
        (
            #"{"type":"image","data_type":"uint8","num_channels":1,"scales":[{"key":"a","size":[1,1,1],"resolution":[1,1,1],"chunk_sizes":[[1,1,1],[2,2,2]],"encoding":"raw","sharding":{"@type":"neuroglancer_uint64_sharded_v1","preshift_bits":0,"hash":"identity","minishard_bits":0,"shard_bits":0}}]}"#,
            "scales[0].chunk_sizes"
        ),
        (
            #"{"type":"image","data_type":"uint8","num_channels":1,"scales":[{"key":"a","size":[1,1,1],"resolution":[1,1,1],"chunk_sizes":[[1,1,1]],"encoding":"raw","sharding":{"@type":"neuroglancer_uint64_sharded_v1","preshift_bits":0,"hash":"md5","minishard_bits":0,"shard_bits":0}}]}"#,
            "scales[0].sharding.hash"
        ),
        (
            #"{"type":"image","data_type":"uint8","num_channels":1,"scales":[{"key":"a","size":[1,1],"resolution":[1,1,1],"chunk_sizes":[[1,1,1]],"encoding":"raw"}]}"#,
            "scales[0].size"
        ),
    ]

    @Test(arguments: invalid)
    func validationNamesTheKey(text: String, key: String) throws {
        let info = try InfoFile.parse(Array(text.utf8), file: "some/info")
        do {
            try info.validate(file: "some/info")
            Issue.record("\(key) should have been rejected")
        } catch let error as PrecomputedError {
            guard case .invalidInfo(let file, let found, _) = error else {
                Issue.record("unexpected \(error)")
                return
            }
            #expect(file == "some/info")
            #expect(found == key)
            #expect("\(error)".contains(key))
        }
    }

    @Test(arguments: [
        (#"{"type":"image","scales":[{"size":"big","resolution":[1,1,1]}]}"#, "scales[0].size"),
        (#"{"type":"image","scales":[{"resolution":[1,1,1]}]}"#, "scales[0].size"),
        (#"{"type":"image","num_channels":"one","scales":[]}"#, "num_channels"),
        (#"{"type":"image","#, "(root)"),
    ])
    func parseErrorsNameTheKey(text: String, key: String) {
        #expect {
            _ = try InfoFile.parse(Array(text.utf8), file: "f.json")
        } throws: { error in
            guard case PrecomputedError.invalidInfo(let file, let found, _)? = error as? PrecomputedError else {
                return false
            }
            return file == "f.json" && found == key
        }
    }
}
