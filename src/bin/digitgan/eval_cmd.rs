//! `digitgan eval`: generation quality and restoration against non-learned baselines.

use digitgan::damage::{DamageKind, damage};
use digitgan::data::MnistSubset;
use digitgan::error::{Error, Result};
use digitgan::eval::{
    ClassifierTrainConfig, classify, features, frechet_distance, psnr, train_classifier,
};
use digitgan::model::PIXELS;
use digitgan::restore::{LatentSearchConfig, latent_search, restore_as, restore_told};
use digitgan::train::{generate, train_device, uniform};
use digitgan::weights::Bundle;
use rand::{SeedableRng, rngs::StdRng};
use serde_json::json;
use std::borrow::Cow;
use std::path::PathBuf;

use crate::targets::{DamageRow, Score};

/// What `digitgan eval` measures and how much of it.
pub struct EvalOptions {
    /// Generated digits scored (at least 10).
    pub n: usize,
    /// Damaged test digits per damage type.
    pub restore_n: usize,
    /// Of those, how many also get the (slow) latent search.
    pub latent_n: usize,
    pub latent: LatentSearchConfig,
    pub seed: u64,
    /// Also write the scores here as JSON.
    pub json: Option<PathBuf>,
    /// Also train and score a classifier on damaged digits directly.
    pub damaged_reference: bool,
    /// Which digits are damaged and restored.
    pub split: RestoreSplit,
}

/// The digits `eval` damages and restores.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum RestoreSplit {
    /// The test split, where the core issue's targets are read.
    Test,
    /// The first 60 training digits of each class: how much the restorer has learnt by heart.
    Training,
    /// The training digits after the first K of each class, held out from weights trained with
    /// `train --per-class K`: a validation split to choose among candidates without the test
    /// split. The nearest-digit baseline then searches only the first K of each class.
    Validation(usize),
}

