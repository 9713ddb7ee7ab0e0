import Encoding
import Engine
import Precomputed

/// Computes the lower scales of a dataset, scale by scale, for one run's selection of the work.
///
/// - Without `--task`: every unit of every lower scale, except the units of tasks that marked
///   the scale done (a split run being finished); the marks are removed at the end.
/// - With `--task I/N`: the units task I owns (those computed only from its own units of the
///   scale above, see `Ownership`), then a mark per scale.
/// - With `--resume`: units already written are skipped.
///
/// Scales below `from` are not computed (the converter wrote scale 1, or the task's share of it,
/// from its slabs).
public enum PyramidScheduler {
    public static func downscale(
        dataset: Dataset, info: DatasetSpec, options: DownscaleOptions, selection: WorkSelection,
        reporter: any WorkReporter, from firstTarget: Int = 1
    ) throws {
        var settings = "--downscaling-method \(options.method.rawValue)"
        if let value = options.outsideValue { settings += " --outside-value \(value)" }
        if info.scales.contains(where: { $0.encoding == .jpeg }) {
            settings += " --jpeg-quality \(options.jpegQuality) --jpeg-plane \(options.jpegPlane.rawValue)"
        }
        let journal = try TaskJournal(dataset: dataset, info: info.info, settings: settings)
        if info.scales.count < 2 {
            reporter.note("\(dataset.path("info")) has one scale: nothing to downscale")
        }
        // Check every step before writing anything.
        let steps = try (0..<max(info.scales.count - 1, 0)).map {
            try ScaleDownscaler(dataset: dataset, info: info, source: $0, options: options)
        }
        let plans = info.scales.map(ScalePlan.init)
        var ownership: Ownership? = nil
        var finished: [Int: Set<Int>] = [:]
        if let task = selection.task {
            ownership = Ownership(plans: plans, taskCount: task.count, dependent: true)
        } else if let recorded = try journal.completed() {
            ownership = Ownership(plans: plans, taskCount: recorded.taskCount, dependent: true)
            finished = recorded.done
            reporter.note(
                "\(dataset.path(TaskJournal.directory)): \(recorded.taskCount) tasks have run; computing what they left"
            )
        }
        for step in steps {
            let target = step.source + 1
            guard target >= firstTarget else {
                // Written by the converter: a task marks it all the same.
                if let task = selection.task { try journal.markDone(scale: target, task: task) }
                continue
            }
            let plan = plans[target]
            let candidates: [Int]
            if let task = selection.task {
                candidates = ownership!.units(scale: target, task: task.index)
            } else if let ownership {
                let done = finished[target] ?? []
                candidates = ownership.owners[target].indices.filter {
                    let owner = ownership.owners[target][$0]
                    return owner == Ownership.nobody || !done.contains(Int(owner))
                }
            } else {
                candidates = Array(0..<plan.unitCount)
            }
            let units = try Engine.pending(
                candidates, plan: plan, dataset: dataset, resume: selection.resume, encoding: plan.spec.encoding)
            if step.sourceIsLossy && !units.isEmpty {
                reporter.warn(
                    "using data stored in a lossy format (scale \(step.sourceKey)) as an input for downscaling "
                        + "(to scale \(step.targetKey))")
            }
            let suffix = selection.task.map { ", task \($0)" } ?? ""
            let progress = reporter.begin(
                "computing scale \(step.targetKey) (\(options.method.rawValue)\(suffix))",
                total: Engine.chunkCount(units, plan: plan))
            try step.run(units: units, plan: plan, progress: progress)
            progress.finish()
            if let task = selection.task { try journal.markDone(scale: target, task: task) }
        }
        if selection.task == nil { journal.clear() }
    }
}
