//! `digitgan`: train, generate, restore and evaluate from the command line.
//!
//! A default `digitgan train --steps 20000` run on the bundled digits reaches the quality numbers
//! in the README (`digitgan eval`); `--preset design` reproduces the article's plain MLP GAN.

use clap::{Parser, Subcommand};
use digitgan::damage::DamageKind;
use digitgan::data::MnistSubset;
use digitgan::error::{Error, Result};
use digitgan::files::{read_npy, write, write_digits};
use digitgan::model::PIXELS;
use digitgan::restore::{LatentSearchConfig, latent_search, restore_told};
use digitgan::train::{train_device, uniform};
use digitgan::weights::{Bundle, Precision};
use indicatif::{ProgressBar, ProgressStyle};
use rand::{SeedableRng, rngs::StdRng};
use std::path::{Path, PathBuf};

mod augment_cmd;
mod eval_cmd;
mod targets;
mod train_cmd;

#[derive(Parser)]
#[command(
    name = "digitgan",
    version,
    about = "Train a GAN on handwritten digits, generate and restore them"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Train G, D and the restorer on the bundled digits; writes weights, a sample grid and a loss log.
    Train(Box<train_cmd::TrainArgs>),
    /// Generate digits with a trained generator.
    Generate {
        #[arg(long, default_value_t = 64)]
        n: usize,
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// The digit to generate (class-conditional models); default: 0..9 in turn.
        #[arg(long)]
        digit: Option<u8>,
        /// Weights file or a folder holding weights.dgw (default: the embedded pretrained weights).
        #[arg(long)]
        weights: Option<PathBuf>,
        /// Output .npy ([N,28,28] float32) or .png grid.
        #[arg(long)]
        out: PathBuf,
    },
    /// Restore damaged digits.
    Restore {
        /// Damaged digits, .npy [N,28,28] or [N,784], float in [0,1] or uint8.
        #[arg(long)]
        input: PathBuf,
        /// Mask .npy of the same shape, 1 = unknown pixel (omit for blind restoration).
        #[arg(long)]
        mask: Option<PathBuf>,
        #[arg(long, default_value = "restorer")]
        method: String,
        #[arg(long)]
        weights: Option<PathBuf>,
        #[arg(long, default_value_t = 1)]
        seed: u64,
        #[arg(long)]
        out: PathBuf,
    },
    /// Average the restorers of several weights files fine-tuned from one parent (a "model
    /// soup"); G, D and the classifier come from the first file, or from --parent.
    Average {
        /// Two or more weights files (or folders holding weights.dgw).
        #[arg(required = true, num_args = 2..)]
        weights: Vec<PathBuf>,
        /// The file they were fine-tuned from: its G, D and classifier go into the result, and
        /// the files' D may differ from it (fine-tunes with --restorer-trains-d).
        #[arg(long)]
        parent: Option<PathBuf>,
        /// Output folder (weights.dgw).
        #[arg(long)]
        out: PathBuf,
        /// f32, f16 or int8.
        #[arg(long, value_parser = parse_precision, default_value = "f32")]
        precision: Precision,
    },
    /// Damage test digits (to try `restore` on): writes clean, damaged and mask .npy files.
    Damage {
        #[arg(long, default_value = "block")]
        kind: String,
        #[arg(long, default_value_t = 16)]
        n: usize,
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Output folder.
        #[arg(long)]
        out: PathBuf,
    },
    /// Prints, as JSON, what a seeded session computes (samples and restorations after a few
    /// training steps from scratch); the wasm parity test compares it with the browser build.
    #[command(hide = true)]
    Parity {
        #[arg(long, default_value_t = 42)]
        seed: u64,
        #[arg(long, default_value_t = 3)]
        steps: usize,
    },
    /// Score weights on the test split: generation quality and restoration vs baselines.
    Eval {
        #[arg(long)]
        weights: Option<PathBuf>,
        /// Generated digits to score.
        #[arg(long, default_value_t = 1000)]
        n: usize,
        /// Damaged test digits per damage type.
        #[arg(long, default_value_t = 600)]
        restore_n: usize,
        /// Latent-search restorations per damage type (slow).
        #[arg(long, default_value_t = 50)]
        latent_n: usize,
        /// Latent search: Adam steps (default 120; the page uses 50).
        #[arg(long)]
        latent_steps: Option<usize>,
        /// Latent search: starting points per class (default 2; the page uses 1).
        #[arg(long)]
        latent_starts: Option<usize>,
        /// Latent search: Adam learning rate on z (default 0.05).
        #[arg(long)]
        latent_lr: Option<f32>,
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Also write the results as JSON here.
        #[arg(long)]
        json: Option<PathBuf>,
        /// Score with the reference classifier of these weights (default: the embedded one), so
        /// runs that trained their own classifiers are compared in one feature space.
        #[arg(long)]
        classifier: Option<PathBuf>,
        /// Also train a classifier of the reference's size directly on damaged training digits of
        /// each kind (mask marked) and score it on the damaged test digits: a yardstick for the
        /// restorer's accuracy (about 1 min per kind).
        #[arg(long)]
        damaged_reference: bool,
        /// Score restoration on training digits (the first 60 of each class) instead of the
        /// test split: against the test scores, how much the restorer has learnt by heart. (The
        /// nearest-training-digit baseline then finds the digit itself.)
        #[arg(long)]
        on_training_digits: bool,
        /// Score restoration on the training digits after the first K of each class instead of
        /// the test split: a validation split for weights trained with `train --per-class K`
        /// (choose among candidates there, not on the test split).
        #[arg(long, value_name = "K", conflicts_with = "on_training_digits")]
        validation: Option<usize>,
    },
    /// Train the reference classifier on K real digits per class, alone, plus M generated per
    /// class, or plus M transformed copies T(x) per class; prints test accuracies over seeds.
    AugmentEval {
        /// Real digits per class, comma-separated.
        #[arg(long, value_delimiter = ',', default_value = "5,10,50")]
        k: Vec<usize>,
        /// Generated (or transformed) digits per class added to the real ones.
        #[arg(long, default_value_t = 100)]
        m: usize,
        #[arg(long, default_value_t = 3)]
        seeds: usize,
        /// Adam steps of each classifier.
        #[arg(long, default_value_t = 1000)]
        steps: usize,
        /// Use the first K digits of each class (those `train --per-class K` sees) for every
        /// seed instead of a random draw per seed.
        #[arg(long)]
        first_k: bool,
        #[arg(long)]
        weights: Option<PathBuf>,
        /// Also write the results as JSON here.
        #[arg(long)]
        json: Option<PathBuf>,
    },
    /// Write generated digits with their labels: images.npy (float32 [N,28,28]), labels.npy
    /// (uint8 [N]), sprite.png (28×28 cells) and labels.txt (row-major labels of the cells).
    ExportAugmented {
        #[arg(long)]
        n_per_class: usize,
        #[arg(long, default_value_t = 1)]
        seed: u64,
        #[arg(long)]
        weights: Option<PathBuf>,
        /// Output folder.
        #[arg(long)]
        out: PathBuf,
    },
}

