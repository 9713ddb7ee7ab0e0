"""Philips PAR/REC: `nprec info` and `nprec convert` against volume-to-precomputed on every
PAR/REC pair that can be made from nibabel's test files: the two real pairs, and every other
.PAR nibabel reads, given a REC of random 16-bit values of the right size. Where the reference
cannot follow (it ignores --ignore-scaling on PAR/REC and crashes on --input-max, as
PARRECArrayProxy has no slope/inter) nprec is compared with nibabel's voxels directly. Files
nibabel refuses (a truncated recording, varying slice orientations, a diffusion count that does
not add up) and broken headers must make nprec exit 1 naming the file."""
import os
import shutil
import warnings

import nibabel as nib
import numpy as np
from harness import load_json, nprec, prepare_dataset, read_scales, reference, same_json, same_transform, same_voxels, workdir
from neuroglancer_scripts.data_types import get_chunk_dtype_transformer

DATA = os.path.join(os.path.dirname(nib.__file__), "tests", "data")
REAL = ["phantom_EPI_asc_CLEAR_2_1", "phantom_varscale"]
REFUSED = {"phantom_truncated": "dynamic scan", "NA": "varying slice orientation", "ADC_Map": "diffusion b value"}
RNG = np.random.default_rng(2024)
warnings.filterwarnings("ignore", "multiple TRs")  # phantom_fake_dualTR, on purpose


def synthetic_names():
    """The .PAR files without a REC that nibabel reads, by stem."""
    names = []
    for name in sorted(os.listdir(DATA)):
        stem = name[:-4]
        if not name.endswith(".PAR") or stem in REAL or stem in REFUSED:
            continue
        names.append(stem)
    return names


def make_pair(work, stem, par_ext=".PAR", rec_ext=".REC"):
    """Copies the PAR (and its REC, or a random one) into `work`; returns the PAR path."""
    par = work / (stem + par_ext)
    shutil.copyfile(os.path.join(DATA, stem + ".PAR"), par)
    rec = work / (stem + rec_ext)
    source = os.path.join(DATA, stem + ".REC")
    if os.path.exists(source):
        shutil.copyfile(source, rec)
    else:
        with open(par) as f:
            hdr = nib.parrec.PARRECHeader.from_fileobj(f, permit_truncated=True)
        shape = hdr.get_rec_shape()
        dtype = hdr.get_data_dtype()
        rec.write_bytes(RNG.integers(0, np.iinfo(dtype).max, shape, endpoint=True, dtype=dtype).tobytes(order="F"))
    return par


def chunk_size(path):
    """A target chunk size that keeps the reference quick on the largest file."""
    shape = nib.load(str(path)).shape
    return "64" if np.prod(shape) > 4_000_000 else "16"


def compare_info(stem, par_ext=".PAR", rec_ext=".REC", open_rec=False):
    work = workdir("parrec-info-" + stem)
    par = make_pair(work, stem, par_ext, rec_ext)
    path = work / (stem + rec_ext) if open_rec else par
    ref = reference("volume-to-precomputed", "--generate-info", path, work / "ref", expect=None)
    ours = nprec("info", path, work / "ours", expect=None)
    # float64 ('dv' scaled) values: float32 in the info, exit 4 from both.
    assert ours.returncode == ref.returncode == 4, (ours.returncode, ref.returncode, ours.stderr, ref.stderr)
    our_info = load_json(work / "ours" / "info_fullres.json")
    same_json(our_info, load_json(work / "ref" / "info_fullres.json"))
    same_transform(work / "ours", work / "ref")




def read_all(root):
    return next(iter(read_scales(root, 1).values()))




def compare_convert(stem, data_type, storage=()):
    work = workdir(f"parrec-convert-{stem}-{data_type}")
    par = make_pair(work, stem)
    size = chunk_size(par)
    prepare_dataset(par, work / "ours", data_type, True, size)
    prepare_dataset(par, work / "ref", data_type, False, size)
    reference("volume-to-precomputed", par, work / "ref")
    nprec("convert", par, work / "ours", *storage, "-j", "2")
    same_voxels(read_all(work / "ours"), read_all(work / "ref"))


def as_czyx(array):
    """nibabel's (x, y, z[, t]) as the (c, z, y, x) of read_scales."""
    if array.ndim == 3:
        array = array[..., np.newaxis]
    return np.ascontiguousarray(array.transpose(3, 2, 1, 0))


def compare_ignore_scaling(stem):
    # The reference sets proxy._slope, which PARRECArrayProxy never reads: its chunks stay
    # scaled. nprec reads the stored uint16 values: compare with nibabel's get_unscaled().
    work = workdir("parrec-unscaled-" + stem)
    par = make_pair(work, stem)
    nprec("info", par, work / "ours", "--ignore-scaling")
    assert load_json(work / "ours" / "info_fullres.json")["data_type"] == "uint16"
    nprec("scales", work / "ours" / "info_fullres.json", work / "ours", "--target-chunk-size", chunk_size(par))
    nprec("convert", par, work / "ours", "--ignore-scaling")
    expected = as_czyx(nib.load(str(par)).dataobj.get_unscaled())
    same_voxels(read_all(work / "ours"), expected)


