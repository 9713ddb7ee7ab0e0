"""`nprec scales` and `nprec stats` against generate-scales-info and scale-stats."""
import json

from harness import load_json, nprec, reference, same_json, workdir
from scales_cases import CASES, reference_args


def compare_case(name, info, options):
    work = workdir("scales-" + name)
    fullres = work / "fullres.json"
    fullres.write_text(json.dumps(info))
    args = reference_args(options)
    reference("generate-scales-info", fullres, work / "ref", *args)
    nprec("scales", fullres, work / "ours", *args)
    ours = load_json(work / "ours" / "info")
    assert ours.pop("@type") == "neuroglancer_multiscale_volume"
    same_json(ours, load_json(work / "ref" / "info"))
    ref_stats = reference("scale-stats", work / "ref").stdout
    our_stats = nprec("stats", work / "ours").stdout
    assert ref_stats == our_stats, f"stats differ:\n{ref_stats}\n---\n{our_stats}"
    # Re-running with the same result is fine (Makefiles re-run steps).
    nprec("scales", fullres, work / "ours", *args)


def checks():
    for name, (info, options) in sorted(CASES.items()):
        yield f"scales {name}", lambda n=name, i=info, o=options: compare_case(n, i, o)
