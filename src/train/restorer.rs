//! The restorer's side of training: the restorer-only step (with its optional learned D,
//! feature-matching and perceptual terms), the restorer's loss, and the damaged batches it
//! learns from (damage mix, blind rows, and the optional T(x), whole-pixel shifts and generated
//! digits that feed it new clean targets).

use super::*;
use crate::damage::{self, DamageKind};
use crate::data::{SIDE, elastic_pixels, shift_pixels};

impl Trainer {
    /// The restorer-only step (`train_gan` off): G and D stay as they are; R learns from
    /// adversarial + λ·L1 (+ class) losses through the fixed D (no dropout: D as at inference).
    pub(super) fn restorer_step(&mut self) -> StepStats {
        let b = self.config.batch_size.max(1);
        let idx = self.batcher.next_indices(b);
        let mut batch = self.data.select(&idx);
        self.replace_with_generated(&mut batch);
        let rows = damaged_batch(&batch.images, &self.config, &mut self.rng);
        let told = told_labels(
            &self.models.restorer,
            &self.config,
            &batch.labels,
            &mut self.rng,
            &self.device,
        );
        let (out, clean) = self.restorer_output(&rows, b, told);
        if self.config.restorer_trains_discriminator {
            self.discriminator_step_on_restored(&clean, &out, &batch.labels);
        }
        let d_fixed = self.models.discriminator.clone().no_grad(); // only R learns here
        let (logits, class_logits) = d_fixed.forward(out.clone(), None);
        let cfg = &self.config;
        let (mut loss, r_l1) = cfg.restorer_loss(
            logits,
            class_logits,
            out.clone(),
            clean.clone(),
            &batch.labels,
        );
        if let Some(c) = self
            .perceptual
            .as_ref()
            .filter(|_| cfg.restorer_perceptual_weight > 0.0)
        {
            let unit = |t: Tensor<2>| t.add_scalar(1.0).mul_scalar(0.5); // tanh range → [0, 1]
            let target = softmax(c.forward(unit(clean.clone())), 1).detach(); // [B, 10]
            let read = log_softmax(c.forward(unit(out.clone())), 1); // [B, 10]
            let ce = (target * read).sum_dim(1).neg().mean();
            loss = loss + ce.mul_scalar(cfg.restorer_perceptual_weight);
        }
        if cfg.restorer_feature_weight > 0.0 {
            let pairs = d_fixed
                .features(out)
                .into_iter()
                .zip(d_fixed.features(clean));
            for (f_out, f_clean) in pairs {
                let fm = (f_out - f_clean.detach()).abs().mean();
                loss = loss + fm.mul_scalar(cfg.restorer_feature_weight);
            }
        }
        let r_loss = loss.clone().into_scalar::<f32>();
        let mut grads = loss.backward();
        let r_grads = GradientsParams::from_module(&mut grads, &self.models.restorer);
        self.models.restorer = self.opt_r.step(
            cfg.restorer_lr_at(self.step),
            self.models.restorer.clone(),
            r_grads,
        );
        self.finish_step(StepStats {
            r_loss,
            r_l1,
            ..StepStats::default()
        })
    }
}

impl Trainer {
    /// One D step of the restorer-only phase: clean digits real, R's restorations fake (with D's
    /// dropout, as in the joint step), plus the class loss on the clean digits (conditional D).
    fn discriminator_step_on_restored(
        &mut self,
        clean: &Tensor<2>,
        out: &Tensor<2>,
        labels: &[u8],
    ) {
        let cfg = &self.config;
        let dev = self.device.clone();
        let b = labels.len();
        let input = Tensor::cat(vec![clean.clone(), out.clone().detach()], 0); // [2B, 784]
        let p = cfg.discriminator.dropout as f32;
        let (logits, class_logits) = {
            let mut masks = |dims: [usize; 2]| dropout_mask(&mut self.rng, dims, p, &dev);
            self.models.discriminator.forward(input, Some(&mut masks))
        };
        let real = logits.clone().narrow(0, 0, b); // [B, 1]
        let fake = logits.narrow(0, b, b); // [B, 1]
        let mut loss = real_loss(real, cfg.real_label) + softplus_stable(fake).mean();
        if let Some(cl) = class_logits {
            loss = loss + class_loss(cl.narrow(0, 0, b), labels).mul_scalar(cfg.class_weight);
        }
        let grads = GradientsParams::from_grads(loss.backward(), &self.models.discriminator);
        self.models.discriminator =
            self.opt_d
                .step(cfg.lr, self.models.discriminator.clone(), grads);
    }

