/// The path of a request target, decoded once and checked segment by segment, so that no
/// request names a file outside the served directories.
enum RequestPath {
    /// The decoded segments of `target`'s path (query and fragment dropped), or nil when the
    /// target is not an origin-form path (`/...`), holds a bad percent escape, or has a segment
    /// that is `.`, `..`, empty (but for the last: `/client/`), or holds `/` or NUL once decoded
    /// (`%2e%2e`, `%2f`, `//etc`). A directory request ends with one empty segment.
    static func segments(of target: String) -> [String]? {
        let bytes = target.utf8
        let end = bytes.firstIndex { $0 == UInt8(ascii: "?") || $0 == UInt8(ascii: "#") } ?? bytes.endIndex
        guard bytes.first == UInt8(ascii: "/") else { return nil }
        var segments: [String] = []
        segments.reserveCapacity(8)
        var start = bytes.index(after: bytes.startIndex)
        while true {
            let slash = bytes[start..<end].firstIndex(of: UInt8(ascii: "/")) ?? end
            guard let segment = percentDecoded(Substring(bytes[start..<slash])) else { return nil }
            if segment.isEmpty {
                guard slash == end else { return nil }
            } else if segment == "." || segment == ".."
                || segment.utf8.contains(where: { $0 == UInt8(ascii: "/") || $0 == 0 })
            {
                return nil
            }
            segments.append(segment)
            if slash == end { return segments }
            start = bytes.index(after: slash)
        }
    }

    /// `%XX` escapes decoded, once; nil for a malformed escape or bytes that are not UTF-8.
    static func percentDecoded(_ text: Substring) -> String? {
        guard text.utf8.contains(UInt8(ascii: "%")) else { return String(text) }
        var bytes: [UInt8] = []
        var iterator = text.utf8.makeIterator()
        while let byte = iterator.next() {
            guard byte == UInt8(ascii: "%") else {
                bytes.append(byte)
                continue
            }
            guard let high = iterator.next().flatMap(hexValue), let low = iterator.next().flatMap(hexValue) else {
                return nil
            }
            bytes.append(high << 4 | low)
        }
        return String(validating: bytes, as: UTF8.self)
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return byte - UInt8(ascii: "A") + 10
        default: return nil
        }
    }

    /// The nested-layout name (`x0-x1/y0-y1/z0-z1`) of a flat chunk name (`x0-x1_y0-y1_z0-z1`),
    /// or nil when `name` is not one.
    static func nestedChunkName(_ name: String) -> String? {
        let parts = name.utf8.split(separator: UInt8(ascii: "_"), omittingEmptySubsequences: false)
        guard parts.count == 3, parts.allSatisfy(isInterval) else { return nil }
        return String(decoding: name.utf8.map { $0 == UInt8(ascii: "_") ? UInt8(ascii: "/") : $0 }, as: UTF8.self)
    }

    /// `a-b` with integers a and b, either negative (`-64-0`, `0--1` never occur, but parse).
    private static func isInterval(_ text: Substring.UTF8View) -> Bool {
        var rest = text[...]
        func integer() -> Bool {
            if rest.first == UInt8(ascii: "-") { rest = rest.dropFirst() }
            let digits = rest.prefix { UInt8(ascii: "0")...UInt8(ascii: "9") ~= $0 }
            rest = rest.dropFirst(digits.count)
            return !digits.isEmpty
        }
        guard integer(), rest.first == UInt8(ascii: "-") else { return false }
        rest = rest.dropFirst()
        return integer() && rest.isEmpty
    }
}

/// A `Range: bytes=...` header against a file of `size` bytes (RFC 9110, section 14).
enum ByteRange: Equatable {
    /// No range, or one this server ignores (several ranges, bad syntax): the whole file, 200.
    case whole
    /// Bytes `lowerBound..<upperBound`: 206.
    case part(Range<Int>)
    /// A range that starts past the end: 416.
    case unsatisfiable

    init(header: String?, size: Int) {
        guard let header else {
            self = .whole
            return
        }
        let text = header.trimmingWhitespace
        guard text.lowercased().hasPrefix("bytes="), !text.utf8.contains(UInt8(ascii: ",")) else {
            self = .whole
            return
        }
        let spec = text.dropFirst("bytes=".count)
        guard let dash = spec.firstIndex(of: "-") else {
            self = .whole
            return
        }
        let first = spec[..<dash].trimmingWhitespace
        let last = spec[spec.index(after: dash)...].trimmingWhitespace
        if first.isEmpty {
            guard let count = Self.number(last) else {
                self = .whole
                return
            }
            self = count == 0 || size == 0 ? .unsatisfiable : .part(max(size - count, 0)..<size)
            return
        }
        guard let start = Self.number(first) else {
            self = .whole
            return
        }
        var end = size - 1
        if !last.isEmpty {
            guard let value = Self.number(last), value >= start else {
                self = .whole
                return
            }
            end = min(value, size - 1)
        }
        self = start >= size ? .unsatisfiable : .part(start..<end + 1)
    }

    private static func number(_ text: Substring) -> Int? {
        guard !text.isEmpty, text.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        return Int(text)
    }
}

extension StringProtocol where SubSequence == Substring {
    fileprivate var trimmingWhitespace: Substring {
        let start = firstIndex { !$0.isWhitespace } ?? endIndex
        let end = lastIndex { !$0.isWhitespace }.map { index(after: $0) } ?? start
        return self[start..<Swift.max(start, end)]
    }
}
