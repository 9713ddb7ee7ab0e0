import Codecs
import Foundation
import Precomputed

#if canImport(FoundationXML)
    import FoundationXML
#endif

/// A 3-D TIFF file (a multi-page stack, an ImageJ hyperstack or an OME-TIFF) as a slice stack
/// whose slices are its pages, read page by page: what `tifffile.imread` returns, page p being
/// slice p of a plain stack. ImageJ and OME channels stored as separate pages become channel
/// groups (one "directory" of the stack each); samples of a page (RGB) are channels too. Time
/// series (ImageJ frames, OME SizeT) are refused.
///
/// The voxel size, when the metadata gives one, comes from the OME-XML PhysicalSizeX/Y/Z (with
/// their units), or from ImageJ's description (`unit=`, `spacing=`) with the XResolution and
/// YResolution tags.
public struct TIFFStack: Sendable {
    public let path: String
    public let stack: SliceStack
    /// Opens the slices of `stack` (its file names are labels of pages).
    public let open: SliceOpener
    /// "OME-TIFF", "ImageJ hyperstack" or "multi-page TIFF".
    public let kind: String
    /// Nanometres along the input axes (column, row, page), from the metadata; nil when it gives
    /// none or only some.
    public let voxelSize: [Double]?
    /// Where `voxelSize` came from, or why there is none.
    public let voxelSizeNote: String

    /// Whether `path` names a TIFF file (by extension).
    public static func isTIFF(_ path: String) -> Bool { SliceFileKind(path: path) == .tiff }

    /// Reads the directory chain and metadata of `path` and the first page's layout.
    public init(path: String) throws {
        self.path = path
        let file: TIFFFile
        let first: TIFFImage
        do {
            file = try TIFFFile(path: path)
            first = try TIFFImage(path: path, directory: file.pages[0])
        } catch let error as CodecError {
            throw SliceReaders.sliceError(error, path: path)
        }
        guard let sampleType = SliceReaders.dataType(first.sampleKind, bits: first.bitsPerSample) else {
            throw SliceError(
                "\(path): \(first.bitsPerSample)-bit \(first.sampleKind.rawValue) samples are not supported")
        }
        let description = file.description ?? ""
        let layout: PageLayout
        if description.hasPrefix("<?xml") || description.contains("<OME") {
            layout = try PageLayout(ome: description, path: path, samples: first.channels)
            kind = "OME-TIFF"
        } else if description.hasPrefix("ImageJ=") {
            layout = try PageLayout(
                imageJ: description, path: path, samples: first.channels, resolution: file.resolution)
            kind = "ImageJ hyperstack"
        } else {
            layout = PageLayout(plain: file.pages.count, resolution: file.resolution)
            kind = "multi-page TIFF"
        }
        if let beyond = layout.pages.first(where: { $0 >= file.pages.count }) {
            throw SliceError(
                "\(path): the \(kind) metadata describes \(layout.slices) slices x \(layout.channelPages) "
                    + "channels up to page \(beyond), but the file has \(file.pages.count) pages")
        }
        var labels: [String: UInt64] = [:]
        var files: [[String]] = []
        for c in 0..<layout.channelPages {
            files.append(
                (0..<layout.slices).map { z in
                    let page = layout.page(z: z, c: c)
                    let label = "\(path) page \(page)"
                    labels[label] = file.pages[page]
                    return label
                })
        }
        let directories =
            layout.channelPages == 1 ? [path] : (0..<layout.channelPages).map { "\(path) channel \($0)" }
        stack = SliceStack(
            directories: directories, files: files, width: first.width, height: first.height,
            channelsPerDirectory: Array(repeating: first.channels, count: layout.channelPages),
            sampleType: sampleType)
        voxelSize = layout.voxelSize
        voxelSizeNote = layout.voxelSizeNote
        let pageLabels = labels
        open = { label in
            guard let directory = pageLabels[label] else { throw SliceError("\(label): not a page of \(path)") }
            do {
                let image = try TIFFImage(path: path, directory: directory)
                guard let type = SliceReaders.dataType(image.sampleKind, bits: image.bitsPerSample) else {
                    throw SliceError(
                        "\(label): \(image.bitsPerSample)-bit \(image.sampleKind.rawValue) samples are not supported")
                }
                return StreamingSlice(image, sampleType: type)
            } catch let error as CodecError {
                throw SliceError("\(label): \(error.message.replacingOccurrences(of: path + ": ", with: ""))")
            }
        }
    }
}

/// Which page holds slice z of channel c, and the voxel size, from a TIFF's metadata.
struct PageLayout {
    var slices: Int
    /// Channels stored as separate pages (1 when the channels are a page's samples).
    var channelPages: Int
    /// The page of slice z of channel c at [c * slices + z].
    var pages: [Int]
    var voxelSize: [Double]?
    var voxelSizeNote: String

    func page(z: Int, c: Int) -> Int { pages[c * slices + z] }

