// Draco's C++ API behind the plain C functions of cdraco.h. No exception leaves this file.

#include "cdraco.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <memory>
#include <string>

#include <draco/compression/decode.h>
#include <draco/compression/encode.h>
#include <draco/mesh/mesh.h>

namespace {

void set_message(char *message, const std::string &text) {
    std::snprintf(message, NPREC_DRACO_MESSAGE_SIZE, "%s", text.c_str());
}

std::unique_ptr<draco::Mesh> make_mesh(const int32_t *positions, uint32_t vertex_count, const uint32_t *indices,
                                       uint32_t triangle_count) {
    auto mesh = std::make_unique<draco::Mesh>();
    mesh->set_num_points(vertex_count);
    draco::GeometryAttribute position;
    position.Init(draco::GeometryAttribute::POSITION, nullptr, 3, draco::DT_INT32, false, 3 * sizeof(int32_t), 0);
    const int id = mesh->AddAttribute(position, true, vertex_count);
    if (id < 0) return nullptr;
    draco::PointAttribute *attribute = mesh->attribute(id);
    for (uint32_t vertex = 0; vertex < vertex_count; ++vertex) {
        attribute->SetAttributeValue(draco::AttributeValueIndex(vertex), positions + 3 * size_t(vertex));
    }
    mesh->SetNumFaces(triangle_count);
    for (uint32_t triangle = 0; triangle < triangle_count; ++triangle) {
        const uint32_t *corners = indices + 3 * size_t(triangle);
        draco::Mesh::Face face = {draco::PointIndex(corners[0]), draco::PointIndex(corners[1]),
                                  draco::PointIndex(corners[2])};
        mesh->SetFace(draco::FaceIndex(triangle), face);
    }
    return mesh;
}

draco::Status encode_with(const draco::Mesh &mesh, int speed, int method, draco::EncoderBuffer *buffer) {
    draco::Encoder encoder;
    encoder.SetSpeedOptions(speed, speed);
    encoder.SetEncodingMethod(method);
    return encoder.EncodeMeshToBuffer(mesh, buffer);
}

int encode(const int32_t *positions, uint32_t vertex_count, const uint32_t *indices, uint32_t triangle_count,
           int speed, uint8_t **out, size_t *out_size, char *message) {
    const auto mesh = make_mesh(positions, vertex_count, indices, triangle_count);
    if (!mesh) {
        set_message(message, "could not add the POSITION attribute");
        return -1;
    }
    draco::EncoderBuffer buffer;
    draco::Status status = encode_with(*mesh, speed, draco::MESH_EDGEBREAKER_ENCODING, &buffer);
    if (!status.ok()) {
        buffer.Clear();
        status = encode_with(*mesh, speed, draco::MESH_SEQUENTIAL_ENCODING, &buffer);
    }
    if (!status.ok()) {
        set_message(message, "EncodeMeshToBuffer failed: " + status.error_msg_string());
        return -1;
    }
    const size_t size = buffer.size();
    auto *bytes = static_cast<uint8_t *>(std::malloc(size == 0 ? 1 : size));
    if (bytes == nullptr) {
        set_message(message, "out of memory");
        return -1;
    }
    std::memcpy(bytes, buffer.data(), size);
    *out = bytes;
    *out_size = size;
    return 0;
}

int decode(const uint8_t *bytes, size_t size, uint32_t **positions_out, size_t *vertex_count, uint32_t **indices_out,
           size_t *triangle_count, char *message) {
    draco::DecoderBuffer buffer;
    buffer.Init(reinterpret_cast<const char *>(bytes), size);
    draco::Decoder decoder;
    decoder.SetSkipAttributeTransform(draco::GeometryAttribute::POSITION);
    auto decoded = decoder.DecodeMeshFromBuffer(&buffer);
    if (!decoded.ok()) {
        set_message(message, "DecodeMeshFromBuffer failed: " + decoded.status().error_msg_string());
        return -1;
    }
    const std::unique_ptr<draco::Mesh> mesh = std::move(decoded).value();
    if (!mesh) {
        set_message(message, "DecodeMeshFromBuffer returned no mesh");
        return -1;
    }
    const draco::PointAttribute *attribute = mesh->GetNamedAttribute(draco::GeometryAttribute::POSITION);
    if (attribute == nullptr) {
        set_message(message, "no POSITION attribute");
        return -1;
    }
    if (attribute->num_components() != 3) {
        set_message(message, "POSITION has " + std::to_string(int(attribute->num_components())) +
                                 " components, not 3");
        return -1;
    }
    if (attribute->data_type() != draco::DT_INT32 && attribute->data_type() != draco::DT_FLOAT32) {
        set_message(message, "POSITION has Draco data type " + std::to_string(int(attribute->data_type())) +
                                 ", not DT_INT32 (or DT_FLOAT32)");
        return -1;
    }
    if (mesh->GetAttributeElementType(attribute->unique_id()) != draco::MESH_CORNER_ATTRIBUTE) {
        set_message(message, "POSITION is not a corner attribute");
        return -1;
    }
    const size_t vertices = attribute->size();
    if (vertices != mesh->num_points()) {
        set_message(message, "POSITION has " + std::to_string(vertices) + " values for " +
                                 std::to_string(mesh->num_points()) + " points");
        return -1;
    }
    const int64_t stride = attribute->byte_stride();
    const draco::DataBuffer *data = attribute->buffer();
    if (vertices > 0) {
        const int64_t last = int64_t(attribute->byte_offset()) + stride * int64_t(vertices - 1) + 12;
        if (stride < 12 || data == nullptr || attribute->byte_offset() < 0 || last > data->data_size()) {
            set_message(message, "POSITION values lie outside their buffer");
            return -1;
        }
    }
    const size_t faces = mesh->num_faces();
    std::unique_ptr<uint32_t, decltype(&std::free)> positions(
        static_cast<uint32_t *>(std::malloc(vertices == 0 ? 1 : vertices * 12)), &std::free);
    std::unique_ptr<uint32_t, decltype(&std::free)> indices(
        static_cast<uint32_t *>(std::malloc(faces == 0 ? 1 : faces * 12)), &std::free);
    if (!positions || !indices) {
        set_message(message, "out of memory");
        return -1;
    }
    for (size_t vertex = 0; vertex < vertices; ++vertex) {
        std::memcpy(positions.get() + 3 * vertex, attribute->GetAddress(draco::AttributeValueIndex(uint32_t(vertex))),
                    12);
    }
    for (size_t face_index = 0; face_index < faces; ++face_index) {
        const draco::Mesh::Face &face = mesh->face(draco::FaceIndex(uint32_t(face_index)));
        for (int corner = 0; corner < 3; ++corner) {
            if (face[corner].value() >= mesh->num_points()) {
                set_message(message, "face " + std::to_string(face_index) + " names point " +
                                         std::to_string(face[corner].value()) + " of " +
                                         std::to_string(mesh->num_points()));
                return -1;
            }
            const uint32_t value = attribute->mapped_index(face[corner]).value();
            if (value >= vertices) {
                set_message(message, "face " + std::to_string(face_index) + " maps to POSITION value " +
                                         std::to_string(value) + " of " + std::to_string(vertices));
                return -1;
            }
            indices.get()[3 * face_index + size_t(corner)] = value;
        }
    }
    *positions_out = positions.release();
    *vertex_count = vertices;
    *indices_out = indices.release();
    *triangle_count = faces;
    return 0;
}

}  // namespace