pub fn run(b: &Bundle, o: &EvalOptions) -> Result<()> {
    let EvalOptions {
        n,
        restore_n,
        latent_n,
        latent: ref latent_cfg,
        seed,
        ref json,
        damaged_reference,
        split: which,
    } = *o;
    let json_out = json.as_deref();
    if n < 10 || restore_n == 0 {
        return Err(Error::Input(
            "eval needs --n of at least 10 and --restore-n of at least 1".into(),
        ));
    }
    let device = train_device();
    let data = MnistSubset::bundled();
    let acc = |imgs: &[f32], labels: &[u8]| {
        let (pred, _) = classify(&b.classifier, imgs, &device);
        pred.iter().zip(labels).filter(|(a, b)| a == b).count() as f64 / labels.len().max(1) as f64
    };
    let clean_acc = acc(&data.test.images, &data.test.labels);
    println!(
        "reference classifier: test accuracy {:.1}% ({} digits)",
        100.0 * clean_acc,
        data.test.len()
    );

    // ---- The digits to restore (checked before the slow parts), and the training digits the
    // nearest-digit baseline searches: all of them, except the first K of each class when the
    // other ones are the validation split.
    let (split, split_name, train_t) = match which {
        RestoreSplit::Test => (
            Cow::Borrowed(&data.test),
            "test",
            Cow::Borrowed(&data.train),
        ),
        RestoreSplit::Training => (
            Cow::Owned(data.train.take_per_class(60)),
            "training",
            Cow::Borrowed(&data.train),
        ),
        RestoreSplit::Validation(k) => {
            let t = data.train.after_per_class(k);
            if t.is_empty() {
                return Err(Error::Input(format!(
                    "--validation {k}: no training digit comes after the first {k} of each class"
                )));
            }
            (
                Cow::Owned(t),
                "validation",
                Cow::Owned(data.train.take_per_class(k)),
            )
        }
    };
    let split_acc = match which {
        RestoreSplit::Test => clean_acc,
        _ => acc(&split.images, &split.labels),
    };
    let train_t = train_t.as_ref();

    // ---- Generation.
    let mut rng = StdRng::seed_from_u64(seed);
    let z = uniform(&mut rng, n * b.arch.generator.latent);
    let labels: Vec<u8> = (0..n).map(|i| (i % 10) as u8).collect();
    let generated = generate(&b.generator, &z, Some(&labels), &device);
    let (pred, conf) = classify(&b.classifier, &generated, &device);
    let confident = conf.iter().filter(|&&c| c > 0.9).count() as f64 / n as f64;
    let mut hist = [0usize; 10];
    pred.iter().for_each(|&p| hist[p as usize] += 1);
    let agree = pred.iter().zip(&labels).filter(|(a, b)| a == b).count() as f64 / n as f64;
    let mut agree_per_class = [0f64; 10];
    for (p, l) in pred.iter().zip(&labels) {
        if p == l {
            agree_per_class[*l as usize] += 10.0 / n as f64;
        }
    }
    let test_f = features(&b.classifier, &data.test.images, &device);
    let fd_gen = frechet_distance(&features(&b.classifier, &generated, &device), &test_f);
    let train_sample = data
        .train
        .select(&(0..data.train.len()).step_by(7).collect::<Vec<_>>());
    let fd_ref = frechet_distance(
        &features(&b.classifier, &train_sample.images, &device),
        &test_f,
    );
    println!("\ngenerated digits ({n}):");
    println!("  classifier confidence > 0.9: {:.1}%", 100.0 * confident);
    println!("  predicted class counts:      {hist:?}");
    if b.arch.generator.classes > 0 {
        println!(
            "  label agreement (requested): {:.1}%  per class {:?}",
            100.0 * agree,
            agree_per_class
                .iter()
                .map(|a| (a * 1000.0).round() / 10.0)
                .collect::<Vec<_>>()
        );
    }
    println!(
        "  Fréchet distance to test:    {fd_gen:.2}  (train vs test: {fd_ref:.2}, ratio {:.2})",
        fd_gen / fd_ref
    );

    // ---- Restoration.
    println!(
        "\nrestoration on {restore_n} {split_name} digits per damage (PSNR dB in the hole, whole image for noise; accuracy %):"
    );
    println!(
        "  {:<12} {:>16} {:>16} {:>16} {:>16} {:>16} {:>16}",
        "damage", "damaged", "nearest", "median3", "restorer", "restorer-blind", "latent"
    );
    let mut reference_rows = Vec::new();
    let mut reader_rows = Vec::new();
    let mut rows = Vec::new();
    for kind in DamageKind::ALL {
        let (clean, damaged, masks) = digitgan::eval::damaged_set(&split, kind, restore_n, seed);
        let region = |i: usize| -> Option<&[f32]> {
            kind.is_erasure()
                .then(|| &masks[i * PIXELS..(i + 1) * PIXELS])
        };
        let mask_arg = kind.is_erasure().then_some(masks.as_slice());
        let score = |out: &[f32], count: usize| {
            let p: f64 = (0..count)
                .map(|i| {
                    psnr(
                        &out[i * PIXELS..(i + 1) * PIXELS],
                        clean.image(i),
                        region(i),
                    )
                    .min(60.0)
                })
                .sum::<f64>()
                / count as f64;
            Score {
                psnr: p,
                accuracy: acc(&out[..count * PIXELS], &clean.labels[..count]),
            }
        };
        let all = clean.len();
        let restored = |masks: Option<&[f32]>| -> Result<Score> {
            let out = restore_told(&b.restorer, &b.readers, &damaged, masks, &device)?;
            Ok(score(&out, all))
        };
        let ln = latent_n.min(all);
        let latent = (ln > 0).then(|| -> Result<Score> {
            let mut out = Vec::new();
            for i in 0..ln {
                let m = mask_arg.map(|m| &m[i * PIXELS..(i + 1) * PIXELS]);
                out.extend(latent_search(
                    &b.generator,
                    &b.discriminator,
                    &damaged[i * PIXELS..(i + 1) * PIXELS],
                    m,
                    seed + i as u64,
                    latent_cfg,
                    &device,
                )?);
            }
            Ok(score(&out, ln))
        });
        let row = DamageRow {
            damage: kind.name(),
            damaged: score(&damaged, all),
            nearest: score(
                &nearest_paste(&damaged, &masks, kind.is_erasure(), train_t, &device),
                all,
            ),
            median3: (!kind.is_erasure()).then(|| score(&median3(&damaged), all)),
            restorer: restored(mask_arg)?,
            restorer_blind: kind.is_erasure().then(|| restored(None)).transpose()?,
            latent: latent.transpose()?,
        };
        let cells = row.methods().map(|(_, s)| {
            let cell = s.map_or("-".to_string(), |s| {
                format!("{:6.2} / {:5.1}", s.psnr, 100.0 * s.accuracy)
            });
            format!("{cell:>16}")
        });
        println!("  {:<12} {}", kind.name(), cells.join(" "));
        rows.push(row);
        if !b.readers.is_empty() {
            let accuracy = |readers: &[digitgan::reader::Reader]| -> Result<f64> {
                let read = digitgan::reader::read(readers, &damaged, mask_arg, &device)?;
                let (pred, _) = digitgan::eval::most_likely(&read);
                let right = pred.iter().zip(&clean.labels).filter(|(a, b)| a == b);
                Ok(right.count() as f64 / clean.len().max(1) as f64)
            };
            // The ensemble's accuracy, then each reader's alone (when there are several).
            let mut reader_acc = vec![accuracy(&b.readers)?];
            if b.readers.len() > 1 {
                for r in b.readers.chunks(1) {
                    reader_acc.push(accuracy(r)?);
                }
            }
            // The ceiling of a perfect reader: the restorer told the true classes.
            let k = b.restorer.classes();
            let truth = (k > 0).then(|| -> Result<Score> {
                let onehot = digitgan::train::onehot_values(&clean.labels, k);
                let out = restore_as(&b.restorer, Some(&onehot), &damaged, mask_arg, &device)?;
                Ok(score(&out, all))
            });
            reader_rows.push((kind.name(), reader_acc, truth.transpose()?));
        }
        if damaged_reference {
            // Trained on the digits the nearest baseline searches: with `--validation K`, not
            // on the validation digits themselves.
            let a =
                damaged_reference_accuracy(kind, train_t, &damaged, &masks, &clean.labels, seed);
            reference_rows.push((kind.name(), a));
        }
    }
    if !reader_rows.is_empty() {
        println!(
            "\nthe weights' reader (CNN on damaged digits + mask; with several, their mean and then each alone) on the damaged digits; the restorer told the true class:"
        );
        for (name, a, truth) in &reader_rows {
            let truth = truth.map_or("-".into(), |t| {
                format!("{:6.2} / {:5.1}", t.psnr, 100.0 * t.accuracy)
            });
            let alone = a[1..].iter().map(|a| format!(" {:5.1}%", 100.0 * a));
            let alone = match a.len() {
                1 => String::new(),
                _ => format!("   (alone:{})", alone.collect::<String>()),
            };
            println!("  {name:<12} {:5.1}%   {truth:>16}{alone}", 100.0 * a[0]);
        }
    }
    if !reference_rows.is_empty() {
        println!(
            "\nclassifier of the same size trained on damaged digits (mask marked −1), on the damaged test digits:"
        );
        for (name, a) in &reference_rows {
            println!("  {name:<12} {:5.1}%", 100.0 * a);
        }
    }
    println!(
        "  (clean accuracy {:.1}%; latent search on the first {} digits of each)",
        100.0 * split_acc,
        latent_n.min(restore_n)
    );
    // The targets hold for the test split (on other digits they would mislead).
    let targets = (which == RestoreSplit::Test)
        .then(|| crate::targets::report(clean_acc, fd_gen / fd_ref, &rows, restore_n));
    if let Some(path) = json_out {
        let j = json!({
            "targets": targets,
            "classifier_test_accuracy": clean_acc,
            "generated": { "n": n, "confident_fraction": confident, "class_counts": hist, "label_agreement": agree,
                "label_agreement_per_class": agree_per_class, "frechet": fd_gen, "frechet_train_vs_test": fd_ref },
            "restoration": rows.iter().map(DamageRow::to_json).collect::<Vec<_>>(),
            "reader_accuracy": reader_rows.iter().map(|(k, a, _)| json!({ "damage": k, "accuracy": a[0], "alone": &a[1..] })).collect::<Vec<_>>(),
            "damaged_reference_accuracy": reference_rows.iter().map(|(k, a)| json!({ "damage": k, "accuracy": a })).collect::<Vec<_>>(),
        });
        digitgan::files::write_json(path, &j)?;
    }
    Ok(())
}

