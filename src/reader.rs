//! The reader: a small CNN that names the digit in a *damaged* image, from exactly what the
//! restorer sees (the damaged digit and its mask). It is trained on damaged training digits made
//! on the fly by the restorer's own damage code, and it is not the reference classifier that
//! judges the restorations (`digitgan eval`): a class-conditional restorer is told the class
//! the reader reads, so the label that survives a block is not lost on the way through the
//! restorer (docs/experiments.md "Session 11").
//!
//! Shapes use B = batch, W = width, H = hidden units.

use crate::conv::conv2d;
use burn::nn::conv::{Conv2d, Conv2dConfig};
use burn::nn::pool::{MaxPool2d, MaxPool2dConfig};
use burn::nn::{BatchNorm, BatchNormConfig, Linear, LinearConfig, PaddingConfig2d};
use burn::optim::{AdamConfig, GradientsParams};
use burn::prelude::*;
use burn::tensor::activation::softmax;
use rand::{SeedableRng, rngs::StdRng};

use crate::activation::leaky;
use crate::data::{AugmentConfig, Batcher, Digits, SIDE};
use crate::model::CLASSES;
use crate::train::{TrainConfig, class_loss, tensor2, to_vec};

/// The reader's layout.
#[derive(Config, Debug, PartialEq)]
pub struct ReaderConfig {
    /// Channels of the first convolution (the deeper ones have twice as many). 32 reads
    /// block-damaged test digits at 92.7% against 90.2% for 16 (docs/experiments.md
    /// "Session 11").
    #[config(default = 32)]
    pub width: usize,
    /// Units of the dense layer before the class logits.
    #[config(default = 128)]
    pub hidden: usize,
    /// LeakyReLU negative slope.
    #[config(default = 0.2)]
    pub slope: f64,
    /// `Some(true)`: each level is two stride-1 convolutions and ends in 2×2 max pooling (a
    /// translation-tolerant layout, ~1.4× the arithmetic); `None` or `Some(false)`: strided
    /// convolutions (the first layout; the shipped ensemble holds one reader of each). An
    /// Option so that files written before the field existed still parse.
    #[config(default = "None")]
    pub pooled: Option<bool>,
    /// `Some(true)`: batch normalisation after each convolution, before its activation (a
    /// normalised network takes larger steps early, for a reader that must learn in a fixed
    /// time); `None` or `Some(false)`: none, as every reader before session 19. An Option for
    /// the same reason as `pooled`.
    #[config(default = "None")]
    pub batch_norm: Option<bool>,
}

/// R(x_bad, mask) → class logits.
#[derive(Module, Debug)]
pub struct Reader {
    c1: Conv2d,
    c2: Conv2d,
    c3: Conv2d,
    c4: Conv2d,
    fc: Linear,
    out: Linear,
    slope: f64,
    /// The pooled layout ([`ReaderConfig::pooled`]): 2×2 max pooling after c2 and c4, which
    /// then keep the grid; `None` in the strided layout.
    pool: Option<MaxPool2d>,
    /// Batch normalisation after c1…c4 ([`ReaderConfig::batch_norm`]); all `None` without.
    n1: Option<BatchNorm>,
    n2: Option<BatchNorm>,
    n3: Option<BatchNorm>,
    n4: Option<BatchNorm>,
}

fn conv(input: usize, output: usize, stride: usize, device: &Device) -> Conv2d {
    Conv2dConfig::new([input, output], [3, 3])
        .with_stride([stride, stride])
        .with_padding(PaddingConfig2d::Explicit(1, 1, 1, 1))
        .init(device)
}

impl ReaderConfig {
    /// The pooled layout (`pooled` = `Some(true)`; unset means strided).
    pub fn is_pooled(&self) -> bool {
        self.pooled == Some(true)
    }

    /// Batch normalisation after each convolution (`batch_norm` = `Some(true)`).
    pub fn has_batch_norm(&self) -> bool {
        self.batch_norm == Some(true)
    }

    pub fn init(&self, device: &Device) -> Reader {
        let w = self.width;
        // Pooled: levels (c1, c2) at W and (c3, c4) at 2W, stride 1; strided: c2 and c4 halve.
        let (mid, stride) = if self.is_pooled() { (w, 1) } else { (2 * w, 2) };
        let norm = |channels: usize| {
            self.has_batch_norm()
                .then(|| BatchNormConfig::new(channels).init(device))
        };
        Reader {
            n1: norm(w),
            n2: norm(mid),
            n3: norm(2 * w),
            n4: norm(2 * w),
            c1: conv(2, w, 1, device),
            c2: conv(w, mid, stride, device),
            c3: conv(mid, 2 * w, 1, device),
            c4: conv(2 * w, 2 * w, stride, device),
            fc: LinearConfig::new(2 * w * (SIDE / 4) * (SIDE / 4), self.hidden).init(device),
            out: LinearConfig::new(self.hidden, CLASSES).init(device),
            slope: self.slope,
            pool: self
                .is_pooled()
                .then(|| MaxPool2dConfig::new([2, 2]).init()),
        }
    }

