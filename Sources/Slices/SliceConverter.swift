import Encoding
import Engine
import Foundation
import Precomputed

/// Writes scale 0 of a dataset from slice stacks, band by band: for each group of slices of one
/// chunk's depth, one reader per slice stays open and the images are read a band of rows (one
/// chunk's height) at a time, so memory holds about `width x chunk height x chunk depth` values
/// per channel, not whole slices. Orientation codes map the input axes onto RAS+.
public struct SliceConverter: Sendable {
    public let stack: SliceStack
    public let orientation: SliceOrientation
    public let info: DatasetSpec
    public let dataset: Dataset
    public let jobs: Int
    public let open: SliceOpener
    public let selection: WorkSelection

    public init(
        stack: SliceStack, orientation: SliceOrientation, info: DatasetSpec, dataset: Dataset, jobs: Int,
        selection: WorkSelection = .everything, open: @escaping SliceOpener
    ) {
        self.selection = selection
        self.stack = stack
        self.orientation = orientation
        self.info = info
        self.dataset = dataset
        self.jobs = jobs
        self.open = open
    }

    /// Checks the stack against the info before anything is written.
    public func check() throws {
        let scale = info.scales[0]
        let input = [stack.width, stack.height, stack.sliceCount]
        let expected = orientation.inputSize(output: scale.size)
        let infoPath = dataset.path("info")
        if stack.sliceCount != expected[2] {
            throw SliceError(
                "found \(stack.sliceCount) slices in \(stack.directories[0]), the info needs \(expected[2]) "
                    + "(\(infoPath): size \(scale.size.map(String.init).joined(separator: "x")), orientation \(orientation))"
            )
        }
        if input[0] != expected[0] || input[1] != expected[1] {
            throw SliceError(
                "the slices of \(stack.directories[0]) are \(stack.width)x\(stack.height), the info needs "
                    + "\(expected[0])x\(expected[1]) (\(infoPath): size \(scale.size.map(String.init).joined(separator: "x")), "
                    + "orientation \(orientation))")
        }
        if stack.channels != info.channels {
            throw SliceError(
                "the slices hold \(stack.channels) channel\(stack.channels > 1 ? "s" : "") in all, \(infoPath) says "
                    + "num_channels \(info.channels)")
        }
    }

    /// Input ranges along input axis `i` of every output chunk cell along its RAS axis, sorted
    /// by their start in the input (images are read top to bottom).
    func inputRanges(axis i: Int, size: [Int], chunk: [Int]) -> [(cell: Int, range: Range<Int>)] {
        let a = orientation.axis[i]
        let n = size[a]
        let cs = chunk[a]
        let cells = (n + cs - 1) / cs
        return (0..<cells).map { k -> (Int, Range<Int>) in
            let start = k * cs
            let end = min(start + cs, n)
            return (k, orientation.inverted[i] ? (n - end)..<(n - start) : start..<end)
        }.sorted { $0.1.lowerBound < $1.1.lowerBound }
    }

    /// Writes the selected units of scale 0, group of slices by group: groups and bands without
    /// a selected chunk are not read.
    public func run(reporter: any WorkReporter = SilentReporter()) throws {
        try check()
        let scale = info.scales[0]
        let format = ChunkFormat(dataset: info, scale: scale)
        try format.checkWritable()
        let output = format.dataType
        let mapping = ValueMapping(input: stack.sampleType, output: output)
        let run = try ScaleRun(
            scale: scale, format: format, dataset: dataset, selection: selection, reporter: reporter,
            label: "writing \(scale.key)")
        let (plan, units, sink, progress) = (run.plan, run.units, run.sink, run.progress)
        var wanted = [Bool](repeating: false, count: plan.chunkCount)
        for unit in units {
            for cell in plan.cells(of: unit) { wanted[cell] = true }
        }
        let grid = plan.grid
        let chunk = grid.chunkSize
        let size = scale.size
        let width = stack.width
        let element = stack.sampleType.size
        let columns = inputRanges(axis: 0, size: size, chunk: chunk)
        let rows = inputRanges(axis: 1, size: size, chunk: chunk)
        let groups = inputRanges(axis: 2, size: size, chunk: chunk)
        let orientation = self.orientation
        let inputSize = [stack.width, stack.height, stack.sliceCount]
        // The cell of the chunk at (column, band, group) cells of the input axes.
        let cellOf = { @Sendable (column: Int, band: Int, group: Int) -> Int in
            var cell = [0, 0, 0]
            cell[orientation.axis[0]] = column
            cell[orientation.axis[1]] = band
            cell[orientation.axis[2]] = group
            return plan.cell(x: cell[0], y: cell[1], z: cell[2])
        }
        try sink.writing {
            for group in groups {
                guard
                    rows.contains(where: { band in columns.contains { wanted[cellOf($0.cell, band.cell, group.cell)] } }
                    )
                else { continue }
                let slices = Array(group.range)
                // One open reader per slice of the group and directory.
                let readerCount = slices.count * stack.directories.count
                let readers = ReaderTable(count: readerCount)
                try parallelChunks(readerCount, jobs: jobs) { index in
                    let (d, s) = (index / slices.count, index % slices.count)
                    let image = try open(stack.files[d][slices[s]])
                    guard image.width == stack.width, image.height == stack.height else {
                        throw SliceError(
                            "\(stack.files[d][slices[s]]) is \(image.width)x\(image.height), the other slices are "
                                + "\(stack.width)x\(stack.height)")
                    }
                    guard image.channels == stack.channelsPerDirectory[d], image.sampleType == stack.sampleType else {
                        throw SliceError(
                            "\(stack.files[d][slices[s]]) holds \(image.channels) x \(image.sampleType.rawValue) samples per "
                                + "pixel, the other slices \(stack.channelsPerDirectory[d]) x \(stack.sampleType.rawValue)"
                        )
                    }
                    readers.set(index, image)
                }
                for band in rows {
                    let bandRows = band.range.count
                    let bandColumns = columns.filter { wanted[cellOf($0.cell, band.cell, group.cell)] }
                    // Each reader de-interleaves its own rows into planes, one per channel; the
                    // band is their concatenation, planar: [channel][slice][row][column].
                    let planeBytes = width * bandRows * element
                    let planes = try parallelMap(readerCount, jobs: jobs) { index -> [UInt8] in
                        let (d, s) = (index / slices.count, index % slices.count)
                        let samples = try readers.get(index).readRows(bandRows)
                        let spp = stack.channelsPerDirectory[d]
                        guard samples.count == planeBytes * spp else {
                            throw SliceError("\(stack.files[d][slices[s]]): short read of rows \(band.range)")
                        }
                        return spp == 1 ? samples : deinterleave(samples, channels: spp, element: element)
                    }
                    var bytes = [UInt8]()
                    bytes.reserveCapacity(stack.channels * slices.count * planeBytes)
                    for d in stack.directories.indices {
                        for c in 0..<stack.channelsPerDirectory[d] {
                            for s in slices.indices {
                                bytes += planes[d * slices.count + s][(c * planeBytes)..<((c + 1) * planeBytes)]
                            }
                        }
                    }
                    let bandBuffer = SliceBand(bytes: bytes)
                    try parallelChunks(bandColumns.count, jobs: jobs) { index in
                        let column = bandColumns[index]
                        let box = plan.box(ofCell: cellOf(column.cell, band.cell, group.cell))
                        let values = bandBuffer.gather(
                            box: box, offset: scale.offset, orientation: orientation, inputSize: inputSize,
                            origin: [0, band.range.lowerBound, group.range.lowerBound],
                            bandSize: [width, bandRows, slices.count], channels: stack.channels, element: element)
                        let converted = mapping.isIdentity ? values : mapping.convert(values)
                        try sink.write(converted, box: box)
                        progress.advance()
                    }
                }
            }
        }
        progress.finish()
    }
}

