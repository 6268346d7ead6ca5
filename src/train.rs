//! One training step = a discriminator step, then a generator step and a restorer step.
//!
//! Losses (BCE on logits, ℓ(l) = softplus(−l) for "real", softplus(l) for "fake"):
//! - D: E[log D(x)] + E[log(1 − D(G(z)))] + E[log D(T(x))] (augmentation term, switchable)
//!   With DiffAugment on, every image D sees in both steps (real, T(x), G(z), R(x_bad)) first
//!   goes through a differentiable random translation + cutout (`diffaug.rs`).
//!   + E[log(1 − D(R(x_bad)))] (restorer fakes) + AC-GAN class cross-entropy on real and fake.
//! - G: non-saturating −E[log D(G(z))] + class cross-entropy of D's head on G(z, y).
//! - R: −E[log D(R(x_bad))] + λ·L1(R(x_bad), x) (pix2pix-style).
//!
//! All randomness (batches, z, labels, dropout masks, damage, T) comes from one seeded RNG, so a
//! seed fixes the whole run on any platform.

mod restorer;
pub(crate) use restorer::damaged_batch;
use restorer::told_labels;
pub use restorer::{RestorerTargets, check_damage_weights};

use crate::data::{AugmentConfig, Batcher, Digits, to_tanh_range};
use crate::diffaug::DiffAugmentConfig;
use crate::model::*;
use burn::optim::{AdamConfig, GradientsParams, ModuleOptimizer};
use burn::prelude::*;
use burn::tensor::activation::{log_softmax, sigmoid, softmax};
use rand::{Rng, SeedableRng, rngs::StdRng};
use serde::Serialize;
use std::sync::Mutex;

