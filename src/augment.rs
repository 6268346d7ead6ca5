//! The augmentation experiment (issue #5): does the GAN extend a small training set?
//!
//! For each K (real digits per class) and seed, three fresh reference classifiers are trained
//! for the same number of steps and scored on the test split (600 digits):
//!
//! - **real**: the K real digits per class only;
//! - **+generated**: the same K real plus M digits per class from the class-conditional
//!   generator (labelled with the requested class);
//! - **+T(x)**: the same K real plus M randomly transformed copies per class of those real
//!   digits (classic augmentation, [`AugmentConfig::augment_batch`], the transform D sees).
//!
//! The K real digits are drawn at random per seed from the training split (the same draw for
//! the three arms), so the spread over seeds includes the luck of the draw (`first_k` takes the
//! first K per class instead: the digits a GAN trained with `--per-class K` saw). The classifiers
//! train without on-the-fly augmentation, so the arms differ only in their training set.
//!
//! Pure library code (no files, no threads): the CLI (`digitgan augment-eval`) and the page's
//! worker can both call it.

use crate::data::{AugmentConfig, Digits};
use crate::error::Error;
use crate::eval::{ClassifierTrainConfig, accuracy, train_classifier};
use crate::model::{CLASSES, Generator};
use crate::train::{generate, train_device, uniform};
use burn::config::Config;
use rand::{SeedableRng, rngs::StdRng, seq::SliceRandom};
use serde::{Deserialize, Serialize};

/// Settings of the augmentation experiment.
#[derive(Config, Debug, PartialEq)]
pub struct AugmentEvalConfig {
    /// Real digits per class (one row of the table per value).
    #[config(default = "vec![5, 10, 50]")]
    pub k: Vec<usize>,
    /// Generated (or transformed) digits per class added to the K real ones.
    #[config(default = 100)]
    pub m: usize,
    /// Seeds (1, 2, …): each draws its own real digits, latents, transforms and classifier init.
    #[config(default = 3)]
    pub seeds: usize,
    /// Adam steps of each classifier (the same for every arm).
    #[config(default = 1000)]
    pub steps: usize,
    #[config(default = 64)]
    pub batch_size: usize,
    /// Use the first K digits of each class (the set `digitgan train --per-class K` trains on)
    /// for every seed, instead of a fresh random draw per seed.
    #[config(default = false)]
    pub first_k: bool,
    /// The classic augmentation of the third arm.
    #[config(default = "AugmentConfig::new()")]
    pub transform: AugmentConfig,
}

/// One arm of the experiment.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Arm {
    /// K real digits per class.
    Real,
    /// K real + M generated per class.
    Generated,
    /// K real + M transformed copies T(x) per class.
    Classic,
}

impl Arm {
    pub const ALL: [Arm; 3] = [Arm::Real, Arm::Generated, Arm::Classic];

    /// Short name for tables.
    pub fn name(self) -> &'static str {
        match self {
            Arm::Real => "real",
            Arm::Generated => "+generated",
            Arm::Classic => "+T(x)",
        }
    }
}

/// Test accuracies of one arm over the seeds.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ArmResult {
    pub arm: Arm,
    /// Training-set size (digits).
    pub train_size: usize,
    /// Test accuracy per seed, in [0, 1].
    pub accuracies: Vec<f32>,
    pub mean: f32,
    /// Sample standard deviation over seeds (0 for one seed).
    pub std: f32,
    pub min: f32,
    pub max: f32,
}

impl ArmResult {
    fn new(arm: Arm, train_size: usize, accuracies: Vec<f32>) -> Self {
        let n = accuracies.len().max(1) as f32;
        let mean = accuracies.iter().sum::<f32>() / n;
        let var = accuracies.iter().map(|a| (a - mean).powi(2)).sum::<f32>()
            / (accuracies.len().saturating_sub(1).max(1)) as f32;
        Self {
            arm,
            train_size,
            mean,
            std: var.sqrt(),
            min: accuracies.iter().copied().fold(f32::INFINITY, f32::min),
            max: accuracies.iter().copied().fold(f32::NEG_INFINITY, f32::max),
            accuracies,
        }
    }
}

/// All arms for one K.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct KResult {
    pub k: usize,
    /// In the order of [`Arm::ALL`].
    pub arms: Vec<ArmResult>,
}

/// What [`augment_eval`] measured.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AugmentEvalReport {
    pub m: usize,
    pub seeds: usize,
    pub steps: usize,
    /// Test digits each accuracy is measured on.
    pub test_size: usize,
    pub results: Vec<KResult>,
}

/// `k` digits of each class drawn at random (seeded) from `data`, in class order.
pub fn sample_per_class(data: &Digits, k: usize, seed: u64) -> Digits {
    let mut order: Vec<usize> = (0..data.len()).collect();
    order.shuffle(&mut StdRng::seed_from_u64(seed));
    let mut by_class: Vec<Vec<usize>> = vec![Vec::new(); CLASSES];
    for i in order {
        let c = data.labels[i] as usize;
        if by_class[c].len() < k {
            by_class[c].push(i);
        }
    }
    data.select(&by_class.concat())
}

