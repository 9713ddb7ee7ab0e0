import Foundation
import Testing

@testable import Volumes

/// Broken PAR/REC pairs, made from phantom_EPI_asc_CLEAR_2_1 by editing its header or REC: each
/// must throw a VolumeError naming the file and the problem, never trap.
@Suite("PAR/REC errors")
struct PARRECErrorTests {
    /// An edit of the PAR text and a word the message must contain.
    struct Case: CustomTestStringConvertible, Sendable {
        var name: String
        var edit: @Sendable (String) -> String
        var expect: String
        var testDescription: String { name }
    }

    static let stem = "phantom_EPI_asc_CLEAR_2_1"
    static let firstImage =
        "  1   1    1  1 0 2     0  16    62   64   64     0.00000   1.29035 4.28404e-003  1070  1860 -13.26  -0.00  "
        + "-0.00    2.51   -0.81   -8.69  6.000  2.000 0 1 0 2  3.750  3.750  30.00    0.00     0.00    0.00   0   "
        + "90.00     0    0    0    39   0.0  1   1    8    0   0.000    0.000    0.000  1"

    static func replacing(_ old: String, _ new: String) -> @Sendable (String) -> String {
        { $0.replacingOccurrences(of: old, with: new) }
    }

    /// Replaces the line containing `marker`.
    static func line(_ marker: String, _ new: String) -> @Sendable (String) -> String {
        { text in
            text.components(separatedBy: "\n").map { $0.contains(marker) ? new : $0 }.joined(separator: "\n")
        }
    }

    static let cases: [Case] = [
        Case(name: "unknown version", edit: replacing("export tool     V4.2", "export tool     V3"), expect: "'V3'"),
        Case(name: "no version", edit: replacing("Research image export tool     V4.2", ""), expect: "no PAR version"),
        Case(name: "general line without colon", edit: line("Technique", ".    Technique  FEEPI"), expect: "malformed"),
        Case(
            name: "unknown general field", edit: line("Technique", ".    Tech nique : FEEPI"), expect: "unknown general"
        ),
        Case(
            name: "general integer not an integer",
            edit: line("Max. number of slices", ".  Max. number of slices/locations : nine"),
            expect: "not an integer"),
        Case(
            name: "angulation with two values",
            edit: line("Angulation midslice", ".    Angulation midslice(ap,fh,rl)[degr]:   -13.265  0.000"),
            expect: "3 numbers"),
        Case(name: "no angulation", edit: line("Angulation midslice", ""), expect: "Angulation"),
        Case(name: "no slice count", edit: line("Max. number of slices", ""), expect: "Max. number of slices"),
        Case(
            name: "image line too short", edit: replacing(firstImage, "  1   1    1  1 0 2     0  16"),
            expect: "needs 49 values"),
        Case(
            name: "image value not an integer", edit: replacing(firstImage, "1.5" + firstImage.dropFirst(3)),
            expect: "slice number"),
        Case(
            name: "image value not a number", edit: replacing("0.00000   1.29035", "0.00000   1,29035"),
            expect: "rescale slope"),
        Case(
            name: "varying pixel size",
            edit: replacing(firstImage, firstImage.replacingOccurrences(of: "  16 ", with: "   8 ")),
            expect: "varying image pixel size"),
        Case(name: "32-bit images", edit: replacing(" 16    62 ", " 32    62 "), expect: "32-bit"),
        Case(name: "slice number out of range", edit: replacing("\n  1   1  ", "\n 10   1  "), expect: "outside"),
        Case(name: "negative thickness", edit: replacing("6.000  2.000", "-9.000  2.000"), expect: "negative"),
        Case(
            name: "unknown slice orientation", edit: replacing("2.000 0 1 0 2", "2.000 0 4 0 2"),
            expect: "slice orientation"),
        Case(
            name: "varying spacing",
            edit: replacing(firstImage, firstImage.replacingOccurrences(of: "3.750  3.750", with: "3.750  3.751")),
            expect: "varying pixel spacing"),
        Case(
            name: "partial volume", edit: { text in text.replacingOccurrences(of: firstImage + "\n", with: "") },
            expect: "partial"),
        Case(name: "empty recon resolution", edit: replacing("   64   64 ", "    0   64 "), expect: "empty"),
        Case(
            name: "no image lines",
            edit: { $0.components(separatedBy: "\n").filter { !$0.hasPrefix("  ") }.joined(separator: "\n") },
            expect: "slice values"),
    ]