    /// Replaces the last `restorer_generated_fraction` of `batch` with G's digits (labels kept
    /// in step: the digit G was asked for).
    fn replace_with_generated(&mut self, batch: &mut Digits) {
        let b = batch.len();
        let k =
            (self.config.restorer_generated_fraction.clamp(0.0, 1.0) * b as f32).round() as usize;
        if k == 0 {
            return;
        }
        let g = &self.models.generator;
        let z = uniform(&mut self.rng, k * g.latent());
        let labels: Vec<u8> = (0..k).map(|_| self.rng.random_range(0..10)).collect();
        let conditional = (g.classes() > 0).then_some(&labels[..]);
        let px = generate(g, &z, conditional, &self.device); // [k, 784] in [0, 1]
        batch.images[(b - k) * PIXELS..].copy_from_slice(&px);
        batch.labels[b - k..].copy_from_slice(&labels);
    }

    /// R's output on a damaged batch, and the clean digits: the raw output for every row, then
    /// the composite where the mask is known (blind rows see an all-zero mask but keep the whole
    /// raw output, as `restore_network` does). `told`: the classes a class-conditional R is
    /// told ([`told_labels`]).
    pub(super) fn restorer_output(
        &self,
        rows: &DamagedRows,
        b: usize,
        told: Option<Tensor<2>>,
    ) -> (Tensor<2>, Tensor<2>) {
        let dev = &self.device;
        let damaged = tensor2(&rows.damaged, b, dev);
        let raw = self.models.restorer.forward_told(
            damaged.clone(),
            tensor2(&rows.mask, b, dev),
            true,
            told,
        );
        let keep = tensor2(&rows.output_mask, b, dev); // 1 = take the restorer's pixel
        let out = raw * keep.clone() + damaged * (keep.neg() + 1.0); // [B, 784]
        (out, tensor2(&rows.clean, b, dev))
    }
}

/// One-hot labels for a class-conditional restorer, all zero ("not told") for a `dropout`
/// fraction of rows; None (and no RNG draw) for a restorer that takes no class. A free function
/// over the trainer's fields, so the training step can call it while it holds its config.
pub(super) fn told_labels(
    restorer: &Restorer,
    cfg: &TrainConfig,
    labels: &[u8],
    rng: &mut StdRng,
    device: &Device,
) -> Option<Tensor<2>> {
    let k = restorer.classes();
    if k == 0 {
        return None;
    }
    let lo = cfg.restorer_label_mix_min.clamp(0.0, 1.0);
    let mut v = vec![0.0f32; labels.len() * k];
    for (row, &y) in v.chunks_exact_mut(k).zip(labels) {
        let y = y as usize;
        if y >= k || rng.random::<f32>() < cfg.restorer_label_dropout {
            continue; // told nothing
        }
        row[y] = 1.0;
        // Draws only when blending is on, so one-hot-only runs keep their RNG stream.
        if cfg.restorer_label_mix > 0.0 && k > 1 && rng.random::<f32>() < cfg.restorer_label_mix {
            // Density ∝ w on lo..1: told (w, 1 − w), the true class is the w one with
            // probability w (for w in lo..1 − lo), so the blend is calibrated as a reader's
            // probabilities should be.
            let w = (lo * lo + (1.0 - lo * lo) * rng.random::<f32>()).sqrt();
            let other = (y + 1 + rng.random_range(0..k - 1)) % k; // any class but y
            row[y] = w;
            row[other] = 1.0 - w;
        }
    }
    Some(tensor2(&v, labels.len(), device))
}

impl TrainConfig {
    /// The restorer's loss from D's outputs on its restorations: adversarial + λ·L1 to the clean
    /// digits (+ the optional class term). Returns the loss and the L1 distance alone.
    pub(super) fn restorer_loss(
        &self,
        logits: Tensor<2>,
        class_logits: Option<Tensor<2>>,
        out: Tensor<2>,
        clean: Tensor<2>,
        labels: &[u8],
    ) -> (Tensor<1>, f32) {
        let l1 = (out - clean).abs().mean();
        let r_l1 = l1.clone().into_scalar::<f32>();
        let mut loss = softplus_stable(logits.neg()).mean() + l1.mul_scalar(self.l1_weight);
        if let Some(cl) = class_logits.filter(|_| self.restorer_class_weight > 0.0) {
            loss = loss + class_loss(cl, labels).mul_scalar(self.restorer_class_weight);
        }
        (loss, r_l1)
    }
}