extern "C" void nprec_draco_free(void *pointer) { std::free(pointer); }

extern "C" int nprec_draco_encode(const int32_t *positions, uint32_t vertex_count, const uint32_t *indices,
                                  uint32_t triangle_count, int speed, uint8_t **out, size_t *out_size,
                                  char message[NPREC_DRACO_MESSAGE_SIZE]) {
    try {
        return encode(positions, vertex_count, indices, triangle_count, speed, out, out_size, message);
    } catch (const std::exception &error) {
        std::snprintf(message, NPREC_DRACO_MESSAGE_SIZE, "Draco threw: %s", error.what());
    } catch (...) {
        std::snprintf(message, NPREC_DRACO_MESSAGE_SIZE, "Draco threw an exception");
    }
    return -1;
}

extern "C" int nprec_draco_decode(const uint8_t *bytes, size_t size, uint32_t **positions, size_t *vertex_count,
                                  uint32_t **indices, size_t *triangle_count,
                                  char message[NPREC_DRACO_MESSAGE_SIZE]) {
    try {
        return decode(bytes, size, positions, vertex_count, indices, triangle_count, message);
    } catch (const std::exception &error) {
        std::snprintf(message, NPREC_DRACO_MESSAGE_SIZE, "Draco threw: %s", error.what());
    } catch (...) {
        std::snprintf(message, NPREC_DRACO_MESSAGE_SIZE, "Draco threw an exception");
    }
    return -1;
}
