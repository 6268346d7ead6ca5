//! The CLI: files in and out, and one-line errors (never a panic) on bad input.

use std::path::PathBuf;
use std::process::{Command, Output};

fn digitgan(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_digitgan"))
        .args(args)
        .output()
        .expect("runs")
}

fn tmp(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("digitgan-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

fn succeeds(args: &[&str]) {
    let out = digitgan(args);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{args:?}: {err}");
}

fn fails_cleanly(args: &[&str], needle: &str) {
    let out = digitgan(args);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{args:?} should fail");
    assert!(!err.contains("panicked"), "{args:?} panicked: {err}");
    assert_eq!(err.trim().lines().count(), 1, "one-line error: {err}");
    assert!(
        err.contains(needle),
        "{args:?}: expected '{needle}' in: {err}"
    );
}

#[test]
fn generate_damage_restore_round_trip_through_files() {
    let gen_out = tmp("gen.npy");
    let out = digitgan(&[
        "generate",
        "--n",
        "12",
        "--digit",
        "3",
        "--out",
        gen_out.to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v = digitgan::files::read_npy(&gen_out).unwrap();
    assert_eq!(v.len(), 12 * 784);
    let png = tmp("gen.png");
    assert!(
        digitgan(&["generate", "--n", "4", "--out", png.to_str().unwrap()])
            .status
            .success()
    );
    assert_eq!(&std::fs::read(&png).unwrap()[1..4], b"PNG");

    let dir = tmp("damage");
    assert!(
        digitgan(&[
            "damage",
            "--kind",
            "block",
            "--n",
            "6",
            "--out",
            dir.to_str().unwrap()
        ])
        .status
        .success()
    );
    let restored = tmp("restored.npy");
    let (input, mask) = (dir.join("damaged.npy"), dir.join("mask.npy"));
    for method in ["restorer", "latent"] {
        let out = digitgan(&[
            "restore",
            "--input",
            input.to_str().unwrap(),
            "--mask",
            mask.to_str().unwrap(),
            "--method",
            method,
            "--out",
            restored.to_str().unwrap(),
        ]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(digitgan::files::read_npy(&restored).unwrap().len(), 6 * 784);
    }
}

#[test]
fn bad_files_and_options_get_one_line_errors() {
    let out = tmp("x.npy");
    let o = out.to_str().unwrap();
    fails_cleanly(
        &["restore", "--input", "/nonexistent.npy", "--out", o],
        "cannot read",
    );
    // Sizes that leave nothing to score (it used to panic inside a matmul).
    fails_cleanly(&["eval", "--restore-n", "0"], "--restore-n");
    fails_cleanly(&["eval", "--n", "0"], "--n");
    let text = tmp("text.npy");
    std::fs::write(&text, "hello").unwrap();
    fails_cleanly(
        &["restore", "--input", text.to_str().unwrap(), "--out", o],
        "not a .npy",
    );
    let wrong = tmp("wrong.npy");
    std::fs::write(
        &wrong,
        digitgan::files::npy_bytes_f32_shaped(&[3, 10, 10], &[0.0; 300]),
    )
    .unwrap();
    fails_cleanly(
        &["restore", "--input", wrong.to_str().unwrap(), "--out", o],
        "expected shape",
    );
    let two = tmp("two.npy");
    std::fs::write(
        &two,
        digitgan::files::npy_bytes_f32_shaped(&[2, 784], &[0.0; 1568]),
    )
    .unwrap();
    let one = tmp("one.npy");
    std::fs::write(
        &one,
        digitgan::files::npy_bytes_f32_shaped(&[1, 784], &[0.0; 784]),
    )
    .unwrap();
    fails_cleanly(
        &[
            "restore",
            "--input",
            two.to_str().unwrap(),
            "--mask",
            one.to_str().unwrap(),
            "--out",
            o,
        ],
        "mask has 1 digits but input has 2",
    );
    fails_cleanly(
        &[
            "restore",
            "--input",
            one.to_str().unwrap(),
            "--method",
            "magic",
            "--out",
            o,
        ],
        "unknown method",
    );
    let junk = tmp("junk.dgw");
    std::fs::write(&junk, b"DGANWTS\0 definitely not weights").unwrap();
    fails_cleanly(
        &["generate", "--weights", junk.to_str().unwrap(), "--out", o],
        "weights",
    );
    fails_cleanly(&["generate", "--digit", "12", "--out", o], "--digit");
    for bad in ["--restorer-elastic=-1", "--restorer-elastic=NaN"] {
        let args = ["train", "--steps", "0", bad, "--out", o];
        fails_cleanly(&args, "--restorer-elastic must be a positive number");
    }
    fails_cleanly(
        &["generate", "--out", tmp("x.txt").to_str().unwrap()],
        ".npy or .png",
    );
}

/// `average` writes a weights file the other commands load, and names the file it cannot read.
#[test]
fn average_writes_loadable_weights_and_refuses_junk() {
    let shipped = concat!(env!("CARGO_MANIFEST_DIR"), "/assets/pretrained.dgw");
    let dir = tmp("soup");
    let d = dir.to_str().unwrap();
    let out = digitgan(&["average", shipped, shipped, "--out", d]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let png = tmp("soup.png");
    let out = digitgan(&[
        "generate",
        "--weights",
        d,
        "--n",
        "10",
        "--out",
        png.to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let junk = tmp("junk-soup.dgw");
    std::fs::write(&junk, b"not weights").unwrap();
    fails_cleanly(
        &["average", shipped, junk.to_str().unwrap(), "--out", d],
        "junk-soup.dgw",
    );
}

/// The perceptual term must not be taught by the classifier that scores the restorer.
#[test]
fn the_judge_is_refused_as_perceptual_classifier() {
    let shipped = concat!(env!("CARGO_MANIFEST_DIR"), "/assets/pretrained.dgw");
    let out = tmp("perceptual-judge");
    fails_cleanly(
        &[
            "train",
            "--from",
            shipped,
            "--restorer-only",
            "--steps",
            "1",
            "--restorer-perceptual-weight",
            "1",
            "--perceptual-classifier",
            shipped,
            "--out",
            out.to_str().unwrap(),
        ],
        "reference classifier",
    );
    assert!(!out.exists(), "nothing written");
}

/// `--restorer-from` puts another file's restorer beside the --from file's other networks: the
/// result restores exactly as that file does.
#[test]
fn restorer_from_grafts_another_files_restorer() {
    let shipped = concat!(env!("CARGO_MANIFEST_DIR"), "/assets/pretrained.dgw");
    let path = |name: &str| tmp(name).to_str().unwrap().to_string();
    let (fresh, graft, dmg) = (path("fresh"), path("graft"), path("graft-dmg"));
    let fresh_args = ["--restorer-conv", "4", "--steps", "0", "--seed", "3"];
    succeeds(
        &[
            &["train", "--from", shipped][..],
            &fresh_args,
            &["--out", &fresh],
        ]
        .concat(),
    );
    let graft_args = ["--restorer-from", &fresh, "--steps", "0", "--out", &graft];
    succeeds(&[&["train", "--from", shipped][..], &graft_args].concat());
    succeeds(&["damage", "--kind", "block", "--n", "4", "--out", &dmg]);
    let restored = |weights: &str, name: &str| {
        let out = path(name);
        let (input, mask) = (format!("{dmg}/damaged.npy"), format!("{dmg}/mask.npy"));
        succeeds(&[
            "restore",
            "--input",
            &input,
            "--mask",
            &mask,
            "--weights",
            weights,
            "--out",
            &out,
        ]);
        std::fs::read(out).unwrap()
    };
    let from_graft = restored(&graft, "graft.npy");
    assert_eq!(from_graft, restored(&fresh, "fresh.npy"));
    assert_ne!(from_graft, restored(shipped, "shipped.npy"));
    // clap's own usage error (several lines) for a missing --from.
    let out = digitgan(&[&["train"][..], &graft_args].concat());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success() && err.contains("--from <FROM>"),
        "{err}"
    );
    fails_cleanly(
        &[
            "train",
            "--steps",
            "0",
            "--restorer-label-mix",
            "2",
            "--out",
            &graft,
        ],
        "--restorer-label-mix must be in 0..1",
    );
    // A flag for a classifier that is not trained here is refused, not ignored.
    fails_cleanly(
        &[
            "train",
            "--from",
            shipped,
            "--steps",
            "0",
            "--classifier-lr-constant",
            "--out",
            &graft,
        ],
        "--classifier-lr-constant: no classifier is trained here",
    );
}

/// `--per-class K` holds the validation digits out of every network, the judge included: a
/// judge that had seen them would score their restorations too kindly.
#[test]
fn per_class_holds_the_judge_out_too() {
    let shipped = concat!(env!("CARGO_MANIFEST_DIR"), "/assets/pretrained.dgw");
    let out = tmp("held-out-judge");
    let out = out.to_str().unwrap();
    let args = [
        "--steps",
        "0",
        "--new-classifier",
        "--per-class",
        "2",
        "--out",
        out,
    ];
    succeeds(&[&["train", "--from", shipped][..], &args].concat());
    let (_, j) = quick_eval("held-out-judge.json", "1", &["--weights", out]);
    let accuracy = j["classifier_test_accuracy"].as_f64().unwrap();
    // Two digits per class cannot make a 90% judge; all 700 make one of ~97%.
    assert!(
        accuracy < 0.9,
        "judge trained on 20 digits reads {accuracy}"
    );
}

/// A quick `digitgan eval` (20 generated, `restore_n` damaged digits of each kind, no latent
/// search) of the embedded weights with `extra` flags: its stdout and its JSON.
fn quick_eval(name: &str, restore_n: &str, extra: &[&str]) -> (String, serde_json::Value) {
    let json = tmp(name);
    let mut args = vec![
        "eval",
        "--n",
        "20",
        "--restore-n",
        restore_n,
        "--latent-n",
        "0",
    ];
    args.extend_from_slice(extra);
    args.extend_from_slice(&["--json", json.to_str().unwrap()]);
    let out = digitgan(&args);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let j = serde_json::from_slice(&std::fs::read(&json).unwrap()).unwrap();
    (String::from_utf8_lossy(&out.stdout).into_owned(), j)
}

#[test]
fn eval_scores_the_targets_and_writes_them_as_json() {
    let (stdout, j) = quick_eval("eval.json", "30", &[]);
    assert!(stdout.contains("targets of the core issue"), "{stdout}");
    let targets = j["targets"].as_array().expect("a targets list");
    // Five damage types beat their baselines, blocks and noise near clean, the FD ratio.
    assert_eq!(targets.len(), 8, "{targets:?}");
    assert!(targets.iter().all(|t| t["met"].is_boolean()));
    // Each verdict agrees with the numbers beside it in the same file.
    let fd = &j["generated"];
    let ratio = fd["frechet"].as_f64().unwrap() / fd["frechet_train_vs_test"].as_f64().unwrap();
    assert_eq!(targets[7]["met"].as_bool(), Some(ratio <= 2.0));
}

#[test]
fn eval_scores_a_validation_split_without_the_targets() {
    let (stdout, j) = quick_eval("validation.json", "20", &["--validation", "690"]);
    assert!(stdout.contains("20 validation digits"), "{stdout}");
    // The targets are read on the test split only.
    assert!(!stdout.contains("targets of the core issue"), "{stdout}");
    assert!(j["targets"].is_null());
    fails_cleanly(
        &["eval", "--validation", "700"],
        "no training digit comes after the first 700",
    );
}