/// A damaged training batch for the restorer, in the tanh range.
pub(crate) struct DamagedRows {
    pub(crate) damaged: Vec<f32>,
    /// The mask the restorer is given: the erasure mask, or all zero for blind rows.
    pub(crate) mask: Vec<f32>,
    /// Where the output is the restorer's: the erasure mask, or all one for blind rows.
    output_mask: Vec<f32>,
    clean: Vec<f32>,
}

/// The clean digits the restorer learns to restore (`TrainConfig::restorer_targets`). Each move
/// shows R digits it has not seen, against its train/test gap; none beat the digits as they are
/// (docs/experiments.md "Session 8" and "Session 9").
#[derive(Config, Debug, PartialEq)]
pub enum RestorerTargets {
    /// The training digits as they are.
    Digits,
    /// A random T(x) each (`TrainConfig::augment_ranges`).
    Transformed,
    /// A random whole-pixel shift each, of up to this many pixels on each axis
    /// ([`shift_pixels`]: no resampling blur).
    Shifted(usize),
    /// A random whole-pixel elastic warp each, of up to this many pixels ([`elastic_pixels`]).
    Warped(f32),
}

/// The clean digits moved to new ones before damage, per `cfg.restorer_targets`; None for the
/// digits as they are.
fn new_targets(images: &[f32], cfg: &TrainConfig, rng: &mut StdRng) -> Option<Vec<f32>> {
    let each = |f: &mut dyn FnMut(&[f32]) -> Vec<f32>| {
        Some(images.chunks_exact(PIXELS).flat_map(f).collect())
    };
    match cfg.restorer_targets {
        RestorerTargets::Digits => None,
        RestorerTargets::Transformed => Some(cfg.augment_ranges.augment_batch(images, rng)),
        RestorerTargets::Shifted(s) => {
            let s = s.min(SIDE / 2) as i32;
            each(&mut |image| {
                let (dx, dy) = (rng.random_range(-s..=s), rng.random_range(-s..=s));
                shift_pixels(image, dx, dy)
            })
        }
        RestorerTargets::Warped(max) => each(&mut |image| elastic_pixels(image, max, rng)),
    }
}

/// Damages each digit (`images`, [0, 1]; first moved by [`new_targets`] when asked) with a
/// random kind (`damage_weights`); noise and a fraction of erasures are blind.
pub(crate) fn damaged_batch(images: &[f32], cfg: &TrainConfig, rng: &mut StdRng) -> DamagedRows {
    let moved = new_targets(images, cfg, rng);
    let images = moved.as_deref().unwrap_or(images);
    let n = images.len();
    let mut rows = DamagedRows {
        damaged: Vec::with_capacity(n),
        mask: Vec::with_capacity(n),
        output_mask: Vec::with_capacity(n),
        clean: to_tanh_range(images),
    };
    // Decided once per batch: None = uniform (equal or unusable weights).
    let weights = weighted_damage(&cfg.damage_weights);
    for image in images.chunks_exact(PIXELS) {
        let kind = DamageKind::ALL[damage_kind_index(weights, rng)];
        let d = damage::damage(image, kind, rng);
        let is_blind = d.mask.is_none() || rng.random::<f32>() < cfg.blind_fraction;
        rows.damaged.extend(to_tanh_range(&d.image));
        match (&d.mask, is_blind) {
            (Some(m), false) => {
                rows.mask.extend_from_slice(m);
                rows.output_mask.extend_from_slice(m);
            }
            _ => {
                rows.mask.extend(std::iter::repeat_n(0.0, PIXELS));
                rows.output_mask.extend(std::iter::repeat_n(1.0, PIXELS));
            }
        }
    }
    rows
}

/// Checks `TrainConfig::damage_weights`: one non-negative finite weight per damage kind, not
/// all zero.
pub fn check_damage_weights(weights: &[f32]) -> Result<(), String> {
    let n = DamageKind::ALL.len();
    let valid = weights.len() == n && weights.iter().all(|w| w.is_finite() && *w >= 0.0);
    if valid && weights.iter().sum::<f32>() > 0.0 {
        Ok(())
    } else {
        Err(format!(
            "damage weights must be {n} non-negative numbers, not all zero, got {weights:?}"
        ))
    }
}

