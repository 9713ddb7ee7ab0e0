import Codecs
import Foundation
import Precomputed

/// A slice decoded whole, served row by row (the fallback for formats without a row reader).
final class DecodedImage: SliceImage, @unchecked Sendable {
    let width: Int
    let height: Int
    let channels: Int
    let sampleType: DataType
    private var samples: [UInt8]
    private var nextRow = 0

    init(width: Int, height: Int, channels: Int, sampleType: DataType, samples: [UInt8]) {
        self.width = width
        self.height = height
        self.channels = channels
        self.sampleType = sampleType
        self.samples = samples
    }

    func readRows(_ count: Int) throws -> [UInt8] {
        let rowBytes = width * channels * sampleType.size
        let end = min(nextRow + count, height)
        defer { nextRow = end }
        let rows = Array(samples[(nextRow * rowBytes)..<(end * rowBytes)])
        if end == height { samples = [] }
        return rows
    }
}

/// Opens slice files by their extension.
public enum SliceReaders {
    public static let open: SliceOpener = { path in
        guard let kind = SliceFileKind(path: path) else { throw SliceError("\(path): not a PNG, TIFF or JPEG file") }
        guard let bytes = try FileIO.read(path) else { throw SliceError("\(path): no such file") }
        do {
            switch kind {
            case .png:
                let image = try PNG.decode(bytes)
                return DecodedImage(
                    width: image.width, height: image.height, channels: image.channels,
                    sampleType: image.bitDepth == 16 ? .uint16 : .uint8, samples: image.samples)
            case .jpeg:
                let image = try JPEG.decode(bytes)
                return DecodedImage(
                    width: image.width, height: image.height, channels: image.components, sampleType: .uint8,
                    samples: image.pixels)
            case .tiff:
                throw SliceError("\(path): TIFF slices are not supported yet")
            }
        } catch let error as CodecError {
            throw SliceError("\(path): \(error)")
        }
    }
}
