import Foundation
import Precomputed

/// A 2-D image read row by row, top to bottom (PNG, TIFF, JPEG slices).
public protocol SliceImage: AnyObject {
    var width: Int { get }
    var height: Int { get }
    /// Samples per pixel (1 grey, 2 grey+alpha, 3 RGB, 4 RGBA).
    var channels: Int { get }
    var sampleType: DataType { get }
    /// The next `count` rows: samples interleaved per pixel, host byte order.
    func readRows(_ count: Int) throws -> [UInt8]
}

/// Opens a slice image file (chosen by extension).
public typealias SliceOpener = @Sendable (String) throws -> SliceImage

/// What a slice image file is, from its extension.
public enum SliceFileKind: String, Sendable {
    case png, tiff, jpeg

    public init?(path: String) {
        switch (path as NSString).pathExtension.lowercased() {
        case "png": self = .png
        case "tif", "tiff": self = .tiff
        case "jpg", "jpeg": self = .jpeg
        default: return nil
        }
    }
}

/// An error about a slice stack, naming the directory or file.
public struct SliceError: Error, CustomStringConvertible, Sendable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// The slice files of one directory, in lexicographic order; hidden files and files of other
/// types are skipped (reported through `notice`).
public func sliceFiles(in directory: String, notice: (String) -> Void) throws -> [String] {
    guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory) else {
        throw SliceError("\(directory): cannot list the directory")
    }
    var files: [String] = []
    var skipped: [String] = []
    for name in names {
        let path = (directory as NSString).appendingPathComponent(name)
        if name.hasPrefix(".") { continue }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue else {
            continue
        }
        if SliceFileKind(path: name) == nil {
            skipped.append(name)
            continue
        }
        files.append(path)
    }
    if !skipped.isEmpty {
        let shown = skipped.sorted().prefix(3).joined(separator: ", ")
        notice(
            "\(directory): skipped \(skipped.count) file\(skipped.count > 1 ? "s" : "") that are not PNG, TIFF or JPEG (\(shown)\(skipped.count > 3 ? ", ..." : ""))"
        )
    }
    // Lexicographic by code point, as Python's sorted().
    return files.sorted { $0.unicodeScalars.lexicographicallyPrecedes($1.unicodeScalars) }
}

/// The slice stacks of a conversion: one directory per channel group, all with the same number
/// of slices of the same size and type.
public struct SliceStack: Sendable {
    public let directories: [String]
    public let files: [[String]]
    public let width: Int
    public let height: Int
    /// Samples per pixel of each directory's images.
    public let channelsPerDirectory: [Int]
    public let sampleType: DataType

    public var sliceCount: Int { files.first?.count ?? 0 }
    public var channels: Int { channelsPerDirectory.reduce(0, +) }

    public init(
        directories: [String], files: [[String]], width: Int, height: Int, channelsPerDirectory: [Int],
        sampleType: DataType
    ) {
        self.directories = directories
        self.files = files
        self.width = width
        self.height = height
        self.channelsPerDirectory = channelsPerDirectory
        self.sampleType = sampleType
    }

    /// Lists the directories and reads the first slice of each for its size and type.
    public init(directories: [String], open: SliceOpener, notice: (String) -> Void) throws {
        self.directories = directories
        var files: [[String]] = []
        var channels: [Int] = []
        var size: (Int, Int)? = nil
        var type: DataType? = nil
        for directory in directories {
            let list = try sliceFiles(in: directory, notice: notice)
            guard let first = list.first else { throw SliceError("\(directory): no PNG, TIFF or JPEG slices found") }
            if let count = files.first?.count, count != list.count {
                throw SliceError("found \(list.count) slices in \(directory), but \(count) in \(directories[0])")
            }
            let image = try open(first)
            if let (w, h) = size, w != image.width || h != image.height {
                throw SliceError(
                    "\(first) is \(image.width)x\(image.height), but the slices of \(directories[0]) are \(w)x\(h)")
            }
            if let type, type != image.sampleType {
                throw SliceError(
                    "\(first) holds \(image.sampleType.rawValue) samples, but \(directories[0]) \(type.rawValue)")
            }
            size = (image.width, image.height)
            type = image.sampleType
            channels.append(image.channels)
            files.append(list)
        }
        self.files = files
        width = size!.0
        height = size!.1
        channelsPerDirectory = channels
        sampleType = type!
    }
}
