import Precomputed

/// What a pyramid split into N tasks asks of each task, from the info alone: units per scale
/// and task, the files and bytes each writes, and the memory one task needs, so that a user
/// sizes a job array (`--array`, `--mem`) before submitting it (`nprec plan`).
public struct SplitReport: Codable, Sendable {
    public struct Scale: Codable, Sendable {
        public var key: String
        public var size: [Int]
        public var chunkSize: [Int]
        public var sharded: Bool
        /// Chunks, or shards of a sharded scale.
        public var units: Int
        public var chunks: Int
        /// Units each task computes (the first scale converted, the others downscaled).
        public var unitsPerTask: [Int]
        /// Units no task owns, left to the final `nprec downscale`.
        public var finalUnits: Int
    }

    public struct Share: Codable, Sendable {
        public var units: Int
        public var chunks: Int
        /// Files written: chunk files, or shard files.
        public var files: Int
        /// Bytes of the values before compression (an upper bound of raw chunks on disk).
        public var rawBytes: Int
    }

    public var tasks: Int
    public var jobs: Int
    public var scales: [Scale]
    public var perTask: [Share]
    public var final: Share
    /// Peak memory of one task with `jobs` workers, reading an uncompressed volume or a scale.
    public var peakMemoryBytes: Int
    /// What reading a compressed volume adds: two slabs of chunk thickness.
    public var compressedInputExtraBytes: Int

    /// Memory outside the buffers: the runtime, the plan's tables.
    static let baseBytes = 24 << 20

    public init(info: DatasetSpec, taskCount: Int, jobs: Int) {
        let plans = info.scales.map(ScalePlan.init)
        let ownership = Ownership(plans: plans, taskCount: taskCount, dependent: true)
        let voxelBytes = info.voxelBytes
        tasks = taskCount
        self.jobs = jobs
        scales = []
        perTask = Array(repeating: Share(units: 0, chunks: 0, files: 0, rawBytes: 0), count: taskCount)
        final = Share(units: 0, chunks: 0, files: 0, rawBytes: 0)
        var largestChunk = 0
        var tables = 0
        for (index, plan) in plans.enumerated() {
            let chunkSize = plan.grid.chunkSize
            largestChunk = max(largestChunk, chunkSize.reduce(voxelBytes, *))
            tables += plan.chunkCount * (plan.isSharded ? 24 : 8)
            var perTaskUnits = [Int](repeating: 0, count: taskCount)
            var finalUnits = 0
            for unit in 0..<plan.unitCount {
                let cells = plan.cells(of: unit)
                let bytes = cells.reduce(0) { $0 + plan.box(ofCell: $1).voxelCount * voxelBytes }
                let owner = Int(ownership.owners[index][unit])
                let share = owner >= 0 ? perTask[owner] : final
                let updated = Share(
                    units: share.units + 1, chunks: share.chunks + cells.count, files: share.files + 1,
                    rawBytes: share.rawBytes + bytes)
                if owner >= 0 {
                    perTask[owner] = updated
                    perTaskUnits[owner] += 1
                } else {
                    final = updated
                    finalUnits += 1
                }
            }
            scales.append(
                Scale(
                    key: plan.key, size: plan.scale.size, chunkSize: chunkSize, sharded: plan.isSharded,
                    units: plan.unitCount, chunks: plan.chunkCount, unitsPerTask: perTaskUnits, finalUnits: finalUnits))
        }
        // Per worker: a downscale source region (up to 8 chunks of the scale above) decoded, the
        // chunks read to fill it, the result, its conversion and its encoding.
        peakMemoryBytes = Self.baseBytes + tables + jobs * 12 * largestChunk
        if let first = plans.first {
            let scale = first.scale
            compressedInputExtraBytes = 2 * scale.size[0] * scale.size[1] * first.grid.chunkSize[2] * voxelBytes
        } else {
            compressedInputExtraBytes = 0
        }
    }
}
