//! The wasm API the page's worker calls: a thin `#[wasm_bindgen]` layer over [`Session`].
//! Its contract (names, types, errors) is `docs/wasm-api.md`.

use crate::drawing;
use crate::error::Error;
use crate::session::{Options, Session};
use crate::weights::Precision;
use js_sys::{Float32Array, Object, Reflect, Uint8Array};
use wasm_bindgen::prelude::*;

fn js_err(e: Error) -> JsError {
    JsError::new(&e.to_string())
}

/// A JS `Error` whose `name` is the error's kind (e.g. "DivergedError"), for calls whose caller
/// acts on the kind.
fn js_err_named(e: Error) -> JsValue {
    let err = js_sys::Error::new(&e.to_string());
    err.set_name(e.kind());
    err.into()
}

#[wasm_bindgen(start)]
pub fn start() {
    console_error_panic_hook::set_once();
}

fn object(entries: &[(&str, JsValue)]) -> Result<JsValue, JsError> {
    let o = Object::new();
    for (k, v) in entries {
        Reflect::set(&o, &JsValue::from_str(k), v)
            .map_err(|_| JsError::new("cannot build result object"))?;
    }
    Ok(o.into())
}

/// A DigitGAN session: data, networks, training run.
#[wasm_bindgen]
pub struct DigitGan {
    session: Session,
}

#[wasm_bindgen]
impl DigitGan {
    #[wasm_bindgen(constructor)]
    pub fn new(data_gz: &[u8], weights: Option<Vec<u8>>, seed: u32) -> Result<DigitGan, JsError> {
        console_error_panic_hook::set_once();
        let session = Session::new(data_gz, weights.as_deref(), seed as u64).map_err(js_err)?;
        Ok(Self { session })
    }

    #[wasm_bindgen(getter, js_name = latentDim)]
    pub fn latent_dim(&self) -> usize {
        self.session.latent_dim()
    }

    #[wasm_bindgen(getter)]
    pub fn classes(&self) -> usize {
        self.session.classes()
    }

    #[wasm_bindgen(getter, js_name = stepCount)]
    pub fn step_count(&self) -> f64 {
        self.session.step_count() as f64
    }

    /// Runs `n` training steps; returns one stats object per step. Errors are JS `Error`s named
    /// by kind: "DivergedError" means the session rolled back to its last good checkpoint.
    pub fn train(&mut self, n: u32) -> Result<JsValue, JsValue> {
        let stats = self.session.train(n as usize).map_err(js_err_named)?;
        serde_wasm_bindgen::to_value(&stats).map_err(|e| js_sys::Error::new(&e.to_string()).into())
    }

    #[wasm_bindgen(js_name = setOptions)]
    pub fn set_options(&mut self, options: JsValue) -> Result<(), JsError> {
        let o: Options = serde_wasm_bindgen::from_value(options)
            .map_err(|e| JsError::new(&format!("bad options: {e}")))?;
        self.session.set_options(&o).map_err(js_err)
    }

    pub fn options(&self) -> Result<JsValue, JsError> {
        serde_wasm_bindgen::to_value(&self.session.options())
            .map_err(|e| JsError::new(&e.to_string()))
    }

    pub fn reset(&mut self, seed: u32, weights: Option<Vec<u8>>) -> Result<(), JsError> {
        self.session
            .reset(seed as u64, weights.as_deref())
            .map_err(js_err)
    }

    pub fn latents(&self, n: u32, seed: u32) -> Result<Float32Array, JsError> {
        Ok(Float32Array::from(
            &self
                .session
                .latents(n as usize, seed as u64)
                .map_err(js_err)?[..],
        ))
    }

    pub fn generate(&self, z: &[f32], labels: Option<Vec<u8>>) -> Result<Float32Array, JsError> {
        Ok(Float32Array::from(
            &self
                .session
                .generate(z, labels.as_deref())
                .map_err(js_err)?[..],
        ))
    }

