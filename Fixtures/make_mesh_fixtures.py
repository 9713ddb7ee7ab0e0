"""Makes the mesh fixtures in Fixtures/mesh/ and records the reference's outputs as golden
files in Fixtures/mesh/golden/. Run with the reference venv (nibabel, numpy<2,
neuroglancer-scripts 1.2.0):

    .venv-reference/bin/python Fixtures/make_mesh_fixtures.py

Deterministic: the same files every run.

- Two surfaces: `sphere` (an icosphere, 42 vertices, 80 triangles, float32 coordinates
  with long fractions) and `prism` (a pentagonal prism whose faces are polygons; its
  coordinates are multiples of 1/8 mm, exact in every unit).
- GIfTI files of the sphere in every encoding, byte order and index order (nibabel writes
  ASCII, Base64Binary and GZipBase64Binary; the big-endian and ExternalFileBinary files are
  nibabel's output with the data re-encoded, which nibabel itself reads back); every file
  is checked by loading it with nibabel.
- The same surfaces as OBJ, PLY (ASCII, binary little- and big-endian), STL (ASCII,
  binary) and OFF. Vertices are numbered in order of first use by the triangles, so STL's
  merged vertices come out in the same order; polygons are fanned (v0, vi, vi+1) in the
  GIfTI versions, as nprec fans them.
- Broken files, each with a word its error message must contain (errors.json).
- golden/: for each GIfTI file and transform, the fragment mesh-to-precomputed wrote
  (decompressed), the info it left; the link files link-mesh-fragments wrote (links.json);
  and the BigBrain example of the reference's documentation (bigbrain/).

This module is also imported by Tests/conformance/check_mesh.py for its generators.
"""
import base64
import gzip
import json
import pathlib
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import zlib

import nibabel as nib
import numpy as np

HERE = pathlib.Path(__file__).resolve().parent
OUT = HERE / "mesh"
BIN = pathlib.Path(sys.executable).parent

# The transforms golden fragments are recorded with (as --coord-transform values).
TRANSFORMS = {
    "none": None,
    # The BigBrain example's: a half turn about z (determinant +1), translation in mm.
    "bigbrain": "-1,0,0,70.7666,0,-1,0,73.01,0,0,1,58.8777",
    # A mirror (x flipped, determinant -1), also scaled and sheared, as 16 numbers.
    "mirror": "-1,0,0,10.5,0,1.5,0.25,-3,0,0,1,2.125,0,0,0,1",
}

SEGMENTATION_INFO = {
    "type": "segmentation",
    "data_type": "uint32",
    "num_channels": 1,
    "scales": [{
        "key": "1mm", "size": [64, 64, 64], "resolution": [1000000, 1000000, 1000000],
        "voxel_offset": [0, 0, 0], "chunk_sizes": [[64, 64, 64]], "encoding": "raw",
    }],
}


# ----------------------------------------------------------------------------------------
# Surfaces

def icosphere(subdivisions=1, radius=9.5, centre=(12.25, -30.5, 7.125)):
    """An icosphere: vertices (float32, mm) and triangles (int32), vertices numbered in order
    of first use."""
    t = (1 + 5 ** 0.5) / 2
    vertices = [(-1, t, 0), (1, t, 0), (-1, -t, 0), (1, -t, 0), (0, -1, t), (0, 1, t),
                (0, -1, -t), (0, 1, -t), (t, 0, -1), (t, 0, 1), (-t, 0, -1), (-t, 0, 1)]
    vertices = [np.array(v) / np.linalg.norm(v) for v in vertices]
    faces = [(0, 11, 5), (0, 5, 1), (0, 1, 7), (0, 7, 10), (0, 10, 11), (1, 5, 9), (5, 11, 4),
             (11, 10, 2), (10, 7, 6), (7, 1, 8), (3, 9, 4), (3, 4, 2), (3, 2, 6), (3, 6, 8),
             (3, 8, 9), (4, 9, 5), (2, 4, 11), (6, 2, 10), (8, 6, 7), (9, 8, 1)]
    for _ in range(subdivisions):
        cache = {}

        def middle(a, b):
            key = (min(a, b), max(a, b))
            if key not in cache:
                m = (vertices[a] + vertices[b]) / 2
                vertices.append(m / np.linalg.norm(m))
                cache[key] = len(vertices) - 1
            return cache[key]
        new_faces = []
        for a, b, c in faces:
            ab, bc, ca = middle(a, b), middle(b, c), middle(c, a)
            new_faces += [(a, ab, ca), (b, bc, ab), (c, ca, bc), (ab, bc, ca)]
        faces = new_faces
    points = (np.array(vertices) * radius + np.array(centre)).astype(np.float32)
    return renumber(points, [list(f) for f in faces])


