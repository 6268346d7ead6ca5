#!/usr/bin/env bash
# Installs everything DigitGAN's build and tests need on a fresh machine; idempotent.
#   scripts/setup.sh            Rust toolchain + wasm target, npm packages
#   scripts/setup.sh --browser  … and Debian's chromium for the browser tests
# (wasm-bindgen-cli at the Cargo.lock version is installed by scripts/build-wasm.sh when missing.)
set -euo pipefail
cd "$(dirname "$0")/.."

# rust-toolchain.toml pins the toolchain and lists the wasm32 target; this installs both.
rustup show active-toolchain >/dev/null 2>&1 || rustup toolchain install
rustup target list --installed | grep -qx wasm32-unknown-unknown || rustup target add wasm32-unknown-unknown

# npm packages, exactly as locked.
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi

if [ "${1:-}" = "--browser" ] && [ ! -x /usr/bin/chromium ]; then
  echo "setup: installing Debian chromium for the browser tests"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq chromium >/dev/null
fi
