#!/bin/sh
# The README's demo (`make run`): converts the bundled sample volume and says how to view it.
set -eu
NPREC=${1:-.build/release/nprec}
SAMPLE=Fixtures/sample/brain.nii.gz
OUT=out/sample
rm -rf "$OUT"
run() { echo "\$ $*"; "$@"; }
run "$NPREC" info "$SAMPLE" "$OUT"
run "$NPREC" scales --target-chunk-size 32 "$OUT/info_fullres.json" "$OUT"
run "$NPREC" stats "$OUT"
run "$NPREC" convert "$SAMPLE" "$OUT"
run "$NPREC" downscale "$OUT"
echo
echo "Converted $SAMPLE into $OUT:"
find "$OUT" -type f | sort | sed 's/^/  /' | head -12
echo "  ... $(find "$OUT" -type f | wc -l) files"
cat <<TXT

To view it in Neuroglancer (this prints a link that opens it; Ctrl-C stops the server):
  $NPREC serve out
The transform that places it in scanner space is in $OUT/transform.json; the link applies it.
TXT
