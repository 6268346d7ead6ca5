//! Drawings become MNIST-style digits: ink cropped, scaled into 20×20, centred by mass.

use digitgan::damage::ink_centre;
use digitgan::drawing::mnistify;

/// A 200×300 canvas with a thick vertical bar (like a "1") off-centre.
fn bar_drawing() -> (Vec<f32>, usize, usize) {
    let (w, h) = (200, 300);
    let mut px = vec![0.0; w * h];
    for y in 40..240 {
        for x in 20..50 {
            px[y * w + x] = 1.0;
        }
    }
    (px, w, h)
}

fn bbox(img: &[f32]) -> (usize, usize, usize, usize) {
    let mut b = (28, 28, 0, 0);
    for (i, &v) in img.iter().enumerate() {
        if v > 0.05 {
            let (x, y) = (i % 28, i / 28);
            b = (b.0.min(x), b.1.min(y), b.2.max(x), b.3.max(y));
        }
    }
    b
}

#[test]
fn a_drawing_is_scaled_into_20_pixels_and_centred_by_mass() {
    let (px, w, h) = bar_drawing();
    let m = mnistify(&px, None, w, h).unwrap();
    assert!(!m.empty);
    let (x0, y0, x1, y1) = bbox(&m.image);
    assert_eq!(y1 - y0 + 1, 20, "long side is 20 px");
    assert!(x1 - x0 < 4, "aspect kept");
    let (cx, cy) = ink_centre(&m.image);
    assert!(
        (cx - 13.5).abs() <= 1.0 && (cy - 13.5).abs() <= 1.0,
        "centre of mass ({cx}, {cy})"
    );
}

#[test]
fn the_mask_follows_the_same_transform_and_empty_drawings_are_flagged() {
    let (px, w, h) = bar_drawing();
    let mut mask = vec![0.0; w * h];
    let mut damaged = px.clone();
    for y in 120..160 {
        for x in 0..w {
            mask[y * w + x] = 1.0;
            damaged[y * w + x] = 0.0;
        }
    }
    let m = mnistify(&damaged, Some(&mask), w, h).unwrap();
    let mk = m.mask.unwrap();
    let masked_rows: Vec<usize> = (0..28).filter(|y| mk[y * 28 + 14] > 0.5).collect();
    assert!(
        (3..=5).contains(&masked_rows.len()),
        "40 of 200 px → ~4 of 20 rows: {masked_rows:?}"
    );
    // The erased rows have no ink and lie inside the digit's extent.
    for &y in &masked_rows {
        assert!((0..28).all(|x| m.image[y * 28 + x] < 0.5));
    }
    let empty = mnistify(&vec![0.0; 100], None, 10, 10).unwrap();
    assert!(empty.empty && empty.image.iter().all(|&v| v == 0.0));
    assert!(mnistify(&[0.0; 10], None, 4, 4).is_err(), "wrong size");
    assert!(mnistify(&[f32::NAN; 16], None, 4, 4).is_err(), "NaN");
}
