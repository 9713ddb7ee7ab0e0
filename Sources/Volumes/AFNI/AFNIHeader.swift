import Precomputed

/// One attribute of an AFNI .HEAD file.
public enum AFNIAttribute: Sendable, Equatable {
    case string(String)
    case integers([Int])
    case floats([Double])

    /// The values of a numeric attribute.
    var numbers: [Double]? {
        switch self {
        case .integers(let values): values.map(Double.init)
        case .floats(let values): values
        case .string: nil
        }
    }
}

/// The .HEAD file of an AFNI dataset, as nibabel's `brikhead` reads it.
///
/// Hand-written: the .HEAD is a small text file of typed attributes, and nibabel's exact parsing
/// (blank-line separated entries, regex-matched type and name lines, values from the fourth line
/// on) and its reading of DATASET_RANK, BRICK_TYPES, BYTEORDER_STRING, BRICK_FLOAT_FACS and
/// IJK_TO_DICOM_REAL are what must be matched; AFNI's own reader is not a library.
public struct AFNIHeader: Sendable {
    public var attributes: [String: AFNIAttribute]
    /// [x, y, z] (DATASET_DIMENSIONS).
    public var size: [Int]
    /// Sub-bricks (DATASET_RANK[1]).
    public var volumes: Int
    public var type: DataType
    public var littleEndian: Bool
    /// IJK_TO_DICOM_REAL with its first two rows negated (AFNI's RAI, i.e. LPS, to RAS).
    public var affine: [[Double]]
    /// One factor per sub-brick (1 where BRICK_FLOAT_FACS is 0), or nil when no factor is set.
    public var scales: [Double]?

    /// Parses the text of a .HEAD file.
    public init(text: String, path: String) throws {
        func fail(_ message: String) -> VolumeError { VolumeError(path: path, message: message) }
        attributes = try Self.parse(text, path: path)
        let attributes = attributes
        func numbers(_ name: String) throws -> [Double] {
            guard let attribute = attributes[name] else { throw fail("the \(name) attribute is missing") }
            guard let values = attribute.numbers else { throw fail("the \(name) attribute is not numeric") }
            return values
        }
        func integers(_ name: String, atLeast count: Int) throws -> [Int] {
            let values = try numbers(name)
            guard values.count >= count, values.allSatisfy({ $0 == $0.rounded() && abs($0) < 1e15 }) else {
                throw fail("the \(name) attribute must hold at least \(count) integers")
            }
            return values.map { Int($0) }
        }

        let rank = try integers("DATASET_RANK", atLeast: 2)
        guard rank[0] == 3 else {
            throw fail("DATASET_RANK[0] is \(rank[0]): nprec reads 3-D AFNI datasets only")
        }
        let dims = try integers("DATASET_DIMENSIONS", atLeast: 3)
        size = Array(dims[0..<3])
        volumes = rank[1]
        guard size.allSatisfy({ $0 > 0 }), volumes > 0 else {
            throw fail(
                "impossible dimensions \(size.map(String.init).joined(separator: "x")) with \(volumes) sub-bricks")
        }

        let types = try integers("BRICK_TYPES", atLeast: 1)
        guard Set(types).count == 1 else {
            throw fail(
                "can't load file with multiple data types (BRICK_TYPES \(types.map(String.init).joined(separator: " ")))"
            )
        }
        switch types[0] {
        case 0: type = .uint8
        case 1: type = .int16
        case 3: type = .float32
        case 5: throw fail("unsupported data type complex64 (BRICK_TYPES 5)")
        default: throw fail("can't deduce image data type (BRICK_TYPES \(types[0]))")
        }
        var total = type.size * volumes
        for extent in size {
            let (product, overflow) = total.multipliedReportingOverflow(by: extent)
            guard !overflow, product <= 1 << 56 else { throw fail("impossible dimensions: an absurd size") }
            total = product
        }

        // nibabel fails when BYTEORDER_STRING is missing; AFNI then means the native order.
        switch attributes["BYTEORDER_STRING"] {
        case .string("LSB_FIRST"): littleEndian = true
        case .string("MSB_FIRST"): littleEndian = false
        default: littleEndian = 1.littleEndian == 1
        }

        let matrix = try numbers("IJK_TO_DICOM_REAL")
        guard matrix.count == 12 else {
            throw fail("IJK_TO_DICOM_REAL has \(matrix.count) values, not 12")
        }
        affine =
            (0..<3).map { row in (0..<4).map { column in (row < 2 ? -1 : 1) * matrix[row * 4 + column] } }
            + [[0, 0, 0, 1]]

        // get_data_scaling: ones, with each non-zero factor in its sub-brick's place.
        scales = nil
        if let facs = try attributes["BRICK_FLOAT_FACS"].map({ _ in try numbers("BRICK_FLOAT_FACS") }),
            facs.contains(where: { $0 != 0 })
        {
            var scales = [Double](repeating: 1, count: volumes)
            for (index, factor) in facs.enumerated() where factor != 0 {
                guard index < volumes else {
                    throw fail("BRICK_FLOAT_FACS has a factor for sub-brick \(index), but there are \(volumes)")
                }
                scales[index] = factor
            }
            self.scales = scales
        }
    }