    /// The fixture's text with LF line ends (it has CRLF, which Swift treats as one character).
    static func text() throws -> String {
        let bytes = try Data(contentsOf: URL(fileURLWithPath: PARRECFixtures.path(stem + ".PAR")))
        return String(decoding: bytes.filter { $0 != 0x0d }, as: UTF8.self)
    }

    static func write(_ text: String, recBytes: Int? = nil, in directory: URL, name: String = "broken") throws -> String
    {
        let par = directory.appendingPathComponent(name + ".PAR")
        try Data(text.utf8).write(to: par)
        var rec = try Data(contentsOf: URL(fileURLWithPath: PARRECFixtures.path(stem + ".REC")))
        if let recBytes { rec = rec.prefix(recBytes) }
        try rec.write(to: directory.appendingPathComponent(name + ".REC"))
        return par.path
    }

    @Test("a broken header", arguments: cases)
    func brokenHeader(_ item: Case) throws {
        let directory = try PARRECFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let text = try Self.text()
        let edited = item.edit(text)
        #expect(edited != text, "the edit changed nothing")
        let path = try Self.write(edited, in: directory)
        let error = #expect(throws: VolumeError.self) { try VolumeFiles.open(path) }
        #expect(error?.path == path)
        #expect(error?.message.contains(item.expect) == true, "\(error?.message ?? "no error")")
    }

    @Test("a short REC file")
    func shortREC() throws {
        let directory = try PARRECFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let text = try Self.text()
        let path = try Self.write(text, recBytes: 221_184 - 1, in: directory)
        let error = #expect(throws: VolumeError.self) { try PARRECVolume(path: path) }
        #expect(error?.path.hasSuffix("broken.REC") == true)
        #expect(error?.message.contains("truncated") == true, "\(error?.message ?? "")")
    }

    @Test("a missing REC file, a compressed pair, a name that is not .PAR or .REC")
    func files() throws {
        let directory = try PARRECFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let text = try Self.text()
        let par = directory.appendingPathComponent("alone.PAR")
        try Data(text.utf8).write(to: par)
        var error = #expect(throws: VolumeError.self) { try VolumeFiles.open(par.path) }
        #expect(error?.message.contains("alone.REC") == true, "\(error?.message ?? "")")

        let gz = directory.appendingPathComponent("x.PAR.gz")
        try Data(text.utf8).write(to: gz)
        error = #expect(throws: VolumeError.self) { try PARRECVolume(path: gz.path) }
        #expect(error?.message.contains("compressed") == true, "\(error?.message ?? "")")

        let txt = directory.appendingPathComponent("header.txt")
        try Data(text.utf8).write(to: txt)
        #expect(try VolumeFiles.detect(txt.path) == .parrec)
        error = #expect(throws: VolumeError.self) { try VolumeFiles.open(txt.path) }
        #expect(error?.message.contains(".PAR or .REC") == true, "\(error?.message ?? "")")
    }

    @Test("CRLF and CR line ends read as LF")
    func lineEnds() throws {
        let directory = try PARRECFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let text = try Self.text()
        let reference = try PARRECVolume(path: PARRECFixtures.path(Self.stem + ".PAR"))
        for (name, end) in [("crlf", "\r\n"), ("cr", "\r")] {
            let path = try Self.write(text.replacingOccurrences(of: "\n", with: end), in: directory, name: name)
            let volume = try PARRECVolume(path: path)
            #expect(volume.affine == reference.affine)
            #expect(try volume.readSlab(0..<9).bytes == reference.readSlab(0..<9).bytes)
        }
        // Line numbers in messages count CRLF once.
        let broken = text.replacingOccurrences(of: ".    Technique", with: ".    Tech nique")
        let path = try Self.write(broken.replacingOccurrences(of: "\n", with: "\r\n"), in: directory, name: "b")
        let error = #expect(throws: VolumeError.self) { try PARRECVolume(path: path) }
        #expect(error?.message.hasPrefix("line 27:") == true, "\(error?.message ?? "")")
    }
}
