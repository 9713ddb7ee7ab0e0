#ifndef NPREC_CDRACO_H
#define NPREC_CDRACO_H

/* C glue around Draco's C++ API (libdraco): triangle meshes with one POSITION attribute of
 * 3 int32 components, as Neuroglancer's multilod_draco meshes hold them. Every C++ exception
 * (std::bad_alloc among them) is caught inside the shim and returned as an error.
 *
 * Only plain C types appear here; Draco's headers stay in draco_shim.cc.
 * Only the `Codecs` module imports this. */

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define NPREC_DRACO_MESSAGE_SIZE 200

/* Frees a buffer returned by nprec_draco_encode or nprec_draco_decode. */
void nprec_draco_free(void *pointer);

/* Builds a draco::Mesh of `vertex_count` points (POSITION: DT_INT32, 3 components, identity
 * mapping, values copied from `positions`) and `triangle_count` faces (`indices`, 3 per face,
 * each < vertex_count: the caller checks), and encodes it with draco::Encoder at
 * SetSpeedOptions(speed, speed): edgebreaker, or sequential connectivity when edgebreaker
 * fails. No attribute quantization. On success returns 0 and sets *out (malloc'd) and
 * *out_size; on failure returns -1 and writes a message. */
int nprec_draco_encode(const int32_t *positions, uint32_t vertex_count, const uint32_t *indices,
                       uint32_t triangle_count, int speed, uint8_t **out, size_t *out_size,
                       char message[NPREC_DRACO_MESSAGE_SIZE]);

/* Decodes a Draco mesh as Neuroglancer's neuroglancer_draco_decode does:
 * SetSkipAttributeTransform(POSITION), DecodeMeshFromBuffer, a POSITION attribute of 3
 * components, DT_INT32 or DT_FLOAT32 (its 32-bit words taken as they are), a corner attribute
 * with one value per point; face corners mapped to attribute values. On success returns 0 and
 * sets *positions (malloc'd, 3 words per vertex, *vertex_count vertices) and *indices (malloc'd,
 * 3 per triangle, *triangle_count triangles, each < *vertex_count); either pointer may be NULL
 * when its count is 0. On failure returns -1 and writes a message. */
int nprec_draco_decode(const uint8_t *bytes, size_t size, uint32_t **positions, size_t *vertex_count,
                       uint32_t **indices, size_t *triangle_count, char message[NPREC_DRACO_MESSAGE_SIZE]);

#ifdef __cplusplus
}
#endif

#endif
