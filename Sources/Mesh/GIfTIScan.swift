/// Lifts the content of every `<Data>` element out of a GIfTI document before the XML parser
/// sees it. The data of a large surface is one text node of tens of megabytes, beyond what
/// libxml2 (under Foundation's XMLParser) accepts without its "huge" option, and slow to
/// pass through as strings. The parser gets the small skeleton (all markup, empty `<Data>`
/// elements); the data is read straight from the file's bytes.
struct GIfTIScan {
    /// The document with every `<Data>` element's content removed.
    var skeleton: [UInt8] = []
    /// The content of each `<Data>` element in document order (empty for `<Data/>`).
    var dataRanges: [Range<Int>] = []

    init(_ bytes: [UInt8]) {
        let count = bytes.count
        skeleton.reserveCapacity(min(count, 1 << 16))
        var copied = 0
        var i = 0

        func startsWith(_ text: StaticString, at index: Int) -> Bool {
            let length = text.utf8CodeUnitCount
            guard index + length <= count else { return false }
            return text.withUTF8Buffer { prefix in
                for k in 0..<length where bytes[index + k] != prefix[k] { return false }
                return true
            }
        }
        /// The index just past `terminator` at or after `index`, or `count`.
        func skip(past terminator: StaticString, from index: Int) -> Int {
            var j = index
            while j < count {
                if startsWith(terminator, at: j) { return j + terminator.utf8CodeUnitCount }
                j += 1
            }
            return count
        }

        while i < count {
            guard bytes[i] == UInt8(ascii: "<") else {
                i += 1
                continue
            }
            if startsWith("<!--", at: i) {
                i = skip(past: "-->", from: i + 4)
            } else if startsWith("<![CDATA[", at: i) {
                i = skip(past: "]]>", from: i + 9)
            } else if startsWith("<?", at: i) {
                i = skip(past: "?>", from: i + 2)
            } else if startsWith("<!", at: i) {
                i = Self.endOfDeclaration(bytes, from: i + 2)
            } else if startsWith("</", at: i) {
                i = skip(past: ">", from: i + 2)
            } else {
                let (end, selfClosing) = Self.endOfTag(bytes, from: i + 1)
                let isData =
                    startsWith("<Data", at: i) && i + 5 < count
                    && (Text.isSpace(bytes[i + 5]) || bytes[i + 5] == UInt8(ascii: ">")
                        || bytes[i + 5] == UInt8(ascii: "/"))
                i = end
                guard isData else { continue }
                if selfClosing {
                    dataRanges.append(i..<i)
                    continue
                }
                // The content runs to `</Data>`; CDATA sections and comments may hold anything.
                let start = i
                var j = i
                var contentEnd = count
                while j < count {
                    if bytes[j] != UInt8(ascii: "<") {
                        j += 1
                    } else if startsWith("<![CDATA[", at: j) {
                        j = skip(past: "]]>", from: j + 9)
                    } else if startsWith("<!--", at: j) {
                        j = skip(past: "-->", from: j + 4)
                    } else if startsWith("</Data", at: j) {
                        contentEnd = j
                        break
                    } else {
                        j += 1
                    }
                }
                skeleton.append(contentsOf: bytes[copied..<start])
                dataRanges.append(start..<contentEnd)
                copied = contentEnd
                i = contentEnd
            }
        }
        skeleton.append(contentsOf: bytes[copied..<count])
    }

    /// Past the `>` that ends a tag starting at `index` (quoted attribute values may hold `>`),
    /// and whether the tag closes itself (`/>`).
    static func endOfTag(_ bytes: [UInt8], from index: Int) -> (Int, Bool) {
        var j = index
        var quote: UInt8?
        while j < bytes.count {
            let byte = bytes[j]
            if let open = quote {
                if byte == open { quote = nil }
            } else if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "'") {
                quote = byte
            } else if byte == UInt8(ascii: ">") {
                return (j + 1, j > index && bytes[j - 1] == UInt8(ascii: "/"))
            }
            j += 1
        }
        return (bytes.count, false)
    }

    /// Past the `>` of a `<!DOCTYPE ...>` (or other `<!...>`) declaration, over an internal
    /// subset in brackets and quoted strings.
    static func endOfDeclaration(_ bytes: [UInt8], from index: Int) -> Int {
        var j = index
        var depth = 0
        var quote: UInt8?
        while j < bytes.count {
            let byte = bytes[j]
            if let open = quote {
                if byte == open { quote = nil }
            } else if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "'") {
                quote = byte
            } else if byte == UInt8(ascii: "[") {
                depth += 1
            } else if byte == UInt8(ascii: "]") {
                depth -= 1
            } else if byte == UInt8(ascii: ">") && depth <= 0 {
                return j + 1
            }
            j += 1
        }
        return bytes.count
    }

    /// The character data of `range`: CDATA sections verbatim, comments dropped, entity and
    /// character references resolved. Without markup (the usual case), the bytes as they are.
    static func characterData(_ bytes: [UInt8], _ range: Range<Int>) -> ArraySlice<UInt8> {
        let slice = bytes[range]
        guard slice.contains(where: { $0 == UInt8(ascii: "<") || $0 == UInt8(ascii: "&") }) else { return slice }
        var out: [UInt8] = []
        out.reserveCapacity(slice.count)
        var j = range.lowerBound
        let end = range.upperBound
        func find(_ terminator: [UInt8], from index: Int) -> Int? {
            var k = index
            while k + terminator.count <= end {
                if bytes[k..<(k + terminator.count)].elementsEqual(terminator) { return k }
                k += 1
            }
            return nil
        }
        while j < end {
            let byte = bytes[j]
            if byte == UInt8(ascii: "<") {
                if bytes[j..<end].starts(with: Array("<![CDATA[".utf8)) {
                    let close = find(Array("]]>".utf8), from: j + 9) ?? end
                    out.append(contentsOf: bytes[(j + 9)..<close])
                    j = min(close + 3, end)
                } else if bytes[j..<end].starts(with: Array("<!--".utf8)) {
                    j = min((find(Array("-->".utf8), from: j + 4) ?? end) + 3, end)
                } else {
                    out.append(byte)
                    j += 1
                }
            } else if byte == UInt8(ascii: "&"), let semicolon = find([UInt8(ascii: ";")], from: j + 1),
                semicolon - j <= 10, let scalar = entity(bytes[(j + 1)..<semicolon])
            {
                out.append(contentsOf: Array(String(Character(scalar)).utf8))
                j = semicolon + 1
            } else {
                out.append(byte)
                j += 1
            }
        }
        return out[...]
    }

    static func entity(_ name: ArraySlice<UInt8>) -> Unicode.Scalar? {
        switch String(decoding: name, as: UTF8.self) {
        case "lt": return "<"
        case "gt": return ">"
        case "amp": return "&"
        case "quot": return "\""
        case "apos": return "'"
        case let text where text.hasPrefix("#x"):
            return UInt32(text.dropFirst(2), radix: 16).flatMap(Unicode.Scalar.init)
        case let text where text.hasPrefix("#"): return UInt32(text.dropFirst()).flatMap(Unicode.Scalar.init)
        default: return nil
        }
    }
}