def prism():
    """A pentagonal prism with polygon faces (2 pentagons, 5 quads), coordinates multiples
    of 1/8 mm. Returns (points, polygons); renumber() fans them."""
    ring = [(0.0, 0.0), (4.5, -1.25), (6.125, 3.0), (3.0, 5.875), (-1.5, 3.25)]
    bottom = [(x + 20.0, y - 7.5, -2.25) for x, y in ring]
    top = [(x + 20.0, y - 7.5, 6.75) for x, y in ring]
    points = np.array(bottom + top, dtype=np.float32)
    polygons = [[4, 3, 2, 1, 0], [5, 6, 7, 8, 9]]
    for k in range(5):
        j = (k + 1) % 5
        polygons.append([k, j, j + 5, k + 5])
    return points, polygons


def fan(polygon):
    return [[polygon[0], polygon[k], polygon[k + 1]] for k in range(1, len(polygon) - 1)]


def renumber(points, polygons):
    """Numbers the vertices in order of first use by the fanned triangles. Returns (points,
    triangles) when every polygon is a triangle, else (points, triangles, polygons)."""
    order = {}
    for polygon in polygons:
        for triangle in fan(polygon):
            for v in triangle:
                order.setdefault(v, len(order))
    assert len(order) == len(points), "every vertex must be used"
    new_points = np.zeros_like(points)
    for old, new in order.items():
        new_points[new] = points[old]
    new_polygons = [[order[v] for v in polygon] for polygon in polygons]
    triangles = np.array([t for p in new_polygons for t in fan(p)], dtype=np.int32)
    if all(len(p) == 3 for p in polygons):
        return new_points, triangles
    return new_points, triangles, new_polygons


def prism_mesh():
    return renumber(*prism())


# ----------------------------------------------------------------------------------------
# GIfTI

def gifti_bytes(points, triangles, encoding="GIFTI_ENCODING_B64GZ", ordering="C",
                point_type="NIFTI_TYPE_FLOAT32", triangle_type="NIFTI_TYPE_INT32", extra_arrays=()):
    """A GIfTI surface as nibabel writes it."""
    arrays = [nib.gifti.GiftiDataArray(
        np.asarray(points, dtype=nib.nifti1.data_type_codes.dtype[point_type]),
        intent="NIFTI_INTENT_POINTSET", datatype=point_type, encoding=encoding, ordering=ordering)]
    arrays.append(nib.gifti.GiftiDataArray(
        np.asarray(triangles, dtype=nib.nifti1.data_type_codes.dtype[triangle_type]),
        intent="NIFTI_INTENT_TRIANGLE", datatype=triangle_type, encoding=encoding, ordering=ordering))
    for intent, data in extra_arrays:
        arrays.append(nib.gifti.GiftiDataArray(np.asarray(data, dtype=np.float32), intent=intent,
                                               datatype="NIFTI_TYPE_FLOAT32", encoding=encoding))
    image = nib.gifti.GiftiImage(darrays=arrays)
    image.meta = nib.gifti.GiftiMetaData({"generator": "make_mesh_fixtures.py"})
    return image.to_xml(mode="force")


_ARRAY = re.compile(rb"(<DataArray\b[^>]*>)(.*?)(</DataArray>)", re.S)
_DATA = re.compile(rb"<Data>(.*?)</Data>", re.S)


def _array_dtype(head):
    name = re.search(rb'DataType="([^"]+)"', head).group(1).decode()
    return np.dtype(nib.nifti1.data_type_codes.dtype[name])


def to_big_endian(xml):
    """nibabel's binary-encoded GIfTI re-encoded big-endian (nibabel writes only the machine's order)."""
    def convert(match):
        head, body, tail = match.groups()
        gz = b'Encoding="GZipBase64Binary"' in head
        data_match = _DATA.search(body)
        raw = base64.b64decode(data_match.group(1))
        if gz:
            raw = zlib.decompress(raw)
        swapped = np.frombuffer(raw, _array_dtype(head).newbyteorder("<")).astype(
            _array_dtype(head).newbyteorder(">")).tobytes()
        if gz:
            swapped = zlib.compress(swapped)
        body = body[:data_match.start(1)] + base64.b64encode(swapped) + body[data_match.end(1):]
        head = head.replace(b'Endian="LittleEndian"', b'Endian="BigEndian"')
        return head + body + tail
    return _ARRAY.sub(convert, xml)


