#!/usr/bin/env bash
# Exports the notebook's sample as PNG and as JPEG (quality $JPEG_QUALITY, default 95) and trains the
# CNN (10 epochs) from the IDX files, the PNG folder and the JPEG folder with seeds 1-3; prints each test
# accuracy. It tests on all 9,999 test images the notebook's draw can pick: on the notebook's 2,500, a
# change of one gray level in a few pixels moves a run's accuracy by up to 0.6 points (training amplifies
# any difference), which would hide the JPEG path's own effect. The PNG run's metrics.json equals the
# IDX run's but for train_seconds (issue: real images, acceptance 1).
# Usage: [JPEG_QUALITY=Q] scripts/images-vs-idx.sh [seeds...]
set -euo pipefail
cd "$(dirname "$0")/.."
dotnet build src/Tailor.Cli -c Release -v q --nologo >/dev/null
cli="dotnet src/Tailor.Cli/bin/Release/net10.0/Tailor.Cli.dll"
out=$(mktemp -d)
$cli data export --format png --test-images 9999 --out "$out/png" >/dev/null
$cli data export --format jpeg --quality "${JPEG_QUALITY:-95}" --test-images 9999 --out "$out/jpeg" >/dev/null
for seed in "${@:-1 2 3}"; do
  $cli train --model cnn --seed "$seed" --test-images 9999 --out "$out/idx-$seed" >/dev/null
  $cli train --model cnn --seed "$seed" --images "$out/png" --out "$out/png-$seed" >/dev/null
  $cli train --model cnn --seed "$seed" --images "$out/jpeg" --out "$out/jpeg-$seed" >/dev/null
  for source in idx png jpeg; do
    echo "seed $seed $source: $(grep -o '"test_accuracy": *[0-9.]*' "$out/$source-$seed/metrics.json" | grep -o '[0-9.]*$')"
  done
  if diff <(grep -v train_seconds "$out/idx-$seed/metrics.json") <(grep -v train_seconds "$out/png-$seed/metrics.json") >/dev/null; then
    echo "seed $seed: PNG metrics.json identical to IDX"
  else
    echo "seed $seed: PNG metrics.json DIFFERS from IDX"
  fi
done
rm -rf "$out"
