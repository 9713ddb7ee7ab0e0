#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Output: results on stdout, everything else on stderr. Each call is one write(2), so lines
/// from worker threads never interleave.
enum Console {
    static func out(_ text: String, terminator: String = "\n") {
        var text = text
        if !text.hasSuffix("\n") { text += terminator }
        writeAll(1, text)
    }

    static func err(_ text: String) {
        var text = text
        if !text.hasSuffix("\n") { text += "\n" }
        writeAll(2, text)
    }

    static func warn(_ text: String) { err("nprec: warning: \(text)") }
    static func note(_ text: String) { err("nprec: \(text)") }

    static var stderrIsTerminal: Bool { isatty(2) == 1 }

    static func writeAll(_ fd: Int32, _ text: String) {
        var bytes = Array(text.utf8)
        bytes.withUnsafeMutableBytes { buffer in
            var done = 0
            while done < buffer.count {
                let count = write(fd, buffer.baseAddress! + done, buffer.count - done)
                if count < 0 {
                    if errno == EINTR { continue }
                    return
                }
                done += count
            }
        }
    }
}