/// Accuracy on the damaged test digits of a classifier of the reference's size trained directly
/// on damaged training digits of the same kind (4 damaged copies of each). It sees what the
/// restorer sees: unknown pixels are marked −1 (distinct from background 0) when the damage has
/// a mask. A yardstick for what a restorer judged by a classifier can reach, not a bound.
fn damaged_reference_accuracy(
    kind: DamageKind,
    train: &digitgan::data::Digits,
    damaged_test: &[f32],
    test_masks: &[f32],
    labels: &[u8],
    seed: u64,
) -> f64 {
    let marked = |image: &[f32], mask: Option<&[f32]>| -> Vec<f32> {
        match mask {
            Some(m) => image
                .iter()
                .zip(m)
                .map(|(&v, &u)| if u > 0.5 { -1.0 } else { v })
                .collect(),
            None => image.to_vec(),
        }
    };
    let mut rng = StdRng::seed_from_u64(seed ^ 0xdead ^ kind as u64);
    let mut set = digitgan::data::Digits {
        images: Vec::with_capacity(4 * train.images.len()),
        labels: Vec::with_capacity(4 * train.len()),
    };
    for _ in 0..4 {
        for i in 0..train.len() {
            let d = damage(train.image(i), kind, &mut rng);
            set.images.extend(marked(&d.image, d.mask.as_deref()));
            set.labels.push(train.labels[i]);
        }
    }
    // No T(x) on the fly: it would resample the −1 marks into the background. Constant lr: the
    // recipe the README's yardstick numbers were measured with.
    let cfg = ClassifierTrainConfig::new()
        .with_augment(false)
        .with_lr_cosine(false);
    let c = train_classifier(&cfg, &set, seed, |_| {});
    let test: Vec<f32> = damaged_test
        .chunks_exact(PIXELS)
        .zip(test_masks.chunks_exact(PIXELS))
        .flat_map(|(img, m)| marked(img, kind.is_erasure().then_some(m)))
        .collect();
    let (pred, _) = classify(&c, &test, &train_device());
    pred.iter().zip(labels).filter(|(a, b)| a == b).count() as f64 / labels.len().max(1) as f64
}