    // MARK: - Attribute text

    /// nibabel's `parse_AFNI_header`: entries split at blank lines ("\n\n"), each with exactly
    /// one `type = ...-attribute` line and one `name = ...` line; the values are the lines
    /// after the third, joined by spaces. Later entries replace earlier ones of the same name.
    public static func parse(_ text: String, path: String) throws -> [String: AFNIAttribute] {
        guard let typePattern, let namePattern else {
            throw VolumeError(path: path, message: "internal error: bad attribute patterns")
        }
        // Python's text mode: universal newlines (\r\n and \r become \n).
        var joined = String.UnicodeScalarView()
        var afterReturn = false
        for scalar in text.unicodeScalars {
            if scalar == "\n" && afterReturn {
                afterReturn = false
                continue
            }
            afterReturn = scalar == "\r"
            joined.append(afterReturn ? "\n" : scalar)
        }
        var attributes: [String: AFNIAttribute] = [:]
        for entry in String(joined).split(separator: "\n\n", omittingEmptySubsequences: false) {
            let entry = String(entry)
            let types = entry.matches(of: typePattern)
            let names = entry.matches(of: namePattern)
            func problem(_ what: String) -> VolumeError {
                VolumeError(
                    path: path,
                    message: "\(what) in the HEAD file; offending attribute:\n\(entry.trimmingWhitespace())")
            }
            guard types.count == 1, let kind = types[0].output[1].substring else {
                throw problem("invalid attribute type entry")
            }
            guard names.count == 1, let name = names[0].output[1].substring else {
                throw problem("invalid attribute name entry")
            }
            let lines = entry.trimmingWhitespace().split(omittingEmptySubsequences: false, whereSeparator: \.isNewline)
            let value = lines.dropFirst(3).joined(separator: " ")
            switch kind {
            case "integer":
                let fields = value.split(whereSeparator: \.isWhitespace)
                let numbers = fields.compactMap { Int($0) }
                guard numbers.count == fields.count else {
                    throw problem("failed to read an integer attribute (improper type casting)")
                }
                attributes[String(name)] = .integers(numbers)
            case "float":
                let fields = value.split(whereSeparator: \.isWhitespace)
                let numbers = fields.compactMap { Double($0) }
                guard numbers.count == fields.count else {
                    throw problem("failed to read a float attribute (improper type casting)")
                }
                attributes[String(name)] = .floats(numbers)
            default:
                // 'text~: the first quote goes (wherever it is), then trailing tildes.
                var string = value
                if let quote = string.firstIndex(of: "'") { string.remove(at: quote) }
                while string.hasSuffix("~") { string.removeLast() }
                attributes[String(name)] = .string(string)
            }
        }
        return attributes
    }

    nonisolated(unsafe) static let typePattern = try? Regex(#"type\s*=\s*(string|integer|float)-attribute\s*\n"#)
        .matchingSemantics(.unicodeScalar)
    nonisolated(unsafe) static let namePattern = try? Regex(#"name\s*=\s*(\w+)\s*\n"#)
        .matchingSemantics(.unicodeScalar)
}
