#!/usr/bin/env bash
# The 15-minute pretraining pipeline with a U-Net restorer (README "Pretraining within 15
# minutes"): the reference classifier + GAN_STEPS GAN-only steps, then the U-Net restorer alone
# against the frozen G and D, then int8. Prints each phase's wall-clock time.
#
#   [GAN_STEPS=6000] scripts/pretrain-15min.sh OUT [RESTORER_STEPS] [SEED] [extra restorer-only flags...]
#
# Needs target/fast/digitgan (cargo build --profile fast). One process at a time: the CLI uses
# one core. Score the result with `target/fast/digitgan eval --weights OUT/final --latent-n 0`.
set -euo pipefail
out=${1:?usage: pretrain-15min.sh OUT [RESTORER_STEPS] [SEED] [flags...]}
steps=${2:-2600}
gan_steps=${GAN_STEPS:-6000}
seed=${3:-5}
shift $(( $# < 3 ? $# : 3 ))
dg=${DIGITGAN:-target/fast/digitgan}
start=$(date +%s)
phase() { echo "[$(( $(date +%s) - start )) s] $*"; }

phase "classifier + $gan_steps GAN-only steps"
"$dg" train --steps "$gan_steps" --seed 1 --no-restorer --out "$out/gan" >"$out.gan.log" 2>&1
phase "U-Net restorer-only: $steps steps, seed $seed $*"
"$dg" train --from "$out/gan" --restorer-only --restorer-conv 16 --restorer-conv-global 128 \
  --batch 32 --steps "$steps" --seed "$seed" --restorer-lr 0.001 --restorer-feature-weight 10 \
  --damage-weights 3,1,2,1,1 "$@" --precision int8 --out "$out/final" >"$out.r.log" 2>&1
phase "done: $out/final/weights.dgw"