/// Everything that defines a training run. `TrainConfig::new()` is the stable default recipe;
/// [`TrainConfig::design`] is the article's plain MLP GAN (which collapses; kept for comparison).
#[derive(Config, Debug, PartialEq)]
pub struct TrainConfig {
    #[config(default = "GeneratorConfig::new()")]
    pub generator: GeneratorConfig,
    #[config(default = "DiscriminatorConfig::new()")]
    pub discriminator: DiscriminatorConfig,
    #[config(default = "RestorerConfig::new()")]
    pub restorer: RestorerConfig,
    #[config(default = 64)]
    pub batch_size: usize,
    /// Adam learning rate for G and D.
    #[config(default = 2e-4)]
    pub lr: f64,
    /// Adam learning rate for the restorer.
    #[config(default = 5e-4)]
    pub restorer_lr: f64,
    /// Anneal the restorer's learning rate from `restorer_lr` to 0 along a half cosine over
    /// this many steps (counted from the trainer's first step; 0 after them). 0 = constant.
    #[config(default = 0)]
    pub restorer_lr_decay_steps: u64,
    /// A class-conditional restorer is told each digit's true label in training, except for
    /// this fraction of rows, told nothing (the path it takes when no reader is at hand).
    #[config(default = 0.1)]
    pub restorer_label_dropout: f32,
    /// Of the rows told a label, this fraction is told a two-class blend instead of a one-hot:
    /// the true class at a weight w drawn from `restorer_label_mix_min..1` (density ∝ w, so
    /// the blend is calibrated), a random other class at 1 − w. At inference the restorer is
    /// told a reader's probabilities, which are rarely one-hot and sometimes favour the wrong
    /// class; this teaches it to settle such a blend from the digit's known pixels. 0 =
    /// one-hots only.
    #[config(default = 0.0)]
    pub restorer_label_mix: f32,
    /// The smallest weight the true class gets in a blended label (see `restorer_label_mix`).
    #[config(default = 0.2)]
    pub restorer_label_mix_min: f32,
    #[config(default = 0.5)]
    pub beta1: f32,
    #[config(default = 0.999)]
    pub beta2: f32,
    /// Target for real digits in D's loss (1 = none; 0.9 = one-sided label smoothing).
    #[config(default = 1.0)]
    pub real_label: f32,
    /// Adds E[log D(T(x))]: D must also call randomly transformed real digits real.
    #[config(default = true)]
    pub augment: bool,
    #[config(default = "AugmentConfig::new()")]
    pub augment_ranges: AugmentConfig,
    /// DiffAugment: the same differentiable random transform on real and generated digits for
    /// D and for G (off by default; README "T(x) vs DiffAugment" has the measurements).
    #[config(default = false)]
    pub diff_augment: bool,
    #[config(default = "DiffAugmentConfig::new()")]
    pub diff_augment_ranges: DiffAugmentConfig,
    /// Weight of the AC-GAN class loss (when the models are conditional).
    #[config(default = 1.0)]
    pub class_weight: f32,
    /// Train the restorer alongside the GAN.
    #[config(default = true)]
    pub train_restorer: bool,
    /// With `train_restorer`: train R on every Nth joint step only (1 = every step). The page
    /// sets it for a convolutional restorer, whose step costs several GAN steps.
    #[config(default = 1)]
    pub restorer_every: usize,
    /// λ of the restorer's L1 reconstruction loss.
    #[config(default = 100.0)]
    pub l1_weight: f32,
    /// Fraction of restorer training erasures given without their mask (blind).
    #[config(default = 0.3)]
    pub blind_fraction: f32,
    /// Relative frequency of each damage kind in restorer training, in `DamageKind::ALL`'s order
    /// (block, strokes, half, noise, salt-and-pepper); equal weights = uniform.
    #[config(default = "vec![1.0; 5]")]
    pub damage_weights: Vec<f32>,
    /// Weight of an optional restorer class term: D's AC-GAN head must read the restored digit
    /// as the clean digit's label (conditional models only). Off by default: measured with 6,000
    /// restorer-only steps, weight 1 helped blocks but cost half erasures and noise, and 5 or 20
    /// made every damage type worse (R learns to please D's class head; NOTES.md has the table).
    #[config(default = 0.0)]
    pub restorer_class_weight: f32,
    /// Weight of an optional feature-matching term in the restorer-only phase: the L1 distance
    /// between the frozen D's hidden activations on the restored and on the clean digit, summed
    /// over D's layers (pix2pixHD's discriminator feature loss; 0 = off).
    #[config(default = 0.0)]
    pub restorer_feature_weight: f32,
    /// Weight of an optional perceptual (identity) term in the restorer-only phase: the
    /// cross-entropy from a frozen auxiliary classifier's reading of the clean digit to its
    /// reading of the restored one ([`Trainer::with_perceptual`]; 0 = off). The auxiliary
    /// classifier must be trained apart from the reference classifier `eval` judges with.
    #[config(default = 0.0)]
    pub restorer_perceptual_weight: f32,
    /// In the restorer-only phase, train D too, on clean digits (real) against R's restorations
    /// (fake), before each R step: pix2pix's learned discriminator instead of the GAN's frozen
    /// one, which never saw the restorer's current output. G stays frozen and D no longer sees
    /// G's fakes, so keep the parent's D where G needs one (latent search).
    #[config(default = false)]
    pub restorer_trains_discriminator: bool,
    /// The clean digits the restorer learns from: the training digits as they are (default), or
    /// moved to new ones before damage (T(x), whole-pixel shifts or elastic warps).
    #[config(default = "RestorerTargets::Digits")]
    pub restorer_targets: RestorerTargets,
    /// Fraction of each restorer-only batch drawn from G (random z and digit) instead of the
    /// training digits: generated digits extending the restorer's training set.
    #[config(default = 0.0)]
    pub restorer_generated_fraction: f32,
    /// Train G and D. Off (with `train_restorer` on) is the restorer-only phase: G and D frozen,
    /// only R learns against the fixed D; several times cheaper per step than a full step.
    #[config(default = true)]
    pub train_gan: bool,
    /// Update G (with `train_gan` on). Off: G is frozen but still draws D's fakes, so D and R
    /// keep learning against each other (a phase after GAN-only training: joint training was
    /// measured to cost G's sample quality).
    #[config(default = true)]
    pub train_generator: bool,
}

impl TrainConfig {
    /// The article's design, as specified: no BatchNorm, no dropout, unconditional, no T(x),
    /// GAN only (no restorer).
    pub fn design() -> Self {
        Self::new()
            .with_generator(
                GeneratorConfig::new()
                    .with_batch_norm(false)
                    .with_classes(0),
            )
            .with_discriminator(DiscriminatorConfig::new().with_dropout(0.0).with_classes(0))
            .with_augment(false)
            .with_train_restorer(false)
    }

    /// A named preset: "default" or "design".
    pub fn preset(name: &str) -> Option<Self> {
        match name {
            "default" => Some(Self::new()),
            "design" => Some(Self::design()),
            _ => None,
        }
    }

