#!/bin/sh
# The README's demo (`make run`): converts the bundled sample and says how to view it.
set -eu
NPREC=${1:-.build/release/nprec}
OUT=out/sample
rm -rf "$OUT"
echo "== nprec scales Fixtures/sample/info_fullres.json $OUT"
"$NPREC" scales Fixtures/sample/info_fullres.json "$OUT"
echo "== nprec stats $OUT"
"$NPREC" stats "$OUT"
echo
echo "Wrote $OUT/info. The next steps ('nprec convert', 'nprec downscale') write the chunks."
