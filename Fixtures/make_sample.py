"""Makes Fixtures/sample/brain.nii.gz, the bundled demo volume of `make run`: a synthetic
head phantom (nested ellipsoids with a little texture), 91 x 109 x 91 voxels of 2 mm, uint8,
in MNI-like RAS+ orientation. Deterministic; run with the reference venv's Python."""
import pathlib

import nibabel as nib
import numpy as np

OUT = pathlib.Path(__file__).resolve().parent / "sample" / "brain.nii.gz"


def main():
    shape = (91, 109, 91)
    x, y, z = np.meshgrid(*[np.linspace(-1, 1, n) for n in shape], indexing="ij")
    r_head = (x / 0.85) ** 2 + (y / 0.95) ** 2 + (z / 0.85) ** 2
    r_brain = (x / 0.72) ** 2 + ((y + 0.02) / 0.82) ** 2 + ((z - 0.05) / 0.7) ** 2
    r_ventricle = ((x - 0.12) / 0.08) ** 2 + (y / 0.3) ** 2 + (z / 0.12) ** 2
    r_ventricle2 = ((x + 0.12) / 0.08) ** 2 + (y / 0.3) ** 2 + (z / 0.12) ** 2
    volume = np.zeros(shape, dtype=np.float64)
    volume[r_head < 1] = 60
    volume[r_brain < 1] = 110 + 30 * np.cos(9 * x[r_brain < 1]) * np.sin(7 * y[r_brain < 1])
    volume[(r_ventricle < 1) | (r_ventricle2 < 1)] = 25
    rng = np.random.default_rng(42)
    volume += rng.normal(0, 4, shape) * (r_head < 1)
    data = np.clip(np.rint(volume), 0, 255).astype(np.uint8)
    affine = np.array([[2.0, 0, 0, -90], [0, 2.0, 0, -126], [0, 0, 2.0, -72], [0, 0, 0, 1]])
    img = nib.Nifti1Image(data, affine)
    img.set_sform(affine, code=4)
    img.set_qform(affine, code=4)
    OUT.parent.mkdir(exist_ok=True)
    nib.save(img, str(OUT))
    print(f"wrote {OUT} ({OUT.stat().st_size} bytes)")


if __name__ == "__main__":
    main()
