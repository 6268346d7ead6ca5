//! A short training run on the real bundled digits behaves like a GAN and learns something.

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
