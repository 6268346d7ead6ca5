//! `digitgan train`: its flags, the training configuration they make, and the run itself.

use crate::{bar, load_bundle, parse_precision};
use burn::prelude::Device;
use clap::Args;
use digitgan::data::{Digits, MnistSubset};
use digitgan::error::{Error, Result};
use digitgan::eval::{ClassifierTrainConfig, train_classifier};
use digitgan::files::{write, write_digits};
use digitgan::model::{Classifier, ClassifierConfig, Restorer, RestorerConfig};
use digitgan::reader::{Reader, ReaderConfig, ReaderTrainConfig, train_reader};
use digitgan::soup::same_weights;
use digitgan::train::{Models, RestorerTargets, TrainConfig, Trainer, train_device, uniform};
use digitgan::weights::{Architecture, Bundle, Precision};
use rand::{SeedableRng, rngs::StdRng};
use std::path::{Path, PathBuf};

#[derive(Args)]
pub struct TrainArgs {
    #[arg(long, default_value_t = 20000)]
    pub steps: u64,
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    #[arg(long)]
    pub out: PathBuf,
    /// "default" (the stable recipe) or "design" (the article's plain MLP GAN).
    #[arg(long, default_value = "default")]
    pub preset: String,
    #[arg(long)]
    pub batch: Option<usize>,
    #[arg(long)]
    pub lr: Option<f64>,
    /// Turn the E[log D(T(x))] augmentation term off.
    #[arg(long)]
    pub no_augment: bool,
    /// DiffAugment: a differentiable random translation + cutout on every image D sees,
    /// real and generated, in D's and G's steps.
    #[arg(long)]
    pub diff_augment: bool,
    /// DiffAugment's max shift in pixels (default 3).
    #[arg(long)]
    pub diff_augment_shift: Option<usize>,
    /// DiffAugment's cutout side in pixels (default 14; 0 = translation only).
    #[arg(long)]
    pub diff_augment_cutout: Option<usize>,
    /// Do not train the restorer (GAN only).
    #[arg(long)]
    pub no_restorer: bool,
    /// Train only the restorer, with G and D frozen (a cheap phase after GAN training;
    /// use with --from).
    #[arg(long, conflicts_with = "no_restorer")]
    pub restorer_only: bool,
    /// Keep G frozen; D and the restorer train against each other (use with --from).
    #[arg(long, conflicts_with_all = ["no_restorer", "restorer_only"])]
    pub freeze_generator: bool,
    /// Adam learning rate of the restorer (default 5e-4).
    #[arg(long)]
    pub restorer_lr: Option<f64>,
    /// Anneal the restorer's learning rate to 0 along a half cosine over this run's --steps
    /// (default: constant).
    #[arg(long)]
    pub restorer_lr_cosine: bool,
    /// Of the rows a class-conditional restorer is told a label, this fraction (0..1) is told
    /// a blend of the true class and a random other one instead, as a reader's uncertain
    /// probabilities would tell it (default 0 = one-hots only).
    #[arg(long)]
    pub restorer_label_mix: Option<f32>,
    /// The smallest weight of the true class in such a blend (default 0.2).
    #[arg(long, requires = "restorer_label_mix")]
    pub restorer_label_mix_min: Option<f32>,
    /// λ of the restorer's L1 reconstruction loss (default 100).
    #[arg(long)]
    pub l1_weight: Option<f32>,
    /// Weight of the restorer's class term (D's class head must read the restored digit as
    /// the clean digit's label; default 0 = off, see NOTES.md).
    #[arg(long)]
    pub restorer_class_weight: Option<f32>,
    /// Weight of the restorer's feature-matching term in the restorer-only phase (L1 between
    /// the frozen D's hidden activations on restored and clean digits; default 0 = off).
    #[arg(long, requires = "restorer_only")]
    pub restorer_feature_weight: Option<f32>,
    /// In the restorer-only phase, train D as well, on clean digits against the restorer's
    /// output (a learned pix2pix discriminator; D then no longer matches G).
    #[arg(long, requires = "restorer_only")]
    pub restorer_trains_d: bool,
    /// Transform each clean digit by a random T(x) (rotation, scale, shift, thickness) before
    /// damaging it for the restorer: new digits every step instead of the same 7,000.
    #[arg(long, conflicts_with_all = ["restorer_shift", "restorer_elastic"])]
    pub restorer_augment: bool,
    /// Shift each clean digit by up to this many whole pixels before damaging it for the
    /// restorer (no resampling blur; default 0 = off).
    #[arg(long, conflicts_with = "restorer_elastic")]
    pub restorer_shift: Option<usize>,
    /// Bend each clean digit by a random whole-pixel elastic warp of up to this many pixels
    /// before damaging it for the restorer (no resampling blur; default 0 = off).
    #[arg(long)]
    pub restorer_elastic: Option<f32>,
    /// Fraction of each restorer-only batch drawn from the generator instead of the training
    /// digits (0–1; default 0).
    #[arg(long, requires = "restorer_only")]
    pub restorer_generated: Option<f32>,
    /// Weight of the restorer's perceptual term in the restorer-only phase (cross-entropy from
    /// an auxiliary classifier's reading of the clean digit to its reading of the restored
    /// one; default 0 = off). Needs --perceptual-classifier.
    #[arg(long, requires_all = ["restorer_only", "perceptual_classifier"])]
    pub restorer_perceptual_weight: Option<f32>,
    /// The auxiliary classifier of the perceptual term: the classifier of these weights. Not
    /// the reference classifier `eval` judges with (train one with `--new-classifier --seed`).
    #[arg(long, requires = "restorer_perceptual_weight")]
    pub perceptual_classifier: Option<PathBuf>,
    /// Relative frequency of each damage kind in restorer training: five non-negative
    /// numbers for block, strokes, half, noise, salt-and-pepper (default 1,1,1,1,1).
    #[arg(long, value_delimiter = ',', allow_hyphen_values = true)]
    pub damage_weights: Option<Vec<f32>>,
    /// A convolutional restorer: a U-Net of this many channels (1–64) instead of the MLP.
    /// With --from it replaces the file's restorer with a fresh one.
    #[arg(long, value_parser = clap::value_parser!(u16).range(1..=64))]
    pub restorer_conv: Option<u16>,
    /// With --restorer-conv: a dense bottleneck of this many units in the U-Net (global
    /// context for big holes; default 0 = none).
    #[arg(long, requires = "restorer_conv", value_parser = clap::value_parser!(u16).range(0..=4096))]
    pub restorer_conv_global: Option<u16>,
    /// With --from: add this many units to the file's U-Net dense bottleneck, keeping what
    /// the restorer computes (the new units start with zero outgoing weights).
    #[arg(long, requires = "from", conflicts_with = "restorer_conv", value_parser = clap::value_parser!(u16).range(1..=4096))]
    pub grow_restorer_global: Option<u16>,
    /// Train on only the first K digits of each class (every network, the reference classifier
    /// too: `eval --validation K` then judges with a classifier that has not seen its digits).
    #[arg(long)]
    pub per_class: Option<usize>,
    /// Continue from these weights instead of starting from scratch.
    #[arg(long)]
    pub from: Option<PathBuf>,
    /// Write a sample grid every N steps (0 = only at the end).
    #[arg(long, default_value_t = 0)]
    pub sample_every: u64,
    /// Store tensors as f16 (half the size; the same as --precision f16).
    #[arg(long, conflicts_with = "precision")]
    pub half: bool,
    /// How weights.dgw stores tensors: f32, f16 or int8 (a quarter of f32; what the page
    /// downloads). Convert a file with `train --from IN --steps 0 --precision int8 --out DIR`.
    #[arg(long, value_parser = parse_precision)]
    pub precision: Option<Precision>,
    /// With --from: train a new reference classifier instead of keeping the file's.
    #[arg(long)]
    pub new_classifier: bool,
    /// With a new classifier: keep its learning rate constant, the recipe before session 15,
    /// instead of annealing it to 0 along a half cosine (docs/experiments.md "Session 15": the
    /// constant-lr judge's accuracy spreads by 3 points over seeds, the annealed one's by 0.8).
    #[arg(long)]
    pub classifier_lr_constant: bool,
    /// Take the reference classifier from these weights instead of training one (saves its
    /// 6,000 steps in studies that only compare generators).
    #[arg(long, conflicts_with = "new_classifier")]
    pub classifier: Option<PathBuf>,
    /// Train a reader (a CNN that names the digit in a damaged image, `reader.rs`) for this
    /// many steps on the damage mix of --damage-weights, and ship it in the weights. Without
    /// it, the reader of a --from file is kept.
    #[arg(long)]
    pub train_reader: Option<usize>,
    /// With --from: take the restorer of these weights instead of the --from file's (put a
    /// restorer trained elsewhere beside this file's G, D, classifier and readers).
    #[arg(long, requires = "from", conflicts_with = "restorer_conv")]
    pub restorer_from: Option<PathBuf>,
    /// Take the readers of these weights (instead of the --from file's); repeat it to ship an
    /// ensemble (the restorer is told the mean of their readings). With --train-reader: one
    /// file with one reader, trained on from it.
    #[arg(long)]
    pub reader_from: Vec<PathBuf>,
    /// With --train-reader: the reader's peak learning rate (default 1e-3; annealed to 0).
    #[arg(long, requires = "train_reader")]
    pub reader_lr: Option<f64>,
    /// With --train-reader: channels of the reader's first convolution (default 32).
    #[arg(long, requires = "train_reader", value_parser = clap::value_parser!(u16).range(1..=64))]
    pub reader_width: Option<u16>,
    /// With --train-reader: dropout on the reader's dense layer while training (default 0).
    #[arg(long, requires = "train_reader")]
    pub reader_dropout: Option<f64>,
    /// With --train-reader: digits per reader step (default 64).
    #[arg(long, requires = "train_reader", value_parser = clap::value_parser!(u16).range(1..=1024))]
    pub reader_batch: Option<u16>,
    /// With --train-reader: the fraction of erasures it sees without their mask (default 0.25,
    /// as the restorer is trained blind; the page reads a drawn digit blind).
    #[arg(long, requires = "train_reader")]
    pub reader_blind_fraction: Option<f32>,
    /// With --train-reader: the fraction of its clean digits passed through the random
    /// transform T(x) before they are damaged (default 1: every digit; T(x) blurs slightly).
    #[arg(long, requires = "train_reader")]
    pub reader_augment_fraction: Option<f32>,
    /// With --train-reader: the pooled layout (two stride-1 convolutions per level, each level
    /// ending in 2×2 max pooling) instead of strided convolutions.
    #[arg(long, requires = "train_reader")]
    pub reader_pooled: bool,
    /// With --train-reader: batch normalisation after each of the reader's convolutions.
    #[arg(long, requires = "train_reader")]
    pub reader_batch_norm: bool,
    /// A class-conditional U-Net restorer (told the digit: the true label in training, the
    /// reader's reading at inference). With --from: the file's U-Net, starting as the same
    /// function; with --restorer-conv: the fresh U-Net.
    #[arg(long)]
    pub restorer_classes: bool,
}