def compare_input_range(stem):
    # The reference crashes (PARRECArrayProxy has no `slope`): compare with nibabel's 'dv'
    # values mapped as the reference maps them for other formats (x * slope + inter, then its
    # float64 -> uint8 transformer: round half to even, clip).
    work = workdir("parrec-range-" + stem)
    par = make_pair(work, stem)
    ref = reference("volume-to-precomputed", "--generate-info", par, work / "ref", expect=None)
    prepare_dataset(par, work / "ours", "uint8", True, "16")
    prepare_dataset(par, work / "ref", "uint8", False, "16")
    ref = reference("volume-to-precomputed", par, work / "ref", "--input-min", "-1", "--input-max", "5",
                    expect=None)
    assert ref.returncode != 0 and "slope" in ref.stderr, ref.stderr[-500:]
    nprec("convert", par, work / "ours", "--input-min", "-1", "--input-max", "5")
    slope = 255.0 / (5 - (-1))
    inter = 0 - (-1) * slope
    values = np.asarray(nib.load(str(par)).dataobj) * slope + inter
    expected = get_chunk_dtype_transformer(np.dtype("float64"), np.dtype("uint8"), warn=False)(values)
    same_voxels(read_all(work / "ours"), as_czyx(expected))


def refused(stem, word):
    work = workdir("parrec-refused-" + stem)
    par = work / (stem + ".PAR")
    shutil.copyfile(os.path.join(DATA, stem + ".PAR"), par)
    source = os.path.join(DATA, stem + ".REC")
    if os.path.exists(source):
        shutil.copyfile(source, work / (stem + ".REC"))
    else:
        with open(par) as f:
            info, defs = nib.parrec.parse_PAR_header(f)
        x, y = defs["recon resolution"][0]
        (work / (stem + ".REC")).write_bytes(bytes(int(x) * int(y) * 2 * len(defs)))
    ref = reference("volume-to-precomputed", "--generate-info", par, work / "ref", expect=None)
    assert ref.returncode != 0, "the reference read " + stem
    result = nprec("info", par, work / "ours", expect=1)
    assert f"{stem}.PAR" in result.stderr and word in result.stderr, result.stderr
    assert "Traceback" not in result.stderr and "Fatal error" not in result.stderr, result.stderr


def broken_headers():
    work = workdir("parrec-broken")
    stem = REAL[0]
    text = open(os.path.join(DATA, stem + ".PAR"), newline="").read()
    rec = os.path.join(DATA, stem + ".REC")
    cases = {
        "version": (text.replace("export tool     V4.2", "export tool     V5"), "'V5'"),
        "colon": (text.replace(".    Technique                          :", ".    Technique   "), "malformed"),
        "field": (text.replace("Technique", "Tech nique"), "unknown general"),
        "short": (text.replace("  1   1    1  1 0 2     0  16    62   64   64 ", "  1 "), "needs 49 values"),
        "bits": (text.replace(" 16    62 ", " 12    62 "), "12-bit"),
    }
    for name, (broken, word) in cases.items():
        assert broken != text, name
        par = work / f"{name}.PAR"
        par.write_text(broken, newline="")
        shutil.copyfile(rec, work / f"{name}.REC")
        result = nprec("info", par, work / name, expect=1)
        assert f"{name}.PAR" in result.stderr and word in result.stderr, (name, result.stderr)
    # A REC one byte short: exit 1 naming the REC.
    shutil.copyfile(os.path.join(DATA, stem + ".PAR"), work / "short.PAR")
    (work / "short.REC").write_bytes(open(rec, "rb").read()[:-1])
    result = nprec("info", work / "short.PAR", work / "short", expect=1)
    assert "short.REC" in result.stderr and "truncated" in result.stderr, result.stderr


def checks():
    for stem in REAL:
        yield f"parrec info {stem}", lambda s=stem: compare_info(s)
    yield "parrec info from the .REC name", lambda: compare_info(REAL[1], open_rec=True)
    yield "parrec info lower-case .par/.rec", lambda: compare_info(REAL[0], ".par", ".rec")
    for stem in REAL:
        yield f"parrec convert {stem} -> float32", lambda s=stem: compare_convert(s, "float32")
        yield f"parrec convert {stem} -> uint16 --flat", lambda s=stem: compare_convert(s, "uint16", ["--flat"])
    for stem in synthetic_names():
        yield f"parrec info {stem} (random REC)", lambda s=stem: compare_info(s)
        yield f"parrec convert {stem} (random REC) -> float32", lambda s=stem: compare_convert(s, "float32")
    yield "parrec --ignore-scaling phantom_varscale (against nibabel)", lambda: compare_ignore_scaling(REAL[1])
    yield "parrec --ignore-scaling T1_3echo (against nibabel)", \
        lambda: compare_ignore_scaling("T1_3echo_mag_real_imag_phase")
    yield "parrec --input-min/max (reference crashes: against nibabel)", lambda: compare_input_range(REAL[1])
    for stem, word in REFUSED.items():
        yield f"parrec refused {stem}", lambda s=stem, w=word: refused(s, w)
    yield "parrec broken headers", broken_headers
