import Precomputed

/// Checks `directory/info` as Neuroglancer's `getSegmentPropertyMap` and
/// `parseInlinePropertyMap` read it: `@type` `neuroglancer_segment_properties`, optional
/// `inline` with `ids` (decimal uint64 strings, each once) and `properties` (unique ids; types
/// label, description, string, tags, number; one value per id, of the property's type).
func checkSegmentProperties(directory: String, findings: Findings, report: inout VerifyReport) {
    let path = directory + "/info"
    report.segmentProperties.append(path)
    do {
        guard let bytes = try readFile(path, limit: 1 << 30) else { throw VerifyProblem("missing") }
        try SegmentProperties.check(try jsonObject(bytes))
    } catch {
        findings.add(path, .segmentProperties, problemText(error, path: path))
    }
}

enum SegmentProperties {
    /// The number types a property may have (Neuroglancer refuses uint64 and 64-bit floats).
    static let numberTypes: [String: ClosedRange<Double>?] = [
        "uint8": 0...255, "int8": -128...127, "uint16": 0...65535, "int16": -32768...32767,
        "uint32": 0...4_294_967_295, "int32": -2_147_483_648...2_147_483_647, "float32": nil,
    ]

    /// Throws the first problem of a segment properties info.
    static func check(_ object: [String: JSONValue]) throws {
        guard case .string(let type)? = object["@type"] else { throw VerifyProblem("@type: missing or not a string") }
        guard type == "neuroglancer_segment_properties" else {
            throw VerifyProblem("@type: \"\(type)\" is not neuroglancer_segment_properties")
        }
        guard let inline = object["inline"] else { return }
        guard case .object(let map) = inline else { throw VerifyProblem("inline: not an object") }
        guard case .array(let idValues)? = map["ids"] else { throw VerifyProblem("inline.ids: missing or not a list") }
        var ids = Set<UInt64>()
        for (index, value) in idValues.enumerated() {
            guard case .string(let text) = value else { throw VerifyProblem("inline.ids[\(index)]: not a string") }
            guard let id = UInt64(text), text.allSatisfy({ $0.isASCII && $0.isNumber }) else {
                throw VerifyProblem("inline.ids[\(index)]: \"\(text)\" is not a decimal uint64")
            }
            guard ids.insert(id).inserted else { throw VerifyProblem("inline.ids[\(index)]: \(id) is there twice") }
        }
        guard case .array(let properties)? = map["properties"] else {
            throw VerifyProblem("inline.properties: missing or not a list")
        }
        var propertyIDs = Set<String>()
        var singles: [String: Int] = [:]
        for (index, property) in properties.enumerated() {
            let key = "inline.properties[\(index)]"
            guard case .object(let fields) = property else { throw VerifyProblem("\(key): not an object") }
            guard case .string(let id)? = fields["id"] else {
                throw VerifyProblem("\(key).id: missing or not a string")
            }
            guard propertyIDs.insert(id).inserted else { throw VerifyProblem("\(key).id: \"\(id)\" is there twice") }
            if let description = fields["description"], case .string = description {
            } else if fields["description"] != nil {
                throw VerifyProblem("\(key).description: not a string")
            }
            guard case .string(let type)? = fields["type"] else {
                throw VerifyProblem("\(key).type: missing or not a string")
            }
            guard case .array(let values)? = fields["values"] else {
                throw VerifyProblem("\(key).values: missing or not a list")
            }
            guard values.count == idValues.count else {
                throw VerifyProblem("\(key).values: \(values.count) values for \(idValues.count) ids")
            }
            switch type {
            case "label", "description", "tags":
                singles[type, default: 0] += 1
                guard singles[type] == 1 else { throw VerifyProblem("\(key).type: a second \(type) property") }
            default:
                break
            }
            switch type {
            case "label", "description", "string":
                if let bad = values.firstIndex(where: { if case .string = $0 { return false } else { return true } }) {
                    throw VerifyProblem("\(key).values[\(bad)]: not a string")
                }
            case "tags":
                try checkTags(fields, values: values, key: key)
            case "number":
                guard case .string(let dataType)? = fields["data_type"] else {
                    throw VerifyProblem("\(key).data_type: missing or not a string")
                }
                guard let range = numberTypes[dataType] else {
                    throw VerifyProblem(
                        "\(key).data_type: \"\(dataType)\" is not one of uint8, int8, uint16, int16, uint32, int32, float32"
                    )
                }
                for (position, value) in values.enumerated() {
                    guard let number = value.number, number.isFinite else {
                        throw VerifyProblem("\(key).values[\(position)]: not a number")
                    }
                    if let range, !(range.contains(number) && number.rounded() == number) {
                        throw VerifyProblem("\(key).values[\(position)]: \(number) is not a \(dataType)")
                    }
                }
            default:
                throw VerifyProblem(
                    "\(key).type: \"\(type)\" is not one of label, description, string, tags, number")
            }
        }
    }

    private static func checkTags(_ fields: [String: JSONValue], values: [JSONValue], key: String) throws {
        guard case .array(let tags)? = fields["tags"], tags.allSatisfy({ if case .string = $0 { true } else { false } })
        else { throw VerifyProblem("\(key).tags: missing or not a list of strings") }
        if let descriptions = fields["tag_descriptions"] {
            guard case .array(let list) = descriptions,
                list.allSatisfy({ if case .string = $0 { true } else { false } })
            else { throw VerifyProblem("\(key).tag_descriptions: not a list of strings") }
            guard list.count == tags.count else {
                throw VerifyProblem("\(key).tag_descriptions: \(list.count) descriptions for \(tags.count) tags")
            }
        }
        for (position, value) in values.enumerated() {
            guard case .array(let indices) = value else {
                throw VerifyProblem("\(key).values[\(position)]: not a list of tag indices")
            }
            var previous = -1
            for index in indices {
                guard let number = index.number, number.rounded() == number, number >= 0,
                    number < Double(tags.count)
                else {
                    throw VerifyProblem(
                        "\(key).values[\(position)]: holds something other than a tag index below \(tags.count)")
                }
                guard Int(number) > previous else {
                    throw VerifyProblem("\(key).values[\(position)]: tag indices are not ascending")
                }
                previous = Int(number)
            }
        }
    }
}