/// The restorer of a `--from` file and its configuration, its U-Net bottleneck grown by `grow`
/// units if asked (`--grow-restorer-global`).
fn file_restorer(
    restorer: Restorer,
    config: &RestorerConfig,
    grow: Option<u16>,
    seed: u64,
    device: &Device,
) -> Result<(Restorer, RestorerConfig)> {
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

impl TrainArgs {
    /// The restorer's moved targets the flags ask for (clap lets at most one through), None for
    /// the preset's.
    fn restorer_targets(&self) -> Result<Option<RestorerTargets>> {
        if let Some(max) = self.restorer_elastic {
            if !(max.is_finite() && max > 0.0) {
                return Err(Error::Input(format!(
                    "--restorer-elastic must be a positive number of pixels, got {max}"
                )));
            }
            return Ok(Some(RestorerTargets::Warped(max)));
        }
        Ok(match (self.restorer_augment, self.restorer_shift) {
            (true, _) => Some(RestorerTargets::Transformed),
            (_, Some(0)) => Some(RestorerTargets::Digits),
            (_, Some(s)) => Some(RestorerTargets::Shifted(s)),
            _ => None,
        })
    }

    /// The training configuration the flags ask for (architecture of G and D not yet from
    /// `--from`; with `--restorer-conv`, the fresh U-Net's).
    fn config(&self) -> Result<TrainConfig> {
        let preset = &self.preset;
        let mut c = TrainConfig::preset(preset).ok_or_else(|| {
            Error::Input(format!("unknown preset '{preset}' (use default or design)"))
        })?;
        c.batch_size = self.batch.unwrap_or(c.batch_size);
        c.lr = self.lr.unwrap_or(c.lr);
        c.augment &= !self.no_augment;
        c.diff_augment |= self.diff_augment;
        if let Some(s) = self.diff_augment_shift {
            c.diff_augment_ranges.max_shift = s.min(14);
        }
        if let Some(cut) = self.diff_augment_cutout {
            c.diff_augment_ranges.cutout = cut.min(28);
        }
        c.train_restorer &= !self.no_restorer;
        c.train_gan &= !self.restorer_only;
        c.train_generator &= !self.freeze_generator;
        c.restorer_lr = self.restorer_lr.unwrap_or(c.restorer_lr);
        if self.restorer_lr_cosine {
            c.restorer_lr_decay_steps = self.steps;
        }
        c.restorer_label_mix = fraction("--restorer-label-mix", self.restorer_label_mix)?
            .unwrap_or(c.restorer_label_mix);
        c.restorer_label_mix_min =
            fraction("--restorer-label-mix-min", self.restorer_label_mix_min)?
                .unwrap_or(c.restorer_label_mix_min);
        c.l1_weight = self.l1_weight.unwrap_or(c.l1_weight);
        c.restorer_class_weight = self
            .restorer_class_weight
            .unwrap_or(c.restorer_class_weight);
        c.restorer_trains_discriminator |= self.restorer_trains_d;
        if let Some(targets) = self.restorer_targets()? {
            c.restorer_targets = targets;
        }
        if let Some(f) = fraction("--restorer-generated", self.restorer_generated)? {
            c.restorer_generated_fraction = f;
        }
        c.restorer_feature_weight = self
            .restorer_feature_weight
            .unwrap_or(c.restorer_feature_weight);
        c.restorer_perceptual_weight = self
            .restorer_perceptual_weight
            .unwrap_or(c.restorer_perceptual_weight);
        if let Some(w) = &self.damage_weights {
            digitgan::train::check_damage_weights(w)
                .map_err(|e| Error::Input(format!("--damage-weights: {e}")))?;
            c.damage_weights = w.clone();
        }
        if let Some(ch) = self.restorer_conv {
            c.restorer = RestorerConfig::new()
                .with_slope(c.restorer.slope)
                .with_conv(Some(ch as usize))
                .with_conv_global(self.restorer_conv_global.map(usize::from))
                .with_conv_classes(self.restorer_classes.then_some(digitgan::model::CLASSES));
        } else if self.restorer_classes && self.from.is_none() {
            return Err(Error::Input(
                "--restorer-classes: needs --from (a U-Net to make class-conditional) or --restorer-conv"
                    .into(),
            ));
        }
        Ok(c)
    }
}

/// The trainer (from scratch or from `--from`'s networks), the `--from` file's classifier
/// unless `--new-classifier`, and its reader if it has one. Sets `config`'s architectures to what the trainer holds.
fn trainer(
    args: &TrainArgs,
    config: &mut TrainConfig,
    train_data: Digits,
    device: &Device,
) -> Result<(Trainer, Option<Classifier>, FileReader)> {
    let seed = args.seed;
    let Some(from) = &args.from else {
        return Ok((
            Trainer::new(config.clone(), train_data, seed),
            None,
            Vec::new(),
        ));
    };
    let b = load_bundle(Some(from))?;
    config.generator = b.arch.generator.clone();
    config.discriminator = b.arch.discriminator.clone();
    // --restorer-conv already set config.restorer: a fresh one replaces the file's.
    let restorer = match args.restorer_conv {
        Some(_) => digitgan::train::with_seeded_init(device, seed, || config.restorer.init(device)),
        None => {
            let (restorer, arch) = match &args.restorer_from {
                Some(p) => {
                    let other = load_bundle(Some(p))?;
                    (other.restorer, other.arch.restorer)
                }
                None => (b.restorer, b.arch.restorer.clone()),
            };
            let (r, c) = file_restorer(restorer, &arch, args.grow_restorer_global, seed, device)?;
            config.restorer = c;
            if args.restorer_classes && r.classes() == 0 {
                if config.restorer.conv.is_none() {
                    return Err(Error::Input(
                        "--restorer-classes: only a U-Net restorer takes a class".into(),
                    ));
                }
                config.restorer.conv_classes = Some(digitgan::model::CLASSES);
                r.with_classes(digitgan::model::CLASSES, device)
            } else {
                r
            }
        }
    };
    let models = Models {
        generator: b.generator,
        discriminator: b.discriminator,
        restorer,
    };
    Ok((
        Trainer::with_models(config.clone(), models, train_data, seed),
        (!args.new_classifier).then_some(b.classifier),
        file_readers(b.arch, b.readers),
    ))
}

/// A weights file's readers with their layouts (none, one, or an ensemble).
type FileReader = Vec<(ReaderConfig, Reader)>;

fn file_readers(arch: digitgan::weights::Architecture, readers: Vec<Reader>) -> FileReader {
    arch.readers().cloned().zip(readers).collect()
}

/// The reference classifier: `--classifier`'s, else the `--from` file's, else a fresh one
/// trained on `data` (with `--per-class K`, the first K of each class: a judge that has seen
/// the validation digits would score their restorations too kindly).
fn reference_classifier(
    args: &TrainArgs,
    from_file: Option<Classifier>,
    data: &Digits,
) -> Result<Classifier> {
    let trains = args.classifier.is_none() && from_file.is_none();
    if args.classifier_lr_constant && !trains {
        return Err(Error::Input(
            "--classifier-lr-constant: no classifier is trained here (give --new-classifier, \
             or no --from / --classifier)"
                .into(),
        ));
    }
    Ok(match (&args.classifier, from_file) {
        (Some(p), _) => load_bundle(Some(p))?.classifier,
        (None, Some(c)) => c,
        (None, None) => {
            let cfg = ClassifierTrainConfig::new().with_lr_cosine(!args.classifier_lr_constant);
            let pb = bar(cfg.steps as u64, "classifier");
            let c = train_classifier(&cfg, data, args.seed, |_| pb.inc(1));
            pb.finish();
            c
        }
    })
}

/// `--perceptual-classifier`'s classifier, refused if it is the reference classifier itself.
fn perceptual_classifier(p: &Path, reference: &Classifier) -> Result<Classifier> {
    let aux = load_bundle(Some(p))?.classifier;
    // A restorer taught to please the classifier that scores it games the score.
    if same_weights(&aux, reference) {
        return Err(Error::Input(format!(
            "--perceptual-classifier {}: that is the reference classifier these \
             weights are scored with; give one trained separately (README \"Session 6\")",
            p.display()
        )));
    }
    Ok(aux)
}

/// The reader to ship: a new one (`--train-reader`), `--reader-from`'s, the `--from` file's
/// (`from_file`, already loaded), or none.
fn reader(args: &TrainArgs, data: &Digits, from_file: FileReader) -> Result<FileReader> {
    let file_reader = |path: &PathBuf| -> Result<FileReader> {
        let b = load_bundle(Some(path))?;
        Ok(file_readers(b.arch, b.readers))
    };
    let Some(steps) = args.train_reader else {
        if args.reader_from.is_empty() {
            return Ok(from_file);
        }
        let mut all = Vec::new();
        for path in &args.reader_from {
            all.extend(file_reader(path)?);
        }
        return Ok(all);
    };
    let mut cfg = ReaderTrainConfig::new().with_steps(steps);
    if let Some(w) = args.reader_width {
        cfg.model.width = w.into();
    }
    if let Some(lr) = args.reader_lr {
        cfg.lr = lr;
    }
    if args.reader_pooled {
        cfg.model.pooled = Some(true);
    }
    if args.reader_batch_norm {
        cfg.model.batch_norm = Some(true);
    }
    if let Some(b) = args.reader_batch {
        cfg.batch_size = b.into();
    }
    if let Some(f) = fraction("--reader-blind-fraction", args.reader_blind_fraction)? {
        cfg.blind_fraction = f;
    }
    if let Some(f) = fraction("--reader-augment-fraction", args.reader_augment_fraction)? {
        cfg.augment_fraction = f;
    }
    if let Some(p) = args.reader_dropout {
        if !(0.0..1.0).contains(&p) {
            return Err(Error::Input(format!(
                "--reader-dropout must be in 0..1, got {p}"
            )));
        }
        cfg.dropout = p;
    }
    let start = match args.reader_from.as_slice() {
        [] => None,
        [path] => {
            let mut readers = file_reader(path)?;
            if readers.len() != 1 {
                return Err(Error::Input(format!(
                    "--reader-from {} with --train-reader: it has {} readers; give a file with one",
                    path.display(),
                    readers.len()
                )));
            }
            let (arch, reader) = readers.remove(0);
            cfg.model = arch;
            Some(reader)
        }
        _ => {
            return Err(Error::Input(
                "--train-reader trains one reader: give at most one --reader-from".into(),
            ));
        }
    };
    if let Some(w) = &args.damage_weights {
        cfg.damage_weights = w.clone();
    }
    let pb = bar(steps as u64, "reader");
    let started = std::time::Instant::now();
    let reader = train_reader(&cfg, data, args.seed, start, |step, loss| {
        if step % 100 == 0 {
            pb.set_prefix(format!("loss {loss:.3}"));
        }
        pb.inc(1);
    });
    pb.finish();
    let secs = started.elapsed().as_secs_f64();
    println!(
        "trained the reader {steps} steps in {secs:.0} s ({:.1} steps/s)",
        steps as f64 / secs.max(1e-9)
    );
    Ok(vec![(cfg.model, reader)])
}

/// A fixed grid of 100 latents (ten of each digit) for the sample PNGs.
struct SampleGrid {
    z: Vec<f32>,
    labels: Vec<u8>,
}

impl SampleGrid {
    fn new(seed: u64, latent: usize) -> Self {
        Self {
            z: uniform(&mut StdRng::seed_from_u64(seed ^ 0x5a5a), 100 * latent),
            labels: (0..100).map(|i| (i % 10) as u8).collect(),
        }
    }

    fn write(&self, trainer: &Trainer, path: &Path, device: &Device) -> Result<()> {
        let g = &trainer.models.generator;
        let images = digitgan::train::generate(g, &self.z, Some(&self.labels), device);
        write_digits(path, &images, 10)
    }
}

pub fn run(args: TrainArgs) -> Result<()> {
    let mut config = args.config()?;
    let data = MnistSubset::bundled();
    let train_data = match args.per_class {
        Some(k) => data.train.take_per_class(k),
        None => data.train.clone(),
    };
    let device = train_device();
    let (mut trainer, from_file, file_reader) =
        trainer(&args, &mut config, train_data.clone(), &device)?;
    let classifier = reference_classifier(&args, from_file, &train_data)?;
    let (reader_archs, readers): (Vec<_>, Vec<_>) =
        reader(&args, &train_data, file_reader)?.into_iter().unzip();
    if let Some(p) = &args.perceptual_classifier {
        trainer = trainer.with_perceptual(perceptual_classifier(p, &classifier)?);
    }
    let out = &args.out;
    std::fs::create_dir_all(out)
        .map_err(|e| Error::Io(format!("cannot create {}: {e}", out.display())))?;
    let grid = SampleGrid::new(args.seed, config.generator.latent);
    let mut log = String::from("step,d_loss,g_loss,r_loss,r_l1,d_real,d_fake\n");
    let steps = args.steps;
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
        if args.sample_every > 0 && s.step % args.sample_every == 0 {
            let name = format!("samples-{:06}.png", s.step);
            grid.write(&trainer, &out.join(name), &device)?;
        }
        pb.inc(1);
    }
    pb.finish();
    let secs = started.elapsed().as_secs_f64();
    println!(
        "trained {steps} steps in {secs:.0} s ({:.1} steps/s)",
        steps as f64 / secs.max(1e-9)
    );
    let mut arch = Architecture {
        generator: config.generator.clone(),
        discriminator: config.discriminator.clone(),
        restorer: config.restorer.clone(),
        classifier: ClassifierConfig::new(),
        reader: None,
        more_readers: Vec::new(),
    };
    arch.set_readers(reader_archs);
    let bundle = Bundle {
        arch,
        generator: trainer.models.generator.clone(),
        discriminator: trainer.models.discriminator.clone(),
        restorer: trainer.models.restorer.clone(),
        classifier,
        readers,
    };
    let half = if args.half {
        Precision::F16
    } else {
        Precision::F32
    };
    let bytes = bundle.to_bytes(args.precision.unwrap_or(half))?;
    write(&out.join("weights.dgw"), &bytes)?;
    write(&out.join("losses.csv"), log.as_bytes())?;
    write(&out.join("config.json"), config.to_string().as_bytes())?;
    grid.write(&trainer, &out.join("samples.png"), &device)?;
    println!(
        "wrote {}/weights.dgw ({} bytes), samples.png, losses.csv",
        out.display(),
        bytes.len()
    );
    Ok(())
}

/// `v` when it is a fraction (0..=1), else a one-line error naming the flag.
fn fraction(flag: &str, v: Option<f32>) -> Result<Option<f32>> {
    match v {
        Some(f) if !(0.0..=1.0).contains(&f) => {
            Err(Error::Input(format!("{flag} must be in 0..1, got {f}")))
        }
        v => Ok(v),
    }
}
