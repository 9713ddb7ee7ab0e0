import Testing

@testable import Engine
@testable import Precomputed

@Suite struct OwnershipTests {
    /// Scales of a dyadic pyramid: each halves the axes listed for it.
    static func scales(size: [Int], chunk: [Int], halvings: [[Int]], sharding: ShardingSpec? = nil) -> [ScaleInfo] {
        var result: [ScaleInfo] = []
        var current = size
        for (index, axes) in ([[]] + halvings).enumerated() {
            for axis in axes { current[axis] = (current[axis] + 1) / 2 }
            var scale = ScaleInfo(
                key: "s\(index)", size: current, resolution: [1, 1, 1], chunkSizes: [chunk], encoding: "raw")
            scale.sharding = sharding
            result.append(scale)
        }
        return result
    }

    /// The validated scales.
    static func specs(_ scales: [ScaleInfo]) throws -> [ScaleSpec] {
        try VolumeInfo(type: "image", dataType: "uint8", numChannels: 1, scales: scales).validate(file: "info").scales
    }

    static let geometries: [(String, [ScaleInfo])] = [
        ("cubic", scales(size: [100, 90, 70], chunk: [8, 8, 8], halvings: [[0, 1, 2], [0, 1, 2], [0, 1, 2]])),
        (
            "anisotropic",
            scales(size: [130, 120, 30], chunk: [16, 16, 4], halvings: [[0, 1], [0, 1, 2], [0, 1, 2]])
        ),
        ("thin", scales(size: [64, 64, 1], chunk: [8, 8, 1], halvings: [[0, 1], [0, 1]])),
        (
            "sharded",
            scales(
                size: [100, 90, 70], chunk: [8, 8, 8], halvings: [[0, 1, 2], [0, 1, 2]],
                sharding: ShardingSpec(preshiftBits: 3, minishardBits: 1, shardBits: 4))
        ),
    ]