    pub fn digits(&self, split: &str, start: u32, count: u32) -> Result<JsValue, JsError> {
        let d = self
            .session
            .digits(split, start as usize, count as usize)
            .map_err(js_err)?;
        object(&[
            ("images", Float32Array::from(&d.images[..]).into()),
            ("labels", Uint8Array::from(&d.labels[..]).into()),
        ])
    }

    pub fn restore(&self, image: &[f32], mask: Option<Vec<f32>>) -> Result<Float32Array, JsError> {
        Ok(Float32Array::from(
            &self
                .session
                .restore(image, mask.as_deref())
                .map_err(js_err)?[..],
        ))
    }

    #[wasm_bindgen(js_name = latentSearch)]
    pub fn latent_search(
        &self,
        image: &[f32],
        mask: Option<Vec<f32>>,
        seed: u32,
    ) -> Result<Float32Array, JsError> {
        let out = self
            .session
            .latent_search(image, mask.as_deref(), seed as u64)
            .map_err(js_err)?;
        Ok(Float32Array::from(&out[..]))
    }

    pub fn classify(&self, images: &[f32]) -> Result<JsValue, JsError> {
        let (labels, confidence) = self.session.classify(images).map_err(js_err)?;
        object(&[
            ("labels", Uint8Array::from(&labels[..]).into()),
            ("confidence", Float32Array::from(&confidence[..]).into()),
        ])
    }

    /// The augmentation experiment for one K (see `Session::augment_eval`); `progress(done,
    /// total)` is called after each classifier step. Returns the report as a plain object.
    #[wasm_bindgen(js_name = augmentEval)]
    pub fn augment_eval(
        &self,
        k: u32,
        m: u32,
        seeds: u32,
        steps: u32,
        progress: &js_sys::Function,
    ) -> Result<JsValue, JsError> {
        let report = self
            .session
            .augment_eval(
                k as usize,
                m as usize,
                seeds as usize,
                steps as usize,
                |done, total| {
                    let _ = progress.call2(
                        &JsValue::NULL,
                        &JsValue::from(done as u32),
                        &JsValue::from(total as u32),
                    );
                },
            )
            .map_err(js_err)?;
        serde_wasm_bindgen::to_value(&report).map_err(|e| JsError::new(&e.to_string()))
    }

    /// `n_per_class` generated digits per class, class-major ([0, 1], n·784 values); the labels
    /// are implied (digit i has label ⌊i / n_per_class⌋).
    #[wasm_bindgen(js_name = generatePerClass)]
    pub fn generate_per_class(&self, n_per_class: u32, seed: u32) -> Result<Float32Array, JsError> {
        let digits = self
            .session
            .generate_per_class(n_per_class as usize, seed as u64)
            .map_err(js_err)?;
        Ok(Float32Array::from(&digits.images[..]))
    }

    /// `half`: store f16 tensors (half the size; for autosaves).
    #[wasm_bindgen(js_name = exportWeights)]
    pub fn export_weights(&self, half: Option<bool>) -> Result<Uint8Array, JsError> {
        let bytes = self
            .session
            .export_weights(if half.unwrap_or(false) {
                Precision::F16
            } else {
                Precision::F32
            })
            .map_err(js_err)?;
        Ok(Uint8Array::from(&bytes[..]))
    }

    #[wasm_bindgen(js_name = importWeights)]
    pub fn import_weights(&mut self, bytes: &[u8]) -> Result<(), JsError> {
        self.session.import_weights(bytes, 1).map_err(js_err)
    }

    /// Test hook: makes the generator's weights NaN, as a diverged run would; the next training
    /// step detects it and rolls back.
    #[wasm_bindgen(js_name = debugInjectNan)]
    pub fn debug_inject_nan(&mut self) {
        self.session.inject_nan();
    }