    /// Every page is a slice; in-plane sizes only from the resolution tags, so no voxel size.
    init(plain pages: Int, resolution: (x: Double, y: Double, unit: Int)?) {
        slices = pages
        channelPages = 1
        self.pages = Array(0..<pages)
        voxelSize = nil
        if let resolution, resolution.unit == 2 || resolution.unit == 3 {
            voxelSizeNote =
                "the TIFF has no ImageJ or OME metadata: its XResolution and YResolution give no slice spacing"
        } else {
            voxelSizeNote = "the TIFF has no ImageJ or OME metadata and no resolution tags in physical units"
        }
    }

    /// ImageJ's description: `images=`, `channels=`, `slices=`, `frames=` (pages ordered time,
    /// slice, channel, channel fastest), `unit=` and `spacing=`; the pixel width and height are
    /// 1 / XResolution and 1 / YResolution in `unit`.
    init(imageJ description: String, path: String, samples: Int, resolution: (x: Double, y: Double, unit: Int)?) throws
    {
        var values: [String: String] = [:]
        for line in description.split(whereSeparator: \.isNewline) {
            guard let equals = line.firstIndex(of: "=") else { continue }
            values[String(line[..<equals])] = String(line[line.index(after: equals)...])
        }
        func count(_ key: String) -> Int? { values[key].flatMap { Int($0) } }
        let frames = count("frames") ?? 1
        let channels = count("channels") ?? 1
        var slices = count("slices") ?? 1
        if values["slices"] == nil && values["frames"] == nil && values["channels"] == nil {
            slices = count("images") ?? 1
        }
        guard frames <= 1 else {
            throw SliceError(
                "\(path): an ImageJ time series (frames=\(frames)) cannot be converted to one volume; if the frames "
                    + "are z slices, set them as slices in ImageJ (Image > Properties) and save again")
        }
        guard channels >= 1, slices >= 1 else {
            throw SliceError("\(path): ImageJ channels=\(channels), slices=\(slices) are not valid")
        }
        self.slices = slices
        if channels > 1 && channels == samples && (count("images") ?? slices) == slices {
            // RGB: the channels are the samples of each page.
            channelPages = 1
        } else {
            channelPages = channels
        }
        let channelPages = self.channelPages
        self.pages = (0..<channelPages).flatMap { c in (0..<slices).map { z in c + channelPages * z } }
        let unit = values["unit"].map { $0.replacingOccurrences(of: "\\u00B5", with: "µ") }
        guard let unit, let scale = Self.nanometres(unit) else {
            voxelSize = nil
            voxelSizeNote = "the ImageJ description gives no physical unit (unit=\(values["unit"] ?? "none"))"
            return
        }
        guard let resolution, resolution.x > 0, resolution.y > 0 else {
            voxelSize = nil
            voxelSizeNote = "the TIFF has no XResolution and YResolution tags"
            return
        }
        let spacing = values["spacing"].flatMap(Double.init)
        // libtiff gives the resolution rationals as float32: 7 significant digits are meaningful.
        voxelSize = [
            Self.rounded(scale / resolution.x, digits: 7), Self.rounded(scale / resolution.y, digits: 7),
            Self.rounded((spacing ?? 1) * scale),
        ]
        voxelSizeNote =
            "voxel size from the ImageJ description (unit=\(unit)"
            + (spacing == nil ? ", no spacing=: ImageJ's depth of 1 \(unit)" : ", spacing=\(values["spacing"]!)")
            + ") and the XResolution and YResolution tags"
    }

