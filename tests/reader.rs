//! The reader (a CNN that names the digit in a damaged image): it learns from damaged training
//! digits, reads damaged test digits far above chance, is reproducible from its seed, and refuses
//! malformed input.

use digitgan::damage::{DamageKind, damage};
use digitgan::data::MnistSubset;
use digitgan::eval::most_likely;
use digitgan::model::{CLASSES, PIXELS};
use digitgan::reader::{Reader, ReaderConfig, ReaderTrainConfig, read, train_reader};
use digitgan::train::train_device;
use digitgan::weights::{Architecture, Bundle, Precision};
use rand::{SeedableRng, rngs::StdRng};

/// Trains a small reader 300 steps on block-damaged training digits.
fn briefly_trained(model: ReaderConfig) -> Reader {
    let data = MnistSubset::bundled();
    let cfg = ReaderTrainConfig::new()
        .with_model(model)
        .with_steps(300)
        .with_batch_size(32)
        .with_damage_weights(vec![1.0, 0.0, 0.0, 0.0, 0.0]);
    train_reader(&cfg, &data.train, 1, None, |_, _| {})
}

/// 200 block-damaged test digits (20 per class) and their masks.
fn damaged_test_blocks() -> (Vec<f32>, Vec<f32>, Vec<u8>) {
    let test = MnistSubset::bundled().test.take_per_class(20);
    let mut rng = StdRng::seed_from_u64(7);
    let (mut damaged, mut masks) = (Vec::new(), Vec::new());
    for i in 0..test.len() {
        let d = damage(test.image(i), DamageKind::Block, &mut rng);
        damaged.extend(d.image);
        masks.extend(d.mask.expect("a block has a mask"));
    }
    (damaged, masks, test.labels)
}

/// The fraction of `damaged_test_blocks` that `readers` name, checking that they read
/// probabilities; and those probabilities.
fn block_accuracy(readers: &[Reader]) -> (f32, Vec<f32>) {
    let (damaged, masks, labels) = damaged_test_blocks();
    let p = read(readers, &damaged, Some(&masks), &train_device()).unwrap();
    assert_eq!(p.len(), labels.len() * CLASSES);
    for row in p.chunks_exact(CLASSES) {
        assert!(
            (row.iter().sum::<f32>() - 1.0).abs() < 1e-4,
            "not probabilities: {row:?}"
        );
    }
    let right = most_likely(&p)
        .0
        .iter()
        .zip(&labels)
        .filter(|(a, b)| a == b)
        .count();
    (right as f32 / labels.len() as f32, p)
}

#[test]
fn a_briefly_trained_reader_names_block_damaged_test_digits() {
    let reader = briefly_trained(ReaderConfig::new().with_width(4).with_hidden(32));
    let (acc, _) = block_accuracy(&[reader]);
    // Chance is 0.1; 300 steps of a 4-channel reader measured 0.67.
    assert!(
        acc > 0.5,
        "the reader names {acc:.2} of 200 block-damaged test digits"
    );
}

#[test]
fn a_batch_normalised_reader_learns_and_its_statistics_travel_in_the_weights_file() {
    let model = ReaderConfig::new()
        .with_width(4)
        .with_hidden(32)
        .with_batch_norm(Some(true));
    let reader = briefly_trained(model.clone());
    let (acc, before) = block_accuracy(std::slice::from_ref(&reader));
    assert!(
        acc > 0.5,
        "the batch-normalised reader names {acc:.2} of 200 block-damaged test digits"
    );
    // Through a weights file: the running mean and variance it reads with must come back (a
    // fresh BatchNorm's 0 and 1 would read these digits differently).
    let device = train_device();
    let arch = Architecture {
        reader: Some(model),
        more_readers: vec![],
        ..Architecture::default()
    };
    let mut bundle = digitgan::train::with_seeded_init(&device, 3, || Bundle::init(arch, &device));
    bundle.readers = vec![reader];
    let again = Bundle::from_bytes(&bundle.to_bytes(Precision::F32).unwrap(), &device).unwrap();
    let (_, after) = block_accuracy(&again.readers);
    let worst = before
        .iter()
        .zip(&after)
        .map(|(a, b)| (a - b).abs())
        .fold(0.0, f32::max);
    // (Training moves those statistics away from 0 and 1: the unit test in reader.rs.)
    assert!(worst < 1e-5, "read differently after a round trip: {worst}");
}

#[test]
fn the_reader_refuses_malformed_input() {
    let device = train_device();
    // Seeded: an unlocked draw from burn's shared RNG could shift the seeded init of the
    // test beside it that trains one reader twice and compares them.
    let cfg = ReaderConfig::new().with_width(2).with_hidden(4);
    let reader = digitgan::train::with_seeded_init(&device, 1, || cfg.init(&device));
    let readers = [reader];
    assert!(read(&readers, &[0.0; 100], None, &device).is_err());
    assert!(read(&readers, &[f32::NAN; PIXELS], None, &device).is_err());
    assert!(read(&readers, &[0.0; PIXELS], Some(&[0.0; 10]), &device).is_err());
    assert!(read(&readers, &[], None, &device).is_err());
    assert!(
        read(&[], &[0.0; PIXELS], None, &device).is_err(),
        "no reader"
    );
}

#[test]
fn an_ensemble_reads_the_mean_of_its_readers() {
    let device = train_device();
    let data = MnistSubset::bundled().test.take_per_class(1);
    let readers: Vec<_> = (0..2)
        .map(|seed| {
            digitgan::train::with_seeded_init(&device, seed, || {
                ReaderConfig::new()
                    .with_width(2)
                    .with_hidden(8)
                    .init(&device)
            })
        })
        .collect();
    let alone: Vec<_> = readers
        .chunks(1)
        .map(|r| read(r, &data.images, None, &device).unwrap())
        .collect();
    assert_ne!(alone[0], alone[1], "two seeds, two readers");
    let both = read(&readers, &data.images, None, &device).unwrap();
    for ((m, a), b) in both.iter().zip(&alone[0]).zip(&alone[1]) {
        assert!(
            (m - (a + b) / 2.0).abs() < 1e-6,
            "{m} is not the mean of {a} and {b}"
        );
    }
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
    let run = |seed, dropout| {
        let cfg = cfg.clone().with_dropout(dropout);
        let reader = train_reader(&cfg, &data, seed, None, |_, _| {});
        read(&[reader], &probe, None, &device).unwrap()
    };
    assert_eq!(
        run(4, 0.0),
        run(4, 0.0),
        "the same seed must give the same reader"
    );
    assert_ne!(
        run(4, 0.0),
        run(5, 0.0),
        "another seed gives another reader"
    );
    // Dropout masks come from the seeded RNG too, and they change what is learnt.
    assert_eq!(run(4, 0.5), run(4, 0.5), "the same seed, with dropout");
    assert_ne!(run(4, 0.5), run(4, 0.0), "dropout is in the training path");
}
