/// The PAR versions nprec reads: those nibabel claims to understand. Each adds image-information
/// columns to the one before.
public enum PARVersion: String, CaseIterable, Sendable {
    case v4 = "V4"
    case v41 = "V4.1"
    case v42 = "V4.2"

    /// The image-information columns, in the order of the values on each image line
    /// (nibabel's `image_def_dtds`).
    var columns: [PARColumn] {
        switch self {
        case .v4: PARColumn.v4
        case .v41: PARColumn.v4 + PARColumn.v41
        case .v42: PARColumn.v4 + PARColumn.v41 + PARColumn.v42
        }
    }
}

/// How the values of a PAR field are read.
enum PARValueKind: Sendable {
    /// Kept as text.
    case text
    /// Python's `int`: an optional sign and decimal digits.
    case int
    /// Python's `float`.
    case float
}

/// One column of the image-information table: a name (nibabel's), a kind and a number of values.
struct PARColumn: Sendable {
    let name: String
    let kind: PARValueKind
    let count: Int

    init(_ name: String, _ kind: PARValueKind, _ count: Int = 1) {
        self.name = name
        self.kind = kind
        self.count = count
    }

    static let v4: [PARColumn] = [
        .init("slice number", .int), .init("echo number", .int), .init("dynamic scan number", .int),
        .init("cardiac phase number", .int), .init("image_type_mr", .int), .init("scanning sequence", .int),
        .init("index in REC file", .int), .init("image pixel size", .int), .init("scan percentage", .int),
        .init("recon resolution", .int, 2), .init("rescale intercept", .float), .init("rescale slope", .float),
        .init("scale slope", .float), .init("window center", .float), .init("window width", .float),
        .init("image angulation", .float, 3), .init("image offcentre", .float, 3), .init("slice thickness", .float),
        .init("slice gap", .float), .init("image_display_orientation", .int), .init("slice orientation", .int),
        .init("fmri_status_indication", .int), .init("image_type_ed_es", .int), .init("pixel spacing", .float, 2),
        .init("echo_time", .float), .init("dyn_scan_begin_time", .float), .init("trigger_time", .float),
        .init("diffusion_b_factor", .float), .init("number of averages", .int), .init("image_flip_angle", .float),
        .init("cardiac frequency", .int), .init("minimum RR-interval", .int), .init("maximum RR-interval", .int),
        .init("TURBO factor", .int), .init("Inversion delay", .float),
    ]

    static let v41: [PARColumn] = [
        .init("diffusion b value number", .int), .init("gradient orientation number", .int),
        .init("contrast type", .text), .init("diffusion anisotropy type", .text), .init("diffusion", .float, 3),
    ]

    static let v42: [PARColumn] = [.init("label type", .int)]
}

/// A general-information field: nibabel's short name, the kind of its values, and for a list how
/// many values it holds (nil: any number).
struct PARGeneralField: Sendable {
    let name: String
    let kind: PARValueKind
    let count: Int?
    /// True for a list of values (numpy's `fromstring`), false for one value.
    let isList: Bool

    /// A single value.
    init(_ name: String, _ kind: PARValueKind = .text) {
        self.name = name
        self.kind = kind
        count = 1
        isList = false
    }

    /// A list of `count` values (any number when nil).
    private init(list name: String, _ kind: PARValueKind, _ count: Int?) {
        self.name = name
        self.kind = kind
        self.count = count
        isList = true
    }

    static func list(_ name: String, _ kind: PARValueKind, _ count: Int?) -> PARGeneralField {
        PARGeneralField(list: name, kind, count)
    }

