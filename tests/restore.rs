//! Restoration with the pretrained weights: known pixels are kept, damage is repaired.

use digitgan::damage::{DamageKind, damage};
use digitgan::data::MnistSubset;
use digitgan::eval::psnr;
use digitgan::model::PIXELS;
use digitgan::restore::{LatentSearchConfig, latent_search, restore_network, restore_told};
use digitgan::train::train_device;
use digitgan::weights::Bundle;
use rand::{SeedableRng, rngs::StdRng};

fn mean_psnr(out: &[f32], clean: &[f32], masks: Option<&[f32]>) -> f64 {
    let n = out.len() / PIXELS;
    (0..n)
        .map(|i| {
            let r = |v: &[f32]| v[i * PIXELS..(i + 1) * PIXELS].to_vec();
            psnr(
                &r(out),
                &r(clean),
                masks.map(|m| &m[i * PIXELS..(i + 1) * PIXELS]),
            )
        })
        .sum::<f64>()
        / n as f64
}

#[test]
fn restorer_keeps_known_pixels_and_beats_the_damaged_input() {
    let device = train_device();
    let b = Bundle::pretrained(&device);
    let test = MnistSubset::bundled().test;
    let mut rng = StdRng::seed_from_u64(3);
    for kind in DamageKind::ALL {
        let (mut clean, mut damaged, mut masks) = (Vec::new(), Vec::new(), Vec::new());
        for i in (0..test.len()).step_by(15) {
            let d = damage(test.image(i), kind, &mut rng);
            clean.extend_from_slice(test.image(i));
            damaged.extend(d.image);
            masks.extend(d.mask.unwrap_or_else(|| vec![1.0; PIXELS]));
        }
        let mask = kind.is_erasure().then_some(masks.as_slice());
        let out = restore_told(&b.restorer, &b.readers, &damaged, mask, &device).unwrap();
        assert_eq!(out.len(), damaged.len());
        if kind.is_erasure() {
            for (i, (&o, &d)) in out.iter().zip(&damaged).enumerate() {
                if masks[i] < 0.5 {
                    assert_eq!(o, d, "{kind:?}: known pixel {i} changed");
                }
            }
        }
        let (before, after) = (
            mean_psnr(&damaged, &clean, mask),
            mean_psnr(&out, &clean, mask),
        );
        assert!(
            after > before + 1.0,
            "{kind:?}: PSNR {before:.2} → {after:.2} dB"
        );
    }
}

#[test]
fn latent_search_keeps_known_pixels_and_fills_the_hole() {
    let device = train_device();
    let b = Bundle::pretrained(&device);
    let test = MnistSubset::bundled().test;
    let mut rng = StdRng::seed_from_u64(4);
    let cfg = LatentSearchConfig::new().with_steps(60);
    let (mut gain, mut n) = (0.0, 0);
    for i in [5, 130, 260, 400, 555] {
        let clean = test.image(i);
        let d = damage(clean, DamageKind::Block, &mut rng);
        let mask = d.mask.as_deref().unwrap();
        let out = latent_search(
            &b.generator,
            &b.discriminator,
            &d.image,
            Some(mask),
            9,
            &cfg,
            &device,
        )
        .unwrap();
        for p in 0..PIXELS {
            if mask[p] < 0.5 {
                assert_eq!(out[p], d.image[p]);
            }
        }
        gain += psnr(&out, clean, Some(mask)) - psnr(&d.image, clean, Some(mask));
        n += 1;
    }
    assert!(
        gain / n as f64 > 1.0,
        "mean PSNR gain in the hole {:.2} dB",
        gain / n as f64
    );
    // Seeded: the same call gives the same digit.
    let d = damage(test.image(7), DamageKind::Half, &mut rng);
    let a = latent_search(
        &b.generator,
        &b.discriminator,
        &d.image,
        d.mask.as_deref(),
        1,
        &cfg,
        &device,
    )
    .unwrap();
    let a2 = latent_search(
        &b.generator,
        &b.discriminator,
        &d.image,
        d.mask.as_deref(),
        1,
        &cfg,
        &device,
    )
    .unwrap();
    assert_eq!(a, a2);
}

#[test]
fn bad_restore_inputs_are_errors_not_panics() {
    let device = train_device();
    let b = Bundle::pretrained(&device);
    assert!(restore_network(&b.restorer, &[0.0; 100], None, &device).is_err());
    assert!(restore_network(&b.restorer, &[f32::NAN; 784], None, &device).is_err());
    assert!(restore_network(&b.restorer, &[0.0; 784], Some(&[0.0; 783]), &device).is_err());
    assert!(restore_network(&b.restorer, &[2.0; 784], None, &device).is_err());
    // An empty canvas restores without error.
    assert_eq!(
        restore_network(&b.restorer, &[0.0; 784], None, &device)
            .unwrap()
            .len(),
        784
    );
}
