#!/usr/bin/env bash
# Build the wasm module for the web page into www/pkg/ (or $OUT_DIR).
#   PROFILE=fast scripts/build-wasm.sh     # quick build while iterating (no LTO, no wasm-opt)
#   scripts/build-wasm.sh                  # release: full LTO (~7 min on 2 cores) + wasm-opt
#   PLAIN=0 scripts/build-wasm.sh          # without the no-SIMD fallback module (the bench's build)
# Writes digitgan.js, digitgan_bg.wasm (simd128) and digitgan_plain_bg.wasm (no SIMD, for the few
# browsers without wasm SIMD; the worker picks one by feature detection, one JS glue serves both).
# Idempotent: adds the wasm32 target and installs the matching wasm-bindgen CLI only when needed.
set -euo pipefail
cd "$(dirname "$0")/.."

PROFILE="${PROFILE:-release}"
TARGET=wasm32-unknown-unknown
OUT_DIR="${OUT_DIR:-www/pkg}"   # the bench builds into bench/pkg
PLAIN="${PLAIN:-1}"

# 1. Rust target (rust-toolchain.toml pins the toolchain; this is a no-op when already added).
if ! rustup target list --installed | grep -qx "$TARGET"; then
  rustup target add "$TARGET"
fi

# 2. wasm-bindgen CLI at exactly the version of the wasm-bindgen crate in Cargo.lock.
WB_VERSION="$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock)"
if [ -z "$WB_VERSION" ]; then
  echo "build-wasm: cannot find the wasm-bindgen version in Cargo.lock" >&2
  exit 1
fi
if [ "$(wasm-bindgen --version 2>/dev/null | awk '{print $2}')" != "$WB_VERSION" ]; then
  echo "build-wasm: installing wasm-bindgen-cli $WB_VERSION (takes a few minutes)"
  # No --locked: with it, resolution fails (a pinned dependency version is not served).
  cargo install wasm-bindgen-cli --version "$WB_VERSION"
fi

# 3. Compile (SIMD on: ~2.5x faster training; every current browser supports wasm simd128).
echo "build-wasm: cargo build --profile $PROFILE --target $TARGET"
RUSTFLAGS="${RUSTFLAGS:-} -C target-feature=+simd128" \
  cargo build --lib --target "$TARGET" --no-default-features --profile "$PROFILE"

# cargo puts the dev profile under target/<triple>/debug.
PROFILE_DIR="$PROFILE"
[ "$PROFILE" = "dev" ] && PROFILE_DIR=debug
WASM_IN="target/$TARGET/$PROFILE_DIR/digitgan.wasm"

# 4. JS bindings (ES module loader, works unchanged in a module worker).
rm -rf "$OUT_DIR"
wasm-bindgen --target web --out-dir "$OUT_DIR" "$WASM_IN"
BG="$OUT_DIR/digitgan_bg.wasm"

# 5. The no-SIMD fallback: the same code without +simd128, in its own target dir (different
#    RUSTFLAGS would otherwise rebuild the SIMD build's dependencies every time). Its JS glue must
#    be byte-identical to the SIMD build's: the worker loads either module through one glue.
if [ "$PLAIN" = "1" ]; then
  echo "build-wasm: cargo build --profile $PROFILE --target $TARGET (no SIMD fallback)"
  RUSTFLAGS="${RUSTFLAGS:-}" CARGO_TARGET_DIR=target/plain \
    cargo build --lib --target "$TARGET" --no-default-features --profile "$PROFILE"
  PLAIN_TMP="$(mktemp -d)"
  trap 'rm -rf "$PLAIN_TMP"' EXIT
  wasm-bindgen --target web --out-dir "$PLAIN_TMP" "target/plain/$TARGET/$PROFILE_DIR/digitgan.wasm"
  if ! cmp -s "$PLAIN_TMP/digitgan.js" "$OUT_DIR/digitgan.js"; then
    echo "build-wasm: the no-SIMD build's JS glue differs from the SIMD build's" >&2
    exit 1
  fi
  mv "$PLAIN_TMP/digitgan_bg.wasm" "$OUT_DIR/digitgan_plain_bg.wasm"
fi

# 6. Optimise with npm binaryen (Debian's binaryen 108 emits a module that fails to load).
WASM_OPT=node_modules/binaryen/bin/wasm-opt
optimise() { # file, extra features
  "$WASM_OPT" -O3 $2 --enable-bulk-memory --enable-nontrapping-float-to-int \
    --enable-sign-ext --enable-mutable-globals "$1" -o "$1.opt"
  mv "$1.opt" "$1"
}
if [ "$PROFILE" = "fast" ] || [ "$PROFILE" = "dev" ]; then
  echo "build-wasm: PROFILE=$PROFILE, skipping wasm-opt"
elif [ -x "$WASM_OPT" ]; then
  optimise "$BG" --enable-simd
  if [ "$PLAIN" = "1" ]; then optimise "$OUT_DIR/digitgan_plain_bg.wasm" ""; fi
else
  echo "build-wasm: node_modules/binaryen not installed (npm install), skipping wasm-opt"
fi

for f in "$BG" "$OUT_DIR/digitgan_plain_bg.wasm"; do
  [ -f "$f" ] || continue
  RAW=$(stat -c %s "$f")
  GZ=$(gzip -9 -c "$f" | wc -c)
  awk -v f="$f" -v r="$RAW" -v g="$GZ" -v p="$PROFILE" \
    'BEGIN { printf "build-wasm: %s  %.2f MB raw, %.2f MB gzip (profile %s)\n", f, r/1048576, g/1048576, p }'
done
