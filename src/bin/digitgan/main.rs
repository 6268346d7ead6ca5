//! `digitgan`: train, generate, restore and evaluate from the command line.
//!
//! A default `digitgan train --steps 20000` run on the bundled digits reaches the quality numbers
//! in the README (`digitgan eval`); `--preset design` reproduces the article's plain MLP GAN.

use clap::{Parser, Subcommand};
use digitgan::damage::DamageKind;
use digitgan::data::MnistSubset;
use digitgan::error::{Error, Result};
use digitgan::eval::{ClassifierTrainConfig, train_classifier};
use digitgan::files::{read_npy, write, write_digits};
use digitgan::model::PIXELS;
use digitgan::restore::{LatentSearchConfig, latent_search, restore_network};
use digitgan::soup::same_weights;
use digitgan::train::{Models, TrainConfig, Trainer, train_device, uniform};
use digitgan::weights::{Architecture, Bundle, Precision};
use indicatif::{ProgressBar, ProgressStyle};
use rand::{SeedableRng, rngs::StdRng};
use std::path::{Path, PathBuf};

mod augment_cmd;
mod eval_cmd;

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
    Train {
        #[arg(long, default_value_t = 20000)]
        steps: u64,
        #[arg(long, default_value_t = 1)]
        seed: u64,
        #[arg(long)]
        out: PathBuf,
        /// "default" (the stable recipe) or "design" (the article's plain MLP GAN).
        #[arg(long, default_value = "default")]
        preset: String,
        #[arg(long)]
        batch: Option<usize>,
        #[arg(long)]
        lr: Option<f64>,
        /// Turn the E[log D(T(x))] augmentation term off.
        #[arg(long)]
        no_augment: bool,
        /// DiffAugment: a differentiable random translation + cutout on every image D sees,
        /// real and generated, in D's and G's steps.
        #[arg(long)]
        diff_augment: bool,
        /// DiffAugment's max shift in pixels (default 3).
        #[arg(long)]
        diff_augment_shift: Option<usize>,
        /// DiffAugment's cutout side in pixels (default 14; 0 = translation only).
        #[arg(long)]
        diff_augment_cutout: Option<usize>,
        /// Do not train the restorer (GAN only).
        #[arg(long)]
        no_restorer: bool,
        /// Train only the restorer, with G and D frozen (a cheap phase after GAN training;
        /// use with --from).
        #[arg(long, conflicts_with = "no_restorer")]
        restorer_only: bool,
        /// Keep G frozen; D and the restorer train against each other (use with --from).
        #[arg(long, conflicts_with_all = ["no_restorer", "restorer_only"])]
        freeze_generator: bool,
        /// Adam learning rate of the restorer (default 5e-4).
        #[arg(long)]
        restorer_lr: Option<f64>,
        /// λ of the restorer's L1 reconstruction loss (default 100).
        #[arg(long)]
        l1_weight: Option<f32>,
        /// Weight of the restorer's class term (D's class head must read the restored digit as
        /// the clean digit's label; default 0 = off, see NOTES.md).
        #[arg(long)]
        restorer_class_weight: Option<f32>,
        /// Weight of the restorer's feature-matching term in the restorer-only phase (L1 between
        /// the frozen D's hidden activations on restored and clean digits; default 0 = off).
        #[arg(long, requires = "restorer_only")]
        restorer_feature_weight: Option<f32>,
        /// In the restorer-only phase, train D as well, on clean digits against the restorer's
        /// output (a learned pix2pix discriminator; D then no longer matches G).
        #[arg(long, requires = "restorer_only")]
        restorer_trains_d: bool,
        /// Weight of the restorer's perceptual term in the restorer-only phase (cross-entropy from
        /// an auxiliary classifier's reading of the clean digit to its reading of the restored
        /// one; default 0 = off). Needs --perceptual-classifier.
        #[arg(long, requires_all = ["restorer_only", "perceptual_classifier"])]
        restorer_perceptual_weight: Option<f32>,
        /// The auxiliary classifier of the perceptual term: the classifier of these weights. Not
        /// the reference classifier `eval` judges with (train one with `--new-classifier --seed`).
        #[arg(long, requires = "restorer_perceptual_weight")]
        perceptual_classifier: Option<PathBuf>,
        /// Relative frequency of each damage kind in restorer training: five non-negative
        /// numbers for block, strokes, half, noise, salt-and-pepper (default 1,1,1,1,1).
        #[arg(long, value_delimiter = ',', allow_hyphen_values = true)]
        damage_weights: Option<Vec<f32>>,
        /// A convolutional restorer: a U-Net of this many channels (1–64) instead of the MLP.
        /// With --from it replaces the file's restorer with a fresh one.
        #[arg(long, value_parser = clap::value_parser!(u16).range(1..=64))]
        restorer_conv: Option<u16>,
        /// With --restorer-conv: a dense bottleneck of this many units in the U-Net (global
        /// context for big holes; default 0 = none).
        #[arg(long, requires = "restorer_conv", value_parser = clap::value_parser!(u16).range(0..=4096))]
        restorer_conv_global: Option<u16>,
        /// With --from: add this many units to the file's U-Net dense bottleneck, keeping what
        /// the restorer computes (the new units start with zero outgoing weights).
        #[arg(long, requires = "from", conflicts_with = "restorer_conv", value_parser = clap::value_parser!(u16).range(1..=4096))]
        grow_restorer_global: Option<u16>,
        /// Train on only the first K digits of each class.
        #[arg(long)]
        per_class: Option<usize>,
        /// Continue from these weights instead of starting from scratch.
        #[arg(long)]
        from: Option<PathBuf>,
        /// Write a sample grid every N steps (0 = only at the end).
        #[arg(long, default_value_t = 0)]
        sample_every: u64,
        /// Store tensors as f16 (half the size; the same as --precision f16).
        #[arg(long, conflicts_with = "precision")]
        half: bool,
        /// How weights.dgw stores tensors: f32, f16 or int8 (a quarter of f32; what the page
        /// downloads). Convert a file with `train --from IN --steps 0 --precision int8 --out DIR`.
        #[arg(long, value_parser = parse_precision)]
        precision: Option<Precision>,
        /// With --from: train a new reference classifier instead of keeping the file's.
        #[arg(long)]
        new_classifier: bool,
        /// Take the reference classifier from these weights instead of training one (saves its
        /// 6,000 steps in studies that only compare generators).
        #[arg(long, conflicts_with = "new_classifier")]
        classifier: Option<PathBuf>,
    },
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

