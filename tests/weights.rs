//! The weights file: the committed pretrained weights fit today's architecture, and every kind
//! of bad file is refused with its own message.

use burn::module::Module;
use digitgan::data::crc32;
use digitgan::model::RestorerConfig;
use digitgan::reader::ReaderConfig;
use digitgan::restore::{restore_as, restore_told};
use digitgan::train::train_device;
use digitgan::weights::{Architecture, Bundle, PRETRAINED, Precision};

#[test]
fn committed_pretrained_weights_decode_into_todays_architecture() {
    let b = Bundle::from_bytes(PRETRAINED, &train_device()).expect("assets/pretrained.dgw decodes");
    assert_eq!(
        b.arch,
        Architecture::default(),
        "retrain: the committed weights are stale"
    );
}

#[test]
fn weights_round_trip_at_every_precision() {
    let device = train_device();
    // Fresh f32 networks (the committed file is already int8, which re-encodes exactly).
    let b = digitgan::train::with_seeded_init(&device, 3, || {
        Bundle::init(Architecture::default(), &device)
    });
    let z: Vec<f32> = (0..1000)
        .map(|i| ((i * 37 % 101) as f32 / 50.0) - 1.0)
        .collect();
    let labels: Vec<u8> = (0..10).collect();
    let before = digitgan::train::generate(&b.generator, &z, Some(&labels), &device);
    // (precision, max error, mean error) of generated pixels in [0, 1]; measured 2.3e-5 / 5.1e-6
    // for f16 and 4.5e-4 / 7.7e-5 for int8 (README "Speed and size" has the trained networks').
    for (precision, max, mean) in [
        (Precision::F32, 1e-6, 1e-7),
        (Precision::F16, 2e-4, 5e-5),
        (Precision::Int8, 5e-3, 8e-4),
    ] {
        let bytes = b.to_bytes(precision).unwrap();
        let again = Bundle::from_bytes(&bytes, &device).unwrap();
        let after = digitgan::train::generate(&again.generator, &z, Some(&labels), &device);
        let errs: Vec<f32> = before
            .iter()
            .zip(&after)
            .map(|(a, b)| (a - b).abs())
            .collect();
        let worst = errs.iter().copied().fold(0.0, f32::max);
        let avg = errs.iter().sum::<f32>() / errs.len() as f32;
        assert!(
            worst < max && avg < mean,
            "{precision:?}: max err {worst}, mean {avg}"
        );
    }
}

#[test]
fn int8_is_a_quarter_of_f32_and_refuses_a_foreign_or_damaged_body() {
    let b = Bundle::pretrained(&train_device());
    let f32_len = b.to_bytes(Precision::F32).unwrap().len();
    let int8 = b.to_bytes(Precision::Int8).unwrap();
    assert!(
        int8.len() * 10 < f32_len * 3,
        "int8 {} vs f32 {f32_len}",
        int8.len()
    );
    let mut foreign = Bundle::pretrained(&train_device());
    foreign.arch.restorer.conv = Some(8); // the shipped restorer is a U-Net of 16 channels
    let msg = message(&foreign.to_bytes(Precision::Int8).unwrap());
    assert!(msg.contains("restorer"), "{msg}");
    // A body that passes the checksum but whose first tensor claims an absurd rank.
    let arch_len = u32::from_le_bytes(int8[12..16].try_into().unwrap()) as usize;
    let first_tensor = 16 + arch_len + 1 + 1 + "generator".len() + 4 + 4;
    let mut bad = int8.clone();
    bad[first_tensor] = 200;
    let body = bad.len() - 4;
    let crc = crc32(&bad[..body]);
    bad[body..].copy_from_slice(&crc.to_le_bytes());
    let msg = message(&bad);
    assert!(
        msg.contains("generator") && msg.contains("rank 200"),
        "{msg}"
    );
}

fn message(bytes: &[u8]) -> String {
    Bundle::from_bytes(bytes, &train_device())
        .expect_err("must be refused")
        .to_string()
}

#[test]
fn bad_files_get_specific_messages() {
    let good = Bundle::pretrained(&train_device())
        .to_bytes(Precision::F16)
        .unwrap();
    assert!(message(b"PK\x03\x04 a zip file").contains("not a DigitGAN weights file"));
    assert!(message(&[]).contains("not a DigitGAN weights file"));
    assert!(message(&good[..good.len() / 2]).contains("corrupted or truncated"));
    assert!(message(&good[..12]).contains("truncated"));
    let mut flipped = good.clone();
    flipped[good.len() / 2] ^= 0x10;
    assert!(message(&flipped).contains("checksum"));
    let mut future = good.clone();
    future[8] = 9;
    assert!(message(&future).contains("newer DigitGAN"));
    // A well-formed file whose architecture description does not match its tensors.
    let mut foreign = Bundle::pretrained(&train_device());
    foreign.arch.generator.hidden = vec![64, 64, 64];
    let msg = message(&foreign.to_bytes(Precision::F32).unwrap());
    assert!(msg.contains("generator does not fit"), "{msg}");
    assert!(msg.len() < 300, "short enough to show: {msg}");
}