    /// The restorer's learning rate at trainer step `step` (`restorer_lr_decay_steps`).
    pub fn restorer_lr_at(&self, step: u64) -> f64 {
        let total = self.restorer_lr_decay_steps;
        if total == 0 {
            return self.restorer_lr;
        }
        half_cosine(self.restorer_lr, step, total)
    }

    fn adam(&self) -> ModuleOptimizer {
        AdamConfig::new()
            .with_beta_1(self.beta1)
            .with_beta_2(self.beta2)
            .with_epsilon(1e-8)
            .init()
    }
}

/// Losses and discriminator outputs of one step.
#[derive(Clone, Copy, Debug, Default, Serialize, PartialEq)]
pub struct StepStats {
    pub step: u64,
    pub d_loss: f32,
    pub g_loss: f32,
    /// Restorer loss, adversarial + λ·L1 (0 when the restorer is not trained).
    pub r_loss: f32,
    /// The restorer's L1 distance to the clean digits alone ([-1, 1] range).
    pub r_l1: f32,
    /// Mean D(x) on real digits (probability).
    pub d_real: f32,
    /// Mean D(G(z)) on generated digits.
    pub d_fake: f32,
}

impl StepStats {
    pub fn is_finite(&self) -> bool {
        [
            self.d_loss,
            self.g_loss,
            self.r_loss,
            self.d_real,
            self.d_fake,
        ]
        .iter()
        .all(|v| v.is_finite())
    }
}

/// The three networks the page and CLI use, with their configs.
#[derive(Clone, Debug)]
pub struct Models {
    pub generator: Generator,
    pub discriminator: Discriminator,
    pub restorer: Restorer,
}

/// Burn's parameter initialisation draws from one process-wide RNG; this lock makes
/// "seed, then init" atomic so concurrent runs (tests) stay reproducible.
static INIT_LOCK: Mutex<()> = Mutex::new(());

/// Runs `init` right after seeding burn's RNG, atomically with respect to other seeded inits.
///
/// Burn initialises parameters lazily, on first use; this runs those draws before the lock is
/// released ([`InitParams`]), or they would happen later, after whatever else drew from the
/// RNG meanwhile (another test's init, burn's record loader).
pub fn with_seeded_init<T: InitParams>(device: &Device, seed: u64, init: impl FnOnce() -> T) -> T {
    let _guard = init_lock();
    device.seed(seed);
    init().init_params()
}

/// Holds burn's RNG for work that may draw from it without a seed of its own (burn's record
/// loader does), so it cannot interleave with a seeded init. Not reentrant.
pub(crate) fn init_lock() -> std::sync::MutexGuard<'static, ()> {
    INIT_LOCK.lock().unwrap_or_else(|e| e.into_inner())
}

/// Networks whose lazy parameter initialisations can be run now (see [`with_seeded_init`]).
pub trait InitParams {
    fn init_params(self) -> Self;
}

impl<M: Module> InitParams for M {
    fn init_params(self) -> Self {
        struct Touch;
        impl burn::module::ModuleVisitor for Touch {
            fn visit_float<const D: usize>(&mut self, param: &burn::module::Param<Tensor<D>>) {
                let _ = param.val();
            }
        }
        self.visit(&mut Touch);
        self
    }
}

impl InitParams for Models {
    fn init_params(self) -> Self {
        Self {
            generator: self.generator.init_params(),
            discriminator: self.discriminator.init_params(),
            restorer: self.restorer.init_params(),
        }
    }
}

impl Models {
    /// Fresh, seeded networks.
    pub fn init(config: &TrainConfig, seed: u64, device: &Device) -> Self {
        with_seeded_init(device, seed, || Self {
            generator: config.generator.init(device),
            discriminator: config.discriminator.init(device),
            restorer: config.restorer.init(device),
        })
    }
}

/// The CPU device training runs on (with autodiff).
pub fn train_device() -> Device {
    Device::flex().autodiff()
}

/// A GAN (+ restorer) training run.
pub struct Trainer {
    pub config: TrainConfig,
    pub models: Models,
    opt_g: ModuleOptimizer,
    opt_d: ModuleOptimizer,
    opt_r: ModuleOptimizer,
    data: Digits,
    batcher: Batcher,
    rng: StdRng,
    step: u64,
    device: Device,
    /// The frozen auxiliary classifier of the perceptual term (`restorer_perceptual_weight`).
    perceptual: Option<Classifier>,
}