fn main() {
    digitgan::malloc::keep_buffers(); // before the first tensor: fewer page faults per op
    if let Err(e) = run(Cli::parse()) {
        eprintln!("error: {e}");
        std::process::exit(1);
    }
}

/// Loads weights from a file or a folder with weights.dgw; the embedded ones by default.
pub fn load_bundle(path: Option<&Path>) -> Result<Bundle> {
    let device = train_device();
    match path {
        None => Bundle::from_bytes(digitgan::weights::PRETRAINED, &device),
        Some(p) => {
            let file = if p.is_dir() {
                p.join("weights.dgw")
            } else {
                p.to_path_buf()
            };
            let bytes = std::fs::read(&file)
                .map_err(|e| Error::Io(format!("cannot read {}: {e}", file.display())))?;
            Bundle::from_bytes(&bytes, &device)
                .map_err(|e| Error::Weights(format!("{}: {e}", file.display())))
        }
    }
}

fn bar(len: u64, what: &str) -> ProgressBar {
    let bar = ProgressBar::new(len);
    bar.set_style(
        ProgressStyle::with_template(
            "{msg:>10} [{elapsed_precise}] {wide_bar} {pos}/{len} ({per_sec}, eta {eta}) {prefix}",
        )
        .unwrap(),
    );
    bar.set_message(what.to_string());
    bar
}