/// A small class-conditional U-Net restorer with two readers (an ensemble; the second one
/// batch-normalised): the networks that restore a digit.
fn told_bundle() -> Bundle {
    let device = train_device();
    let arch = Architecture {
        restorer: RestorerConfig::unet()
            .with_conv(Some(4))
            .with_conv_classes(Some(10)),
        reader: Some(ReaderConfig::new().with_width(4).with_hidden(16)),
        more_readers: vec![
            ReaderConfig::new()
                .with_width(2)
                .with_hidden(8)
                .with_batch_norm(Some(true)),
        ],
        ..Architecture::default()
    };
    let mut b = digitgan::train::with_seeded_init(&device, 5, || Bundle::init(arch, &device));
    // A live class input that tells the classes apart (a fresh one is zero, so the readers
    // would not show in the output).
    b.restorer = b.restorer.map(&mut Ripple(0.1));
    b
}

/// Adds a ripple of amplitude `.0` to every parameter (a different value at each index).
struct Ripple(f32);

impl burn::module::ModuleMapper for Ripple {
    fn map_float<const D: usize>(
        &mut self,
        p: burn::module::Param<burn::prelude::Tensor<D>>,
    ) -> burn::module::Param<burn::prelude::Tensor<D>> {
        let s = self.0;
        p.map(|t| {
            let shape = t.shape();
            let n = shape.num_elements();
            let ripple: Vec<f32> = (0..n).map(|i| s * (i as f32 * 0.7).sin()).collect();
            let data = burn::tensor::TensorData::new(ripple, shape);
            t.clone() + burn::prelude::Tensor::from_data(data, &t.device())
        })
    }
}

#[test]
fn readers_and_a_class_conditional_restorer_round_trip() {
    let device = train_device();
    let b = told_bundle();
    let test = digitgan::data::MnistSubset::bundled()
        .test
        .take_per_class(1);
    let mask: Vec<f32> = (0..test.images.len())
        .map(|i| ((i % 784) / 28 > 14) as u8 as f32)
        .collect();
    let restore_by = |b: &Bundle, readers: &[digitgan::reader::Reader]| {
        restore_told(&b.restorer, readers, &test.images, Some(&mask), &device).unwrap()
    };
    let restore = |b: &Bundle| restore_by(b, &b.readers);
    let before = restore(&b);
    // Far above float rounding (~1e-7): fresh readers read nearly uniform probabilities, so
    // the second one moves the restoration by ~1e-3.
    let differs = |a: &[f32], b: &[f32]| a.iter().zip(b).any(|(a, u)| (a - u).abs() > 1e-4);
    // Told nothing, the same restorer gives something else: the readers are in the path.
    let untold = restore_as(&b.restorer, None, &test.images, Some(&mask), &device).unwrap();
    assert!(differs(&before, &untold));
    // The second reader counts: the first alone tells the restorer something else.
    assert!(differs(&before, &restore_by(&b, &b.readers[..1])));
    for (precision, tolerance) in [(Precision::F32, 1e-5), (Precision::Int8, 0.1)] {
        let again = Bundle::from_bytes(&b.to_bytes(precision).unwrap(), &device).unwrap();
        assert_eq!(again.arch, b.arch);
        assert_eq!(again.readers.len(), 2, "{precision:?}: a reader was lost");
        let after = restore(&again);
        let worst = before
            .iter()
            .zip(&after)
            .map(|(a, b)| (a - b).abs())
            .fold(0.0, f32::max);
        assert!(worst < tolerance, "{precision:?}: max difference {worst}");
    }
    // A reader section the architecture does not describe is refused, not ignored: the second
    // reader's, then both.
    let mut stray = b.clone();
    stray.arch.more_readers.clear();
    let msg = message(&stray.to_bytes(Precision::F32).unwrap());
    assert!(msg.contains("reader"), "{msg}");
    stray.arch.reader = None;
    let msg = message(&stray.to_bytes(Precision::F32).unwrap());
    assert!(msg.contains("reader"), "{msg}");
    // A reader the architecture describes but the file lacks is refused too.
    let mut missing = b.clone();
    missing.readers.pop();
    let msg = message(&missing.to_bytes(Precision::F32).unwrap());
    assert!(msg.contains("no reader2"), "{msg}");
}

/// A seeded init stays reproducible while other threads load weights files (burn's record
/// loader draws from the process-wide RNG; int8 loading must not, and neither may interleave).
#[test]
fn seeded_inits_are_reproducible_while_weights_load_elsewhere() {
    let device = train_device();
    let b = Bundle::pretrained(&device);
    let files = [Precision::F16, Precision::Int8, Precision::F32].map(|p| b.to_bytes(p).unwrap());
    use std::sync::atomic::{AtomicBool, Ordering};
    let stop = AtomicBool::new(false);
    // Stops the loader even when an assertion below fails (the scope joins it before unwinding).
    struct StopOnDrop<'a>(&'a AtomicBool);
    impl Drop for StopOnDrop<'_> {
        fn drop(&mut self) {
            self.0.store(true, Ordering::Relaxed);
        }
    }
    let z = vec![0.1f32; 100];
    let config = digitgan::train::TrainConfig::new();
    std::thread::scope(|scope| {
        scope.spawn(|| {
            while !stop.load(Ordering::Relaxed) {
                for f in &files {
                    Bundle::from_bytes(f, &train_device()).unwrap();
                }
            }
        });
        let _stop = StopOnDrop(&stop);
        let sample = || {
            let m = digitgan::train::Models::init(&config, 11, &device);
            digitgan::train::generate(&m.generator, &z, Some(&[3]), &device)
        };
        let first = sample();
        for _ in 0..20 {
            assert!(sample() == first, "a concurrent load changed a seeded init");
        }
    });
}
