"""Records the reference's answers for every case of scales_cases.py into
Fixtures/golden/scales/CASE/: fullres.json, args.json, info (generate-scales-info) and
stats.txt (scale-stats). Run with the reference venv: make fixtures."""
import json
import pathlib
import shutil
import subprocess
import sys
import tempfile

HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from scales_cases import CASES, reference_args  # noqa: E402

BIN = pathlib.Path(sys.executable).parent
OUT = HERE / "golden" / "scales"


def main():
    if OUT.exists():
        shutil.rmtree(OUT)
    for name, (info, options) in sorted(CASES.items()):
        case = OUT / name
        case.mkdir(parents=True)
        (case / "fullres.json").write_text(json.dumps(info, indent=1, sort_keys=True) + "\n")
        (case / "args.json").write_text(json.dumps(options, sort_keys=True) + "\n")
        with tempfile.TemporaryDirectory() as tmp:
            subprocess.run([BIN / "generate-scales-info", case / "fullres.json", tmp]
                           + reference_args(options), check=True, capture_output=True)
            shutil.copy(pathlib.Path(tmp) / "info", case / "info")
            stats = subprocess.run([BIN / "scale-stats", tmp], check=True, capture_output=True, text=True)
            (case / "stats.txt").write_text(stats.stdout)
        print("recorded", name)


if __name__ == "__main__":
    main()
