#!/usr/bin/env bash
# The 15-minute pretraining pipeline with a U-Net restorer (README "Pretraining within 15
# minutes"): the reference classifier + GAN_STEPS GAN-only steps, then the U-Net restorer alone
# against the frozen G and D, then int8. Prints each phase's wall-clock time.
#
# Documented run (session 25; session 26 measured it at 699 s, 8 of 8 targets, README): READER_STEPS=11500 READER_WIDTH=16 READER_DAMAGE=8,1,2,1,1 READER_FLAGS="--reader-batch-norm --reader-lr 0.003 --reader-augment-fraction 0.5" scripts/pretrain-15min.sh OUT 5600 5 --restorer-lr-cosine --restorer-label-mix 0.5
#   [GAN_STEPS=6000] [READER_STEPS=0] [READER_WIDTH=32] [READER_DAMAGE=3,1,2,1,1] [READER_FLAGS=...] scripts/pretrain-15min.sh OUT [RESTORER_STEPS] [SEED] [extra restorer-only flags...]
#
# READER_STEPS > 0 (session 12) puts the second core to work: a reader (the CNN that names a
# damaged digit, `src/reader.rs`) trains beside the GAN and restorer phases, the U-Net restorer
# is class-conditional, and the final file carries the reader that tells it the class.
# READER_FLAGS: further `train` flags for the reader (e.g. "--reader-batch-norm --reader-lr 0.003").
# PER_CLASS=K: every phase, the judge included, trains on the first K digits of each class only (K=650 leaves digits
# 650–699 for `eval --validation 650`: choose settings there, not on the test split).
# Needs target/fast/digitgan (cargo build --profile fast). The CLI uses one core per process.
# Score the result with `target/fast/digitgan eval --weights OUT/final --latent-n 0`.
set -euo pipefail
out=${1:?usage: pretrain-15min.sh OUT [RESTORER_STEPS] [SEED] [flags...]}
steps=${2:-2600}
gan_steps=${GAN_STEPS:-6000}
reader_steps=${READER_STEPS:-0}
reader_width=${READER_WIDTH:-32}
reader_damage=${READER_DAMAGE:-3,1,2,1,1}
read -r -a reader_flags <<<"${READER_FLAGS:-}"
per_class=()
if [[ -n "${PER_CLASS:-}" ]]; then per_class=(--per-class "$PER_CLASS"); fi
seed=${3:-5}
shift $(( $# < 3 ? $# : 3 ))
dg=${DIGITGAN:-target/fast/digitgan}
start=$(date +%s)
phase() { echo "[$(( $(date +%s) - start )) s] $*"; }

reader=()
if (( reader_steps > 0 )); then
  phase "reader: $reader_steps steps, $reader_width channels, damage $reader_damage${READER_FLAGS:+, $READER_FLAGS}, on the other core"
  # Only this file's reader is kept (grafted below), so it borrows a placeholder classifier
  # instead of training one (~13 s; the grafted file is byte-identical either way).
  "$dg" train --steps 0 --no-restorer --train-reader "$reader_steps" --reader-width "$reader_width" \
    --damage-weights "$reader_damage" "${reader_flags[@]}" "${per_class[@]}" --seed "$seed" \
    --classifier assets/pretrained.dgw --out "$out/reader" >"$out.reader.log" 2>&1 &
  reader_pid=$!
  reader=(--restorer-classes)
fi
phase "classifier + $gan_steps GAN-only steps"
"$dg" train --steps "$gan_steps" --seed 1 --no-restorer "${per_class[@]}" --out "$out/gan" >"$out.gan.log" 2>&1
phase "U-Net restorer-only: $steps steps, seed $seed ${reader[*]} $*"
"$dg" train --from "$out/gan" --restorer-only --restorer-conv 16 --restorer-conv-global 128 \
  --batch 32 --steps "$steps" --seed "$seed" --restorer-lr 0.001 --restorer-feature-weight 10 \
  --damage-weights 3,1,2,1,1 "${reader[@]}" "${per_class[@]}" "$@" --precision int8 --out "$out/final" >"$out.r.log" 2>&1
if (( reader_steps > 0 )); then
  phase "waiting for the reader"
  wait "$reader_pid"
  phase "the reader joins the restorer"
  mv "$out/final" "$out/restorer"
  "$dg" train --from "$out/restorer" --steps 0 --reader-from "$out/reader" --precision int8 \
    --out "$out/final" >>"$out.r.log" 2>&1
fi
phase "done: $out/final/weights.dgw"
