import CDraco

/// Draco triangle meshes through libdraco (its C++ API behind the `CDraco` shim), as Neuroglancer's
/// `neuroglancer_multilod_draco` fragments hold them: one POSITION attribute of 3 `DT_INT32` components
/// carrying positions quantized before encoding (Draco's own position quantization is never used).
public enum Draco {
    /// Encodes a triangle mesh for Neuroglancer's multilod_draco: POSITION attribute with 3 components of
    /// type DT_INT32 holding the pre-quantized positions (no Draco quantization of positions), triangles
    /// from `indices` (3 per triangle, each < positions.count / 3). `speed` 0...10 (Draco's encoding speed;
    /// decoding speed the same). Empty meshes (no triangles) are an error the caller avoids.
    ///
    /// Wraps `draco::Encoder::EncodeMeshToBuffer` with `SetSpeedOptions(speed, speed)` and edgebreaker
    /// connectivity, or sequential connectivity when edgebreaker fails on the mesh. Each position is at most
    /// `Int32.max` (Neuroglancer reads the int32 values back as uint32). Draco may reorder vertices and
    /// triangles and rotate a triangle's corners (keeping its orientation); edgebreaker drops degenerate
    /// triangles (two equal corners).
    public static func encode(positions: [UInt32], indices: [UInt32], speed: Int = 5) throws(CodecError) -> [UInt8] {
        guard (0...10).contains(speed) else {
            throw CodecError(library: "draco", message: "Draco's speed is 0 to 10, not \(speed)")
        }
        guard positions.count % 3 == 0, indices.count % 3 == 0 else {
            throw CodecError(
                library: "draco",
                message: "\(positions.count) position values and \(indices.count) indices: both must be 3 per item")
        }
        guard !indices.isEmpty else {
            throw CodecError(library: "draco", message: "cannot encode a mesh without triangles")
        }
        let vertexCount = positions.count / 3
        guard vertexCount <= Int(UInt32.max), indices.count / 3 <= Int(UInt32.max) else {
            throw CodecError(library: "draco", message: "a Draco mesh holds fewer than 2^32 vertices and triangles")
        }
        if let index = indices.first(where: { Int($0) >= vertexCount }) {
            throw CodecError(library: "draco", message: "index \(index) names no vertex of \(vertexCount)")
        }
        if let value = positions.first(where: { $0 > UInt32(Int32.max) }) {
            throw CodecError(library: "draco", message: "position value \(value) exceeds the int32 range")
        }
        var output: UnsafeMutablePointer<UInt8>?
        var outputSize = 0
        var message = [CChar](repeating: 0, count: Int(NPREC_DRACO_MESSAGE_SIZE))
        let status = positions.withUnsafeBufferPointer { positionBuffer in
            indices.withUnsafeBufferPointer { indexBuffer in
                positionBuffer.withMemoryRebound(to: Int32.self) { signed in
                    nprec_draco_encode(
                        signed.baseAddress, UInt32(vertexCount), indexBuffer.baseAddress,
                        UInt32(indices.count / 3), Int32(speed), &output, &outputSize, &message)
                }
            }
        }
        defer { nprec_draco_free(output) }
        guard status == 0, let output else {
            throw CodecError(library: "draco", message: "cannot encode: \(cString(message))")
        }
        return Array(UnsafeBufferPointer(start: output, count: outputSize))
    }

    /// Decodes a Draco mesh as Neuroglancer does (position attribute with its transform skipped, values read
    /// as integers): positions (3 per vertex) and triangle indices. Any bad input: CodecError, never a crash.
    ///
    /// Wraps `draco::Decoder::DecodeMeshFromBuffer` after `SetSkipAttributeTransform(POSITION)`, then
    /// checks what `neuroglancer_draco_decode` checks: a POSITION attribute of 3 components, `DT_INT32` or
    /// `DT_FLOAT32` (whose 32-bit words Neuroglancer takes as integers too), one value per point. Each
    /// returned index is < positions.count / 3.
    public static func decode(_ bytes: [UInt8]) throws(CodecError) -> (positions: [UInt32], indices: [UInt32]) {
        var positions: UnsafeMutablePointer<UInt32>?
        var indices: UnsafeMutablePointer<UInt32>?
        var vertexCount = 0
        var triangleCount = 0
        var message = [CChar](repeating: 0, count: Int(NPREC_DRACO_MESSAGE_SIZE))
        let status = bytes.withUnsafeBufferPointer { input in
            nprec_draco_decode(
                input.baseAddress, input.count, &positions, &vertexCount, &indices, &triangleCount, &message)
        }
        defer {
            nprec_draco_free(positions)
            nprec_draco_free(indices)
        }
        guard status == 0, let positions, let indices else {
            throw CodecError(library: "draco", message: "cannot decode: \(cString(message))")
        }
        return (
            Array(UnsafeBufferPointer(start: positions, count: vertexCount * 3)),
            Array(UnsafeBufferPointer(start: indices, count: triangleCount * 3))
        )
    }
}
