//! Odd drawings the page can send: an empty canvas, a full-ink canvas, a tiny dot, canvases of
//! other sizes and shapes, everything erased. Each goes through mnistify and both restorers (as
//! the worker's `restore` call does) without an error, or is flagged empty so the page can say
//! there is nothing to restore.

use digitgan::data::BUNDLED;
use digitgan::drawing::mnistify;
use digitgan::session::Session;
use digitgan::weights::PRETRAINED;

/// mnistify, then restorer and latent search; returns whether the drawing was empty.
fn run(s: &Session, pixels: &[f32], mask: Option<&[f32]>, w: usize, h: usize) -> bool {
    let m = mnistify(pixels, mask, w, h).unwrap_or_else(|e| panic!("{w}×{h}: {e}"));
    assert_eq!(m.image.len(), 784);
    assert!(
        m.image
            .iter()
            .all(|v| v.is_finite() && (0.0..=1.0).contains(v))
    );
    if m.empty {
        return true;
    }
    let restored = s.restore(&m.image, m.mask.as_deref()).unwrap();
    let latent = s.latent_search(&m.image, m.mask.as_deref(), 3).unwrap();
    for out in [&restored, &latent] {
        assert_eq!(out.len(), 784);
        assert!(out.iter().all(|v| v.is_finite() && (0.0..=1.0).contains(v)));
    }
    false
}

#[test]
fn odd_drawings_restore_without_error() {
    let s = Session::new(BUNDLED, Some(PRETRAINED), 1).unwrap();
    // Empty canvas (the pad's 280×280), and one with faint noise under the ink threshold.
    assert!(run(&s, &vec![0.0; 280 * 280], None, 280, 280));
    assert!(run(&s, &vec![0.01; 280 * 280], None, 280, 280));
    // Full ink, with and without a mask over part of it.
    assert!(!run(&s, &vec![1.0; 280 * 280], None, 280, 280));
    let mut half = vec![0.0; 280 * 280];
    half[..140 * 280].fill(1.0);
    assert!(!run(&s, &vec![1.0; 280 * 280], Some(&half), 280, 280));
    // A tiny dot: one pixel.
    let mut dot = vec![0.0; 280 * 280];
    dot[140 * 280 + 140] = 1.0;
    assert!(!run(&s, &dot, None, 280, 280));
    // Other sizes and aspect ratios (an uploaded image): a 1×1, a wide strip, a tall one.
    assert!(!run(&s, &[1.0], None, 1, 1));
    let strip: Vec<f32> = (0..600 * 20).map(|i| ((i % 600) / 50 % 2) as f32).collect();
    assert!(!run(&s, &strip, None, 600, 20));
    assert!(!run(&s, &vec![0.7; 3 * 500], None, 3, 500));
    // Everything erased: ink under a mask that covers the whole canvas.
    let all = vec![1.0; 56 * 56];
    assert!(!run(&s, &vec![0.5; 56 * 56], Some(&all), 56, 56));
}

#[test]
fn wrong_sizes_and_values_are_refused_with_a_message() {
    for (pixels, w, h) in [
        (vec![0.0; 10], 4, 4),
        (vec![], 0, 0),
        (vec![0.0; 5000 * 2], 5000, 2),
    ] {
        let msg = mnistify(&pixels, None, w, h).unwrap_err().to_string();
        assert!(msg.contains("drawing"), "{msg}");
    }
    let msg = mnistify(&[0.5; 16], Some(&[0.0; 15]), 4, 4)
        .unwrap_err()
        .to_string();
    assert!(msg.contains("mask"), "{msg}");
    let msg = mnistify(&[f32::NAN; 16], None, 4, 4)
        .unwrap_err()
        .to_string();
    assert!(msg.contains("finite"), "{msg}");
}
