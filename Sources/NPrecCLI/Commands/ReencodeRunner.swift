import Encoding
import Foundation
import Precomputed

/// `nprec reencode SOURCE DEST`: every chunk of SOURCE, written in DEST's encoding.
enum ReencodeRunner {
    @Sendable static func run(_ invocation: Invocation) throws -> Int32 {
        let source = Dataset(root: invocation.positionals[0])
        let dest = Dataset(root: invocation.positionals[1], options: invocation.storage)
        let sourceInfo = try source.readInfo(hint: "SOURCE must be a precomputed dataset")
        try sourceInfo.validate(file: source.path("info"))
        if invocation.flag("copy-info") {
            try dest.writeInfo(sourceInfo)
        }
        let destInfo = try dest.readInfo(
            hint: "write it with 'nprec scales --encoding ENCODING SOURCE/info DEST', or pass --copy-info")
        try destInfo.validate(file: dest.path("info"))
        let sourceType = DataType(name: sourceInfo.dataType!)!
        let destType = DataType(name: destInfo.dataType!)!
        guard sourceInfo.numChannels == destInfo.numChannels else {
            throw CommandFailure(
                "\(dest.path("info")) has \(destInfo.numChannels!) channels, \(source.path("info")) has "
                    + "\(sourceInfo.numChannels!) (num_channels)")
        }
        let mapping = ValueMapping(input: sourceType, output: destType)
        if mapping.rounds { Console.warn("values will be rounded to the nearest integer") }
        if mapping.clips { Console.warn("values will be clipped to the range of \(destType.rawValue)") }
        let jpegQuality = invocation.int("jpeg-quality") ?? 95
        let jpegPlane = ChunkFormat.JPEGPlane(rawValue: invocation.string("jpeg-plane") ?? "xy") ?? .xy
        let skipMissing = invocation.flag("skip-missing")

        // Check every scale before writing anything.
        var plans: [(source: ScaleInfo, dest: ScaleInfo)] = []
        for (index, scale) in destInfo.scales.enumerated() {
            guard let match = sourceInfo.scales.first(where: { $0.key == scale.key }) else {
                throw CommandFailure(
                    "\(dest.path("info")): scale \(scale.key!) (scales[\(index)]) is not in \(source.path("info"))")
            }
            guard match.size == scale.size, match.offset == scale.offset else {
                throw CommandFailure(
                    "\(dest.path("info")): scale \(scale.key!) has size \(scale.size) and voxel_offset \(scale.offset), "
                        + "but \(match.size) and \(match.offset) in \(source.path("info"))")
            }
            let format = ChunkFormat(info: destInfo, scale: scale, jpegQuality: jpegQuality, jpegPlane: jpegPlane)
            try format.checkWritable()
            plans.append((match, scale))
        }
        // Coarse scales first, as the reference does: a viewer sees the whole volume early.
        for (sourceScale, destScale) in plans.reversed() {
            let key = destScale.key!
            let sourceFormat = ChunkFormat(info: sourceInfo, scale: sourceScale)
            let destFormat = ChunkFormat(
                info: destInfo, scale: destScale, jpegQuality: jpegQuality, jpegPlane: jpegPlane)
            if sourceFormat.encoding.isLossy {
                Console.warn("using data stored in a lossy format as an input for conversion (for scale \(key))")
            }
            let reader = ScaleReader(dataset: source, scale: sourceScale)
            let writer = ScaleWriter(dataset: dest, scale: destScale, encoding: destFormat.encoding)
            let boxes = writer.boxesInWriteOrder
            let progress = Progress("converting scale \(key)", total: boxes.count)
            let skipped = Counter()
            try parallelChunks(boxes.count, jobs: invocation.jobs) { index in
                let box = boxes[index]
                let offset = destScale.offset
                let lower = [box.x.lowerBound - offset[0], box.y.lowerBound - offset[1], box.z.lowerBound - offset[2]]
                let upper = [box.x.upperBound - offset[0], box.y.upperBound - offset[1], box.z.upperBound - offset[2]]
                let block: VoxelBlock
                do {
                    block = try reader.readRegion(format: sourceFormat, lower: lower, upper: upper)
                } catch PrecomputedError.missing(let path, _) where skipMissing {
                    Console.warn("\(path): missing, skipped")
                    skipped.increment()
                    progress.advance()
                    return
                }
                let values = mapping.isIdentity ? block.values : mapping.convert(block.values)
                try writer.write(destFormat.encode(values, size: box.size), box: box)
                progress.advance()
            }
            try writer.finish()
            progress.finish()
            if skipped.value > 0 { Console.warn("scale \(key): \(skipped.value) missing chunks skipped") }
        }
        return 0
    }
}

/// A thread-safe counter.
final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0
    func increment() { lock.withLock { count += 1 } }
    var value: Int { lock.withLock { count } }
}
