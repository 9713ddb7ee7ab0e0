import Dispatch
import Encoding
import NIfTI
import Precomputed

/// `nprec convert VOLUME DEST` (or `SLICE_DIR... DEST`): the full-resolution chunks.
enum ConvertRunner {
    static let infoHint = "run 'nprec info VOLUME DEST', then 'nprec scales DEST/info_fullres.json DEST'"

    @Sendable static func run(_ invocation: Invocation) throws -> Int32 {
        let (inputs, dest) = try volumeArguments(invocation)
        let dataset = Dataset(root: dest, options: invocation.storage)
        if SliceRunner.isSliceInput(inputs) {
            _ = try SliceRunner.orientation(invocation)
            let info = try dataset.readInfo(hint: infoHint)
            try info.validate(file: dataset.path("info"))
            try SliceRunner.convert(invocation, inputs: inputs, dataset: dataset, info: info)
            return 0
        }
        let source = try VolumeSource(path: inputs[0], invocation: invocation)
        let info = try dataset.readInfo(hint: infoHint)
        try info.validate(file: dataset.path("info"))
        try VolumeConverter(source: source, info: info, dataset: dataset, jobs: invocation.jobs).run()
        return 0
    }
}

/// Writes scale 0 of `info` from a volume on `jobs` threads. An uncompressed file is read by
/// every worker in bands of rows one chunk high and thick (chunk by chunk, in shard order, for a
/// sharded scale); a compressed stream in z-slabs of chunk thickness, the next slab read while
/// the current one is encoded. Values are converted, encoded and written chunk by chunk.
struct VolumeConverter {
    let source: VolumeSource
    let info: VolumeInfo
    let dataset: Dataset
    let jobs: Int

