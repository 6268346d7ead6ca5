//! The weights file: the committed pretrained weights fit today's architecture, and every kind
//! of bad file is refused with its own message.

use digitgan::train::train_device;
use digitgan::weights::{Architecture, Bundle, PRETRAINED};

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
fn weights_round_trip_in_f32_and_f16() {
    let device = train_device();
    let b = Bundle::pretrained(&device);
    let z = vec![0.3f32; 100];
    let before = digitgan::train::generate(&b.generator, &z, Some(&[7]), &device);
    for half in [false, true] {
        let bytes = b.to_bytes(half).unwrap();
        let again = Bundle::from_bytes(&bytes, &device).unwrap();
        let after = digitgan::train::generate(&again.generator, &z, Some(&[7]), &device);
        let err = before
            .iter()
            .zip(&after)
            .map(|(a, b)| (a - b).abs())
            .fold(0.0, f32::max);
        assert!(
            err < if half { 2e-2 } else { 1e-6 },
            "half={half} max err {err}"
        );
    }
}

fn message(bytes: &[u8]) -> String {
    Bundle::from_bytes(bytes, &train_device())
        .err()
        .expect("must be refused")
        .to_string()
}

#[test]
fn bad_files_get_specific_messages() {
    let good = Bundle::pretrained(&train_device()).to_bytes(true).unwrap();
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
    let msg = message(&foreign.to_bytes(false).unwrap());
    assert!(msg.contains("generator does not fit"), "{msg}");
    assert!(msg.len() < 300, "short enough to show: {msg}");
}
