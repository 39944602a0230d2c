#!/usr/bin/env bash
# Trains the notebook's three models for the tutorial's kept epochs with seeds 1-3 on the notebook's
# sample and prints each test accuracy and the mean per model (issue: accuracy averaged over 3 seeds).
# Usage: scripts/accuracy-over-seeds.sh [extra train options]
set -euo pipefail
cd "$(dirname "$0")/.."
dotnet build src/Tailor.Cli -c Release -v q --nologo >/dev/null
cli="dotnet src/Tailor.Cli/bin/Release/net10.0/Tailor.Cli.dll"
out=$(mktemp -d)
for spec in dense:20 cnn:14 cnn-dropout:20; do
  model=${spec%%:*}; epochs=${spec##*:}; sum=0
  for seed in 1 2 3; do
    $cli train --model "$model" --epochs "$epochs" --seed "$seed" --out "$out/$model-$seed" "$@" >/dev/null
    acc=$(grep -o '"test_accuracy": *[0-9.]*' "$out/$model-$seed/metrics.json" | grep -o '[0-9.]*$')
    echo "$model seed $seed: test accuracy $acc"
    sum=$(awk -v s="$sum" -v a="$acc" 'BEGIN { print s + a }')
  done
  awk -v m="$model" -v s="$sum" 'BEGIN { printf "%s mean over 3 seeds: %.4f\n", m, s / 3 }'
done
rm -rf "$out"
