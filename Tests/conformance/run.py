"""Live differential tests: nprec against neuroglancer-scripts 1.2.0 (and tensorstore as an
independent reader). Run by `make conformance` with the reference venv's Python; NPREC_BIN
names the nprec binary. Prints one line per check and a closing 'N passed, N failed' line."""
import os
import pathlib
import sys
import traceback

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parent.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(ROOT / "Fixtures"))

import harness  # noqa: E402
import check_scales  # noqa: E402

MODULES = [check_scales]
import check_volume  # noqa: E402
import check_pyramid  # noqa: E402
import check_sharding  # noqa: E402
import check_cseg  # noqa: E402
import check_images  # noqa: E402
import check_mesh  # noqa: E402
import check_reencode  # noqa: E402
import check_slices  # noqa: E402
import check_parrec  # noqa: E402
import check_minc  # noqa: E402
import check_nrrd  # noqa: E402
import check_tiff3d  # noqa: E402

MODULES += [check_volume, check_pyramid, check_sharding, check_slices, check_cseg, check_images, check_reencode, check_mesh]
MODULES += [check_parrec]
MODULES += [check_minc]
MODULES += [check_nrrd, check_tiff3d]
import check_mgh_analyze_afni  # noqa: E402

MODULES.append(check_mgh_analyze_afni)
import check_formats  # noqa: E402

MODULES.append(check_formats)
import check_serve  # noqa: E402

MODULES.append(check_serve)
import check_verify  # noqa: E402

MODULES.append(check_verify)
import check_labels  # noqa: E402

MODULES.append(check_labels)
import check_meshgen  # noqa: E402

MODULES.append(check_meshgen)


def main():
    only = sys.argv[1:]
    passed = failed = 0
    for module in MODULES:
        for name, check in module.checks():
            if only and not any(word in name for word in only):
                continue
            try:
                check()
            except Exception as exc:  # noqa: BLE001 - report every failing check
                failed += 1
                print(f"FAIL {name}: {exc}")
                if os.environ.get("VERBOSE"):
                    traceback.print_exc()
            else:
                passed += 1
                print(f"ok   {name}")
            sys.stdout.flush()
    harness.cleanup()
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