    func run() throws {
        let scale = info.scales[0]
        let key = scale.key!
        let output = DataType(name: info.dataType!)!
        let channels = info.numChannels!
        let volume = source.volume
        let infoPath = dataset.path("info")
        let format = ChunkFormat(info: info, scale: scale)
        try format.checkWritable()
        guard volume.size == scale.size else {
            throw CommandFailure(
                "\(volume.path) has size \(volume.size.map(String.init).joined(separator: "x")), but \(infoPath) "
                    + "says \(scale.size.map(String.init).joined(separator: "x")) (scales[0].size)")
        }
        guard volume.channels == channels else {
            throw CommandFailure(
                "\(volume.path) has \(volume.channels) channels, but \(infoPath) says \(channels) (num_channels)")
        }
        let resolution = source.resolution
        let consistent = (0..<3).allSatisfy {
            abs(resolution[$0] - scale.resolution[$0]) <= 1e-8 * 1e6 + 1e-5 * abs(scale.resolution[$0])
        }
        if !consistent {
            Console.warn(
                "voxel size is inconsistent with resolution in the info file "
                    + "(\(scale.resolution.map { "\($0 * 1e-6)" }.joined(separator: " x ")) mm)")
        }
        let mapping = source.mapping(to: output)
        if !mapping.declaredInput.canCastSafely(to: output) {
            Console.warn(
                "the volume has data type \(mapping.declaredInput.rawValue), but chunks will be saved with "
                    + "\(output.rawValue): make sure that the cast does not lose range or accuracy")
        }
        if mapping.rounds { Console.warn("values will be rounded to the nearest integer") }
        if mapping.clips {
            let (low, high) = output.integerRange
            Console.warn(
                "values will be clipped to the range [\(Int64(exactly: low).map(String.init) ?? "\(low)"), \(UInt64(exactly: high).map(String.init) ?? "\(high)")]"
            )
        }

        let grid = ChunkGrid(scale: scale)
        let writer = ScaleWriter(dataset: dataset, scale: scale, encoding: format.encoding)
        let progress = Progress("writing \(key)", total: grid.chunkCount)
        let offset = scale.offset
        let writeBand = { @Sendable (band: NIfTISlab, boxes: [ChunkBox], yStart: Int) throws in
            for box in boxes {
                let values = band.extract(
                    x: (box.x.lowerBound - offset[0])..<(box.x.upperBound - offset[0]),
                    y: (box.y.lowerBound - offset[1] - yStart)..<(box.y.upperBound - offset[1] - yStart),
                    elementSize: mapping.input.size)
                let converted = mapping.isIdentity ? values : mapping.convert(values)
                try writer.write(format.encode(converted, size: box.size), box: box)
                progress.advance()
            }
        }
        let gridSize = grid.gridSize
        if volume.isSeekable && writer.isSharded {
            // Sharded output from uncompressed data: chunks in shard order, each read on its own,
            // so a shard is complete (and written) while only a few are in flight.
            let boxes = writer.boxesInWriteOrder
            try parallelChunks(boxes.count, jobs: jobs) { index in
                let box = boxes[index]
                let block = try volume.readBlock(
                    x: (box.x.lowerBound - offset[0])..<(box.x.upperBound - offset[0]),
                    y: (box.y.lowerBound - offset[1])..<(box.y.upperBound - offset[1]),
                    z: (box.z.lowerBound - offset[2])..<(box.z.upperBound - offset[2]))
                let converted = mapping.isIdentity ? block.bytes : mapping.convert(block.bytes)
                try writer.write(format.encode(converted, size: box.size), box: box)
                progress.advance()
            }
        } else if volume.isSeekable {
            // Uncompressed data: each worker reads its own band of rows (one chunk's height) of
            // one chunk-thick slab, so memory holds a few bands, whatever the volume's size.
            let bands = (0..<gridSize[2]).flatMap { gz in (0..<gridSize[1]).map { gy in (gy, gz) } }
            try parallelChunks(bands.count, jobs: jobs) { index in
                let (gy, gz) = bands[index]
                let boxes = (0..<gridSize[0]).map { grid.box($0, gy, gz) }
                let y = (gy * grid.chunkSize[1])..<min((gy + 1) * grid.chunkSize[1], scale.size[1])
                let z = (gz * grid.chunkSize[2])..<min((gz + 1) * grid.chunkSize[2], scale.size[2])
                try writeBand(try volume.readBlock(y: y, z: z), boxes, y.lowerBound)
            }
        } else {
            // A compressed stream: z-slabs of chunk thickness, the next one read while the
            // current one is encoded.
            let reader = SlabReader(volume: volume)
            let chunkZ = grid.chunkSize[2]
            reader.prefetch(0..<min(chunkZ, scale.size[2]))
            for gz in 0..<gridSize[2] {
                let slab = try reader.take()
                if gz + 1 < gridSize[2] {
                    let z0 = (gz + 1) * chunkZ
                    reader.prefetch(z0..<min(z0 + chunkZ, scale.size[2]))
                }
                try parallelChunks(gridSize[1], jobs: jobs) { gy in
                    let boxes = (0..<gridSize[0]).map { grid.box($0, gy, gz) }
                    try writeBand(slab, boxes, 0)
                }
            }
        }
        try writer.finish()
        progress.finish()
    }
}

extension NIfTISlab {
    /// The values of the columns `x` and rows `y`, every z and channel of the slab, x fastest.
    func extract(x: Range<Int>, y: Range<Int>, elementSize: Int) -> [UInt8] {
        let (sx, sy, sz) = (size[0], size[1], size[2])
        let run = x.count * elementSize
        var result = [UInt8](repeating: 0, count: run * y.count * sz * channels)
        bytes.withUnsafeBytes { source in
            result.withUnsafeMutableBytes { target in
                var out = 0
                for c in 0..<channels {
                    for z in 0..<sz {
                        for row in y {
                            let start = (((c * sz + z) * sy + row) * sx + x.lowerBound) * elementSize
                            target.baseAddress!.advanced(by: out).copyMemory(
                                from: source.baseAddress!.advanced(by: start), byteCount: run)
                            out += run
                        }
                    }
                }
            }
        }
        return result
    }
}

/// Reads the next slab on a background queue while the current one is being encoded.
final class SlabReader: @unchecked Sendable {
    private let volume: NIfTIVolume
    private let queue = DispatchQueue(label: "nprec.slab-reader")
    private let group = DispatchGroup()
    private var result: Result<NIfTISlab, Error>?

    init(volume: NIfTIVolume) { self.volume = volume }

    func prefetch(_ zRange: Range<Int>) {
        group.enter()
        queue.async {
            self.result = Result { try self.volume.readSlab(zRange) }
            self.group.leave()
        }
    }

    func take() throws -> NIfTISlab {
        group.wait()
        defer { result = nil }
        return try result!.get()
    }
}