def to_external(xml, external_name, header=b"EXTERNAL DATA FILE\n"):
    """nibabel's Base64Binary GIfTI with the data moved to an external file, after a header,
    so that every ExternalFileOffset is nonzero. Returns (xml, external bytes)."""
    external = bytearray(header)

    def convert(match):
        head, body, tail = match.groups()
        data_match = _DATA.search(body)
        raw = base64.b64decode(data_match.group(1))
        offset = len(external)
        external.extend(raw)
        external.extend(b"\0" * 3)  # padding, so that arrays do not simply follow one another
        head = head.replace(b'Encoding="Base64Binary"', b'Encoding="ExternalFileBinary"')
        head = re.sub(rb'ExternalFileName="[^"]*"', b'ExternalFileName="' + external_name.encode() + b'"', head)
        head = re.sub(rb'ExternalFileOffset="[^"]*"', b'ExternalFileOffset="%d"' % offset, head)
        body = body[:data_match.start()] + b"<Data></Data>" + body[data_match.end():]
        return head + body + tail
    return _ARRAY.sub(convert, xml), bytes(external)


# name -> (encoding, ordering, point type, triangle type, post-processing)
GIFTI_VARIANTS = {
    "sphere_ascii": ("GIFTI_ENCODING_ASCII", "C", "NIFTI_TYPE_FLOAT32", "NIFTI_TYPE_INT32", None),
    "sphere_ascii_colmajor": ("GIFTI_ENCODING_ASCII", "F", "NIFTI_TYPE_FLOAT32", "NIFTI_TYPE_INT32", None),
    "sphere_base64": ("GIFTI_ENCODING_B64BIN", "C", "NIFTI_TYPE_FLOAT32", "NIFTI_TYPE_INT32", None),
    "sphere_base64_colmajor": ("GIFTI_ENCODING_B64BIN", "F", "NIFTI_TYPE_FLOAT32", "NIFTI_TYPE_INT32", None),
    "sphere_gzip": ("GIFTI_ENCODING_B64GZ", "C", "NIFTI_TYPE_FLOAT32", "NIFTI_TYPE_INT32", None),
    "sphere_gzip_colmajor": ("GIFTI_ENCODING_B64GZ", "F", "NIFTI_TYPE_FLOAT32", "NIFTI_TYPE_INT32", None),
    "sphere_base64_bigendian": ("GIFTI_ENCODING_B64BIN", "C", "NIFTI_TYPE_FLOAT32", "NIFTI_TYPE_INT32", "big"),
    "sphere_gzip_bigendian_colmajor": (
        "GIFTI_ENCODING_B64GZ", "F", "NIFTI_TYPE_FLOAT32", "NIFTI_TYPE_INT32", "big"),
    "sphere_external": ("GIFTI_ENCODING_B64BIN", "C", "NIFTI_TYPE_FLOAT32", "NIFTI_TYPE_INT32", "external"),
    "sphere_external_bigendian_colmajor": (
        "GIFTI_ENCODING_B64BIN", "F", "NIFTI_TYPE_FLOAT32", "NIFTI_TYPE_INT32", "big+external"),
    "sphere_uint8_triangles": ("GIFTI_ENCODING_B64BIN", "C", "NIFTI_TYPE_FLOAT32", "NIFTI_TYPE_UINT8", None),
    "sphere_uint32_float64": ("GIFTI_ENCODING_B64GZ", "C", "NIFTI_TYPE_FLOAT64", "NIFTI_TYPE_UINT32", None),
    "sphere_uint8_ascii": ("GIFTI_ENCODING_ASCII", "C", "NIFTI_TYPE_FLOAT32", "NIFTI_TYPE_UINT8", None),
}


