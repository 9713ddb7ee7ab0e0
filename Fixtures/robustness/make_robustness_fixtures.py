"""Makes the small bad inputs of the robustness tests (Fixtures/robustness/volumes and meshes).
Needs only Python's standard library: python3 Fixtures/robustness/make_robustness_fixtures.py

The files named fuzz_*.nii.gz and fuzz_*.gii are inputs found by Tests/fuzz (kept as found, not made
here): fuzz_slab_over_4gib.nii.gz (a slab of more than 4 GiB trapped in zlib's 32-bit avail_out),
fuzz_huge_allocation.nii.gz ("failed to allocate 150533120032 bytes"), fuzz_bad_attribute_byte.gii
(byte 0xF3 in an attribute name: FoundationXML's XMLParser crashed in _NSXMLParserStartElementNs).
"""
import gzip
import pathlib
import struct

HERE = pathlib.Path(__file__).resolve().parent
VOLUMES = HERE / "volumes"
MESHES = HERE / "meshes"


def nifti1(dims, datatype=2, bitpix=8):
    """A little-endian NIfTI-1 header (348 bytes) and the 4 extension bytes; vox_offset 352."""
    header = bytearray(348)
    struct.pack_into("<i", header, 0, 348)
    dim = [len(dims)] + list(dims) + [1] * (7 - len(dims))
    struct.pack_into("<8h", header, 40, *dim)
    struct.pack_into("<hh", header, 70, datatype, bitpix)
    struct.pack_into("<8f", header, 76, 1, 1, 1, 1, 1, 1, 1, 1)
    struct.pack_into("<f", header, 108, 352)
    struct.pack_into("<f", header, 112, 1)
    header[344:348] = b"n+1\0"
    return bytes(header) + b"\0\0\0\0"


def gz(data):
    return gzip.compress(data, mtime=0)


def volumes():
    # The crash: a header claiming 20000^3 voxels in a file of a few hundred bytes.
    (VOLUMES / "huge_dims.nii.gz").write_bytes(gz(nifti1([20000, 20000, 20000]) + bytes(64)))
    # The same claim, uncompressed.
    (VOLUMES / "huge_dims.nii").write_bytes(nifti1([20000, 20000, 20000]) + bytes(64))
    # 16^3 voxels claimed (4096 bytes), a complete gzip stream holding only 1000 of them.
    (VOLUMES / "short_stream.nii.gz").write_bytes(gz(nifti1([16, 16, 16]) + bytes(range(250)) * 4))
    # 16^3 voxels, a gzip stream cut in the middle (no end marker).
    full = gz(nifti1([16, 16, 16]) + bytes(i * 7 % 251 for i in range(4096)))
    (VOLUMES / "cut_stream.nii.gz").write_bytes(full[:len(full) * 2 // 3])


def gifti(arrays):
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<GIFTI Version="1.0" NumberOfDataArrays="%d">\n%s\n</GIFTI>\n'
            % (len(arrays), "\n".join(arrays)))


def data_array(intent, dtype, rows, data, encoding="ASCII"):
    return ('<DataArray Intent="%s" DataType="%s" ArrayIndexingOrder="RowMajorOrder" Dimensionality="2" '
            'Dim0="%s" Dim1="3" Encoding="%s" Endian="LittleEndian">\n<Data>%s</Data>\n</DataArray>'
            % (intent, dtype, rows, encoding, data))


def meshes():
    points = data_array("NIFTI_INTENT_POINTSET", "NIFTI_TYPE_FLOAT32", 3, "0 0 0\n1 0 0\n0 1 0")
    # The crash: Dim0='2000000000' on a three-value ASCII array.
    huge = data_array("NIFTI_INTENT_TRIANGLE", "NIFTI_TYPE_INT32", 2000000000, "0 1 2")
    (MESHES / "gifti_huge_dim0.gii").write_text(gifti([points, huge]))
    # The same on base64 data (12 bytes present) and on gzip-compressed base64 data.
    base64 = data_array("NIFTI_INTENT_TRIANGLE", "NIFTI_TYPE_INT32", 2000000000, "AAAAAAEAAAACAAAA",
                        encoding="Base64Binary")
    (MESHES / "gifti_huge_dim0_base64.gii").write_text(gifti([points, base64]))
    gzipped = data_array("NIFTI_INTENT_TRIANGLE", "NIFTI_TYPE_INT32", 2000000000,
                         "eJxjYGBgYARiJiAGAAAcAAQ=", encoding="GZipBase64Binary")
    (MESHES / "gifti_huge_dim0_gzip.gii").write_text(gifti([points, gzipped]))
    # A negative triangle index.
    negative = data_array("NIFTI_INTENT_TRIANGLE", "NIFTI_TYPE_INT32", 1, "0 -1 2")
    (MESHES / "gifti_negative_index.gii").write_text(gifti([points, negative]))
    # PLY and OFF counts far beyond the file.
    (MESHES / "ply_huge_count.ply").write_text(
        "ply\nformat ascii 1.0\nelement vertex 2000000000\nproperty float x\nproperty float y\n"
        "property float z\nelement face 1\nproperty list uchar int vertex_indices\nend_header\n"
        "0 0 0\n1 0 0\n0 1 0\n3 0 1 2\n")
    (MESHES / "ply_huge_count_binary.ply").write_bytes(
        b"ply\nformat binary_little_endian 1.0\nelement vertex 9223372036854775807\nproperty float x\n"
        b"property float y\nproperty float z\nend_header\n" + bytes(36))
    (MESHES / "off_huge_count.off").write_text("OFF\n9223372036854775807 1 0\n0 0 0\n1 0 0\n0 1 0\n3 0 1 2\n")
    (MESHES / "obj_negative_index.obj").write_text("v 0 0 0\nv 1 0 0\nv 0 1 0\nf 1 2 -9\n")


if __name__ == "__main__":
    VOLUMES.mkdir(parents=True, exist_ok=True)
    MESHES.mkdir(parents=True, exist_ok=True)
    volumes()
    meshes()
