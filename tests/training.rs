//! A short training run on the real bundled digits behaves like a GAN and learns something.

use burn::prelude::*;
use digitgan::data::MnistSubset;
use digitgan::eval::classify;
use digitgan::train::{TrainConfig, Trainer, generate, train_device, uniform};
use digitgan::weights::Bundle;
use rand::{Rng, SeedableRng, rngs::StdRng};

fn mean(v: impl Iterator<Item = f32>) -> f32 {
    let v: Vec<f32> = v.collect();
    v.iter().sum::<f32>() / v.len() as f32
}

#[test]
fn gan_losses_move_and_samples_beat_noise_on_the_reference_classifier() {
    let data = MnistSubset::bundled();
    let config = TrainConfig::new().with_train_restorer(false);
    let mut t = Trainer::new(config, data.train.clone(), 11);
    let stats: Vec<_> = (0..600).map(|_| t.step()).collect();
    assert!(stats.iter().all(|s| s.is_finite()));
    let first = &stats[..20];
    let last = &stats[stats.len() - 100..];
    // D separates real from fake without winning outright.
    let (d_real, d_fake) = (
        mean(last.iter().map(|s| s.d_real)),
        mean(last.iter().map(|s| s.d_fake)),
    );
    assert!(d_real > d_fake, "D(x) {d_real} vs D(G(z)) {d_fake}");
    assert!(
        d_fake > 0.02 && d_real < 0.99,
        "D has not won outright: {d_real} / {d_fake}"
    );
    // Losses move: D's class loss falls as its head learns real digits; G's is not constant.
    assert!(mean(last.iter().map(|s| s.d_loss)) < mean(first.iter().map(|s| s.d_loss)));
    let g: Vec<f32> = last.iter().map(|s| s.g_loss).collect();
    assert!(g.iter().any(|&x| (x - g[0]).abs() > 1e-3));

    // Samples: the pretrained reference classifier recognises the requested digit far above chance,
    // and is more confident on them than on noise.
    let device = train_device();
    let classifier = Bundle::pretrained(&device).classifier;
    let mut rng = StdRng::seed_from_u64(2);
    let n = 200;
    let labels: Vec<u8> = (0..n).map(|i| (i % 10) as u8).collect();
    let samples = generate(
        &t.models.generator,
        &uniform(&mut rng, n * 100),
        Some(&labels),
        &device,
    );
    let (pred, conf) = classify(&classifier, &samples, &device);
    let agree = pred.iter().zip(&labels).filter(|(a, b)| a == b).count() as f32 / n as f32;
    let noise: Vec<f32> = (0..n * 784)
        .map(|_| if rng.random::<f32>() < 0.15 { 1.0 } else { 0.0 })
        .collect();
    let (_, noise_conf) = classify(&classifier, &noise, &device);
    let (c_s, c_n) = (mean(conf.into_iter()), mean(noise_conf.into_iter()));
    assert!(agree > 0.3, "label agreement {agree}");
    assert!(c_s > c_n, "confidence on samples {c_s} vs noise {c_n}");
}

#[test]
fn the_restorer_gets_better_at_filling_holes_as_it_trains() {
    use digitgan::damage::{DamageKind, damage};
    use digitgan::eval::psnr;
    use digitgan::restore::restore_network;
    let data = MnistSubset::bundled();
    let device = train_device();
    let mut rng = StdRng::seed_from_u64(8);
    let idx: Vec<usize> = (0..data.test.len()).step_by(6).collect();
    let clean = data.test.select(&idx);
    let (mut damaged, mut masks) = (Vec::new(), Vec::new());
    for i in 0..clean.len() {
        let d = damage(clean.image(i), DamageKind::Block, &mut rng);
        damaged.extend(d.image);
        masks.extend(d.mask.unwrap());
    }
    let hole_psnr = |t: &Trainer| {
        let out = restore_network(&t.models.restorer, &damaged, Some(&masks), &device).unwrap();
        (0..clean.len())
            .map(|i| {
                let r = i * 784..(i + 1) * 784;
                psnr(&out[r.clone()], clean.image(i), Some(&masks[r]))
            })
            .sum::<f64>()
            / clean.len() as f64
    };
    let mut t = Trainer::new(
        TrainConfig::new().with_augment(false),
        data.train.clone(),
        5,
    );
    let before = hole_psnr(&t);
    let stats: Vec<_> = (0..200).map(|_| t.step()).collect();
    assert!(stats.iter().all(|s| s.is_finite() && s.r_l1 > 0.0));
    let after = hole_psnr(&t);
    assert!(
        after > before + 0.5,
        "PSNR in the hole {before:.2} → {after:.2} dB"
    );
}