    /// Refuses layouts no DigitGAN reader has (a tampered weights file must not allocate
    /// gigabytes).
    pub fn check(&self) -> crate::Result<()> {
        if self.width == 0 || self.width > 64 || self.hidden == 0 || self.hidden > 4096 {
            return Err(crate::Error::Weights(
                "unsupported reader layout (1–64 channels, 1–4096 hidden units)".into(),
            ));
        }
        if !self.slope.is_finite() {
            return Err(crate::Error::Weights("reader slope is not finite".into()));
        }
        Ok(())
    }
}

impl Reader {
    /// damaged: [B, 784] in [-1, 1]; mask: [B, 784], 1 = unknown (all 0 when blind or noisy)
    /// → class logits [B, 10].
    pub fn forward(&self, damaged: Tensor<2>, mask: Tensor<2>) -> Tensor<2> {
        self.logits(damaged, mask, None)
    }

    /// [`Reader::forward`] with an inverted-dropout mask [B, H] on the dense layer (training).
    fn logits(&self, damaged: Tensor<2>, mask: Tensor<2>, drop: Option<Tensor<2>>) -> Tensor<2> {
        // (Batch-normalised, then) activated: shapes as they come.
        let act = |t: Tensor<4>, norm: &Option<BatchNorm>| match norm {
            Some(norm) => crate::norm::batch_norm_leaky(norm, t, self.slope),
            None => leaky(t, self.slope),
        };
        let b = damaged.dims()[0];
        let x = Tensor::stack::<3>(vec![damaged, mask], 1).reshape([b, 2, SIDE, SIDE]); // [B, 2, 28, 28]
        let pool = |t: Tensor<4>| match &self.pool {
            Some(pool) => pool.forward(t),
            None => t,
        };
        let h = act(conv2d(&self.c1, x), &self.n1); // [B, W, 28, 28]
        let h = pool(act(conv2d(&self.c2, h), &self.n2)); // strided [B, 2W, 14, 14]; pooled [B, W, 14, 14]
        let h = act(conv2d(&self.c3, h), &self.n3); // [B, 2W, 14, 14]
        let h = pool(act(conv2d(&self.c4, h), &self.n4)); // [B, 2W, 7, 7]
        let [_, c, s1, s2] = h.dims();
        let h = leaky(self.fc.forward(h.reshape([b, c * s1 * s2])), self.slope); // [B, H]
        let h = match drop {
            Some(keep) => h * keep, // [B, H]
            None => h,
        };
        self.out.forward(h) // [B, 10]
    }

    /// Class probabilities [B, 10] for damaged digits as the restorer takes them.
    pub fn probabilities(&self, damaged: Tensor<2>, mask: Tensor<2>) -> Tensor<2> {
        softmax(self.forward(damaged, mask), 1)
    }
}

/// The mean of several readers' class probabilities [B, 10] (an ensemble; None without any
/// reader). Each reader runs in inference mode.
pub fn ensemble_probabilities(
    readers: &[Reader],
    damaged: Tensor<2>,
    mask: Tensor<2>,
) -> Option<Tensor<2>> {
    let sum = readers
        .iter()
        .map(|r| r.valid().probabilities(damaged.clone(), mask.clone()))
        .reduce(|a, b| a + b)?;
    Some(match readers.len() {
        1 => sum, // one reader: its probabilities as they are (no division on the restore path)
        n => sum / n as f32,
    })
}

/// How the reader is trained.
#[derive(Config, Debug, PartialEq)]
pub struct ReaderTrainConfig {
    #[config(default = "ReaderConfig::new()")]
    pub model: ReaderConfig,
    #[config(default = 4000)]
    pub steps: usize,
    #[config(default = 64)]
    pub batch_size: usize,
    /// Adam's learning rate, annealed to 0 along a half cosine over the run.
    #[config(default = 1e-3)]
    pub lr: f64,
    /// The damage mix (block, strokes, half, noise, s&p), as `TrainConfig::damage_weights`.
    #[config(default = "vec![1.0, 1.0, 1.0, 1.0, 1.0]")]
    pub damage_weights: Vec<f32>,
    /// Fraction of erasures shown without their mask (as the restorer is trained blind).
    #[config(default = 0.25)]
    pub blind_fraction: f32,
    /// The fraction of clean digits passed through the random transform T(x) before they are
    /// damaged (1 = every digit, as the shipped readers were trained; 0 = none). T(x) resamples,
    /// so its digits are slightly blurred where test digits are not.
    #[config(default = 1.0)]
    pub augment_fraction: f32,
    /// Dropout on the dense layer while training (0 = none, as the shipped reader was trained).
    #[config(default = 0.0)]
    pub dropout: f64,
}

