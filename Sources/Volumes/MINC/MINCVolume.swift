import Codecs
import Foundation
import Precomputed

/// The voxels of a MINC image variable: boxes in file order, read by libnetcdf or libhdf5.
protocol MINCData: Sendable {
    /// The values of the box `start..<start+count`, C order (last dimension fastest), in the
    /// stored type and host byte order.
    func read(start: [Int], count: [Int]) throws -> [UInt8]
}

extension NetCDFVariable: MINCData {}
extension HDF5Dataset: MINCData {}

/// A MINC1 (netCDF) or MINC2 (HDF5) image as nibabel presents it: its dimensions in file order
/// are the array axes (x, y, z = the first three, the rest channels; for a usual file, x is
/// zspace and z is xspace, which the affine accounts for), and integer values become real values
/// in float64 through the valid range and image-min/image-max, per slice where those vary.
///
/// Read slab by slab: each slab is one hyperslab of the z range asked for (the file's third
/// dimension), so memory is bounded by the slab. Calls into libnetcdf and libhdf5 hold one
/// lock; `readBlock` is not offered, since parallel readers would only wait on it.
public final class MINCVolume: VolumeFile {
    public let path: String
    public let header: MINCHeader
    public let options: VolumeOptions
    private let data: any MINCData

    /// Opens `path` as MINC1 (`version` 1) or MINC2 (`version` 2) and reads its header.
    public init(path: String, version: Int, options: VolumeOptions = VolumeOptions()) throws {
        self.path = path
        self.options = options
        do {
            if try RawVolumeData.isGzip(path) {
                guard version == 1 else {
                    throw VolumeError(
                        path: path,
                        message: "a gzipped MINC2 (HDF5) file cannot be read in place (nor can nibabel): gunzip it")
                }
                // nibabel reads a gzipped MINC1 (netCDF classic, which needs random access): it is
                // decompressed to a temporary file, removed as soon as libnetcdf holds it open.
                let plain = try Self.decompressedCopy(path)
                defer { TempFiles.discard(tempPath: plain) }
                do {
                    (header, data) = try MINC1.open(plain, ignoreScaling: options.ignoreScaling)
                } catch let error as VolumeError {
                    throw VolumeError(path: path, message: error.message)
                }
            } else {
                (header, data) =
                    version == 1
                    ? try MINC1.open(path, ignoreScaling: options.ignoreScaling)
                    : try MINC2.open(path, ignoreScaling: options.ignoreScaling)
            }
        } catch let error as CodecError {
            throw VolumeError(path: path, codecError: error)
        }
        guard header.shape.allSatisfy({ $0 > 0 }) else {
            throw VolumeError(path: path, message: "the image has an empty dimension (shape \(header.shape))")
        }
    }

    /// Decompresses the gzip file `path` into a registered temporary file (in $TMPDIR, else
    /// /tmp) and returns its path.
    static func decompressedCopy(_ path: String) throws -> String {
        let directory = ProcessInfo.processInfo.environment["TMPDIR"].flatMap { $0.isEmpty ? nil : $0 } ?? "/tmp"
        let name = path.split(separator: "/").last.map { String($0.dropLast(3)) } ?? "minc1.mnc"
        let (fd, temporary) = try TempFiles.create(finalPath: directory + "/nprec-" + name)
        do {
            defer { close(fd) }
            let stream = try RawVolumeData.open(path, compressed: true)
            var block = [UInt8](repeating: 0, count: 1 << 20)
            while true {
                let got: Int
                do {
                    got = try block.withUnsafeMutableBytes { try stream.read(into: $0) }
                } catch let error as CodecError {
                    throw VolumeError(path: path, codecError: error)
                }
                var written = 0
                while written < got {
                    let count = block.withUnsafeBytes { write(fd, $0.baseAddress! + written, got - written) }
                    guard count > 0 else {
                        throw VolumeError(
                            path: temporary, message: "cannot write: \(String(cString: strerror(errno)))")
                    }
                    written += count
                }
                if got < block.count { break }
            }
        } catch {
            TempFiles.discard(tempPath: temporary)
            throw error
        }
        return temporary
    }

    public var formatName: String { "MINC\(header.version)" }

    /// nibabel's first three axes: the file's first three dimensions.
    public var size: [Int] { Array(header.shape.prefix(3)) }

    /// The product of the file's fourth and later dimensions.
    public var channels: Int { header.shape.dropFirst(3).reduce(1, *) }

    /// float64 when integer values are scaled, else the stored type.
    public var elementType: DataType { header.scaling == nil ? header.storedType : .float64 }

    /// Always nil: the scaling varies per slice, and is applied while reading.
    public var scaling: (slope: Double, inter: Double)? { nil }

    public var affine: [[Double]] { header.affine }

