//! The session the page drives: validation of every input, rollback, weights import.

use digitgan::data::BUNDLED;
use digitgan::session::{Options, Session};
use digitgan::weights::{PRETRAINED, Precision};

fn session() -> Session {
    Session::new(BUNDLED, Some(PRETRAINED), 1).unwrap()
}

#[test]
fn every_entry_point_rejects_bad_input_with_a_message() {
    let mut s = session();
    let bad = |r: Result<(), digitgan::Error>| r.unwrap_err().to_string();
    assert!(
        bad(s
            .set_options(&Options {
                lr: Some(f64::NAN),
                ..Default::default()
            })
            .map(drop))
        .contains("learning rate")
    );
    assert!(
        bad(s.set_options(&Options {
            lr: Some(-1.0),
            ..Default::default()
        }))
        .contains("learning rate")
    );
    assert!(
        bad(s.set_options(&Options {
            batch_size: Some(0),
            ..Default::default()
        }))
        .contains("batch size")
    );
    assert!(s.generate(&[0.0; 99], None).is_err());
    assert!(s.generate(&[f32::INFINITY; 100], None).is_err());
    assert!(s.generate(&[0.0; 100], Some(&[11])).is_err());
    assert!(s.digits("validation", 0, 1).is_err());
    assert!(s.digits("test", 590, 20).is_err());
    assert!(s.restore(&[0.0; 10], None).is_err());
    assert!(s.latent_search(&[0.5; 784], Some(&[0.0; 10]), 1).is_err());
    assert!(s.classify(&[]).is_err());
    assert!(s.train(1_000_000).is_err());
    assert!(s.augment_eval(0, 10, 1, 5, |_, _| {}).is_err());
    assert!(s.augment_eval(5, 10, 9, 5, |_, _| {}).is_err());
    assert!(s.augment_eval(5, 10, 1, 50_000, |_, _| {}).is_err());
    assert!(Session::new(b"garbage", None, 1).is_err());
    // A failed import leaves the model as it was.
    let before = s.export_weights(Precision::F32).unwrap();
    assert!(
        s.import_weights(b"DGANWTS\0 broken", 1)
            .unwrap_err()
            .to_string()
            .contains("weights")
    );
    assert_eq!(s.export_weights(Precision::F32).unwrap(), before);
    // Options stay valid and apply.
    s.set_options(&Options {
        lr: Some(1e-4),
        batch_size: Some(16),
        augment: Some(false),
        train_restorer: None,
    })
    .unwrap();
    assert_eq!(s.options().batch_size, Some(16));
    assert_eq!(s.train(2).unwrap().len(), 2);
}

#[test]
fn the_augmentation_experiment_runs_from_the_session() {
    let s = session();
    let mut calls = 0;
    let r = s.augment_eval(2, 5, 1, 10, |_, _| calls += 1).unwrap();
    assert_eq!(r.results.len(), 1);
    assert_eq!(r.results[0].arms.len(), 3);
    for arm in &r.results[0].arms {
        assert!((0.0..=1.0).contains(&arm.mean), "{arm:?}");
    }
    assert_eq!(calls, 3 * 10);
}

#[test]
fn divergence_rolls_back_and_says_so() {
    let mut s = session();
    s.train(3).unwrap();
    s.inject_nan();
    let err = s.train(5).unwrap_err().to_string();
    assert!(
        err.contains("rolled back to step 0") && err.contains("lower learning rate"),
        "{err}"
    );
    assert_eq!(s.step_count(), 0);
    let stats = s.train(3).unwrap();
    assert!(stats.iter().all(|st| st.is_finite()));
    assert!(
        s.generate(&[0.2; 100], Some(&[4]))
            .unwrap()
            .iter()
            .all(|v| v.is_finite())
    );
}

#[test]
fn the_same_seed_gives_the_same_weights_samples_and_restoration() {
    // Weights are compared through everything they compute (file bytes also hold random ids).
    let run = || {
        let mut s = Session::new(BUNDLED, None, 42).unwrap();
        s.train(5).unwrap();
        let z = s.latents(20, 3).unwrap();
        let img = s.digits("test", 10, 3).unwrap().images;
        (
            s.generate(&z, None).unwrap(),
            s.restore(&img, None).unwrap(),
            s.latent_search(&img[..784], None, 2).unwrap(),
        )
    };
    let (a, b) = (run(), run());
    assert_eq!(a, b);
    let other = {
        let mut s = Session::new(BUNDLED, None, 43).unwrap();
        s.train(5).unwrap();
        s.generate(&s.latents(20, 3).unwrap(), None).unwrap()
    };
    assert_ne!(a.0, other, "a different seed gives different weights");
}

#[test]
fn a_unet_restorer_trains_every_8th_step_live_and_a_fresh_start_trains_the_mlp() {
    use digitgan::session::CONV_RESTORER_EVERY;
    use digitgan::train::{train_device, with_seeded_init};
    use digitgan::weights::{Architecture, Bundle};
    let device = train_device();
    let mut arch = Architecture::default();
    arch.restorer = arch.restorer.clone().with_conv(Some(4));
    let unet = with_seeded_init(&device, 3, || Bundle::init(arch, &device));
    let bytes = unet.to_bytes(Precision::F32).unwrap();
    let mut s = Session::new(BUNDLED, Some(&bytes), 1).unwrap();
    let trained: Vec<u64> = s
        .train(2 * CONV_RESTORER_EVERY)
        .unwrap()
        .iter()
        .filter(|st| st.r_loss != 0.0)
        .map(|st| st.step)
        .collect();
    assert_eq!(trained, vec![1, 1 + CONV_RESTORER_EVERY as u64]);

    s.reset(2, None).unwrap();
    let fresh = Bundle::from_bytes(&s.export_weights(Precision::F32).unwrap(), &device).unwrap();
    assert_eq!(
        fresh.arch.restorer.conv, None,
        "a fresh start trains the MLP restorer"
    );
    assert!(s.train(3).unwrap().iter().all(|st| st.r_loss != 0.0));

    s.reset(3, Some(&bytes)).unwrap();
    let back = Bundle::from_bytes(&s.export_weights(Precision::F32).unwrap(), &device).unwrap();
    assert_eq!(
        back.arch.restorer.conv,
        Some(4),
        "reloading the U-Net file brings it back"
    );
}