def write_gifti_variant(directory, name, points, triangles, variant):
    """Writes DIRECTORY/NAME.gii (and NAME.dat for external data); returns the .gii path."""
    encoding, ordering, point_type, triangle_type, post = variant
    xml = gifti_bytes(points, triangles, encoding, ordering, point_type, triangle_type)
    if post and "big" in post:
        xml = to_big_endian(xml)
    if post and "external" in post:
        xml, external = to_external(xml, name + ".dat")
        (directory / (name + ".dat")).write_bytes(external)
    path = directory / (name + ".gii")
    path.write_bytes(xml)
    return path


def check_with_nibabel(path, points, triangles, ascii_=False):
    image = nib.load(str(path))
    (p,) = image.get_arrays_from_intent("NIFTI_INTENT_POINTSET")
    (t,) = image.get_arrays_from_intent("NIFTI_INTENT_TRIANGLE")
    if ascii_:  # nibabel writes ASCII floats with 6 decimals
        assert np.allclose(p.data, points, atol=1e-6), path
    else:
        assert np.array_equal(p.data, points), path
    assert np.array_equal(t.data, triangles), path


# ----------------------------------------------------------------------------------------
# Other formats. Coordinates are written as the shortest text that reads back as the same
# double (the float32 value exactly).

def num(value):
    return repr(float(value))


def write_obj(path, points, polygons, scale=1.0):
    lines = ["# made by make_mesh_fixtures.py", "o surface", "mtllib none.mtl"]
    for k, p in enumerate(points):
        lines.append("v " + " ".join(num(float(c) * scale) for c in p))
        lines.append("vn 0 0 1")
        if k == 0:
            lines.append("vt 0.5 0.5")
    lines.append("g faces")
    lines.append("usemtl none")
    lines.append("s off")
    n = len(points)
    for k, polygon in enumerate(polygons):
        # Every form of face index: plain, v/vt, v//vn, v/vt/vn, and negative (relative).
        form = k % 5
        if form == 0:
            words = [str(v + 1) for v in polygon]
        elif form == 1:
            words = [f"{v + 1}/1" for v in polygon]
        elif form == 2:
            words = [f"{v + 1}//{v + 1}" for v in polygon]
        elif form == 3:
            words = [f"{v + 1}/1/{v + 1}" for v in polygon]
        else:
            words = [f"{v - n}" for v in polygon]
        lines.append("f " + " ".join(words) + ("  # a comment" if k == 0 else ""))
    path.write_text("\n".join(lines) + "\n")


def write_ply(path, points, polygons, fmt="ascii"):
    header = ["ply", f"format {fmt} 1.0", "comment made by make_mesh_fixtures.py",
              f"element vertex {len(points)}", "property float x", "property float y", "property float z",
              "property uchar red", "property list uchar int extra",
              f"element face {len(polygons)}", "property list uchar int vertex_indices", "property float quality",
              "element edge 1", "property int vertex1", "property int vertex2", "end_header"]
    head = ("\n".join(header) + "\n").encode()
    if fmt == "ascii":
        body = []
        for p in points:
            body.append(" ".join(num(c) for c in p) + " 200 2 7 8")
        for polygon in polygons:
            body.append(f"{len(polygon)} " + " ".join(map(str, polygon)) + " 0.5")
        body.append("0 1")
        path.write_bytes(head + ("\n".join(body) + "\n").encode())
        return
    e = "<" if fmt == "binary_little_endian" else ">"
    body = bytearray()
    for p in points:
        body += struct.pack(e + "fffBBii", *[float(c) for c in p], 200, 2, 7, 8)
    for polygon in polygons:
        body += struct.pack(e + "B" + "i" * len(polygon) + "f", len(polygon), *polygon, 0.5)
    body += struct.pack(e + "ii", 0, 1)
    path.write_bytes(head + bytes(body))


def write_stl_ascii(path, points, triangles):
    lines = ["solid fixture"]
    for t in triangles:
        lines += ["  facet normal 0 0 1", "    outer loop"]
        lines += ["      vertex " + " ".join(num(c) for c in points[v]) for v in t]
        lines += ["    endloop", "  endfacet"]
    lines.append("endsolid fixture")
    path.write_text("\n".join(lines) + "\n")


def write_stl_binary(path, points, triangles):
    # The header starts with "solid", as some exporters do: the size decides.
    body = bytearray(b"solid binary STL made by make_mesh_fixtures.py".ljust(80, b" "))
    body += struct.pack("<I", len(triangles))
    for t in triangles:
        body += struct.pack("<3f", 0, 0, 1)
        for v in t:
            body += struct.pack("<3f", *[float(c) for c in points[v]])
        body += struct.pack("<H", 0)
    path.write_bytes(bytes(body))


