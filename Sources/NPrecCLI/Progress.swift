import Engine
import Foundation

/// Progress of long work on stderr: a live bar on a terminal, a plain line every ~10%
/// otherwise (logs of Makefiles and pipelines stay short). Thread-safe.
final class Progress: StepProgress, @unchecked Sendable {
    private let label: String
    private let total: Int
    private let unit: String
    private let live: Bool
    private let start = Date()
    private let lock = NSLock()
    private var done = 0
    private var lastDraw = Date.distantPast
    private var lastDecile = -1

    init(_ label: String, total: Int, unit: String = "chunks", live: Bool = Console.stderrIsTerminal) {
        self.label = label
        self.total = max(total, 0)
        self.unit = unit
        self.live = live
        if !live {
            Console.note("\(label): \(total) \(unit)")
            lastDraw = start
        }
    }

    func advance() { advance(by: 1) }

    func advance(by count: Int) {
        lock.withLock {
            done += count
            let now = Date()
            if live {
                if now.timeIntervalSince(lastDraw) >= 0.1 || done == total {
                    lastDraw = now
                    draw(now)
                }
            } else if total > 0 {
                // Logs: a line per 10% at most, and none more often than every 2 seconds.
                let decile = done * 10 / total
                if decile > lastDecile && decile > 0 && decile < 10 && now.timeIntervalSince(lastDraw) >= 2 {
                    lastDecile = decile
                    lastDraw = now
                    Console.note("\(label): \(done)/\(total) \(unit) (\(decile * 10)%)")
                }
            }
        }
    }

    /// Ends the bar with the elapsed time.
    func finish() {
        lock.withLock {
            let elapsed = Date().timeIntervalSince(start)
            let line = "\(label): \(done)/\(total) \(unit) in \(Self.duration(elapsed))"
            if live {
                Console.writeAll(2, "\r\u{1B}[K" + line + "\n")
            } else {
                Console.note(line)
            }
        }
    }

    private func draw(_ now: Date) {
        let width = 30
        let fraction = total == 0 ? 1 : Double(done) / Double(total)
        let filled = Int(fraction * Double(width))
        let elapsed = now.timeIntervalSince(start)
        var eta = ""
        if done > 0 && done < total {
            eta = " ETA " + Self.duration(elapsed / Double(done) * Double(total - done))
        }
        let bar = String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled)
        Console.writeAll(2, "\r\u{1B}[K\(label) [\(bar)] \(done)/\(total) \(unit) \(Self.duration(elapsed))\(eta)")
    }

    static func duration(_ seconds: Double) -> String {
        if seconds < 60 { return String(format: "%.1f s", seconds) }
        let total = Int(seconds)
        if total < 3600 { return "\(total / 60) min \(total % 60) s" }
        return "\(total / 3600) h \(total / 60 % 60) min"
    }
}