/// The open readers of a group of slices, shared by the worker threads.
final class ReaderTable: @unchecked Sendable {
    // Invariant: `readers` is only read or written under `lock`, and each reader (a stateful
    // decoder) is used by the one worker that handles its index in a `parallelChunks` pass.
    private var readers: [SliceImage?]
    private let lock = NSLock()
    init(count: Int) { readers = Array(repeating: nil, count: count) }
    func set(_ index: Int, _ image: SliceImage) { lock.withLock { readers[index] = image } }
    func get(_ index: Int) -> SliceImage { lock.withLock { readers[index]! } }
}

/// `samples` of `channels` interleaved values per pixel, as one plane per channel.
func deinterleave(_ samples: [UInt8], channels: Int, element: Int) -> [UInt8] {
    let count = samples.count / (channels * element)
    var planes = [UInt8](repeating: 0, count: samples.count)
    samples.withUnsafeBytes { source in
        planes.withUnsafeMutableBytes { target in
            for c in 0..<channels {
                for i in 0..<count {
                    (target.baseAddress! + (c * count + i) * element).copyMemory(
                        from: source.baseAddress! + (i * channels + c) * element, byteCount: element)
                }
            }
        }
    }
    return planes
}

/// A band of slices, planar: [channel][slice][row][column].
struct SliceBand: Sendable {
    let bytes: [UInt8]

    /// The values of `box` (RAS, x fastest, then y, z, channel), taken from the band whose
    /// input origin (column, row, slice) is `origin` and size `bandSize`.
    func gather(
        box: ChunkBox, offset: [Int], orientation: SliceOrientation, inputSize: [Int], origin: [Int], bandSize: [Int],
        channels: Int, element: Int
    ) -> [UInt8] {
        let lower = [box.x.lowerBound - offset[0], box.y.lowerBound - offset[1], box.z.lowerBound - offset[2]]
        let extent = box.size
        let strides = [1, bandSize[0], bandSize[0] * bandSize[1]]  // column, row, slice
        let plane = strides[2] * bandSize[2]
        // Per RAS axis: the band index step for +1, and the band index of the box's lower corner.
        var step = [0, 0, 0]
        var start = 0
        for a in 0..<3 {
            let i = orientation.inputAxis(of: a)
            let inverted = orientation.inverted[i]
            let input = inverted ? inputSize[i] - 1 - lower[a] : lower[a]
            start += (input - origin[i]) * strides[i]
            step[a] = inverted ? -strides[i] : strides[i]
        }
        var result = [UInt8](repeating: 0, count: extent.reduce(1, *) * channels * element)
        bytes.withUnsafeBytes { band in
            let source = band.baseAddress!
            result.withUnsafeMutableBytes { target in
                var o = 0
                switch element {
                case 1: copy(UInt8.self)
                case 2: copy(UInt16.self)
                case 4: copy(UInt32.self)
                default: copy(UInt64.self)
                }
                func copy<T>(_: T.Type) {
                    let input = source.assumingMemoryBound(to: T.self)
                    let out = target.baseAddress!.assumingMemoryBound(to: T.self)
                    for c in 0..<channels {
                        for z in 0..<extent[2] {
                            for y in 0..<extent[1] {
                                var index = c * plane + start + z * step[2] + y * step[1]
                                for _ in 0..<extent[0] {
                                    out[o] = input[index]
                                    o += 1
                                    index += step[0]
                                }
                            }
                        }
                    }
                }
            }
        }
        return result
    }
}
