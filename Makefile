# DigitGAN: the two commands of the README, and the steps they are made of.
#   make demo   set up, build the site (release wasm) and serve it on 127.0.0.1 (prints the URL)
#   make test   set up and run every test: Rust, wasm build, data asset, browser e2e
PORT ?= 8080
PROFILE ?= release

.PHONY: demo test setup site wasm serve test-rust test-wasm test-data test-e2e bench

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
	$(MAKE) test-data test-rust site test-wasm test-e2e

test-data:
	npm run test:data

test-rust:
	cargo test --profile fast

test-wasm:
	npm run test:wasm

test-e2e:
	npm run test:e2e

bench:
	cargo bench --profile fast --bench native
