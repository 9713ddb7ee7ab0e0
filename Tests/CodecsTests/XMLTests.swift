import Testing

@testable import Codecs

@Suite("XML through libxml2")
struct XMLTests {
    @Test("elements, attributes, text and CDATA become Swift values")
    func tree() throws {
        let text = """
            <?xml version="1.0"?>
            <root a="1" b="x &amp; y">
              <child c="2">hello <![CDATA[<raw>]]></child>
              <child/>
            </root>
            """
        let root = try XML.parse(Array(text.utf8), name: "t.xml")
        #expect(root.name == "root")
        #expect(root.attributes == ["a": "1", "b": "x & y"])
        #expect(root.children.map(\.name) == ["child", "child"])
        #expect(root.children[0].attributes == ["c": "2"])
        #expect(root.children[0].text == "hello <raw>")
        #expect(root.children[0].line == 3)
        var names: [String] = []
        root.forEach { names.append($0.name) }
        #expect(names == ["root", "child", "child"])
    }

    @Test(
        "malformed documents throw libxml2's message with the line",
        arguments: ["<a><b></a>", "<a x='1' x='2'/>", "<a>\n<b \u{1}='3'/></a>", "<a", ""])
    func malformed(text: String) throws {
        #expect {
            _ = try XML.parse(Array(text.utf8), name: "bad.xml")
        } throws: { error in
            guard let error = error as? CodecError else { return false }
            return error.library == "libxml2" && error.message.hasPrefix("bad.xml: ")
        }
    }

    @Test("invalid UTF-8 in a name is an error, not a crash")
    func invalidBytes() throws {
        let bytes: [UInt8] = Array("<GIFTI><DataArray Dim".utf8) + [0xF3] + Array("0=\"1\"/></GIFTI>".utf8)
        #expect(throws: CodecError.self) { _ = try XML.parse(bytes, name: "bad.gii") }
    }

    @Test("entities are not expanded and external ones not loaded")
    func entities() throws {
        let text = """
            <!DOCTYPE r [<!ENTITY e "expanded"><!ENTITY x SYSTEM "/etc/hostname">]>
            <r>&e;</r>
            """
        let root = try XML.parse(Array(text.utf8), name: "e.xml")
        #expect(root.text == "")
        let external = "<!DOCTYPE r [<!ENTITY x SYSTEM \"/etc/hostname\">]>\n<r a=\"&x;\"/>"
        #expect(throws: CodecError.self) { _ = try XML.parse(Array(external.utf8), name: "x.xml") }
    }
}
