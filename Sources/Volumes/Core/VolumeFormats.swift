import Codecs

/// The volume formats nprec reads.
public enum VolumeFormat: String, CaseIterable, Sendable {
    case nifti = "NIfTI"
    case analyze = "Analyze 7.5"
    case mgh = "MGH/MGZ"
    case minc1 = "MINC1"
    case minc2 = "MINC2"
    case afni = "AFNI"
    case parrec = "PAR/REC"
    case nrrd = "NRRD"
    case tiff = "TIFF"
}

/// Tells volume formats apart by content (magic bytes, then the file name) and opens them.
public enum VolumeFiles {
    /// The formats nprec reads, for messages.
    public static let readable =
        "NIfTI-1 and NIfTI-2 (.nii, .nii.gz, .hdr/.img), Analyze 7.5 (.hdr/.img), FreeSurfer MGH/MGZ, "
        + "MINC1 and MINC2 (.mnc), AFNI (.HEAD/.BRIK, .BRIK.gz), Philips PAR/REC, NRRD (.nrrd, .nhdr) "
        + "and 3-D TIFF (.tif, .tiff, OME-TIFF)"

    /// Opens `path` as whatever volume format it holds.
    public static func open(_ path: String, options: VolumeOptions = VolumeOptions()) throws -> any VolumeFile {
        switch try detect(path) {
        case .nifti: return try NIfTIVolume(path: path, options: options)
        case .parrec: return try PARRECVolume(path: path, options: options)
        case .minc1: return try MINCVolume(path: path, version: 1, options: options)
        case .minc2: return try MINCVolume(path: path, version: 2, options: options)
        case .nrrd: return try NRRDVolume(path: path, options: options)
        case .mgh: return try MGHVolume(path: path, options: options)
        case .analyze: return try AnalyzeVolume(path: path, options: options)
        case .afni: return try AFNIVolume(path: path, options: options)
        case .tiff:
            throw VolumeError(
                path: path, message: "a TIFF file is read as a stack of 2-D pages, not through the volume readers")
        }
    }

    /// The format of `path`: from the first bytes (decompressed when gzip), then from the name for
    /// the data files of pairs (.img, .BRIK, .REC) and for formats without a magic number.
    public static func detect(_ path: String) throws -> VolumeFormat {
        let name = path.split(separator: "/").last.map(String.init) ?? path
        guard RawVolumeData.exists(path) else {
            // nibabel finds an AFNI dataset's compressed .BRIK.gz from the name of its .BRIK.
            if name.lowercased().hasSuffix(".brik") && RawVolumeData.exists(path + ".gz") { return .afni }
            throw VolumeError(path: path, message: "no such file")
        }
        var lower = name.lowercased()
        if lower.hasSuffix(".gz") { lower.removeLast(3) }
        // Data files of pairs: their header decides.
        if lower.hasSuffix(".img") {
            if let header = try? NIfTIVolume.pairFiles(path)?.header, let format = try? sniff(header) {
                return format
            }
            return .nifti
        }
        if lower.hasSuffix(".brik") { return .afni }
        if lower.hasSuffix(".rec") { return .parrec }
        if let format = try sniff(path) { return format }
        for (suffixes, format) in extensionTable where suffixes.contains(where: lower.hasSuffix) {
            return format
        }
        throw VolumeError(
            path: path, message: "not a volume file nprec can read (nprec reads \(readable))")
    }

    static let extensionTable: [([String], VolumeFormat)] = [
        ([".nii", ".hdr"], .nifti), ([".mgh", ".mgz"], .mgh), ([".mnc"], .minc1), ([".head"], .afni),
        ([".par"], .parrec), ([".nrrd", ".nhdr"], .nrrd), ([".tif", ".tiff"], .tiff),
    ]

    /// The format announced by the first bytes of `path`, or nil.
    static func sniff(_ path: String) throws -> VolumeFormat? {
        let raw = try RawVolumeData.read(RawVolumeData.open(path, compressed: false, blockSize: 4096), 512, path: path)
        if raw.starts(with: [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a]) { return .minc2 }
        if raw.starts(with: Array("CDF".utf8)) && raw.count > 3 && [1, 2, 5].contains(raw[3]) { return .minc1 }
        if raw.starts(with: [0x49, 0x49, 0x2a, 0]) || raw.starts(with: [0x4d, 0x4d, 0, 0x2a])
            || raw.starts(with: [0x49, 0x49, 0x2b, 0]) || raw.starts(with: [0x4d, 0x4d, 0, 0x2b])
        {
            return .tiff
        }
        var head = raw
        if raw.starts(with: [0x1f, 0x8b]) {
            // A damaged stream: leave the error to the reader, which names the problem.
            head =
                (try? RawVolumeData.read(RawVolumeData.open(path, compressed: true, blockSize: 4096), 512, path: path))
                ?? []
        }
        if head.starts(with: Array("NRRD000".utf8)) { return .nrrd }
        if raw.starts(with: [0x1f, 0x8b]) {
            // Gzipped MINC (nibabel reads a gzipped MINC1).
            if head.starts(with: Array("CDF".utf8)) && head.count > 3 && [1, 2, 5].contains(head[3]) { return .minc1 }
            if head.starts(with: [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a]) { return .minc2 }
        }
        let text = String(decoding: head.prefix(80), as: UTF8.self)
        if text.hasPrefix("# === DATA DESCRIPTION FILE") { return .parrec }
        if text.drop(while: \.isWhitespace).hasPrefix("type") && text.contains("-attribute") { return .afni }
        if head.count >= 4, let (version, _) = NIfTIHeader.identify(Array(head[0..<4])) {
            if version == 2 { return .nifti }
            // NIfTI-1 has its magic at byte 344; an Analyze 7.5 header has none.
            if head.count >= 348 {
                let magic = head[344..<348]
                if magic.elementsEqual(Array("n+1\0".utf8)) || magic.elementsEqual(Array("ni1\0".utf8)) {
                    return .nifti
                }
                return .analyze
            }
            return .nifti
        }
        if isMGH(head) { return .mgh }
        return nil
    }

    /// An MGH header: version 1, positive dimensions and a known type code (big-endian int32s).
    static func isMGH(_ head: [UInt8]) -> Bool {
        guard head.count >= 28 else { return false }
        let ints = (0..<7).map { i in
            Int32(
                bitPattern: UInt32(head[4 * i]) << 24 | UInt32(head[4 * i + 1]) << 16 | UInt32(head[4 * i + 2]) << 8
                    | UInt32(head[4 * i + 3]))
        }
        return ints[0] == 1 && ints[1...4].allSatisfy { $0 > 0 } && [0, 1, 3, 4, 10].contains(ints[5])
    }
}