fn run(cli: Cli) -> Result<()> {
    match cli.command {
        Command::Train(args) => train_cmd::run(*args),
        Command::Generate {
            n,
            seed,
            digit,
            weights,
            out,
        } => {
            if n == 0 || n > 100_000 {
                return Err(Error::Input("--n must be in 1..=100000".into()));
            }
            if digit.is_some_and(|d| d > 9) {
                return Err(Error::Input("--digit must be 0..9".into()));
            }
            let b = load_bundle(weights.as_deref())?;
            let z = uniform(
                &mut StdRng::seed_from_u64(seed),
                n * b.arch.generator.latent,
            );
            let labels: Vec<u8> = (0..n).map(|i| digit.unwrap_or((i % 10) as u8)).collect();
            let images =
                digitgan::train::generate(&b.generator, &z, Some(&labels), &train_device());
            write_digits(&out, &images, 10)?;
            println!("wrote {n} digits to {}", out.display());
            Ok(())
        }
        Command::Restore {
            input,
            mask,
            method,
            weights,
            seed,
            out,
        } => {
            let images = read_npy(&input)?;
            let masks = mask.as_deref().map(read_npy).transpose()?;
            if let Some(m) = &masks
                && m.len() != images.len()
            {
                return Err(Error::Input(format!(
                    "mask has {} digits but input has {}",
                    m.len() / PIXELS,
                    images.len() / PIXELS
                )));
            }
            let b = load_bundle(weights.as_deref())?;
            let device = train_device();
            let restored = match method.as_str() {
                "restorer" => {
                    restore_told(&b.restorer, &b.readers, &images, masks.as_deref(), &device)?
                }
                "latent" => {
                    let cfg = LatentSearchConfig::new();
                    let n = images.len() / PIXELS;
                    let pb = bar(n as u64, "restore");
                    let mut out = Vec::with_capacity(images.len());
                    for i in 0..n {
                        let img = &images[i * PIXELS..(i + 1) * PIXELS];
                        let m = masks.as_ref().map(|m| &m[i * PIXELS..(i + 1) * PIXELS]);
                        out.extend(latent_search(
                            &b.generator,
                            &b.discriminator,
                            img,
                            m,
                            seed + i as u64,
                            &cfg,
                            &device,
                        )?);
                        pb.inc(1);
                    }
                    pb.finish();
                    out
                }
                other => {
                    return Err(Error::Input(format!(
                        "unknown method '{other}' (use restorer or latent)"
                    )));
                }
            };
            write_digits(&out, &restored, 10)?;
            println!(
                "wrote {} restored digits to {}",
                restored.len() / PIXELS,
                out.display()
            );
            Ok(())
        }
        Command::Average {
            weights,
            parent,
            out,
            precision,
        } => {
            let bundles = weights
                .iter()
                .map(|w| load_bundle(Some(w)))
                .collect::<Result<Vec<_>>>()?;
            let parent = parent.map(|p| load_bundle(Some(&p))).transpose()?;
            let bytes = digitgan::soup::average_restorers(bundles, parent)?.to_bytes(precision)?;
            write(&out.join("weights.dgw"), &bytes)?;
            println!(
                "averaged {} restorers into {}/weights.dgw ({} bytes)",
                weights.len(),
                out.display(),
                bytes.len()
            );
            Ok(())
        }
        Command::Damage { kind, n, seed, out } => {
            let kind = DamageKind::parse(&kind).ok_or_else(|| {
                Error::Input(format!(
                    "unknown damage '{kind}' (block, strokes, half, noise, salt-pepper)"
                ))
            })?;
            let test = MnistSubset::bundled().test;
            let mut rng = StdRng::seed_from_u64(seed);
            let (mut clean, mut damaged, mut mask) = (Vec::new(), Vec::new(), Vec::new());
            for i in 0..n.min(test.len()) {
                let idx = (i * 37) % test.len();
                let d = digitgan::damage::damage(test.image(idx), kind, &mut rng);
                clean.extend_from_slice(test.image(idx));
                damaged.extend_from_slice(&d.image);
                mask.extend(d.mask.unwrap_or_else(|| vec![0.0; PIXELS]));
            }
            write_digits(&out.join("clean.npy"), &clean, 10)?;
            write_digits(&out.join("damaged.npy"), &damaged, 10)?;
            write_digits(&out.join("damaged.png"), &damaged, 10)?;
            if kind.is_erasure() {
                write_digits(&out.join("mask.npy"), &mask, 10)?;
            }
            println!(
                "wrote clean.npy, damaged.npy{} to {}",
                if kind.is_erasure() { ", mask.npy" } else { "" },
                out.display()
            );
            Ok(())
        }
        Command::Parity { seed, steps } => {
            let mut s = digitgan::session::Session::new(digitgan::data::BUNDLED, None, seed)?;
            let stats = s.train(steps)?;
            let z = s.latents(8, 3)?;
            let samples = s.generate(&z, None)?;
            let img = s.digits("test", 10, 1)?.images;
            let restored = s.restore(&img, None)?;
            let json =
                serde_json::json!({ "stats": stats, "samples": samples, "restored": restored });
            println!("{json}");
            Ok(())
        }
        Command::Eval {
            weights,
            n,
            restore_n,
            latent_n,
            latent_steps,
            latent_starts,
            latent_lr,
            seed,
            json,
            classifier,
            damaged_reference,
            on_training_digits,
            validation,
        } => {
            let mut latent = digitgan::restore::LatentSearchConfig::new();
            if let Some(s) = latent_steps {
                latent.steps = s.clamp(1, 10_000);
            }
            if let Some(s) = latent_starts {
                latent.starts = s.clamp(1, 100);
            }
            if let Some(lr) = latent_lr {
                latent.lr = lr;
            }
            let mut b = load_bundle(weights.as_deref())?;
            if let Some(c) = classifier.as_deref() {
                b.classifier = load_bundle(Some(c))?.classifier;
            }
            eval_cmd::run(
                &b,
                &eval_cmd::EvalOptions {
                    n,
                    restore_n,
                    latent_n,
                    latent,
                    seed,
                    json,
                    damaged_reference,
                    split: match (validation, on_training_digits) {
                        (Some(k), _) => eval_cmd::RestoreSplit::Validation(k),
                        (None, true) => eval_cmd::RestoreSplit::Training,
                        (None, false) => eval_cmd::RestoreSplit::Test,
                    },
                },
            )
        }
        Command::AugmentEval {
            k,
            m,
            seeds,
            steps,
            first_k,
            weights,
            json,
        } => {
            let b = load_bundle(weights.as_deref())?;
            let config = digitgan::augment::AugmentEvalConfig::new()
                .with_k(k)
                .with_m(m)
                .with_seeds(seeds)
                .with_steps(steps)
                .with_first_k(first_k);
            augment_cmd::eval(&b, &config, json.as_deref())
        }
        Command::ExportAugmented {
            n_per_class,
            seed,
            weights,
            out,
        } => augment_cmd::export(&load_bundle(weights.as_deref())?, n_per_class, seed, &out),
    }
}

fn parse_precision(name: &str) -> std::result::Result<Precision, String> {
    Precision::parse(name).ok_or_else(|| format!("unknown precision '{name}' (f32, f16 or int8)"))
}