/// What each phase trains: `train_gan` off freezes G and D (restorer-only; D learns again with
/// `restorer_trains_discriminator`); `train_generator` off freezes G only (D and R keep training
/// against each other).
#[test]
fn frozen_networks_stay_frozen_in_each_phase() {
    use digitgan::restore::restore_network;
    use digitgan::train::{Models, tensor2, to_vec};
    let data = MnistSubset::bundled();
    let device = train_device();
    let z = uniform(&mut StdRng::seed_from_u64(1), 8 * 100);
    let probe = data.test.select(&[0, 1, 2, 3]).images;
    let outputs = |m: &Models| {
        let g = generate(&m.generator, &z, None, &device);
        let x = tensor2(&probe, 4, &device.clone().inner());
        let d = to_vec(m.discriminator.valid().forward(x, None).0);
        let r = restore_network(&m.restorer, &probe, None, &device).unwrap();
        (g, d, r)
    };
    let train = data.train.take_per_class(20);
    let start = Bundle::pretrained(&device);
    let models = Models {
        generator: start.generator,
        discriminator: start.discriminator,
        restorer: start.restorer,
    };
    let before = outputs(&models);
    let run = |config: TrainConfig| {
        let mut t =
            Trainer::with_models(config.with_batch_size(16), models.clone(), train.clone(), 3);
        for _ in 0..3 {
            assert!(t.step().is_finite());
        }
        outputs(&t.models)
    };
    let (g, d, r) = run(TrainConfig::new().with_train_gan(false));
    assert_eq!(
        (&g, &d),
        (&before.0, &before.1),
        "restorer-only: G and D unchanged"
    );
    assert_ne!(r, before.2, "restorer-only: R learns");
    let learned_d = TrainConfig::new()
        .with_train_gan(false)
        .with_restorer_trains_discriminator(true);
    let (g, d, r) = run(learned_d);
    assert_eq!(g, before.0, "restorer-only, D learning: G unchanged");
    assert_ne!(d, before.1, "restorer-only, D learning: D learns");
    assert_ne!(r, before.2, "restorer-only, D learning: R learns");
    let (g, d, r) = run(TrainConfig::new().with_train_generator(false));
    assert_eq!(g, before.0, "G frozen: G unchanged");
    assert_ne!(d, before.1, "G frozen: D learns");
    assert_ne!(r, before.2, "G frozen: R learns");
    let (g, d, _) = run(TrainConfig::new());
    assert_ne!((g, d), (before.0, before.1), "the default trains G and D");
}

/// The first restorer-only step on 20 digits per class from the pretrained networks, for
/// comparing loss terms on one batch. Decodes the weights and data once for all its runs.
struct FirstRestorerStep {
    models: digitgan::train::Models,
    classifier: digitgan::model::Classifier,
    train: digitgan::data::Digits,
}

impl FirstRestorerStep {
    fn new() -> Self {
        let start = Bundle::pretrained(&train_device());
        Self {
            models: digitgan::train::Models {
                generator: start.generator,
                discriminator: start.discriminator,
                restorer: start.restorer,
            },
            classifier: start.classifier,
            train: MnistSubset::bundled().train.take_per_class(20),
        }
    }

    /// The step with the config `tweak` makes and, with `perceptual`, the pretrained classifier
    /// as the perceptual term's auxiliary classifier.
    fn run(
        &self,
        tweak: impl Fn(TrainConfig) -> TrainConfig,
        perceptual: bool,
    ) -> digitgan::train::StepStats {
        let config = tweak(TrainConfig::new().with_train_gan(false).with_batch_size(16));
        let mut t = Trainer::with_models(config, self.models.clone(), self.train.clone(), 4);
        if perceptual {
            t = t.with_perceptual(self.classifier.clone());
        }
        t.step()
    }
}

/// The restorer-only phase's feature-matching term adds a positive loss on the same batch; it
/// leaves the L1 part alone.
#[test]
fn the_feature_matching_term_adds_to_the_restorer_loss() {
    let steps = FirstRestorerStep::new();
    let first_step = |w: f32| steps.run(|c| c.with_restorer_feature_weight(w), false);
    let (plain, matched) = (first_step(0.0), first_step(10.0));
    assert_eq!(plain.r_l1, matched.r_l1, "same batch, same restorer");
    assert!(
        matched.r_loss > plain.r_loss + 1e-3,
        "feature term: {} vs {}",
        matched.r_loss,
        plain.r_loss
    );
}

/// The perceptual term (an auxiliary classifier's cross-entropy from its reading of the clean
/// digit to its reading of the restored one) adds a positive loss on the same batch when it has
/// a classifier and a weight, and nothing when either is missing.
#[test]
fn the_perceptual_term_adds_to_the_restorer_loss_only_when_set() {
    let steps = FirstRestorerStep::new();
    let first_step =
        |w: f32, classifier: bool| steps.run(|c| c.with_restorer_perceptual_weight(w), classifier);
    let plain = first_step(0.0, false);
    let with = first_step(5.0, true);
    assert_eq!(plain.r_l1, with.r_l1, "same batch, same restorer");
    assert!(
        with.r_loss > plain.r_loss + 1e-4,
        "{} vs {}",
        with.r_loss,
        plain.r_loss
    );
    assert_eq!(first_step(0.0, true).r_loss, plain.r_loss, "weight 0: off");
    assert_eq!(
        first_step(5.0, false).r_loss,
        plain.r_loss,
        "no classifier: off"
    );
}

#[test]
fn the_restorer_lr_anneals_to_zero_along_a_half_cosine_only_when_asked() {
    let constant = TrainConfig::new().with_restorer_lr(1e-3);
    assert_eq!(constant.restorer_lr_at(0), 1e-3);
    assert_eq!(constant.restorer_lr_at(1_000_000), 1e-3);
    let cosine = constant.with_restorer_lr_decay_steps(100);
    assert!((cosine.restorer_lr_at(0) - 1e-3).abs() < 1e-12);
    assert!((cosine.restorer_lr_at(50) - 5e-4).abs() < 1e-12);
    assert!(cosine.restorer_lr_at(25) > cosine.restorer_lr_at(75));
    assert_eq!(cosine.restorer_lr_at(100), 0.0);
    assert_eq!(cosine.restorer_lr_at(500), 0.0);
}