/// The weights to draw damage kinds by, or None for the uniform draw (equal weights, or weights
/// [`check_damage_weights`] refuses).
fn weighted_damage(weights: &[f32]) -> Option<&[f32]> {
    let uniform = weights.iter().all(|w| *w == weights[0]);
    (check_damage_weights(weights).is_ok() && !uniform).then_some(weights)
}

/// A damage kind's index drawn by `weights` (None: uniform, with the same RNG draws as before the
/// weights existed).
fn damage_kind_index(weights: Option<&[f32]>, rng: &mut StdRng) -> usize {
    let Some(weights) = weights else {
        return rng.random_range(0..DamageKind::ALL.len());
    };
    let mut u = rng.random::<f32>() * weights.iter().sum::<f32>();
    for (i, w) in weights.iter().enumerate() {
        if u < *w {
            return i;
        }
        u -= w;
    }
    weights.iter().rposition(|w| *w > 0.0).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::{RestorerTargets, damage_kind_index, damaged_batch, told_labels, weighted_damage};
    use crate::data::shift_pixels;
    use crate::data::{MnistSubset, to_tanh_range};
    use crate::train::{TrainConfig, Trainer};
    use rand::{Rng, SeedableRng, rngs::StdRng};

    /// Told labels: one-hots by default (their RNG stream as before blending existed); with
    /// `restorer_label_mix` = 1 every told row is a two-class blend that sums to 1 and gives
    /// the true class at least `restorer_label_mix_min`; dropped rows stay empty.
    #[test]
    fn told_labels_blend_the_true_class_with_another() {
        use crate::model::RestorerConfig;
        let device = crate::train::train_device();
        let cfg = RestorerConfig::unet()
            .with_conv(Some(2))
            .with_conv_classes(Some(10));
        // Seeded, as every init in the test binary (see `with_seeded_init`).
        let restorer = crate::train::with_seeded_init(&device, 1, || cfg.init(&device));
        let labels: Vec<u8> = (0..400).map(|i| (i % 10) as u8).collect();
        let rows = |cfg: &TrainConfig, seed: u64| {
            let told = told_labels(
                &restorer,
                cfg,
                &labels,
                &mut StdRng::seed_from_u64(seed),
                &device,
            );
            told.expect("a conditional restorer is told labels")
                .into_data()
                .try_into_vec::<f32>()
                .unwrap()
        };
        let plain = rows(&TrainConfig::new(), 3);
        let mut rng = StdRng::seed_from_u64(3);
        for (row, &y) in plain.chunks(10).zip(&labels) {
            let told = rng.random::<f32>() >= 0.1; // the one draw per row of one-hot labels
            let want: Vec<f32> = (0..10)
                .map(|c| (told && c == y as usize) as u8 as f32)
                .collect();
            assert_eq!(row, want);
        }
        let cfg = TrainConfig::new()
            .with_restorer_label_mix(1.0)
            .with_restorer_label_mix_min(0.3);
        let mixed = rows(&cfg, 3);
        let (mut empty, mut below_half) = (0, 0);
        for (row, &y) in mixed.chunks(10).zip(&labels) {
            let sum: f32 = row.iter().sum();
            if sum == 0.0 {
                empty += 1;
                continue;
            }
            assert!((sum - 1.0).abs() < 1e-6, "{row:?}");
            assert!(row[y as usize] >= 0.3, "{row:?}");
            assert!(row.iter().filter(|&&v| v > 0.0).count() <= 2, "{row:?}");
            below_half += (row[y as usize] < 0.5) as usize;
        }
        assert!(
            (20..=70).contains(&empty),
            "label dropout 0.1 of 400 rows: {empty}"
        );
        // Density ∝ w on 0.3..1 puts (0.25 − 0.09) / (1 − 0.09) ≈ 18% of the ~360 blends under 0.5.
        assert!(
            (35..=100).contains(&below_half),
            "{below_half} of ~360 under 0.5"
        );
    }

    /// With `Transformed` or `Warped` targets the restorer learns from moved digits (still in the
    /// tanh range), not the training digits themselves; with `Digits` from the digits.
    #[test]
    fn moved_targets_replace_the_clean_digits() {
        let images = MnistSubset::bundled().train.take_per_class(1).images;
        let rows = |targets: RestorerTargets| {
            let cfg = TrainConfig::new().with_restorer_targets(targets);
            damaged_batch(&images, &cfg, &mut StdRng::seed_from_u64(1))
        };
        let plain = rows(RestorerTargets::Digits);
        assert_eq!(plain.clean, to_tanh_range(&images));
        for targets in [RestorerTargets::Transformed, RestorerTargets::Warped(1.5)] {
            let moved = rows(targets.clone());
            assert_eq!(moved.clean.len(), plain.clean.len());
            let pairs = plain.clean.chunks(784).zip(moved.clean.chunks(784));
            let changed = pairs.filter(|(a, b)| a != b).count();
            assert!(changed >= 9, "{targets:?}: {changed} of 10 moved");
            assert!(moved.clean.iter().all(|v| (-1.0..=1.0).contains(v)));
        }
    }

    /// Whole-pixel shifts move ink without changing it; `RestorerTargets::Shifted` feeds shifted
    /// targets.
    #[test]
    fn restorer_shift_moves_whole_pixels() {
        let images = MnistSubset::bundled().train.take_per_class(1).images;
        let digit = &images[..784];
        let moved = shift_pixels(digit, 2, -1);
        assert_eq!(
            shift_pixels(&moved, -2, 1),
            digit,
            "the margin keeps every ink pixel"
        );
        let sum = |v: &[f32]| v.iter().sum::<f32>();
        assert_eq!(sum(&moved), sum(digit));
        let cfg = TrainConfig::new().with_restorer_targets(RestorerTargets::Shifted(2));
        let rows = damaged_batch(&images, &cfg, &mut StdRng::seed_from_u64(1));
        let clean = to_tanh_range(&images);
        let moved = rows.clean.chunks(784).zip(clean.chunks(784));
        assert!(
            moved.filter(|(a, b)| a != b).count() >= 6,
            "most digits shifted"
        );
    }

    /// `restorer_generated_fraction` swaps the tail of a batch for G's digits, in [0, 1].
    #[test]
    fn generated_digits_replace_the_tail_of_a_restorer_batch() {
        let data = MnistSubset::bundled().train.take_per_class(1);
        let config = TrainConfig::new().with_restorer_generated_fraction(0.3);
        let mut t = Trainer::new(config, data.clone(), 1); // seeded init (Models::init)
        let mut batch = data.clone();
        t.replace_with_generated(&mut batch);
        let rows = |d: &crate::data::Digits| {
            d.images
                .chunks(784)
                .map(<[f32]>::to_vec)
                .collect::<Vec<_>>()
        };
        let (before, after) = (rows(&data), rows(&batch));
        assert_eq!(before[..7], after[..7], "the first 70% kept");
        assert!(
            (7..10).all(|i| before[i] != after[i]),
            "the last 3 of 10 generated"
        );
        assert!(batch.images.iter().all(|v| (0.0..=1.0).contains(v)));
        assert!(batch.labels.iter().all(|&l| l < 10));
    }

    #[test]
    fn damage_weights_pick_kinds_in_proportion() {
        let mut rng = StdRng::seed_from_u64(1);
        let only = |i: usize| {
            (0..5)
                .map(|k| if k == i { 1.0 } else { 0.0 })
                .collect::<Vec<_>>()
        };
        for i in 0..5 {
            let w = only(i);
            assert!((0..50).all(|_| damage_kind_index(weighted_damage(&w), &mut rng) == i));
        }
        let mut counts = [0usize; 5];
        for _ in 0..10_000 {
            counts[damage_kind_index(weighted_damage(&[3.0, 1.0, 2.0, 1.0, 1.0]), &mut rng)] += 1;
        }
        let want = [3750, 1250, 2500, 1250, 1250];
        for (c, w) in counts.iter().zip(want) {
            assert!(c.abs_diff(w) < 250, "{counts:?}");
        }
        // Equal weights draw exactly as the uniform choice did before the weights existed.
        let (mut a, mut b) = (StdRng::seed_from_u64(2), StdRng::seed_from_u64(2));
        for _ in 0..100 {
            assert_eq!(
                damage_kind_index(weighted_damage(&[2.0; 5]), &mut a),
                b.random_range(0..5)
            );
        }
    }
}
