import CXML2

/// XML documents parsed by libxml2 (`xmlReadMemory`) into Swift values: the root element with its
/// attributes, text and child elements, and libxml2's errors as thrown `CodecError`s.
///
/// Parsing is safe on hostile bytes: libxml2's structured error handler (`xmlSetStructuredErrorFunc`,
/// set for the parse on the calling thread) collects errors instead of printing them to stderr;
/// the options are `XML_PARSE_NONET` (no network access) and `XML_PARSE_NOCDATA` (CDATA sections as
/// text), without `XML_PARSE_NOENT` (entities are not expanded) and without `XML_PARSE_DTDLOAD`
/// (no external DTD is loaded); libxml2's own limits (depth 256, text nodes of 10 MB, entity
/// amplification) apply since `XML_PARSE_HUGE` is not set.
public enum XML {
    /// One element of a parsed document.
    public struct Element: Sendable, Equatable {
        /// The local name (without a namespace prefix).
        public var name: String
        /// Attribute values by local name.
        public var attributes: [String: String]
        /// The child elements, in document order.
        public var children: [Element]
        /// The text and CDATA directly inside this element, concatenated.
        public var text: String
        /// The line of the start tag (libxml2's `xmlGetLineNo`).
        public var line: Int

        public init(
            name: String, attributes: [String: String] = [:], children: [Element] = [], text: String = "",
            line: Int = 0
        ) {
            self.name = name
            self.attributes = attributes
            self.children = children
            self.text = text
            self.line = line
        }

        /// Calls `body` on this element and every element below it, in document order.
        public func forEach(_ body: (Element) throws -> Void) rethrows {
            try body(self)
            for child in children { try child.forEach(body) }
        }
    }

    /// Parses `bytes` and returns the root element. `name` names the document in errors.
    ///
    /// Wraps `xmlReadMemory`, `xmlDocGetRootElement` and `xmlFreeDoc`; throws the first error
    /// libxml2 reports (level `XML_ERR_ERROR` or worse) as "line N: message".
    public static func parse(_ bytes: [UInt8], name: String) throws -> Element {
        _ = initialized
        guard !bytes.isEmpty else { throw CodecError(library: "libxml2", message: "\(name): empty document") }
        guard bytes.count <= Int(Int32.max) else {
            throw CodecError(library: "libxml2", message: "\(name): the XML is larger than 2 GiB")
        }
        let log = ErrorLog()
        let options = Int32(
            bitPattern: XML_PARSE_NONET.rawValue | XML_PARSE_NOCDATA.rawValue | XML_PARSE_NOERROR.rawValue
                | XML_PARSE_NOWARNING.rawValue)
        xmlSetStructuredErrorFunc(Unmanaged.passUnretained(log).toOpaque(), collectError)
        let document = bytes.withUnsafeBytes { buffer -> xmlDocPtr? in
            guard let base = buffer.baseAddress?.assumingMemoryBound(to: CChar.self) else { return nil }
            return xmlReadMemory(base, Int32(buffer.count), name, nil, options)
        }
        xmlSetStructuredErrorFunc(nil, nil)
        defer { if let document { xmlFreeDoc(document) } }
        if let (line, message) = log.first {
            throw CodecError(library: "libxml2", message: "\(name): line \(line): \(message)")
        }
        guard let document, let root = xmlDocGetRootElement(document) else {
            throw CodecError(library: "libxml2", message: "\(name): not an XML document (no root element)")
        }
        return element(root)
    }

    /// `xmlInitParser`, once per process (it is not safe to run it from two threads at once).
    private static let initialized: Void = { xmlInitParser() }()

    /// The element at `node` and everything below it (at most libxml2's depth limit of 256).
    private static func element(_ node: xmlNodePtr) -> Element {
        var result = Element(name: string(node.pointee.name), line: Int(xmlGetLineNo(node)))
        var attribute = node.pointee.properties
        while let current = attribute {
            let key = string(current.pointee.name)
            if result.attributes[key] == nil { result.attributes[key] = text(current.pointee.children) }
            attribute = current.pointee.next
        }
        var text: [UInt8] = []
        var child = node.pointee.children
        while let current = child {
            if current.pointee.type == XML_ELEMENT_NODE {
                result.children.append(element(current))
            } else if current.pointee.type == XML_TEXT_NODE || current.pointee.type == XML_CDATA_SECTION_NODE {
                appendContent(current, to: &text)
            }
            child = current.pointee.next
        }
        result.text = String(decoding: text, as: UTF8.self)
        return result
    }

    /// The text of a list of text nodes (an attribute's value); entity references are left out.
    private static func text(_ first: xmlNodePtr?) -> String {
        var bytes: [UInt8] = []
        var node = first
        while let current = node {
            if current.pointee.type == XML_TEXT_NODE { appendContent(current, to: &bytes) }
            node = current.pointee.next
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    private static func appendContent(_ node: xmlNodePtr, to bytes: inout [UInt8]) {
        guard let content = node.pointee.content else { return }
        var index = 0
        while content[index] != 0 {
            bytes.append(content[index])
            index += 1
        }
    }

    private static func string(_ pointer: UnsafePointer<xmlChar>?) -> String {
        guard let pointer else { return "" }
        return String(cString: pointer)
    }
}

/// The errors libxml2 reports during one parse, through its structured error handler.
private final class ErrorLog {
    /// The first error of level `XML_ERR_ERROR` or `XML_ERR_FATAL`: its line and message.
    var first: (Int, String)?
}

/// libxml2's structured error callback: keeps the first error in the `ErrorLog` it is given.
private func collectError(_ context: UnsafeMutableRawPointer?, _ error: xmlErrorPtr?) {
    guard let context, let error else { return }
    let log = Unmanaged<ErrorLog>.fromOpaque(context).takeUnretainedValue()
    guard log.first == nil, error.pointee.level.rawValue >= XML_ERR_ERROR.rawValue else { return }
    let text = error.pointee.message.map { String(cString: $0) } ?? "error \(error.pointee.code)"
    // One line: libxml2 breaks some messages ("indicate encoding !\nBytes: 0xF3 ...").
    let message = text.split(whereSeparator: \.isWhitespace).joined(separator: " ")
    log.first = (Int(error.pointee.line), message)
}
