import Encoding
import Engine
import Mesh
import Precomputed

/// How `Verifier.verify` works.
public struct VerifyOptions: Sendable {
    /// The share of chunks and fragments read and decoded, in (0, 1]. Sharded scales' indexes
    /// are always read whole.
    public var sample: Double
    /// Chooses the sample: the same seed checks the same chunks.
    public var seed: UInt64
    /// Worker threads.
    public var jobs: Int

    public init(sample: Double = 1, seed: UInt64 = 0, jobs: Int = 1) {
        self.sample = sample
        self.seed = seed
        self.jobs = max(1, jobs)
    }
}

/// `nprec verify`: checks a precomputed dataset as Neuroglancer would read it, file by file.
public enum Verifier {
    /// Checks the dataset at `root`: its info (as `VolumeInfo.validate` checks it), the chunks of
    /// every scale, the mesh directory and the segment properties. Problems are in the report;
    /// this never throws.
    public static func verify(root: String, options: VerifyOptions, reporter: any WorkReporter = SilentReporter())
        -> VerifyReport
    {
        let dataset = Dataset(root: root)
        var report = VerifyReport(dataset: dataset.root, sample: options.sample, seed: options.seed)
        let findings = Findings()
        check(dataset, options: options, reporter: reporter, findings: findings, report: &report)
        report.problems = findings.sorted
        return report
    }

    private static func check(
        _ dataset: Dataset, options: VerifyOptions, reporter: any WorkReporter, findings: Findings,
        report: inout VerifyReport
    ) {
        let infoPath = dataset.path("info")
        let spec: DatasetSpec
        do {
            guard let bytes = try readFile(infoPath, limit: 1 << 26) else {
                findings.add(infoPath, .info, "missing: DEST must be a precomputed dataset directory")
                return
            }
            spec = try InfoFile.parse(bytes, file: infoPath).validate(file: infoPath)
        } catch {
            findings.add(infoPath, .info, problemText(error, path: infoPath))
            return
        }
        for scale in spec.scales {
            let format = ChunkFormat(dataset: spec, scale: scale)
            if let sharding = scale.sharding {
                let check = ShardedScaleCheck(
                    dataset: dataset, scale: scale, sharding: sharding, format: format, options: options)
                report.scales.append(check.run(reporter: reporter, findings: findings, infoPath: infoPath))
            } else {
                let check = UnshardedScaleCheck(dataset: dataset, scale: scale, format: format, options: options)
                report.scales.append(check.run(reporter: reporter, findings: findings, infoPath: infoPath))
            }
        }
        if let mesh = spec.info.mesh {
            if let problem = MeshDirectory.problem(with: mesh) {
                findings.add(infoPath, .info, "mesh: \"\(mesh)\" cannot be checked: \(problem)")
            } else {
                MeshCheck(dataset: dataset, name: mesh, options: options)
                    .run(reporter: reporter, findings: findings, report: &report)
            }
        }
        if let properties = spec.info.extra["segment_properties"] {
            if case .string(let name) = properties, MeshDirectory.problem(with: name) == nil {
                checkSegmentProperties(directory: dataset.path(name), findings: findings, report: &report)
            } else {
                findings.add(infoPath, .info, "segment_properties: not a relative directory name")
            }
        }
    }
}
