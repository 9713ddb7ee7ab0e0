import Testing

@testable import Labels

/// Every dialect of label table, told apart by content, and every bad table named by line.
@Suite struct TableReaderTests {
    static func read(_ text: String, format: TableFormat = .auto) throws -> LabelTable {
        try TableReader.read(Array(text.utf8), file: "t.txt", format: format)
    }

    static func problem(_ bytes: [UInt8], format: TableFormat = .auto) -> String? {
        do {
            _ = try TableReader.read(bytes, file: "t.txt", format: format)
            return nil
        } catch {
            return "\(error)"
        }
    }

    static func problem(_ text: String, format: TableFormat = .auto) -> String? {
        problem(Array(text.utf8), format: format)
    }

    @Test func freeSurferLUT() throws {
        let table = try Self.read(
            """
            #$Id: FreeSurferColorLUT.txt,v 1.105 2015/07/29 18:19:03 greve Exp $

            #No. Label Name:                            R   G   B   A
            0   Unknown                                 0   0   0   0
            2   Left-Cerebral-White-Matter              245 245 245 0
              1001    ctx-lh-bankssts                   25  100 40  0
            18446744073709551615 Last 1 2 3 0
            """)
        #expect(table.format == .freesurfer)
        #expect(table.labels.map(\.id) == [0, 2, 1001, UInt64.max])
        #expect(table.labels.map(\.name) == ["Unknown", "Left-Cerebral-White-Matter", "ctx-lh-bankssts", "Last"])
        #expect(table.labels.map(\.color) == ["#000000", "#f5f5f5", "#196428", "#010203"])
        #expect(table.labels.map(\.line) == [4, 5, 6, 7])
        #expect(table.hasNames && !table.hasDescriptions && !table.hasTags && table.columns.isEmpty)
    }

    @Test func slicerIsToldByItsComment() throws {
        let table = try Self.read(
            "# Color table file /tmp/GenericAnatomyColors.txt\n# 3 values\n0 background 0 0 0 0\n"
                + "1 \"left hand\" 128 174 128 255\n")
        #expect(table.format == .slicer)
        #expect(table.labels.map(\.name) == ["background", "left hand"])
        #expect(table.labels[1].color == "#80ae80")
    }

    @Test func itkSnapWithQuotedNamesCRLFAndBOM() throws {
        let text =
            "\u{FEFF}################################################\r\n# ITK-SnAP Label Description File\r\n"
            + "    0     0    0    0        0  0  0    \"Clear Label\"\r\n"
            + "    1   255    0    0        1  1  1    \"Label 1\"\r\n"
            + "   17    10  200   30      0.5  1  0    \"hippocampus, left\"\r\n"
        let table = try Self.read(text)
        #expect(table.format == .itksnap)
        #expect(table.labels.map(\.id) == [0, 1, 17])
        #expect(table.labels.map(\.name) == ["Clear Label", "Label 1", "hippocampus, left"])
        #expect(table.labels.map(\.color) == ["#000000", "#ff0000", "#0ac81e"])
        #expect(table.labels.map(\.line) == [3, 4, 5])
    }