/// Baseline: paste the nearest training digit (on the known pixels) into the hole; for noise,
/// the nearest training digit as a whole.
fn nearest_paste(
    damaged: &[f32],
    masks: &[f32],
    erasure: bool,
    train: &digitgan::data::Digits,
    device: &burn::prelude::Device,
) -> Vec<f32> {
    let dev = device.clone().inner();
    let q = damaged.len() / PIXELS;
    let known: Vec<f32> = if erasure {
        masks.iter().map(|m| 1.0 - m).collect()
    } else {
        vec![1.0; damaged.len()]
    };
    let t = digitgan::train::tensor2(&train.images, train.len(), &dev); // [T, 784]
    let w = digitgan::train::tensor2(&known, q, &dev); // [Q, 784]
    let x = digitgan::train::tensor2(damaged, q, &dev);
    // Σ w (x − t)² = Σ w x² − 2 Σ (w x) t + Σ w t²
    let cross = (w.clone() * x).matmul(t.clone().transpose()); // [Q, T]
    let t2 = w.matmul(t.powf_scalar(2.0).transpose()); // [Q, T]
    let dist = digitgan::train::to_vec(t2 - cross.mul_scalar(2.0));
    let mut out = damaged.to_vec();
    for i in 0..q {
        let row = &dist[i * train.len()..(i + 1) * train.len()];
        let best = (0..train.len())
            .min_by(|&a, &b| row[a].total_cmp(&row[b]))
            .unwrap();
        for p in 0..PIXELS {
            if !erasure || masks[i * PIXELS + p] > 0.5 {
                out[i * PIXELS + p] = train.image(best)[p];
            }
        }
    }
    out
}

/// Baseline for noise: 3×3 median filter.
fn median3(images: &[f32]) -> Vec<f32> {
    let mut out = images.to_vec();
    for (k, img) in images.chunks_exact(PIXELS).enumerate() {
        for y in 0..28i32 {
            for x in 0..28i32 {
                let mut v = Vec::with_capacity(9);
                for dy in -1..=1 {
                    for dx in -1..=1 {
                        let (nx, ny) = ((x + dx).clamp(0, 27), (y + dy).clamp(0, 27));
                        v.push(img[(ny * 28 + nx) as usize]);
                    }
                }
                v.sort_by(f32::total_cmp);
                out[k * PIXELS + (y * 28 + x) as usize] = v[4];
            }
        }
    }
    out
}
