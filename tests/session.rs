//! The session the page drives: validation of every input, rollback, weights import.

use digitgan::data::BUNDLED;
use digitgan::session::{Options, Session};
use digitgan::weights::PRETRAINED;

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
    assert!(Session::new(b"garbage", None, 1).is_err());
    // A failed import leaves the model as it was.
    let before = s.export_weights().unwrap();
    assert!(
        s.import_weights(b"DGANWTS\0 broken", 1)
            .unwrap_err()
            .to_string()
            .contains("weights")
    );
    assert_eq!(s.export_weights().unwrap(), before);
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
fn divergence_rolls_back_and_says_so() {
    let mut s = session();
    s.train(3).unwrap();
    let good = s.generate(&[0.2; 100], Some(&[4])).unwrap();
    // An absurd learning rate makes the losses blow up within a few steps.
    s.set_options(&Options {
        lr: Some(0.1),
        ..Default::default()
    })
    .unwrap();
    let mut err = None;
    for _ in 0..200 {
        if let Err(e) = s.train(5) {
            err = Some(e.to_string());
            break;
        }
    }
    let err = err.expect("lr 0.1 diverges");
    assert!(
        err.contains("rolled back") && err.contains("lower learning rate"),
        "{err}"
    );
    let after = s.generate(&[0.2; 100], Some(&[4])).unwrap();
    assert!(after.iter().all(|v| v.is_finite()));
    let _ = good;
}

#[test]
fn the_same_seed_gives_the_same_weights_samples_and_restoration() {
    let run = || {
        let mut s = Session::new(BUNDLED, None, 42).unwrap();
        s.train(5).unwrap();
        let z = s.latents(4, 3).unwrap();
        let img = s.digits("test", 10, 1).unwrap().images;
        (
            s.export_weights().unwrap(),
            s.generate(&z, None).unwrap(),
            s.restore(&img, None).unwrap(),
        )
    };
    assert_eq!(run(), run());
}
