/// The anatomical orientation of a slice stack: for the input axes (increasing column, row,
/// slice number), the RAS+ axis each one runs along and whether it points the other way.
public struct SliceOrientation: Sendable, Equatable, CustomStringConvertible {
    /// The RAS axis (0 x, 1 y, 2 z) of input axis 0 (column), 1 (row), 2 (slice).
    public let axis: [Int]
    /// True where the input axis points to L, P or I (the output runs the other way).
    public let inverted: [Bool]
    public let code: String

    /// Parses a code such as `RAS`, `RIA` or `lpi`: one letter from R/L, A/P and S/I each.
    public init?(_ code: String) {
        let letters = Array(code.uppercased())
        guard letters.count == 3 else { return nil }
        var axis: [Int] = []
        var inverted: [Bool] = []
        for letter in letters {
            switch letter {
            case "R", "L": axis.append(0)
            case "A", "P": axis.append(1)
            case "S", "I": axis.append(2)
            default: return nil
            }
            inverted.append("LPI".contains(letter))
        }
        guard Set(axis).count == 3 else { return nil }
        self.axis = axis
        self.inverted = inverted
        self.code = String(letters)
    }

    public var description: String { code }

    /// The input axis that runs along RAS axis `a`.
    public func inputAxis(of a: Int) -> Int { axis.firstIndex(of: a)! }

    /// The volume size in RAS order for an input stack of width, height and slice count.
    public func outputSize(input: [Int]) -> [Int] { (0..<3).map { input[inputAxis(of: $0)] } }

    /// The input size (width, height, slices) of a volume of RAS size `output`.
    public func inputSize(output: [Int]) -> [Int] { (0..<3).map { output[axis[$0]] } }

    /// The 48 codes.
    public static let all: [String] = {
        var codes: [String] = []
        let pairs: [[Character]] = [["L", "R"], ["A", "P"], ["I", "S"]]
        for permutation in [[0, 1, 2], [0, 2, 1], [1, 0, 2], [1, 2, 0], [2, 0, 1], [2, 1, 0]] {
            for a in pairs[permutation[0]] {
                for b in pairs[permutation[1]] {
                    for c in pairs[permutation[2]] { codes.append(String([a, b, c])) }
                }
            }
        }
        return codes.sorted()
    }()
}