def write_off(path, points, polygons, scale=1.0):
    lines = ["OFF", "# made by make_mesh_fixtures.py", f"{len(points)} {len(polygons)} 0", ""]
    lines += [" ".join(num(float(c) * scale) for c in p) for p in points]
    lines += [f"{len(p)} " + " ".join(map(str, p)) + (" 255 0 0" if k == 0 else "") for k, p in enumerate(polygons)]
    path.write_text("\n".join(lines) + "\n")


# ----------------------------------------------------------------------------------------
# The reference

def reference(script, *args):
    result = subprocess.run([str(BIN / script), *map(str, args)], capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"{script} {' '.join(map(str, args))} failed:\n{result.stderr}")
    return result


def new_dataset(path, info=None):
    path.mkdir(parents=True, exist_ok=True)
    (path / "info").write_text(json.dumps(info or SEGMENTATION_INFO))
    return path


def read_file_maybe_gz(path):
    path = pathlib.Path(path)
    if path.is_file():
        return path.read_bytes()
    return gzip.decompress(path.with_name(path.name + ".gz").read_bytes())


def reference_fragment(gifti_path, transform, work):
    """The fragment mesh-to-precomputed writes for GIFTI_PATH (decompressed) and its info."""
    dest = new_dataset(work / "dest")
    args = [f"--coord-transform={transform}"] if transform else []
    reference("mesh-to-precomputed", *args, "--mesh-name=fragment", gifti_path, dest)
    fragment = read_file_maybe_gz(dest / "mesh" / "fragment")
    info = json.loads((dest / "info").read_text())
    shutil.rmtree(dest)
    return fragment, info


# Link cases: name -> (CSV text, extra arguments, fragments that exist).
LINK_CASES = {
    "plain": ("1,left,right\n2,left\n300,right\n", [], ["left", "right"]),
    "no_colon_suffix": ("1,left,right\n2,left\n", ["--no-colon-suffix"], ["left", "right"]),
    "quoted_and_escaped": (
        '7,"a,b","say ""hi""",back\\slash,tab\there\r\n8, spaced ,\n',
        [], ["a,b"]),
    "unicode_names": ("12,gr\u00e9y,\u8111,\U0001F9E0,ctrl\x7f\n", [], []),
    "label_forms": (" 42 ,x\n+43,y\n0044,z\n18446744073709551615,big\n1_000,u\n", [], ["x"]),
    "only_labels": ("5\n6,\n", [], []),
    "nested_names": ("9,sub/part.frag\n", [], []),
}


def reference_links(csv_text, args, existing, work):
    """The files link-mesh-fragments writes in the mesh directory: {name: text}."""
    dest = new_dataset(work / "links", dict(SEGMENTATION_INFO, mesh="mesh"))
    (dest / "mesh").mkdir()
    for name in existing:
        (dest / "mesh" / name).write_bytes(b"\0" * 4)
    csv_path = work / "labels.csv"
    csv_path.write_bytes(csv_text.encode())
    reference("link-mesh-fragments", *args, csv_path, dest)
    files = {}
    for path in sorted((dest / "mesh").rglob("*")):
        name = str(path.relative_to(dest / "mesh"))
        if path.is_file() and name not in existing:
            files[name] = path.read_bytes().decode("ascii")
    shutil.rmtree(dest)
    return files


BIGBRAIN_CSV = "100,grey-left,grey-right\n200,white-left,white-right\n"
BIGBRAIN_TRANSFORM = TRANSFORMS["bigbrain"]


