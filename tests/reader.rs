//! The reader (a CNN that names the digit in a damaged image): it learns from damaged training
//! digits, reads damaged test digits far above chance, is reproducible from its seed, and refuses
//! malformed input.

use digitgan::damage::{DamageKind, damage};
use digitgan::data::MnistSubset;
use digitgan::eval::most_likely;
use digitgan::model::{CLASSES, PIXELS};
use digitgan::reader::{ReaderConfig, ReaderTrainConfig, read, train_reader};
use digitgan::train::train_device;
use rand::{SeedableRng, rngs::StdRng};

#[test]
fn a_briefly_trained_reader_names_block_damaged_test_digits() {
    let data = MnistSubset::bundled();
    let cfg = ReaderTrainConfig::new()
        .with_model(ReaderConfig::new().with_width(4).with_hidden(32))
        .with_steps(300)
        .with_batch_size(32)
        .with_damage_weights(vec![1.0, 0.0, 0.0, 0.0, 0.0]);
    let reader = train_reader(&cfg, &data.train, 1, None, |_, _| {});
    let test = data.test.take_per_class(20);
    let mut rng = StdRng::seed_from_u64(7);
    let (mut damaged, mut masks) = (Vec::new(), Vec::new());
    for i in 0..test.len() {
        let d = damage(test.image(i), DamageKind::Block, &mut rng);
        damaged.extend(d.image);
        masks.extend(d.mask.expect("a block has a mask"));
    }
    let device = train_device();
    let p = read(&reader, &damaged, Some(&masks), &device).unwrap();
    assert_eq!(p.len(), test.len() * CLASSES);
    for row in p.chunks_exact(CLASSES) {
        assert!(
            (row.iter().sum::<f32>() - 1.0).abs() < 1e-4,
            "not probabilities: {row:?}"
        );
    }
    let right = most_likely(&p)
        .0
        .iter()
        .zip(&test.labels)
        .filter(|(a, b)| a == b)
        .count();
    let acc = right as f32 / test.len() as f32;
    // Chance is 0.1; 300 steps of a 4-channel reader measured 0.67.
    assert!(
        acc > 0.5,
        "the reader names {acc:.2} of 200 block-damaged test digits"
    );
}

#[test]
fn the_reader_refuses_malformed_input() {
    let device = train_device();
    let reader = ReaderConfig::new()
        .with_width(2)
        .with_hidden(4)
        .init(&device);
    assert!(read(&reader, &[0.0; 100], None, &device).is_err());
    assert!(read(&reader, &[f32::NAN; PIXELS], None, &device).is_err());
    assert!(read(&reader, &[0.0; PIXELS], Some(&[0.0; 10]), &device).is_err());
    assert!(read(&reader, &[], None, &device).is_err());
}

#[test]
fn one_seed_trains_the_same_reader() {
    let data = MnistSubset::bundled().train.take_per_class(20);
    let cfg = ReaderTrainConfig::new()
        .with_model(ReaderConfig::new().with_width(2).with_hidden(8))
        .with_steps(20)
        .with_batch_size(16);
    let probe = data.images[..3 * PIXELS].to_vec();
    let device = train_device();
    let run = |seed| {
        let reader = train_reader(&cfg, &data, seed, None, |_, _| {});
        read(&reader, &probe, None, &device).unwrap()
    };
    assert_eq!(run(4), run(4), "the same seed must give the same reader");
    assert_ne!(run(4), run(5), "another seed gives another reader");
}
