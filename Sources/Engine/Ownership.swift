import Precomputed

/// Which task owns each unit of each scale when the work is split into `taskCount` tasks.
///
/// The first scale written is cut into `taskCount` ranges of nearly equal unit counts in
/// Morton order, so each task holds a compact region. With `dependent` (a pyramid), a unit of a
/// lower scale belongs to a task only when every chunk it is computed from belongs to that task:
/// the task computes it from its own output, and no two tasks ever read each other's files.
/// The units no task owns (where regions meet, and the top of the pyramid) are left to one
/// final `nprec downscale`. Without `dependent` (reencode), every scale is cut on its own.
public struct Ownership: Sendable {
    public static let nobody: Int32 = -1
    public let taskCount: Int
    /// Per scale, the owner of each unit, or `nobody`.
    public let owners: [[Int32]]

    public init(plans: [ScalePlan], taskCount: Int, dependent: Bool, firstScale: Int = 0) {
        self.taskCount = taskCount
        var owners: [[Int32]] = []
        for (index, plan) in plans.enumerated() {
            if index > firstScale && dependent {
                owners.append(Self.dependentOwners(plan, source: plans[index - 1], sourceOwners: owners[index - 1]))
            } else {
                owners.append(Self.split(plan, taskCount: taskCount))
            }
        }
        self.owners = owners
    }

    /// Contiguous ranges of Morton rank, one per task.
    static func split(_ plan: ScalePlan, taskCount: Int) -> [Int32] {
        let count = plan.unitCount
        return plan.mortonRanks().map { Int32($0 * taskCount / max(count, 1)) }
    }

    /// The owner of each unit of `plan` computed from `source` (the scale above): the common
    /// owner of every source chunk, or nobody.
    static func dependentOwners(_ plan: ScalePlan, source: ScalePlan, sourceOwners: [Int32]) -> [Int32] {
        let factors = DownscaleGeometry.factors(from: source.scale, to: plan.scale)
        var owners = [Int32](repeating: nobody, count: plan.unitCount)
        for unit in 0..<plan.unitCount {
            var owner: Int32? = nil
            scan: for cell in plan.cells(of: unit) {
                let region = DownscaleGeometry.sourceRegion(
                    of: plan.box(ofCell: cell), target: plan.scale, source: source.scale, factors: factors)
                let first = (0..<3).map { region.lower[$0] / source.grid.chunkSize[$0] }
                let last = (0..<3).map { (region.upper[$0] - 1) / source.grid.chunkSize[$0] }
                for z in first[2]...last[2] {
                    for y in first[1]...last[1] {
                        for x in first[0]...last[0] {
                            let o = sourceOwners[source.unit(ofCell: source.cell(x: x, y: y, z: z))]
                            if o == nobody || (owner != nil && owner != o) {
                                owner = nobody
                                break scan
                            }
                            owner = o
                        }
                    }
                }
            }
            owners[unit] = owner ?? nobody
        }
        return owners
    }

    /// The units of scale `scale` owned by `task` (all units when `task` is nil), in write order.
    public func units(scale: Int, task: Int?) -> [Int] {
        guard let task else { return Array(owners[scale].indices) }
        return owners[scale].indices.filter { owners[scale][$0] == Int32(task) }
    }
}

/// How a lower scale maps onto the scale it is computed from.
public enum DownscaleGeometry {
    /// 1 or 2 per axis, from the sizes.
    public static func factors(from source: ScaleInfo, to target: ScaleInfo) -> [Int] {
        (0..<3).map { source.size[$0] == target.size[$0] ? 1 : 2 }
    }

    /// The region of `source` (its voxels, voxel_offset excluded) that the chunk `box` of
    /// `target` is computed from.
    public static func sourceRegion(of box: ChunkBox, target: ScaleInfo, source: ScaleInfo, factors: [Int]) -> (
        lower: [Int], upper: [Int]
    ) {
        let offset = target.offset
        let lower = [box.x.lowerBound, box.y.lowerBound, box.z.lowerBound]
        let upper = [box.x.upperBound, box.y.upperBound, box.z.upperBound]
        return (
            (0..<3).map { (lower[$0] - offset[$0]) * factors[$0] },
            (0..<3).map { min((upper[$0] - offset[$0]) * factors[$0], source.size[$0]) }
        )
    }
}
