//! The divergence watch: NaN at once, a collapsed discriminator after its run of steps, and a
//! healthy step resets the count.

use digitgan::train::StepStats;
use digitgan::watch::{Trouble, Watch, WatchConfig};

fn stats(step: u64, d_real: f32, d_fake: f32) -> StepStats {
    StepStats {
        step,
        d_loss: 0.01,
        g_loss: 6.0,
        d_real,
        d_fake,
        ..StepStats::default()
    }
}

#[test]
fn nan_is_caught_at_once() {
    let mut w = Watch::default();
    assert_eq!(w.check(&stats(1, 0.6, 0.4)), None);
    let mut bad = stats(2, 0.6, 0.4);
    bad.g_loss = f32::NAN;
    assert_eq!(w.check(&bad), Some(Trouble::NonFinite { step: 2 }));
}

#[test]
fn a_collapsed_discriminator_is_caught_after_its_run() {
    let cfg = WatchConfig::new();
    let mut w = Watch::new(cfg.clone());
    // Healthy GAN training: D unsure.
    for step in 1..=200 {
        assert_eq!(w.check(&stats(step, 0.55, 0.35)), None);
    }
    // A few confident steps followed by a healthy one do not count.
    for step in 201..=210 {
        assert_eq!(w.check(&stats(step, 0.99, 0.01)), None);
    }
    assert_eq!(w.check(&stats(211, 0.7, 0.2)), None);
    // A sustained collapse is reported on its collapse_steps-th step.
    let start = 212;
    for i in 0..cfg.collapse_steps as u64 - 1 {
        assert_eq!(w.check(&stats(start + i, 0.995, 0.003)), None);
    }
    let last = start + cfg.collapse_steps as u64 - 1;
    let t = w
        .check(&stats(last, 0.995, 0.003))
        .expect("collapse reported");
    assert_eq!(
        t,
        Trouble::Collapsed {
            step: last,
            steps: cfg.collapse_steps
        }
    );
    assert!(t.describe().contains("overpowered"));
}

#[test]
fn restorer_only_steps_are_not_a_collapse() {
    // The restorer-only phase reports no D outputs (zeros): that is not a collapse.
    let mut w = Watch::default();
    for step in 1..=100 {
        assert_eq!(w.check(&stats(step, 0.0, 0.0)), None);
    }
}
