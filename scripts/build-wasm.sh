#!/usr/bin/env bash
# Build the wasm module for the web page into www/pkg/ (or $OUT_DIR).
#   PROFILE=fast scripts/build-wasm.sh     # quick build while iterating (no LTO, no wasm-opt)
#   scripts/build-wasm.sh                  # release: full LTO (~7 min on 2 cores) + wasm-opt
# Idempotent: adds the wasm32 target and installs the matching wasm-bindgen CLI only when needed.
set -euo pipefail
cd "$(dirname "$0")/.."

PROFILE="${PROFILE:-release}"
TARGET=wasm32-unknown-unknown
OUT_DIR="${OUT_DIR:-www/pkg}"   # the bench builds into bench/pkg

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

# 5. Optimise with npm binaryen (Debian's binaryen 108 emits a module that fails to load).
WASM_OPT=node_modules/binaryen/bin/wasm-opt
if [ "$PROFILE" = "fast" ] || [ "$PROFILE" = "dev" ]; then
  echo "build-wasm: PROFILE=$PROFILE, skipping wasm-opt"
elif [ -x "$WASM_OPT" ]; then
  "$WASM_OPT" -O3 --enable-simd --enable-bulk-memory --enable-nontrapping-float-to-int \
    --enable-sign-ext --enable-mutable-globals "$BG" -o "$BG.opt"
  mv "$BG.opt" "$BG"
else
  echo "build-wasm: node_modules/binaryen not installed (npm install), skipping wasm-opt"
fi

RAW=$(stat -c %s "$BG")
GZ=$(gzip -9 -c "$BG" | wc -c)
awk -v f="$BG" -v r="$RAW" -v g="$GZ" -v p="$PROFILE" \
  'BEGIN { printf "build-wasm: %s  %.2f MB raw, %.2f MB gzip (profile %s)\n", f, r/1048576, g/1048576, p }'
