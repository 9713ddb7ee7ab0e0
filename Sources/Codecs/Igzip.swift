import CISAL

/// A gzip stream inflated by ISA-L's igzip: about 1.6 times zlib's speed on a noisy image's
/// `.nii.gz` and 2.2 times on labels (measured here, one core), which matters because one
/// thread inflates a `.nii.gz` while the others compute. gzip members only (header and trailer
/// checked by igzip); zlib streams stay with `Inflater`.
final class IgzipInflater: StreamDecoder {
    private let state: UnsafeMutablePointer<inflate_state>

    init() {
        state = .allocate(capacity: 1)
        isal_inflate_init(state)
        state.pointee.crc_flag = UInt32(ISAL_GZIP)
    }

    deinit { state.deallocate() }

    var streamEnded = false
    var library: String { "isa-l" }

    func decodeStep(
        _ input: UnsafeRawBufferPointer, _ output: UnsafeMutableRawBufferPointer
    ) throws -> (consumed: Int, produced: Int) {
        if streamEnded {
            // A further gzip member may follow (concatenated members, as `gzip` writes them).
            guard !input.isEmpty else { return (0, 0) }
            isal_inflate_reset(state)
            state.pointee.crc_flag = UInt32(ISAL_GZIP)
            streamEnded = false
        }
        // 32-bit counts: at most 1 GiB in and out per call.
        let inputCount = min(input.count, 1 << 30)
        let outputCount = min(output.count, 1 << 30)
        state.pointee.next_in = UnsafeMutablePointer(mutating: input.baseAddress?.assumingMemoryBound(to: UInt8.self))
        state.pointee.avail_in = UInt32(inputCount)
        state.pointee.next_out = output.baseAddress?.assumingMemoryBound(to: UInt8.self)
        state.pointee.avail_out = UInt32(outputCount)
        let status = isal_inflate(state)
        let consumed = inputCount - Int(state.pointee.avail_in)
        let produced = outputCount - Int(state.pointee.avail_out)
        guard status >= 0 else {
            let detail =
                switch status {
                case ISAL_INCORRECT_CHECKSUM: "incorrect data check"
                case ISAL_INVALID_WRAPPER: "not a gzip header"
                case ISAL_UNSUPPORTED_METHOD: "unknown compression method"
                default: "invalid deflate data (\(status))"
                }
            throw CodecError(library: "isa-l", message: "corrupt compressed data (\(detail))")
        }
        if state.pointee.block_state == ISAL_BLOCK_FINISH { streamEnded = true }
        return (consumed, produced)
    }
}