def record_bigbrain(golden, work):
    """The reference's BigBrain example on small stand-ins: the sphere as gray_left.gii, and
    the same with --mesh-name for the other three; then the links."""
    dest = new_dataset(work / "classif")
    points, triangles = icosphere()
    gifti = work / "gray_left.gii"
    gifti.write_bytes(gifti_bytes(points, triangles))
    for name in ["grey-left", "grey-right", "white-left", "white-right"]:
        reference("mesh-to-precomputed", f"--coord-transform={BIGBRAIN_TRANSFORM}", f"--mesh-name={name}",
                  gifti, dest)
    csv_path = work / "mesh_labels.csv"
    csv_path.write_text(BIGBRAIN_CSV)
    reference("link-mesh-fragments", "--no-colon-suffix", csv_path, dest)
    out = golden / "bigbrain"
    out.mkdir()
    files = sorted(p.relative_to(dest) for p in dest.rglob("*") if p.is_file())
    listing = []
    for rel in files:
        listing.append(str(rel))
        if rel.name.endswith(".gz"):
            # Fragments are gzipped: keep the content only once, decompressed.
            if rel.name == "grey-left.gz":
                (out / "grey-left.bin").write_bytes(gzip.decompress((dest / rel).read_bytes()))
            else:
                assert gzip.decompress((dest / rel).read_bytes()) == gzip.decompress(
                    (dest / "mesh" / "grey-left.gz").read_bytes())
        else:
            target = out / (str(rel).replace("/", "__"))
            target.write_bytes((dest / rel).read_bytes())
    (out / "files.json").write_text(json.dumps(listing, indent=1) + "\n")
    (out / "mesh_labels.csv").write_text(BIGBRAIN_CSV)
    shutil.copy(gifti, out / "gray_left.gii")


# ----------------------------------------------------------------------------------------