    @Test func csvWithEveryKindOfColumn() throws {
        let table = try Self.read(
            """
            ID,Name,description,tags,color,hemisphere,volume,rank,weight
            3,"Left cortex, outer","the ""outer"" layer",cortex; left,#FF0000,L,1.5,-3,300
            1,White matter,,white,,both,2,4,70000
            2,  spaced  ,"multi
            line","",00ff00,R,0.25,120,-5
            """)
        #expect(table.format == .csv)
        #expect(table.labels.map(\.id) == [1, 2, 3])
        #expect(table.labels.map(\.name) == ["White matter", "spaced", "Left cortex, outer"])
        #expect(table.labels.map(\.description) == ["", "multi\nline", "the \"outer\" layer"])
        #expect(table.labels.map(\.tags) == [["white"], [], ["cortex", "left"]])
        #expect(table.labels.map(\.color) == [nil, "#00ff00", "#ff0000"])
        #expect(table.columns == ["hemisphere", "volume", "rank", "weight"])
        #expect(
            table.labels.map(\.values) == [
                ["both", "2", "4", "70000"], ["R", "0.25", "120", "-5"], ["L", "1.5", "-3", "300"],
            ])
        #expect(table.labels.map(\.line) == [3, 4, 2])
    }

    @Test func slicerCSVColorTable() throws {
        let table = try Self.read(
            "LabelValue,Name,Color_R,Color_G,Color_B,Color_A,Category\r\n0,background,0,0,0,0,\r\n"
                + "1,\"tissue, soft\",128,174,128,255,Tissue\r\n")
        #expect(table.format == .csv)
        #expect(table.labels.map(\.id) == [0, 1])
        #expect(table.labels.map(\.name) == ["background", "tissue, soft"])
        #expect(table.labels.map(\.color) == ["#000000", "#80ae80"])
        #expect(table.columns == ["Category"])
        #expect(
            Self.problem("LabelValue,Name,Color_R,Color_G,Color_B\n1,a,300,0,0\n")
                == "t.txt:2: R \"300\" is not an integer from 0 to 255")
    }

    @Test func tsvWithLabelColumn() throws {
        let table = try Self.read("label\tid\tarea\r\nV1 left\t7\t12\r\n\r\nV2\t8\t3\r\n")
        #expect(table.format == .tsv)
        #expect(table.labels.map(\.name) == ["V1 left", "V2"])
        #expect(table.labels.map(\.values) == [["12"], ["3"]])
    }

    @Test func jsonObjectAndList() throws {
        let object = try Self.read("{\"1\": \"one\",\n \"18446744073709551615\": \"last \\u00e9\\ud83d\\ude00\"}")
        #expect(object.format == .json)
        #expect(object.labels.map(\.id) == [1, UInt64.max])
        #expect(object.labels.map(\.name) == ["one", "last é😀"])
        #expect(object.labels.map(\.line) == [1, 2])

        let list = try Self.read(
            """
            [
              {"id": 5, "label": "five", "tags": ["odd", "prime"], "size": 2.5, "colour": "#123456"},
              {"id": "2", "label": "two", "description": "even", "tags": "even;prime", "size": 1}
            ]
            """)
        #expect(list.labels.map(\.id) == [2, 5])
        #expect(list.labels.map(\.name) == ["two", "five"])
        #expect(list.labels.map(\.tags) == [["even", "prime"], ["odd", "prime"]])
        #expect(list.labels.map(\.description) == ["even", ""])
        #expect(list.columns == ["size"])
        #expect(list.labels.map(\.values) == [["1"], ["2.5"]])
        #expect(list.labels.map(\.color) == [nil, "#123456"])
        #expect(list.labels.map(\.line) == [3, 2])
    }

    @Test func formatGivenOverridesDetection() throws {
        // A header without "id" is not detected as CSV, but read as CSV when told.
        #expect(Self.problem("Id,name\n1,a\n", format: .tsv) == "t.txt:1: no id column")
        let table = try Self.read("0 a 1 2 3 0\n", format: .slicer)
        #expect(table.format == .slicer)
    }

    @Test(arguments: [
        ("0 a 0 0 0 0\n1 b 0 0 0 0\n0 c 0 0 0 0\n", "t.txt:3: id 0 is there twice (first on line 1)"),
        ("0 a 0 0 0 0\n-1 b 0 0 0 0\n", "t.txt:2: id \"-1\" is not an integer from 0 to 18446744073709551615"),
        (
            "0 a 0 0 0 0\n18446744073709551616 b 0 0 0 0\n",
            "t.txt:2: id \"18446744073709551616\" is not an integer from 0 to 18446744073709551615"
        ),
        ("0 a 0 0 0 0\n1.5 b 0 0 0 0\n", "t.txt:2: id \"1.5\" is not an integer from 0 to 18446744073709551615"),
        ("0 a 0 0 0 0\n1 b 0 0 0\n", "t.txt:2: 5 fields, a row has 6: id name R G B A (freesurfer)"),
        (
            "0 a 0 0 0 0\n1 b c 0 0 0 0\n",
            "t.txt:2: 7 fields, a row has 6: id name R G B A (freesurfer); put a name with spaces in double quotes"
        ),
        ("0 a 0 0 0 0\n1 b 256 0 0 0\n", "t.txt:2: R \"256\" is not an integer from 0 to 255"),
        ("0 a 0 0 0 0\n1 \"b 0 0 0 0\n", "t.txt:2: a double quote is not closed"),
        (
            "0 0 0 0 0 1 1 \"a\"\n1 0 0 0 0 1 1\n",
            "t.txt:2: 7 fields, a row has 8: id R G B A VIS MSH \"name\" (ITK-SNAP)"
        ),
        ("id,name\n1,a\n2\n", "t.txt:3: 1 field, the header on line 1 has 2"),
        ("id,name\n1,a\n2,b,c\n", "t.txt:3: 3 fields, the header on line 1 has 2"),
        ("id,name\n1,a\n2,\"b\n", "t.txt:3: a double quote opened here is not closed"),
        ("id,name\n1,\"a\"x\n", "t.txt:2: text after a closing double quote"),
        ("id,name\n1,a\nx,b\n", "t.txt:3: id \"x\" is not an integer from 0 to 18446744073709551615"),
        ("id,name\n1,a\n1,b\n", "t.txt:3: id 1 is there twice (first on line 2)"),
        ("id,name,Name\n1,a,b\n", "t.txt:1: column \"Name\" is there twice"),
        ("id,name,label\n1,a,b\n", "t.txt:1: both a name and a label column: keep one"),
        ("id,,x\n1,a,b\n", "t.txt:1: column 2 has no name"),
        ("id,name,color\n1,a,red\n", "t.txt:2: colour \"red\" is not #rrggbb"),
        ("id,name\n", "t.txt: holds no labels"),
        ("", "t.txt: holds no labels"),
        ("# only a comment\n", "t.txt: holds no labels"),
        ("{\"1\": \"a\",\n\"1\": \"b\"}", "t.txt:2: key \"1\" is there twice"),
        (
            "[{\"id\": 1, \"name\": \"a\"},\n {\"id\": 1.0, \"name\": \"b\"}]",
            "t.txt:2: id \"1.0\" is not an integer from 0 to 18446744073709551615"
        ),
        ("[{\"id\": 1},\n {\"name\": \"b\"}]", "t.txt:2: no id"),
        ("[{\"LabelValue\": 1},\n {\"name\": \"b\"}]", "t.txt:2: no id"),
        (
            "{\"1\": \"a\",\n\"2\": [1]}",
            "t.txt:2: the value of id \"2\" is not a name (a string) or an object of fields"
        ),
        ("[{\"id\": 1, \"x\": {}}]", "t.txt:1: field \"x\" is not a string or a number"),
        ("{\"1\": \"a\n\"}", "t.txt:1: a line break inside a string"),
        ("{\"1\": \"a\"", "t.txt:1: the JSON text ends early"),
        ("{\"1\": \"a\"} x", "t.txt:1: text after the JSON value"),
        (String(repeating: "[", count: 100), "t.txt:1: nested more than 64 deep"),
        (
            "hello world\n",
            "t.txt:1: cannot tell the table's format: not JSON, no CSV or TSV header with an id column, "
                + "not 'id name R G B A' rows (FreeSurfer, Slicer) nor 'id R G B A VIS MSH \"name\"' rows (ITK-SNAP); "
                + "choose one with --format"
        ),
    ])
    func badTablesAreNamedByLine(text: String, expected: String) {
        #expect(Self.problem(text) == expected)
    }

    @Test func undecodableTextIsNamedByLine() {
        let bytes = Array("0 a 0 0 0 0\r\n1 b 0 0 0 0\n".utf8) + [0x32, 0x20, 0xC3, 0x28, 0x0A]
        #expect(Self.problem(bytes) == "t.txt:3: not valid UTF-8 text")
        #expect(Self.problem([0x7B, 0x0A, 0xFF]) == "t.txt:2: not valid UTF-8 text")
    }
}