    @Test(arguments: geometries.map(\.0), [1, 2, 3, 5, 16])
    func everyUnitHasOneOwnerAndOwnersComputeFromTheirOwnUnits(name: String, tasks: Int) throws {
        let scales = Self.geometries.first { $0.0 == name }!.1
        let plans = try Self.specs(scales).map(ScalePlan.init)
        let ownership = Ownership(plans: plans, taskCount: tasks, dependent: true)
        // Scale 0: every unit belongs to exactly one task, and the shares differ by at most one.
        let counts = (0..<tasks).map { task in ownership.owners[0].filter { $0 == Int32(task) }.count }
        #expect(counts.reduce(0, +) == plans[0].unitCount)
        #expect(counts.max()! - counts.min()! <= 1)
        // Lower scales: an owned chunk is computed only from chunks of its owner.
        for index in 1..<plans.count {
            let plan = plans[index]
            let source = plans[index - 1]
            let factors = DownscaleGeometry.factors(from: source.scale, to: plan.scale)
            for unit in 0..<plan.unitCount where ownership.owners[index][unit] != Ownership.nobody {
                for cell in plan.cells(of: unit) {
                    let region = DownscaleGeometry.sourceRegion(
                        of: plan.box(ofCell: cell), target: plan.scale, source: source.scale, factors: factors)
                    for z in stride(from: region.lower[2], to: region.upper[2], by: 1) {
                        for y in stride(from: region.lower[1], to: region.upper[1], by: 1) {
                            for x in stride(from: region.lower[0], to: region.upper[0], by: 1) {
                                let sourceCell = source.cell(
                                    x: x / source.grid.chunkSize[0], y: y / source.grid.chunkSize[1],
                                    z: z / source.grid.chunkSize[2])
                                #expect(
                                    ownership.owners[index - 1][source.unit(ofCell: sourceCell)]
                                        == ownership.owners[index][unit])
                            }
                        }
                    }
                }
            }
        }
        if tasks == 1 {
            #expect(ownership.owners.allSatisfy { $0.allSatisfy { $0 == 0 } }, "one task owns everything")
        }
    }

    @Test func mostOfALowerScaleIsOwned() throws {
        let scales = Self.scales(size: [512, 512, 512], chunk: [16, 16, 16], halvings: [[0, 1, 2], [0, 1, 2]])
        let plans = try Self.specs(scales).map(ScalePlan.init)
        let ownership = Ownership(plans: plans, taskCount: 8, dependent: true)
        let unowned = ownership.owners[1].filter { $0 == Ownership.nobody }.count
        #expect(unowned == 0, "8 tasks cut a 32^3 grid along Morton blocks")
        let four = Ownership(plans: plans, taskCount: 3, dependent: true)
        #expect(four.owners[1].filter { $0 == Ownership.nobody }.count < plans[1].unitCount / 20)
    }

    @Test func shardedUnitsHoldTheirChunks() throws {
        let spec = ShardingSpec(preshiftBits: 2, minishardBits: 1, shardBits: 3)
        let plan = ScalePlan(
            try Self.specs(Self.scales(size: [50, 40, 30], chunk: [8, 8, 8], halvings: [], sharding: spec))[0])
        let layout = ShardingLayout(spec: spec, gridSize: plan.gridSize)
        var seen = Set<Int>()
        for unit in 0..<plan.unitCount {
            let cells = plan.cells(of: unit)
            #expect(cells.map { plan.chunkID(ofCell: $0) } == cells.map { plan.chunkID(ofCell: $0) }.sorted())
            for cell in cells {
                #expect(layout.shard(of: plan.chunkID(ofCell: cell)) == plan.shards[unit])
                #expect(plan.unit(ofCell: cell) == unit)
                seen.insert(cell)
            }
            #expect(plan.unit(forRelativePath: layout.fileName(shard: plan.shards[unit])) == unit)
        }
        #expect(seen.count == plan.chunkCount)
    }

    @Test func unshardedUnitsAreFoundFromTheirFileNames() throws {
        let plan = ScalePlan(try Self.specs(Self.scales(size: [50, 40, 30], chunk: [8, 8, 8], halvings: []))[0])
        #expect(plan.unit(forRelativePath: "8-16_0-8_24-30") == plan.cell(x: 1, y: 0, z: 3))
        #expect(plan.unit(forRelativePath: "8-16/0-8/24-30.gz") == plan.cell(x: 1, y: 0, z: 3))
        #expect(plan.unit(forRelativePath: "8-16_0-8_24-31") == nil)
        #expect(plan.unit(forRelativePath: "info") == nil)
    }

    @Test func splitReportAddsUp() throws {
        let scales = Self.scales(
            size: [100, 90, 70], chunk: [8, 8, 8], halvings: [[0, 1, 2], [0, 1, 2], [0, 1, 2]])
        let info = try VolumeInfo(type: "image", dataType: "uint16", numChannels: 1, scales: scales)
            .validate(file: "info")
        let report = SplitReport(info: info, taskCount: 4, jobs: 2)
        let units = report.scales.reduce(0) { $0 + $1.units }
        #expect(report.perTask.reduce(0) { $0 + $1.units } + report.final.units == units)
        let bytes = scales.reduce(0) { $0 + $1.size.reduce(2, *) }
        #expect(report.perTask.reduce(0) { $0 + $1.rawBytes } + report.final.rawBytes == bytes)
        #expect(report.scales[0].unitsPerTask.reduce(0, +) == report.scales[0].units)
        #expect(report.scales[0].finalUnits == 0)
        #expect(report.peakMemoryBytes > 2 * 8 * 8 * 8 * 2)
    }
}

@Suite struct JournalTests {
    @Test func markNamesRoundTrip() {
        let journal = TaskJournal.parse("scale3.task12of16.done")
        #expect(journal?.scale == 3 && journal?.task == 12 && journal?.count == 16)
        #expect(TaskJournal.parse("scale3.task12of16.done.tmp") == nil)
        #expect(TaskJournal.parse("info") == nil)
    }
}