def main():
    if OUT.exists():
        shutil.rmtree(OUT)
    OUT.mkdir()
    golden = OUT / "golden"
    golden.mkdir()
    sphere_points, sphere_triangles = icosphere()
    prism_points, prism_triangles, prism_polygons = prism_mesh()

    # GIfTI in every encoding.
    index = {"gifti": {}, "same_as": {}, "transforms": TRANSFORMS}
    for name, variant in sorted(GIFTI_VARIANTS.items()):
        path = write_gifti_variant(OUT, name, sphere_points, sphere_triangles, variant)
        check_with_nibabel(path, sphere_points, sphere_triangles, ascii_=variant[0].endswith("ASCII"))
        index["gifti"][name + ".gii"] = name
    prism_gii = OUT / "prism.gii"
    prism_gii.write_bytes(gifti_bytes(prism_points, prism_triangles, "GIFTI_ENCODING_B64BIN"))
    check_with_nibabel(prism_gii, prism_points, prism_triangles)
    index["gifti"]["prism.gii"] = "prism"
    # A surface with more arrays than the two that matter (normals, a shape).
    normals = sphere_points - sphere_points.mean(axis=0)
    extra = OUT / "sphere_with_normals.gii"
    extra.write_bytes(gifti_bytes(sphere_points, sphere_triangles, extra_arrays=[
        ("NIFTI_INTENT_VECTOR", normals), ("NIFTI_INTENT_SHAPE", normals[:, 0])]))
    index["gifti"]["sphere_with_normals.gii"] = "sphere_with_normals"

    # The other formats: each must give the fragment of the GIfTI named here.
    sphere_polygons = sphere_triangles.tolist()
    for mesh, points, polygons, triangles in [("sphere", sphere_points, sphere_polygons, sphere_triangles),
                                              ("prism", prism_points, prism_polygons, prism_triangles)]:
        gii = "sphere_base64.gii" if mesh == "sphere" else "prism.gii"
        write_obj(OUT / f"{mesh}.obj", points, polygons)
        write_ply(OUT / f"{mesh}_ascii.ply", points, polygons, "ascii")
        write_ply(OUT / f"{mesh}_le.ply", points, polygons, "binary_little_endian")
        write_ply(OUT / f"{mesh}_be.ply", points, polygons, "binary_big_endian")
        write_stl_ascii(OUT / f"{mesh}_ascii.stl", points, triangles)
        write_stl_binary(OUT / f"{mesh}_binary.stl", points, triangles)
        write_off(OUT / f"{mesh}.off", points, polygons)
        for suffix in [".obj", "_ascii.ply", "_le.ply", "_be.ply", "_ascii.stl", "_binary.stl", ".off"]:
            index["same_as"][mesh + suffix] = {"gifti": gii, "units": None}
    # Units: the prism (exact in every unit) in micrometres and nanometres.
    write_obj(OUT / "prism_um.obj", prism_points, prism_polygons, scale=1000.0)
    write_off(OUT / "prism_nm.off", prism_points, prism_polygons, scale=1e6)
    index["same_as"]["prism_um.obj"] = {"gifti": "prism.gii", "units": "um"}
    index["same_as"]["prism_nm.off"] = {"gifti": "prism.gii", "units": "nm"}

    # Broken files and a word their error must contain.
    errors = {}
    two = gifti_bytes(sphere_points, sphere_triangles, extra_arrays=[("NIFTI_INTENT_POINTSET", sphere_points)])
    (OUT / "bad_two_pointsets.gii").write_bytes(two)
    errors["bad_two_pointsets.gii"] = "found 2 and 1"
    image = nib.gifti.GiftiImage(darrays=[nib.gifti.GiftiDataArray(
        sphere_points, intent="NIFTI_INTENT_POINTSET", datatype="NIFTI_TYPE_FLOAT32")])
    (OUT / "bad_no_triangles.gii").write_bytes(image.to_xml())
    errors["bad_no_triangles.gii"] = "found 1 and 0"
    wrong = sphere_triangles.copy()
    wrong[5, 1] = len(sphere_points)
    (OUT / "bad_index.gii").write_bytes(gifti_bytes(sphere_points, wrong))
    errors["bad_index.gii"] = "out of range"
    nan_points = sphere_points.copy()
    nan_points[3, 2] = np.nan
    (OUT / "bad_nan.gii").write_bytes(gifti_bytes(nan_points, sphere_triangles))
    errors["bad_nan.gii"] = "non-finite"
    (OUT / "bad_empty.gii").write_bytes(gifti_bytes(np.zeros((0, 3), np.float32), np.zeros((0, 3), np.int32)))
    errors["bad_empty.gii"] = "empty"
    (OUT / "bad_truncated.gii").write_bytes(gifti_bytes(sphere_points, sphere_triangles)[:-200])
    errors["bad_truncated.gii"] = "XML"
    (OUT / "bad_index.obj").write_text("v 0 0 0\nv 1 0 0\nv 0 1 0\nf 1 2 4\n")
    errors["bad_index.obj"] = "out of range"
    (OUT / "bad_nan.off").write_text("OFF\n3 1 0\n0 0 0\n1 nan 0\n0 1 0\n3 0 1 2\n")
    errors["bad_nan.off"] = "non-finite"
    (OUT / "bad_truncated.ply").write_bytes((OUT / "sphere_le.ply").read_bytes()[:-100])
    errors["bad_truncated.ply"] = "truncated"
    (OUT / "bad_size.stl").write_bytes((OUT / "sphere_binary.stl").read_bytes()[:-7])
    errors["bad_size.stl"] = "bytes"
    (OUT / "bad_empty.obj").write_text("# nothing here\n")
    errors["bad_empty.obj"] = "empty"
    (OUT / "bad_format.vtk").write_text("# vtk DataFile Version 3.0\n")
    errors["bad_format.vtk"] = "mesh format"

    (OUT / "index.json").write_text(json.dumps(index, indent=1, sort_keys=True) + "\n")
    (OUT / "errors.json").write_text(json.dumps(errors, indent=1, sort_keys=True) + "\n")

    # Golden outputs of the reference.
    with tempfile.TemporaryDirectory() as tmp:
        work = pathlib.Path(tmp)
        infos = {}
        for gii, stem in sorted(index["gifti"].items()):
            (golden / stem).mkdir()
            for tname, transform in TRANSFORMS.items():
                if tname == "bigbrain" and stem != "sphere_gzip":
                    continue
                fragment, info = reference_fragment(OUT / gii, transform, work)
                (golden / stem / f"{tname}.bin").write_bytes(fragment)
                infos[json.dumps(info, sort_keys=True)] = info
        assert len(infos) == 1, "the reference writes one info whatever the mesh"
        (golden / "info_after_convert.json").write_text(json.dumps(list(infos.values())[0], sort_keys=True) + "\n")
        (golden / "info_before_convert.json").write_text(json.dumps(SEGMENTATION_INFO, sort_keys=True) + "\n")
        links = {}
        for name, (csv_text, args, existing) in sorted(LINK_CASES.items()):
            links[name] = {"csv": csv_text, "args": args, "existing": existing,
                           "files": reference_links(csv_text, args, existing, work)}
        (golden / "links.json").write_text(json.dumps(links, indent=1, sort_keys=True) + "\n")
        record_bigbrain(golden, work)
    total = sum(p.stat().st_size for p in OUT.rglob("*") if p.is_file())
    print(f"wrote {sum(1 for p in OUT.rglob('*') if p.is_file())} files, {total} bytes, in {OUT}")


if __name__ == "__main__":
    main()