    /// Test hook: panics inside Rust, as a bug would. The panic hook logs the message, the module
    /// traps (panic = abort), and the page must restart the worker from its last good weights.
    #[wasm_bindgen(js_name = debugPanic)]
    pub fn debug_panic(&self) {
        panic!("debugPanic: a deliberate panic inside Rust (test hook)");
    }
}

/// A drawing → MNIST-style 28×28 digit (see `drawing::mnistify`).
#[wasm_bindgen]
pub fn mnistify(
    pixels: &[f32],
    mask: Option<Vec<f32>>,
    width: u32,
    height: u32,
) -> Result<JsValue, JsError> {
    let m = drawing::mnistify(pixels, mask.as_deref(), width as usize, height as usize)
        .map_err(js_err)?;
    object(&[
        ("image", Float32Array::from(&m.image[..]).into()),
        (
            "mask",
            m.mask
                .map_or(JsValue::NULL, |v| Float32Array::from(&v[..]).into()),
        ),
        ("empty", JsValue::from_bool(m.empty)),
    ])
}

/// Benchmark hook (`scripts/bench-browser.mjs`): a bare training run of a preset, without the
/// page's session (no checkpoints, no stats objects crossing into JS).
#[wasm_bindgen]
pub struct BenchTrainer {
    trainer: crate::train::Trainer,
}

#[wasm_bindgen]
impl BenchTrainer {
    /// `preset`: "design" (plain MLP GAN) or "default"; fresh random networks from `seed`.
    #[wasm_bindgen(constructor)]
    pub fn new(data_gz: &[u8], preset: &str, seed: u32) -> Result<BenchTrainer, JsError> {
        console_error_panic_hook::set_once();
        let config = crate::train::TrainConfig::preset(preset)
            .ok_or_else(|| JsError::new(&format!("unknown preset {preset:?}")))?;
        let data = crate::data::MnistSubset::decode(data_gz).map_err(js_err)?;
        let trainer = crate::train::Trainer::new(config, data.train, seed as u64);
        Ok(Self { trainer })
    }

    /// Runs `n` training steps (one D update + one G update each, as `Trainer::step`; at most
    /// 10,000 per call); returns the last step's D loss.
    pub fn steps(&mut self, n: u32) -> Result<f32, JsError> {
        if n > 10_000 {
            return Err(JsError::new(
                "BenchTrainer.steps takes at most 10000 steps per call",
            ));
        }
        let mut d_loss = f32::NAN;
        for _ in 0..n {
            d_loss = self.trainer.step().d_loss;
        }
        Ok(d_loss)
    }
}

/// Benchmark hook: the [m, k] × [k, n] matmul the MLP layers are made of, on the flex backend
/// (as `benches/native.rs`), with random operands made once.
#[wasm_bindgen]
pub struct BenchMatmul {
    a: burn::tensor::Tensor<2>,
    b: burn::tensor::Tensor<2>,
}

#[wasm_bindgen]
impl BenchMatmul {
    /// Each of m, k, n in 1..=4096.
    #[wasm_bindgen(constructor)]
    pub fn new(m: u32, k: u32, n: u32) -> Result<BenchMatmul, JsError> {
        use burn::tensor::{Distribution, Tensor};
        if ![m, k, n].iter().all(|d| (1..=4096).contains(d)) {
            return Err(JsError::new("BenchMatmul dimensions must be in 1..=4096"));
        }
        let device = burn::tensor::Device::flex();
        let (m, k, n) = (m as usize, k as usize, n as usize);
        Ok(Self {
            a: Tensor::<2>::random([m, k], Distribution::Default, &device),
            b: Tensor::<2>::random([k, n], Distribution::Default, &device),
        })
    }

    /// Runs `reps` products, each read back (`into_data`, as the native bench does).
    pub fn run(&self, reps: u32) -> f32 {
        let mut acc = 0.0;
        for _ in 0..reps {
            let out = self.a.clone().matmul(self.b.clone()).into_data();
            acc += out.as_slice::<f32>().map(|s| s[0]).unwrap_or(0.0);
        }
        acc
    }
}