    public func readSlab(_ zRange: Range<Int>) throws -> VolumeSlab {
        let shape = header.shape
        guard zRange.lowerBound >= 0, zRange.upperBound <= shape[2], !zRange.isEmpty else {
            throw VolumeError(
                path: path, message: "slab z \(zRange.lowerBound)..<\(zRange.upperBound) is outside 0..<\(shape[2])")
        }
        var start = [Int](repeating: 0, count: shape.count)
        var count = shape
        start[2] = zRange.lowerBound
        count[2] = zRange.count
        let raw: [UInt8]
        do {
            raw = try data.read(start: start, count: count)
        } catch let error as CodecError {
            throw VolumeError(path: path, codecError: error)
        }
        let layout = MINCLayout(s0: shape[0], s1: shape[1], nz: zRange.count, channels: channels)
        let bytes: [UInt8]
        if let scaling = header.scaling {
            bytes = Self.scaled(raw, header.storedType, layout, scaling)
        } else {
            bytes = Self.reordered(raw, elementSize: header.storedType.size, layout)
        }
        return VolumeSlab(
            size: [shape[0], shape[1], zRange.count], channels: channels, elementType: elementType, bytes: bytes)
    }

    /// File order (first dimension slowest, channels fastest) to slab order (x fastest, channel
    /// slowest), values unchanged.
    static func reordered(_ raw: [UInt8], elementSize: Int, _ layout: MINCLayout) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: raw.count)
        raw.withUnsafeBytes { source in
            out.withUnsafeMutableBytes { target in
                switch elementSize {
                case 1: layout.reorder(source, target, UInt8.self) { value, _ in value }
                case 2: layout.reorder(source, target, UInt16.self) { value, _ in value }
                case 4: layout.reorder(source, target, UInt32.self) { value, _ in value }
                default: layout.reorder(source, target, UInt64.self) { value, _ in value }
                }
            }
        }
        return out
    }

    /// File order to slab order, each value clipped to the valid range and scaled to float64.
    static func scaled(_ raw: [UInt8], _ type: DataType, _ layout: MINCLayout, _ scaling: MINCScaling) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: raw.count / type.size * 8)
        raw.withUnsafeBytes { source in
            out.withUnsafeMutableBytes { target in
                switch type {
                case .uint8: layout.scale(source, target, UInt8.self, scaling)
                case .int8: layout.scale(source, target, Int8.self, scaling)
                case .uint16: layout.scale(source, target, UInt16.self, scaling)
                case .int16: layout.scale(source, target, Int16.self, scaling)
                case .uint32: layout.scale(source, target, UInt32.self, scaling)
                case .int32: layout.scale(source, target, Int32.self, scaling)
                case .uint64: layout.scale(source, target, UInt64.self, scaling)
                case .int64: layout.scale(source, target, Int64.self, scaling)
                case .float32, .float64: break  // never scaled
                }
            }
        }
        return out
    }
}

/// The shape of a hyperslab in file order: [s0, s1, nz, channels...].
struct MINCLayout {
    var s0: Int
    var s1: Int
    var nz: Int
    var channels: Int

    /// Writes `transform(value, i)` for every value, in slab order, where `i` is the index of the
    /// value's first two coordinates (x·s1 + y), for per-slice scaling.
    @inline(__always)
    func reorder<T, U>(
        _ source: UnsafeRawBufferPointer, _ target: UnsafeMutableRawBufferPointer, _: T.Type,
        _ transform: (T, Int) -> U
    ) {
        let from = source.bindMemory(to: T.self)
        let to = target.bindMemory(to: U.self)
        let (s0, s1, nz, channels) = (self.s0, self.s1, self.nz, self.channels)
        let xStride = s1 &* nz &* channels
        var out = 0
        for c in 0..<channels {
            for z in 0..<nz {
                for y in 0..<s1 {
                    var index = (y &* nz &+ z) &* channels &+ c
                    var slice = y
                    for _ in 0..<s0 {
                        to[out] = transform(from[index], slice)
                        out &+= 1
                        index &+= xStride
                        slice &+= s1
                    }
                }
            }
        }
    }

    func scale<T: BinaryInteger>(
        _ source: UnsafeRawBufferPointer, _ target: UnsafeMutableRawBufferPointer, _ type: T.Type,
        _ scaling: MINCScaling
    ) {
        let (low, high) = (scaling.validMin, scaling.validMax)
        scaling.slopes.withUnsafeBufferPointer { slopes in
            scaling.inters.withUnsafeBufferPointer { inters in
                switch scaling.dimensions {
                case 0:
                    let (slope, inter) = (slopes[0], inters[0])
                    reorder(source, target, T.self) { value, _ in min(max(Double(value), low), high) * slope + inter }
                case 1:
                    let s1 = self.s1
                    reorder(source, target, T.self) { value, slice in
                        let x = slice / s1
                        return min(max(Double(value), low), high) * slopes[x] + inters[x]
                    }
                default:
                    reorder(source, target, T.self) { value, slice in
                        min(max(Double(value), low), high) * slopes[slice] + inters[slice]
                    }
                }
            }
        }
    }
}
