/// The voxel data types of a precomputed volume (`data_type` in `info`).
public enum DataType: String, CaseIterable, Codable, Sendable {
    case uint8, int8, uint16, int16, uint32, int32, uint64, int64, float32, float64

    /// Bytes per value.
    public var size: Int {
        switch self {
        case .uint8, .int8: return 1
        case .uint16, .int16: return 2
        case .uint32, .int32, .float32: return 4
        case .uint64, .int64, .float64: return 8
        }
    }

    public var isInteger: Bool { self != .float32 && self != .float64 }
    public var isSigned: Bool { [.int8, .int16, .int32, .int64].contains(self) }

    /// The types Neuroglancer displays (`src/util/data_type.ts`): no int64, float64.
    public var neuroglancerSupports: Bool { self != .int64 && self != .float64 }

    /// Parses a `data_type` value, case-insensitively.
    public init?(name: String) {
        self.init(rawValue: name.lowercased())
    }
}