    /// OME-XML: the first image's Pixels (DimensionOrder, SizeZ, SizeC, SizeT, PhysicalSizeX/Y/Z
    /// and their units); its planes on the pages that its TiffData elements say (IFD, FirstZ/C/T,
    /// PlaneCount), or on consecutive pages from the first without them.
    init(ome description: String, path: String, samples: Int) throws {
        let reader = OMEReader()
        let parser = XMLParser(data: Data(description.utf8))
        parser.delegate = reader
        guard parser.parse(), let pixels = reader.pixels else {
            throw SliceError("\(path): the OME-XML metadata cannot be read (no Pixels element)")
        }
        func size(_ key: String) throws -> Int {
            guard let text = pixels[key] else { return 1 }
            guard let value = Int(text), value >= 1 else {
                throw SliceError("\(path): OME-XML \(key)=\"\(text)\" is not a positive integer")
            }
            return value
        }
        let sizeT = try size("SizeT")
        let sizeZ = try size("SizeZ")
        let sizeC = try size("SizeC")
        guard sizeT <= 1 else {
            throw SliceError("\(path): an OME-TIFF time series (SizeT=\(sizeT)) cannot be converted to one volume")
        }
        let name = (path as NSString).lastPathComponent
        if let other = reader.otherFiles.first(where: { $0 != name }) {
            throw SliceError("\(path): OME-TIFF planes stored in other files (\(other)) are not supported")
        }
        guard sizeC % samples == 0 else {
            throw SliceError("\(path): OME-XML SizeC=\(sizeC) is not a multiple of the \(samples) samples per page")
        }
        let channelPages = sizeC / samples
        let order = Array((pixels["DimensionOrder"] ?? "XYZCT").uppercased())
        guard order.count == 5, order.starts(with: ["X", "Y"]), Set(order) == Set("XYZCT") else {
            throw SliceError("\(path): OME-XML DimensionOrder=\"\(String(order))\" is not valid")
        }
        // Linear plane index of (z, c, t) in DimensionOrder, then plane -> page from TiffData.
        var stride = 1
        var strides: [Character: Int] = [:]
        for dimension in order.dropFirst(2) {
            strides[dimension] = stride
            stride *= dimension == "Z" ? sizeZ : dimension == "C" ? channelPages : sizeT
        }
        let planes = stride
        func plane(z: Int, c: Int, t: Int) -> Int { z * strides["Z"]! + c * strides["C"]! + t * strides["T"]! }
        var planePage = Array(0..<planes)
        for entry in reader.tiffData {
            func number(_ key: String) throws -> Int? {
                guard let text = entry[key] else { return nil }
                guard let value = Int(text), value >= 0 else {
                    throw SliceError("\(path): OME-XML TiffData \(key)=\"\(text)\" is not a count")
                }
                return value
            }
            let ifd = try number("IFD") ?? 0
            let start = try plane(z: number("FirstZ") ?? 0, c: number("FirstC") ?? 0, t: number("FirstT") ?? 0)
            guard start < planes else {
                throw SliceError("\(path): OME-XML TiffData names a plane beyond SizeZ, SizeC or SizeT")
            }
            let explicit = entry["IFD"] != nil || entry["FirstZ"] != nil || entry["FirstC"] != nil
            let count = try number("PlaneCount") ?? (explicit ? 1 : planes - start)
            for i in 0..<min(count, planes - start) { planePage[start + i] = ifd + i }
        }
        slices = sizeZ
        self.channelPages = channelPages
        pages = (0..<channelPages).flatMap { c in (0..<sizeZ).map { z in planePage[plane(z: z, c: c, t: 0)] } }
        var sizes: [Double] = []
        var missing: [String] = []
        for axis in ["X", "Y", "Z"] {
            let unit = pixels["PhysicalSize\(axis)Unit"] ?? "µm"
            if let text = pixels["PhysicalSize\(axis)"], let value = Double(text), value > 0,
                let scale = Self.nanometres(unit)
            {
                sizes.append(Self.rounded(value * scale))
            } else {
                missing.append("PhysicalSize\(axis)")
            }
        }
        let images = reader.images > 1 ? " (the first of its \(reader.images) images)" : ""
        if missing.isEmpty {
            voxelSize = sizes
            voxelSizeNote = "voxel size from the OME-XML PhysicalSizeX, PhysicalSizeY and PhysicalSizeZ\(images)"
        } else {
            voxelSize = nil
            voxelSizeNote = "the OME-XML metadata\(images) has no usable \(missing.joined(separator: ", "))"
        }
    }

    /// Nanometres per `unit` (OME and ImageJ spellings), or nil for none or unknown units.
    static func nanometres(_ unit: String) -> Double? {
        switch unit.trimmingCharacters(in: .whitespaces).lowercased() {
        case "pm": 1e-3
        case "å", "Å", "angstrom": 0.1
        case "nm", "nanometer", "nanometre": 1
        case "µm", "μm", "um", "micron", "microns", "micrometer", "micrometre": 1e3
        case "mm", "millimeter", "millimetre": 1e6
        case "cm", "centimeter", "centimetre": 1e7
        case "m", "meter", "metre": 1e9
        case "in", "inch": 2.54e7
        default: nil
        }
    }

    /// A size in nanometres rounded to `digits` significant digits, so that a unit conversion
    /// (0.3 µm) or a float32 resolution tag (1 / 3.3333333) gives the decimal that was meant.
    static func rounded(_ value: Double, digits: Int = 12) -> Double {
        guard value > 0, value.isFinite else { return value }
        let scale = pow(10, Double(digits - 1) - floor(log10(value)))
        return (value * scale).rounded() / scale
    }
}

/// Collects the first image's Pixels and TiffData attributes from OME-XML, and the files its
/// TiffData elements name.
final class OMEReader: NSObject, XMLParserDelegate {
    var pixels: [String: String]?
    var tiffData: [[String: String]] = []
    var otherFiles: [String] = []
    var images = 0
    private var inFirstPixels = false

    func parser(
        _ parser: XMLParser, didStartElement element: String, namespaceURI: String?, qualifiedName: String?,
        attributes: [String: String] = [:]
    ) {
        let name = element.split(separator: ":").last.map(String.init) ?? element
        switch name {
        case "Image": images += 1
        case "Pixels" where pixels == nil:
            pixels = attributes
            inFirstPixels = true
        case "TiffData" where inFirstPixels: tiffData.append(attributes)
        case "UUID" where inFirstPixels:
            if let file = attributes["FileName"] { otherFiles.append(file) }
        default: break
        }
    }

    func parser(_ parser: XMLParser, didEndElement element: String, namespaceURI: String?, qualifiedName: String?) {
        if (element.split(separator: ":").last.map(String.init) ?? element) == "Pixels" { inFirstPixels = false }
    }
}