/// Trains a reader on damaged versions of `data` ([0, 1] digits), damage made on the fly by the
/// restorer's own damage code, from `start` (a trained reader of `cfg.model`'s layout) or from
/// a seeded init. Returns it on the plain device.
pub fn train_reader(
    cfg: &ReaderTrainConfig,
    data: &Digits,
    seed: u64,
    start: Option<Reader>,
    mut progress: impl FnMut(usize, f32),
) -> Reader {
    let device = crate::train::train_device();
    let mut model = match start {
        Some(reader) => reader.fork(&device),
        None => crate::train::with_seeded_init(&device, seed, || cfg.model.init(&device)),
    };
    let mut opt = AdamConfig::new().init();
    let mut batcher = Batcher::new(data.len(), seed);
    let mut rng = StdRng::seed_from_u64(seed ^ 0x4ead);
    let ranges = AugmentConfig::new();
    let damage = TrainConfig::new()
        .with_damage_weights(cfg.damage_weights.clone())
        .with_blind_fraction(cfg.blind_fraction);
    let b = cfg.batch_size.max(1);
    for step in 0..cfg.steps {
        let batch = data.select(&batcher.next_indices(b));
        let images = ranges.augment_some(&batch.images, cfg.augment_fraction, &mut rng);
        let rows = crate::train::damaged_batch(&images, &damage, &mut rng);
        let drop = (cfg.dropout > 0.0).then(|| {
            let dims = [b, cfg.model.hidden];
            crate::train::dropout_mask(&mut rng, dims, cfg.dropout as f32, &device)
        });
        let logits = model.logits(
            tensor2(&rows.damaged, b, &device),
            tensor2(&rows.mask, b, &device),
            drop,
        );
        let loss = class_loss(logits, &batch.labels);
        let value = loss.clone().into_scalar::<f32>();
        let grads = GradientsParams::from_grads(loss.backward(), &model);
        let lr = crate::train::half_cosine(cfg.lr, step as u64, cfg.steps as u64);
        model = opt.step(lr, model, grads);
        progress(step, value);
    }
    model.valid()
}

/// Class probabilities for damaged [0, 1] digits and their masks (1 = unknown; None = blind):
/// the mean over `readers` (at least one).
pub fn read(
    readers: &[Reader],
    images: &[f32],
    masks: Option<&[f32]>,
    device: &Device,
) -> crate::Result<Vec<f32>> {
    let n = crate::restore::validate(images, masks)?;
    let device = &device.clone().inner();
    let mask = crate::restore::binary_mask(images.len(), masks);
    let x = tensor2(&crate::data::to_tanh_range(images), n, device);
    let p = ensemble_probabilities(readers, x, tensor2(&mask, n, device))
        .ok_or_else(|| crate::Error::Input("no reader to read with".into()))?;
    Ok(to_vec(p))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::PIXELS;

    #[test]
    fn the_reader_maps_a_damaged_batch_to_class_logits() {
        let device = Device::flex();
        // Seeded (under the init lock): an unlocked draw from burn's shared RNG here could
        // shift a concurrent test's seeded init.
        for pooled in [None, Some(true)] {
            for batch_norm in [None, Some(true)] {
                let cfg = ReaderConfig::new()
                    .with_width(4)
                    .with_hidden(8)
                    .with_pooled(pooled)
                    .with_batch_norm(batch_norm);
                let r = crate::train::with_seeded_init(&device, 1, || cfg.init(&device));
                let x = Tensor::<2>::zeros([3, PIXELS], &device);
                assert_eq!(
                    r.forward(x.clone(), x).dims(),
                    [3, CLASSES],
                    "pooled {pooled:?}, batch norm {batch_norm:?}"
                );
            }
        }
    }

    #[test]
    fn training_moves_the_batch_norm_statistics_the_reader_reads_with() {
        let data = crate::data::MnistSubset::bundled().train.take_per_class(5);
        let model = ReaderConfig::new()
            .with_width(2)
            .with_hidden(8)
            .with_batch_norm(Some(true));
        let cfg = ReaderTrainConfig::new()
            .with_model(model)
            .with_steps(3)
            .with_batch_size(8);
        let r = train_reader(&cfg, &data, 1, None, |_, _| {});
        for (i, norm) in [&r.n1, &r.n2, &r.n3, &r.n4].into_iter().enumerate() {
            let norm = norm
                .as_ref()
                .expect("a batch-normalised reader has its norms");
            let mean = crate::train::to_vec(norm.running_mean.value().unsqueeze());
            let var = crate::train::to_vec(norm.running_var.value().unsqueeze());
            assert!(
                mean.iter().any(|m| m.abs() > 1e-6),
                "n{}: mean {mean:?}",
                i + 1
            );
            assert!(
                var.iter().any(|v| (v - 1.0).abs() > 1e-6),
                "n{}: var {var:?}",
                i + 1
            );
        }
        let plain = ReaderConfig::new().with_width(2).with_hidden(8);
        let device = Device::flex();
        let r = crate::train::with_seeded_init(&device, 1, || plain.init(&device));
        assert!(r.n1.is_none() && r.n4.is_none(), "no norms unless asked");
    }
}