impl Trainer {
    /// A new run from scratch on `data` ([0, 1] digits).
    pub fn new(config: TrainConfig, data: Digits, seed: u64) -> Self {
        let device = train_device();
        let models = Models::init(&config, seed, &device);
        Self::with_models(config, models, data, seed)
    }

    /// Continues training given networks (e.g. the pretrained ones).
    pub fn with_models(config: TrainConfig, models: Models, data: Digits, seed: u64) -> Self {
        let device = train_device();
        // valid() first: loaded or cast parameters may not be graph leaves; train() makes them so.
        let models = Models {
            generator: models.generator.valid().train(),
            discriminator: models.discriminator.valid().train(),
            restorer: models.restorer.valid().train(),
        };
        Self {
            opt_g: config.adam(),
            opt_d: config.adam(),
            opt_r: config.adam(),
            batcher: Batcher::new(data.len(), seed ^ 0xda7a),
            rng: StdRng::seed_from_u64(seed),
            data,
            step: 0,
            config,
            models,
            device,
            perceptual: None,
        }
    }

    /// Sets the auxiliary classifier of the restorer's perceptual term (frozen: it never learns).
    pub fn with_perceptual(mut self, classifier: Classifier) -> Self {
        self.perceptual = Some(classifier.valid().train().no_grad());
        self
    }

    pub fn step_count(&self) -> u64 {
        self.step
    }

    /// Puts back earlier networks (after divergence): fresh optimiser state, step count `step`.
    pub fn rollback(&mut self, models: Models, step: u64) {
        self.models = models;
        self.opt_g = self.config.adam();
        self.opt_d = self.config.adam();
        self.opt_r = self.config.adam();
        self.step = step;
    }

    pub fn device(&self) -> &Device {
        &self.device
    }

    /// The training digits.
    pub fn data(&self) -> &Digits {
        &self.data
    }