/// `n_per_class` digits of each class from a class-conditional generator, class-major
/// (all 0s, then all 1s, …), [0, 1] pixels, labelled with the requested class.
pub fn generate_per_class(
    generator: &Generator,
    n_per_class: usize,
    seed: u64,
) -> crate::error::Result<Digits> {
    if generator.classes() != CLASSES {
        return Err(Error::Input(format!(
            "the generator is not class-conditional ({} classes); labelled digits need one with {CLASSES}",
            generator.classes()
        )));
    }
    let labels: Vec<u8> = (0..CLASSES * n_per_class)
        .map(|i| (i / n_per_class.max(1)) as u8)
        .collect();
    let z = uniform(
        &mut StdRng::seed_from_u64(seed),
        labels.len() * generator.latent(),
    );
    let images = generate(generator, &z, Some(&labels), &train_device());
    Ok(Digits { images, labels })
}

/// `m` transformed copies T(x) per class of the digits of `real` (cycling through each class's
/// digits), class-major.
pub fn transform_per_class(real: &Digits, m: usize, ranges: &AugmentConfig, seed: u64) -> Digits {
    let mut rng = StdRng::seed_from_u64(seed);
    let mut out = Digits::default();
    for c in 0..CLASSES as u8 {
        let idx: Vec<usize> = (0..real.len()).filter(|&i| real.labels[i] == c).collect();
        if idx.is_empty() {
            continue;
        }
        let sources = real.select(&(0..m).map(|j| idx[j % idx.len()]).collect::<Vec<_>>());
        out.images
            .extend(ranges.augment_batch(&sources.images, &mut rng));
        out.labels.extend_from_slice(&sources.labels);
    }
    out
}

fn concat(a: &Digits, b: &Digits) -> Digits {
    let mut out = a.clone();
    out.images.extend_from_slice(&b.images);
    out.labels.extend_from_slice(&b.labels);
    out
}

/// Runs the experiment: for every K and seed, the three arms (see the module doc).
/// `train` is the pool of real digits (the training split), `test` scores the classifiers.
/// `progress(done, total)` counts classifier steps.
pub fn augment_eval(
    generator: &Generator,
    train: &Digits,
    test: &Digits,
    config: &AugmentEvalConfig,
    mut progress: impl FnMut(usize, usize),
) -> crate::error::Result<AugmentEvalReport> {
    if config.k.is_empty() || config.k.contains(&0) {
        return Err(Error::Input(
            "k must be a non-empty list of values ≥ 1".into(),
        ));
    }
    if config.seeds == 0 || config.steps == 0 || config.batch_size == 0 {
        return Err(Error::Input(
            "seeds, steps and batch size must be ≥ 1".into(),
        ));
    }
    if test.is_empty() {
        return Err(Error::Input("no test digits".into()));
    }
    let counts = train.class_counts();
    if let Some(&k) = config.k.iter().find(|&&k| counts.iter().any(|&c| c < k)) {
        return Err(Error::Input(format!(
            "k = {k} is more than the real digits of some class ({counts:?})"
        )));
    }
    let total = config.k.len() * config.seeds * Arm::ALL.len() * config.steps;
    let mut done = 0;
    let device = train_device();
    let cls = ClassifierTrainConfig::new()
        .with_steps(config.steps)
        .with_batch_size(config.batch_size)
        .with_augment(false)
        // The constant lr its README numbers and the page's experiment were measured with.
        .with_lr_cosine(false);
    let mut results = Vec::new();
    for &k in &config.k {
        let mut acc: [Vec<f32>; 3] = Default::default();
        let mut sizes = [0usize; 3];
        for s in 1..=config.seeds as u64 {
            let seed = s.wrapping_mul(1_000_003) ^ k as u64;
            let real = match config.first_k {
                true => train.take_per_class(k),
                false => sample_per_class(train, k, seed),
            };
            for (a, arm) in Arm::ALL.iter().enumerate() {
                let set = match arm {
                    Arm::Real => real.clone(),
                    Arm::Generated => concat(
                        &real,
                        &generate_per_class(generator, config.m, seed ^ 0x6e6e)?,
                    ),
                    Arm::Classic => concat(
                        &real,
                        &transform_per_class(&real, config.m, &config.transform, seed ^ 0x7a7a),
                    ),
                };
                sizes[a] = set.len();
                // The same classifier init and batch order seed in every arm.
                let model = train_classifier(&cls, &set, seed, |_| {
                    done += 1;
                    progress(done, total);
                });
                acc[a].push(accuracy(&model, test, &device));
            }
        }
        let arms = Arm::ALL
            .iter()
            .zip(acc)
            .zip(sizes)
            .map(|((&arm, a), n)| ArmResult::new(arm, n, a))
            .collect();
        results.push(KResult { k, arms });
    }
    Ok(AugmentEvalReport {
        m: config.m,
        seeds: config.seeds,
        steps: config.steps,
        test_size: test.len(),
        results,
    })
}
