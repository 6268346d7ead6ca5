# DigitGAN: the two commands of the README, and the steps they are made of.
#   make demo   set up, build the site (release wasm) and serve it on 127.0.0.1 (prints the URL)
#   make test   set up and run every test: Rust, wasm build, data asset, browser e2e
PORT ?= 8080
PROFILE ?= release

.PHONY: demo test setup site wasm serve test-rust test-wasm test-data test-unit test-e2e bench bench-native bench-browser bench-size fuzz

demo: setup site serve

setup:
	scripts/setup.sh

site: wasm
	npm run build

wasm:
	PROFILE=$(PROFILE) scripts/build-wasm.sh

serve:
	node scripts/serve.mjs --port $(PORT)

test: setup
	scripts/setup.sh --browser
	cargo fmt --check
	$(MAKE) test-data test-unit test-rust site test-wasm test-e2e

test-data:
	npm run test:data

test-unit:
	npm run test:unit

test-rust:
	cargo test --profile fast

test-wasm:
	npm run test:wasm

# Explore the weights loader with a fresh seed and 10× the cases `make test` runs (a failure
# prints the seed to keep in tests/weights_fuzz.proptest-regressions).
fuzz:
	PROPTEST_RNG_SEED=$$(date +%s) PROPTEST_CASES=20000 cargo test --profile fast --test weights_fuzz

test-e2e:
	npm run test:e2e

# make bench (issue #6): native criterion benches (one thread), then the browser bench: DigitGAN's
# release wasm vs TensorFlow.js (wasm, cpu, webgl) in headless Chromium workers; prints one table
# and writes bench/results.json. BENCH_PROFILE=release benches native with full LTO (~7 min build).
# bench-size: what a visitor downloads, gzipped, from the built site (bench/size.json).
BENCH_PROFILE ?= fast
bench: bench-native bench-browser bench-size

bench-size: site
	node scripts/transfer-size.mjs

bench-native:
	cargo bench --profile $(BENCH_PROFILE) --bench native

bench-browser: bench/pkg/digitgan_bg.wasm
	node scripts/bench-browser.mjs

# The bench's own release wasm (not www/pkg, which a PROFILE=fast site build may overwrite).
bench/pkg/digitgan_bg.wasm: $(wildcard src/*.rs) Cargo.toml Cargo.lock scripts/build-wasm.sh
	OUT_DIR=bench/pkg PLAIN=0 scripts/build-wasm.sh