    /// nibabel's `_hdr_key_dict`, by lowercased key (keys are matched without regard to case).
    static let byKey: [String: PARGeneralField] = {
        let table: [(String, PARGeneralField)] = [
            ("Patient name", .init("patient_name")), ("Examination name", .init("exam_name")),
            ("Protocol name", .init("protocol_name")), ("Examination date/time", .init("exam_date")),
            ("Series Type", .init("series_type")), ("Acquisition nr", .init("acq_nr", .int)),
            ("Reconstruction nr", .init("recon_nr", .int)), ("Scan Duration [sec]", .init("scan_duration", .float)),
            ("Max. number of cardiac phases", .init("max_cardiac_phases", .int)),
            ("Max. number of echoes", .init("max_echoes", .int)),
            ("Max. number of slices/locations", .init("max_slices", .int)),
            ("Max. number of dynamics", .init("max_dynamics", .int)),
            ("Max. number of mixes", .init("max_mixes", .int)), ("Patient position", .init("patient_position")),
            ("Preparation direction", .init("prep_direction")), ("Technique", .init("tech")),
            ("Scan resolution  (x, y)", .list("scan_resolution", .int, 2)), ("Scan mode", .init("scan_mode")),
            ("Repetition time [ms]", .list("repetition_time", .float, nil)),
            ("FOV (ap,fh,rl) [mm]", .list("fov", .float, 3)),
            ("Water Fat shift [pixels]", .init("water_fat_shift", .float)),
            ("Angulation midslice(ap,fh,rl)[degr]", .list("angulation", .float, 3)),
            ("Off Centre midslice(ap,fh,rl) [mm]", .list("off_center", .float, 3)),
            ("Flow compensation <0=no 1=yes> ?", .init("flow_compensation", .int)),
            ("Presaturation     <0=no 1=yes> ?", .init("presaturation", .int)),
            ("Phase encoding velocity [cm/sec]", .list("phase_enc_velocity", .float, 3)),
            ("MTC               <0=no 1=yes> ?", .init("mtc", .int)),
            ("SPIR              <0=no 1=yes> ?", .init("spir", .int)),
            ("EPI factor        <0,1=no EPI>", .init("epi_factor", .int)),
            ("Dynamic scan      <0=no 1=yes> ?", .init("dyn_scan", .int)),
            ("Diffusion         <0=no 1=yes> ?", .init("diffusion", .int)),
            ("Diffusion echo time [ms]", .init("diffusion_echo_time", .float)),
            ("Max. number of diffusion values", .init("max_diffusion_values", .int)),
            ("Max. number of gradient orients", .init("max_gradient_orient", .int)),
            ("Number of label types   <0=no ASL>", .init("nr_label_types", .int)),
            // Spellings seen in V4.2 files (nibabel issue 505).
            ("Series_data_type", .init("series_type")), ("Patient Position", .init("patient_position")),
            ("Repetition time [msec]", .list("repetition_time", .float, nil)),
            ("Diffusion echo time [msec]", .init("diffusion_echo_time", .float)),
        ]
        var byKey: [String: PARGeneralField] = [:]
        for (key, field) in table { byKey[key.lowercased()] = field }
        return byKey
    }()
}

/// A parsed general-information value.
public enum PARGeneralValue: Sendable, Equatable {
    case text(String)
    case int(Int)
    case float(Double)
    case ints([Int])
    case floats([Double])
}

/// Numbers as Python reads them (`int(s)`, `float(s)`): no hexadecimal, no trailing garbage;
/// underscores only between digits.
enum PythonNumber {
    /// Python's `int(s)` for a token without surrounding whitespace, or nil.
    static func int(_ token: Substring) -> Int? {
        guard let digits = withoutUnderscores(token) else { return nil }
        var body = digits[...]
        if body.first == "+" || body.first == "-" { body = body.dropFirst() }
        guard !body.isEmpty, body.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        return Int(digits)
    }

    /// Python's `float(s)` for a token without surrounding whitespace, or nil.
    static func float(_ token: Substring) -> Double? {
        guard let text = withoutUnderscores(token) else { return nil }
        var body = text.lowercased()[...]
        if body.first == "+" || body.first == "-" { body = body.dropFirst() }
        if ["inf", "infinity", "nan"].contains(body) { return Double(text.lowercased()) }
        // Decimal only: digits, at most one point, then an optional exponent.
        var sawDigit = false
        var index = body.startIndex
        func digits() {
            while index < body.endIndex, body[index].isASCII, body[index].isNumber {
                sawDigit = true
                index = body.index(after: index)
            }
        }
        digits()
        if index < body.endIndex, body[index] == "." {
            index = body.index(after: index)
            digits()
        }
        guard sawDigit else { return nil }
        if index < body.endIndex, body[index] == "e" {
            index = body.index(after: index)
            if index < body.endIndex, body[index] == "+" || body[index] == "-" { index = body.index(after: index) }
            sawDigit = false
            digits()
            guard sawDigit else { return nil }
        }
        guard index == body.endIndex else { return nil }
        return Double(text)
    }

    /// The token without underscores, or nil when an underscore is not between two digits.
    private static func withoutUnderscores(_ token: Substring) -> String? {
        guard token.contains("_") else { return String(token) }
        let characters = Array(token)
        for (i, character) in characters.enumerated() where character == "_" {
            guard i > 0, i + 1 < characters.count, characters[i - 1].isNumber, characters[i + 1].isNumber else {
                return nil
            }
        }
        return String(characters.filter { $0 != "_" })
    }
}
