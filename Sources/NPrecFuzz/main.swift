import Foundation
import FuzzTargets

#if NPREC_FUZZ
    import CFuzzer
#endif

/// `nprec-fuzz TARGET ARGS...`: with `make fuzz`'s build (libFuzzer and AddressSanitizer), runs
/// libFuzzer on TARGET (ARGS are libFuzzer's: corpus directories, -runs=N, -max_total_time=S);
/// otherwise runs every file given (or every file of each directory given) through TARGET once,
/// to replay a crash.
let arguments = CommandLine.arguments
guard arguments.count >= 2, let target = FuzzTargets.all[arguments[1]] else {
    let names = FuzzTargets.all.keys.sorted().joined(separator: ", ")
    FileHandle.standardError.write(Data("usage: nprec-fuzz TARGET [ARGS...]; targets: \(names)\n".utf8))
    exit(2)
}

#if NPREC_FUZZ
    nonisolated(unsafe) var selected: FuzzTargets.Target = target
    var argc = CommandLine.argc - 1
    var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
    // libFuzzer sees the program name and the arguments after TARGET.
    argv![1] = argv![0]
    argv = argv! + 1
    exit(
        LLVMFuzzerRunDriver(&argc, &argv) { data, size in
            selected(data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? [])
            return 0
        })
#else
    var count = 0
    for argument in arguments.dropFirst(2) {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: argument, isDirectory: &isDirectory) else { continue }
        let files =
            isDirectory.boolValue
            ? ((try? FileManager.default.contentsOfDirectory(atPath: argument)) ?? []).sorted().map {
                argument + "/" + $0
            }
            : [argument]
        for file in files {
            guard let data = FileManager.default.contents(atPath: file) else { continue }
            target([UInt8](data))
            count += 1
        }
    }
    print("\(arguments[1]): \(count) inputs, no crash")
#endif
