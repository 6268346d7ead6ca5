//! Issue #5: DiffAugment keeps shapes and the tanh range, is seeded, is the identity with zero
//! strength, moves pixels the way its parameters say, passes gradients back to the input, and
//! a training run with it on stays finite.

use digitgan::data::{MnistSubset, to_tanh_range};
use digitgan::diffaug::{DiffAugmentConfig, DiffAugmentParams};
use digitgan::model::PIXELS;
use digitgan::train::{TrainConfig, Trainer, tensor2, to_vec, train_device};
use rand::{SeedableRng, rngs::StdRng};

fn digits(n: usize) -> Vec<f32> {
    let data = MnistSubset::bundled();
    to_tanh_range(&data.test.images[..n * PIXELS])
}

#[test]
fn keeps_shape_and_range_and_is_seeded() {
    let dev = train_device();
    let x = digits(8);
    let cfg = DiffAugmentConfig::new();
    let run = |seed| to_vec(cfg.apply(tensor2(&x, 8, &dev), &mut StdRng::seed_from_u64(seed)));
    let a = run(1);
    assert_eq!(a.len(), 8 * PIXELS);
    assert!(
        a.iter().all(|v| (-1.0..=1.0).contains(v)),
        "tanh range kept"
    );
    assert_eq!(a, run(1), "same seed, same transform");
    assert_ne!(a, run(2), "another seed, another transform");
    assert_ne!(a, x, "the default strength changes the digits");
}

#[test]
fn zero_strength_is_the_identity() {
    let dev = train_device();
    let x = digits(4);
    let cfg = DiffAugmentConfig::new().with_max_shift(0).with_cutout(0);
    let out = to_vec(cfg.apply(tensor2(&x, 4, &dev), &mut StdRng::seed_from_u64(3)));
    assert_eq!(out, x);
}

#[test]
fn a_shift_moves_pixels_and_a_cutout_blanks_a_square() {
    let cfg = DiffAugmentConfig::new().with_cutout(4);
    let p = DiffAugmentParams {
        shift: (2, -1),
        cutout_at: (20, 20),
    };
    let (index, keep) = cfg.row_plan(&p);
    // Output (x=5, y=5) comes from source (3, 6).
    assert_eq!(index[5 * 28 + 5], 6 * 28 + 3);
    assert_eq!(keep[5 * 28 + 5], 1.0);
    // The two left columns and the bottom row come from outside: background.
    assert_eq!(keep[10 * 28], 0.0);
    assert_eq!(keep[10 * 28 + 1], 0.0);
    assert_eq!(keep[27 * 28 + 10], 0.0);
    // The 4×4 cutout at (20..24, 20..24).
    assert_eq!(keep[21 * 28 + 22], 0.0);
    assert_eq!(keep[19 * 28 + 22], 1.0);
    let dropped = keep.iter().filter(|&&k| k == 0.0).count();
    assert_eq!(
        dropped,
        2 * 28 + 26 + 16,
        "two columns + the bottom row (2 shared) + cutout"
    );
}

#[test]
fn gradients_reach_the_input() {
    let dev = train_device();
    let x = tensor2(&digits(2), 2, &dev).require_grad();
    let cfg = DiffAugmentConfig::new();
    let out = cfg.apply(x.clone(), &mut StdRng::seed_from_u64(9));
    let grads = out.sum().backward();
    let g = to_vec(x.grad(&grads).expect("gradient for the input"));
    // Each kept output pixel sends a gradient of 1 to exactly one source pixel.
    let total: f32 = g.iter().sum();
    let kept = {
        let (_, keep) = cfg.plan(2, &mut StdRng::seed_from_u64(9));
        keep.iter().sum::<f32>()
    };
    assert!(total > 0.0);
    assert!((total - kept).abs() < 1e-3, "{total} vs {kept}");
}

#[test]
fn each_output_pixel_sends_its_gradient_to_its_own_source_pixel() {
    let dev = train_device();
    let cfg = DiffAugmentConfig::new();
    let x = tensor2(&digits(3), 3, &dev).require_grad();
    let (index, keep) = cfg.plan(3, &mut StdRng::seed_from_u64(11));
    // Probe a few output pixels, one row each: the loss is that pixel alone.
    for (row, o) in [(0usize, 300usize), (1, 411), (2, 500), (2, 13)] {
        let mut w = vec![0.0f32; 3 * PIXELS];
        w[row * PIXELS + o] = 1.0;
        let out = cfg.apply(x.clone(), &mut StdRng::seed_from_u64(11));
        let grads = (out * tensor2(&w, 3, &dev)).sum().backward();
        let g = to_vec(x.grad(&grads).expect("gradient"));
        let k = row * PIXELS + o;
        let nonzero: Vec<usize> = (0..g.len()).filter(|&i| g[i] != 0.0).collect();
        if keep[k] > 0.0 {
            assert_eq!(
                nonzero,
                vec![row * PIXELS + index[k] as usize],
                "row {row} pixel {o}"
            );
        } else {
            assert!(nonzero.is_empty(), "a dropped pixel passes no gradient");
        }
    }
}

#[test]
fn training_with_diff_augment_stays_finite_and_learns() {
    let data = MnistSubset::bundled().train.take_per_class(20);
    let config = TrainConfig::new()
        .with_batch_size(16)
        .with_train_restorer(false)
        .with_diff_augment(true);
    let mut t = Trainer::new(config, data, 4);
    let stats: Vec<_> = (0..30).map(|_| t.step()).collect();
    assert!(stats.iter().all(|s| s.is_finite()));
    // D separates real from fake within a few steps, even through the transform.
    let last = stats.last().unwrap();
    assert!(last.d_real > last.d_fake, "{last:?}");
}