    /// Runs one training step and returns its statistics.
    pub fn step(&mut self) -> StepStats {
        if !self.config.train_gan {
            return self.restorer_step();
        }
        let cfg = &self.config;
        let b = cfg.batch_size.max(1);
        let dev = self.device.clone();
        let classes = self.models.generator.classes();

        // Real batch, in the tanh range.
        let idx = self.batcher.next_indices(b);
        let batch = self.data.select(&idx);
        let real_px = to_tanh_range(&batch.images);
        let real = tensor2(&real_px, b, &dev);

        // Generated batch.
        let z_values = uniform(&mut self.rng, b * cfg.generator.latent);
        let fake_labels: Vec<u8> = (0..b).map(|_| self.rng.random_range(0..10)).collect();
        let train_g = cfg.train_generator;
        let fake = if train_g {
            let z = tensor2(&z_values, b, &dev);
            let onehot_fake = (classes > 0).then(|| onehot(&fake_labels, classes, &dev));
            self.models.generator.forward(z, onehot_fake) // [B, 784], with graph
        } else {
            // A frozen G draws in inference mode: no graph, and its BatchNorm statistics stay.
            let labels = (classes > 0).then_some(&fake_labels[..]);
            let px = generate(&self.models.generator, &z_values, labels, &dev);
            tensor2(&to_tanh_range(&px), b, &dev) // [B, 784]
        };

        // Extra "real" rows: T(x).
        let mut d_inputs = vec![real, fake.clone().detach()];
        if cfg.augment {
            let aug = cfg.augment_ranges.augment_batch(&real_px, &mut self.rng);
            d_inputs.push(tensor2(&aug, b, &dev));
        }
        // Restorer fakes.
        let restored =
            if cfg.train_restorer && self.step.is_multiple_of(cfg.restorer_every.max(1) as u64) {
                let rows = damaged_batch(&batch.images, cfg, &mut self.rng);
                let told = told_labels(
                    &self.models.restorer,
                    cfg,
                    &batch.labels,
                    &mut self.rng,
                    &dev,
                );
                Some(self.restorer_output(&rows, batch.len(), told))
            } else {
                None
            };
        if let Some((out, _)) = &restored {
            d_inputs.push(out.clone().detach());
        }

        // ---- Discriminator step: one forward over [real; fake; T(x); R(x_bad)].
        let p = cfg.discriminator.dropout as f32;
        let mut d_input = Tensor::cat(d_inputs, 0);
        if cfg.diff_augment {
            d_input = cfg.diff_augment_ranges.apply(d_input, &mut self.rng);
        }
        let (logits, class_logits) = {
            let mut masks = |dims: [usize; 2]| dropout_mask(&mut self.rng, dims, p, &dev);
            self.models.discriminator.forward(d_input, Some(&mut masks))
        };
        let chunk = |t: &Tensor<2>, i: usize| t.clone().slice(i * b..(i + 1) * b);
        let real_logit = chunk(&logits, 0);
        let fake_logit = chunk(&logits, 1);
        let mut d_loss = real_loss(real_logit.clone(), cfg.real_label)
            + softplus_stable(fake_logit.clone()).mean();
        let mut next = 2;
        if cfg.augment {
            d_loss = d_loss + real_loss(chunk(&logits, next), cfg.real_label);
            next += 1;
        }
        if restored.is_some() {
            d_loss = d_loss + softplus_stable(chunk(&logits, next)).mean();
        }
        if let (Some(cl), true) = (class_logits, classes > 0) {
            let ce =
                class_loss(chunk(&cl, 0), &batch.labels) + class_loss(chunk(&cl, 1), &fake_labels);
            d_loss = d_loss + ce.mul_scalar(cfg.class_weight);
        }
        let d_real = sigmoid(real_logit).mean().into_scalar::<f32>();
        let d_fake = sigmoid(fake_logit).mean().into_scalar::<f32>();
        let d_loss_value = d_loss.clone().into_scalar::<f32>();
        let grads = GradientsParams::from_grads(d_loss.backward(), &self.models.discriminator);
        self.models.discriminator =
            self.opt_d
                .step(cfg.lr, self.models.discriminator.clone(), grads);

        // ---- Generator (+ restorer) step through the updated D, one backward pass.
        let mut g_inputs = vec![fake];
        if let Some((out, _)) = &restored {
            g_inputs.push(out.clone());
        }
        // D was updated above and is not trained here: a copy without gradient tracking makes
        // the backward pass compute only the input gradients G and R need, not D's weight
        // gradients (a matmul per D layer, ~9% of the step's matmul FLOPs).
        let d_fixed = self.models.discriminator.clone().no_grad();
        let mut g_input = Tensor::cat(g_inputs, 0);
        if cfg.diff_augment {
            g_input = cfg.diff_augment_ranges.apply(g_input, &mut self.rng);
        }
        let (logits, class_logits) = {
            let mut masks = |dims: [usize; 2]| dropout_mask(&mut self.rng, dims, p, &dev);
            d_fixed.forward(g_input, Some(&mut masks))
        };
        let mut g_loss = softplus_stable(chunk(&logits, 0).neg()).mean();
        if let (Some(cl), true) = (&class_logits, classes > 0) {
            g_loss = g_loss + class_loss(chunk(cl, 0), &fake_labels).mul_scalar(cfg.class_weight);
        }
        let mut stats = StepStats {
            d_loss: d_loss_value,
            g_loss: g_loss.clone().into_scalar::<f32>(),
            d_real,
            d_fake,
            ..StepStats::default()
        };
        // What this step trains: G's loss (unless G is frozen) + R's loss (if R trains).
        let mut total = train_g.then_some(g_loss);
        let train_r = restored.is_some();
        if let Some((out, clean)) = restored {
            let (r_loss, r_l1) = cfg.restorer_loss(
                chunk(&logits, 1),
                class_logits.as_ref().map(|cl| chunk(cl, 1)),
                out,
                clean,
                &batch.labels,
            );
            stats.r_loss = r_loss.clone().into_scalar::<f32>();
            stats.r_l1 = r_l1;
            total = Some(match total {
                Some(t) => t + r_loss,
                None => r_loss,
            });
        }
        if let Some(total) = total {
            let mut grads = total.backward();
            if train_g {
                let g_grads = GradientsParams::from_module(&mut grads, &self.models.generator);
                self.models.generator =
                    self.opt_g
                        .step(cfg.lr, self.models.generator.clone(), g_grads);
            }
            if train_r {
                let r_grads = GradientsParams::from_module(&mut grads, &self.models.restorer);
                self.models.restorer = self.opt_r.step(
                    cfg.restorer_lr_at(self.step),
                    self.models.restorer.clone(),
                    r_grads,
                );
            }
        }
        self.finish_step(stats)
    }