/// The restorer of a `--from` file and its configuration, its U-Net bottleneck grown by `grow`
/// units if asked (`--grow-restorer-global`).
fn file_restorer(
    restorer: digitgan::model::Restorer,
    config: &digitgan::model::RestorerConfig,
    grow: Option<u16>,
    seed: u64,
    device: &burn::prelude::Device,
) -> Result<(digitgan::model::Restorer, digitgan::model::RestorerConfig)> {
    let Some(extra) = grow else {
        return Ok((restorer, config.clone()));
    };
    if config.conv.is_none() {
        return Err(Error::Input(
            "--grow-restorer-global: only a U-Net restorer (--restorer-conv) has a dense \
             bottleneck to grow"
                .into(),
        ));
    }
    let grown = digitgan::train::with_seeded_init(device, seed, || {
        restorer.widen_global(extra.into(), device)
    });
    let units = grown.global_units();
    Ok((grown, config.clone().with_conv_global(Some(units))))
}

fn run(cli: Cli) -> Result<()> {
    match cli.command {
        Command::Train {
            steps,
            seed,
            out,
            preset,
            batch,
            lr,
            no_augment,
            diff_augment,
            diff_augment_shift,
            diff_augment_cutout,
            no_restorer,
            restorer_only,
            freeze_generator,
            restorer_lr,
            l1_weight,
            restorer_class_weight,
            restorer_feature_weight,
            restorer_trains_d,
            restorer_perceptual_weight,
            perceptual_classifier,
            damage_weights,
            restorer_conv,
            restorer_conv_global,
            grow_restorer_global,
            per_class,
            from,
            sample_every,
            half,
            precision,
            new_classifier,
            classifier: classifier_from,
        } => {
            let mut config = TrainConfig::preset(&preset).ok_or_else(|| {
                Error::Input(format!("unknown preset '{preset}' (use default or design)"))
            })?;
            if let Some(b) = batch {
                config.batch_size = b;
            }
            if let Some(lr) = lr {
                config.lr = lr;
            }
            if no_augment {
                config.augment = false;
            }
            config.diff_augment = diff_augment;
            if let Some(s) = diff_augment_shift {
                config.diff_augment_ranges.max_shift = s.min(14);
            }
            if let Some(c) = diff_augment_cutout {
                config.diff_augment_ranges.cutout = c.min(28);
            }
            if no_restorer {
                config.train_restorer = false;
            }
            if restorer_only {
                config.train_gan = false;
            }
            if freeze_generator {
                config.train_generator = false;
            }
            if let Some(lr) = restorer_lr {
                config.restorer_lr = lr;
            }
            if let Some(w) = l1_weight {
                config.l1_weight = w;
            }
            if let Some(w) = restorer_class_weight {
                config.restorer_class_weight = w;
            }
            config.restorer_trains_discriminator = restorer_trains_d;
            if let Some(w) = restorer_feature_weight {
                config.restorer_feature_weight = w;
            }
            if let Some(w) = restorer_perceptual_weight {
                config.restorer_perceptual_weight = w;
            }
            if let Some(w) = damage_weights {
                digitgan::train::check_damage_weights(&w)
                    .map_err(|e| Error::Input(format!("--damage-weights: {e}")))?;
                config.damage_weights = w;
            }
            let conv_restorer = restorer_conv.map(|c| {
                digitgan::model::RestorerConfig::new()
                    .with_slope(config.restorer.slope)
                    .with_conv(Some(c as usize))
                    .with_conv_global(restorer_conv_global.map(usize::from))
            });
            if let Some(r) = &conv_restorer {
                config.restorer = r.clone();
            }
            let data = MnistSubset::bundled();
            let train_data = match per_class {
                Some(k) => data.train.take_per_class(k),
                None => data.train.clone(),
            };
            let device = train_device();
            let (mut trainer, classifier) = match &from {
                Some(p) => {
                    let b = load_bundle(Some(p))?;
                    config.generator = b.arch.generator.clone();
                    config.discriminator = b.arch.discriminator.clone();
                    // --restorer-conv already set config.restorer: a fresh one replaces the file's.
                    let restorer = match &conv_restorer {
                        Some(r) => {
                            digitgan::train::with_seeded_init(&device, seed, || r.init(&device))
                        }
                        None => {
                            let (r, c) = file_restorer(
                                b.restorer,
                                &b.arch.restorer,
                                grow_restorer_global,
                                seed,
                                &device,
                            )?;
                            config.restorer = c;
                            r
                        }
                    };
                    let models = Models {
                        generator: b.generator,
                        discriminator: b.discriminator,
                        restorer,
                    };
                    (
                        Trainer::with_models(config.clone(), models, train_data, seed),
                        (!new_classifier).then_some(b.classifier),
                    )
                }
                None => (Trainer::new(config.clone(), train_data, seed), None),
            };
            let classifier = match (classifier_from, classifier) {
                (Some(p), _) => load_bundle(Some(&p))?.classifier,
                (None, Some(c)) => c,
                (None, None) => {
                    let cfg = ClassifierTrainConfig::new();
                    let pb = bar(cfg.steps as u64, "classifier");
                    let c = train_classifier(&cfg, &data.train, seed, |_| pb.inc(1));
                    pb.finish();
                    c
                }
            };
            if let Some(p) = &perceptual_classifier {
                let aux = load_bundle(Some(p))?.classifier;
                // A restorer taught to please the classifier that scores it games the score.
                if same_weights(&aux, &classifier) {
                    return Err(Error::Input(format!(
                        "--perceptual-classifier {}: that is the reference classifier these \
                         weights are scored with; give one trained separately (README \"Session 6\")",
                        p.display()
                    )));
                }
                trainer = trainer.with_perceptual(aux);
            }
            std::fs::create_dir_all(&out)
                .map_err(|e| Error::Io(format!("cannot create {}: {e}", out.display())))?;
            let z = uniform(
                &mut StdRng::seed_from_u64(seed ^ 0x5a5a),
                100 * config.generator.latent,
            );
            let labels: Vec<u8> = (0..100).map(|i| (i % 10) as u8).collect();
            let mut log = String::from("step,d_loss,g_loss,r_loss,r_l1,d_real,d_fake\n");
            let pb = bar(steps, "train");
            let started = std::time::Instant::now();
            for _ in 0..steps {
                let s = trainer.step();
                if !s.is_finite() {
                    pb.abandon();
                    return Err(Error::Diverged(format!(
                        "non-finite loss at step {} ({s:?})",
                        s.step
                    )));
                }
                log.push_str(&format!(
                    "{},{},{},{},{},{},{}\n",
                    s.step, s.d_loss, s.g_loss, s.r_loss, s.r_l1, s.d_real, s.d_fake
                ));
                if s.step % 100 == 0 {
                    pb.set_prefix(format!(
                        "D {:.3} G {:.3} R {:.3} D(x) {:.2} D(G(z)) {:.2}",
                        s.d_loss, s.g_loss, s.r_loss, s.d_real, s.d_fake
                    ));
                }
                if sample_every > 0 && s.step % sample_every == 0 {
                    let g = trainer.models.generator.clone();
                    let img = digitgan::train::generate(&g, &z, Some(&labels), &device);
                    write_digits(&out.join(format!("samples-{:06}.png", s.step)), &img, 10)?;
                }
                pb.inc(1);
            }
            pb.finish();
            let secs = started.elapsed().as_secs_f64();
            println!(
                "trained {steps} steps in {secs:.0} s ({:.1} steps/s)",
                steps as f64 / secs.max(1e-9)
            );
            let bundle = Bundle {
                arch: Architecture {
                    generator: config.generator.clone(),
                    discriminator: config.discriminator.clone(),
                    restorer: config.restorer.clone(),
                    classifier: digitgan::model::ClassifierConfig::new(),
                },
                generator: trainer.models.generator.clone(),
                discriminator: trainer.models.discriminator.clone(),
                restorer: trainer.models.restorer.clone(),
                classifier,
            };
            let precision = precision.unwrap_or(if half { Precision::F16 } else { Precision::F32 });
            let bytes = bundle.to_bytes(precision)?;
            write(&out.join("weights.dgw"), &bytes)?;
            write(&out.join("losses.csv"), log.as_bytes())?;
            write(&out.join("config.json"), config.to_string().as_bytes())?;
            let g = trainer.models.generator.clone();
            write_digits(
                &out.join("samples.png"),
                &digitgan::train::generate(&g, &z, Some(&labels), &device),
                10,
            )?;
            println!(
                "wrote {}/weights.dgw ({} bytes), samples.png, losses.csv",
                out.display(),
                bytes.len()
            );
            Ok(())
        }
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
            if let Some(m) = &masks {
                if m.len() != images.len() {
                    return Err(Error::Input(format!(
                        "mask has {} digits but input has {}",
                        m.len() / PIXELS,
                        images.len() / PIXELS
                    )));
                }
            }
            let b = load_bundle(weights.as_deref())?;
            let device = train_device();
            let restored = match method.as_str() {
                "restorer" => restore_network(&b.restorer, &images, masks.as_deref(), &device)?,
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