    /// Counts the step: `stats` with its step number.
    fn finish_step(&mut self, stats: StepStats) -> StepStats {
        self.step += 1;
        StepStats {
            step: self.step,
            ..stats
        }
    }
}

/// D's loss on logits of real digits, with one-sided label smoothing (`real_label` = the
/// target for real; 1 = none).
fn real_loss(logits: Tensor<2>, real_label: f32) -> Tensor<1> {
    (softplus_stable(logits.clone().neg()).mul_scalar(real_label)
        + softplus_stable(logits).mul_scalar(1.0 - real_label))
    .mean()
}

/// [rows, 784]-style tensor from a flat slice.
pub fn tensor2(values: &[f32], rows: usize, device: &Device) -> Tensor<2> {
    let cols = values.len() / rows.max(1);
    Tensor::from_data(TensorData::new(values.to_vec(), [rows, cols]), device)
}

/// Flat values of a tensor.
pub fn to_vec(t: Tensor<2>) -> Vec<f32> {
    t.into_data().try_into_vec::<f32>().expect("f32 tensor")
}

/// One-hot rows for labels.
pub fn onehot(labels: &[u8], classes: usize, device: &Device) -> Tensor<2> {
    tensor2(&onehot_values(labels, classes), labels.len(), device)
}

/// One-hot rows of `labels` over `classes`, flattened.
pub fn onehot_values(labels: &[u8], classes: usize) -> Vec<f32> {
    let mut v = vec![0.0f32; labels.len() * classes];
    for (i, &l) in labels.iter().enumerate() {
        v[i * classes + l as usize] = 1.0;
    }
    v
}

/// `peak` annealed to 0 along a half cosine over `total` steps (0 after them).
pub fn half_cosine(peak: f64, step: u64, total: u64) -> f64 {
    let t = step.min(total) as f64 / total.max(1) as f64;
    peak * 0.5 * (1.0 + (std::f64::consts::PI * t).cos())
}

/// n values uniform in [-1, 1].
pub fn uniform(rng: &mut impl Rng, n: usize) -> Vec<f32> {
    (0..n).map(|_| rng.random_range(-1.0f32..=1.0)).collect()
}

/// An inverted-dropout mask: 0 with probability p, else 1/(1−p).
pub(crate) fn dropout_mask(
    rng: &mut StdRng,
    dims: [usize; 2],
    p: f32,
    device: &Device,
) -> Tensor<2> {
    let keep = 1.0 / (1.0 - p);
    let v: Vec<f32> = (0..dims[0] * dims[1])
        .map(|_| if rng.random::<f32>() < p { 0.0 } else { keep })
        .collect();
    Tensor::from_data(TensorData::new(v, dims), device)
}

/// log(1 + eˣ) without overflow: max(x, 0) + log(1 + e^−|x|).
pub fn softplus_stable(x: Tensor<2>) -> Tensor<2> {
    x.clone().clamp_min(0.0) + x.abs().neg().exp().add_scalar(1.0).log()
}

/// Mean cross-entropy of class logits ([B, classes]) against labels (B).
pub fn class_loss(logits: Tensor<2>, labels: &[u8]) -> Tensor<1> {
    let target = onehot(labels, logits.dims()[1], &logits.device()); // [B, classes]
    (log_softmax(logits, 1) * target).sum_dim(1).neg().mean()
}

/// Generates digits ([0, 1]) from latents (n × Z) and labels with an inference-mode generator.
pub fn generate(
    generator: &Generator,
    z: &[f32],
    labels: Option<&[u8]>,
    device: &Device,
) -> Vec<f32> {
    let device = &device.clone().inner();
    let latent = generator.latent();
    let n = z.len() / latent.max(1);
    if n == 0 {
        return Vec::new();
    }
    let y = match (generator.classes(), labels) {
        (0, _) => None,
        (k, Some(l)) => Some(onehot(l, k, device)),
        (k, None) => Some(onehot(
            &(0..n).map(|i| (i % 10) as u8).collect::<Vec<_>>(),
            k,
            device,
        )),
    };
    let out = generator.valid().forward(tensor2(z, n, device), y);
    crate::data::from_tanh_range(&to_vec(out))
}
