//! A live DigitGAN session: data, the training run, the classifier and every operation the
//! page offers. Platform-independent (tested natively); `web.rs` is a thin wasm wrapper over it.

use crate::data::{Digits, MnistSubset};
use crate::error::{Error, Result};
use crate::eval::classify;
use crate::model::{Classifier, RestorerConfig};
use crate::reader::Reader;
use crate::restore::{LatentSearchConfig, latent_search, restore_told, validate};
use crate::train::{Models, StepStats, TrainConfig, Trainer, generate, train_device, uniform};
use crate::watch::Watch;
use crate::weights::{Architecture, Bundle, Precision};
use rand::{SeedableRng, rngs::StdRng};
use serde::{Deserialize, Serialize};

/// Training options the page can change while training.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Options {
    pub lr: Option<f64>,
    pub batch_size: Option<usize>,
    pub augment: Option<bool>,
    pub train_restorer: Option<bool>,
}

/// How often (in steps) a known-good copy of the networks is kept for rollback.
pub const CHECKPOINT_EVERY: u64 = 200;

pub struct Session {
    data: MnistSubset,
    trainer: Trainer,
    classifier: Classifier,
    /// Name the digit for a class-conditional restorer (`reader.rs`; the mean of their
    /// readings); empty in files without.
    readers: Vec<Reader>,
    arch: Architecture,
    checkpoint: (Models, u64),
    latent_search: LatentSearchConfig,
    watch: Watch,
}

impl Session {
    /// A session on the data asset, from weights (or fresh networks when `weights` is None —
    /// then the classifier is untrained until weights with one are loaded).
    pub fn new(data_gz: &[u8], weights: Option<&[u8]>, seed: u64) -> Result<Self> {
        let data = MnistSubset::decode(data_gz)?;
        let device = train_device();
        let bundle = match weights {
            Some(w) => Bundle::from_bytes(w, &device)?,
            None => crate::train::with_seeded_init(&device, seed, || {
                Bundle::init(live_arch(&Architecture::default()), &device)
            }),
        };
        let config = with_arch(TrainConfig::new(), &bundle.arch);
        let models = Models {
            generator: bundle.generator,
            discriminator: bundle.discriminator,
            restorer: bundle.restorer,
        };
        let trainer = Trainer::with_models(config, models.clone(), data.train.clone(), seed);
        Ok(Self {
            data,
            checkpoint: (models, 0),
            trainer,
            classifier: bundle.classifier,
            readers: bundle.readers,
            arch: bundle.arch,
            // Interactive budget: one start per class, 50 steps. Scored natively on 100 test
            // digits per damage type (`digitgan eval --latent-starts 1 --latent-steps N`), 50
            // steps restore as well as 80 (README "Restoration speed") in 5/8 of the time.
            latent_search: LatentSearchConfig::new().with_starts(1).with_steps(50),
            watch: Watch::default(),
        })
    }

    pub fn latent_dim(&self) -> usize {
        self.arch.generator.latent
    }

    pub fn classes(&self) -> usize {
        self.arch.generator.classes
    }

    pub fn step_count(&self) -> u64 {
        self.trainer.step_count()
    }

    /// Runs up to `n` steps. When the run diverges (NaN/Inf, or a collapsed discriminator; see
    /// [`Watch`]) it rolls back to the last checkpoint and fails with what happened.
    pub fn train(&mut self, n: usize) -> Result<Vec<StepStats>> {
        if n > 10_000 {
            return Err(Error::Input("train at most 10000 steps per call".into()));
        }
        let mut out = Vec::with_capacity(n);
        for _ in 0..n {
            let s = self.trainer.step();
            if let Some(trouble) = self.watch.check(&s) {
                let (models, step) = self.checkpoint.clone();
                self.trainer.rollback(models, step);
                self.watch.clear();
                return Err(Error::Diverged(format!(
                    "{}; rolled back to step {step}. Try a lower learning rate.",
                    trouble.describe()
                )));
            }
            if s.step.is_multiple_of(CHECKPOINT_EVERY) {
                self.checkpoint = (self.trainer.models.clone(), s.step);
            }
            out.push(s);
        }
        Ok(out)
    }

    pub fn options(&self) -> Options {
        let c = &self.trainer.config;
        Options {
            lr: Some(c.lr),
            batch_size: Some(c.batch_size),
            augment: Some(c.augment),
            train_restorer: Some(c.train_restorer),
        }
    }

    /// Changes training options; all are validated before any is applied.
    pub fn set_options(&mut self, o: &Options) -> Result<()> {
        if let Some(lr) = o.lr
            && !(lr.is_finite() && lr > 0.0 && lr <= 0.1)
        {
            return Err(Error::Input(format!(
                "learning rate must be in (0, 0.1], got {lr}"
            )));
        }
        if let Some(b) = o.batch_size
            && !(1..=512).contains(&b)
        {
            return Err(Error::Input(format!("batch size must be 1..512, got {b}")));
        }
        let c = &mut self.trainer.config;
        if let Some(lr) = o.lr {
            c.lr = lr;
        }
        if let Some(b) = o.batch_size {
            c.batch_size = b;
        }
        if let Some(a) = o.augment {
            c.augment = a;
        }
        if let Some(r) = o.train_restorer {
            c.train_restorer = r;
        }
        Ok(())
    }

    /// Starts over: fresh networks (`weights` None) or the given weights. Options are kept.
    /// On error nothing changes.
    ///
    /// A fresh start keeps the loaded file's generator, discriminator and classifier layouts
    /// but trains an MLP restorer in place of a U-Net (see [`live_arch`]).
    pub fn reset(&mut self, seed: u64, weights: Option<&[u8]>) -> Result<()> {
        let device = train_device();
        let (config, models, classifier, readers, arch) = match weights {
            Some(w) => {
                let b = Bundle::from_bytes(w, &device)?;
                let models = Models {
                    generator: b.generator,
                    discriminator: b.discriminator,
                    restorer: b.restorer,
                };
                let config = with_arch(self.trainer.config.clone(), &b.arch);
                (config, models, b.classifier, b.readers, b.arch)
            }
            None => {
                let arch = live_arch(&self.arch);
                let config = with_arch(self.trainer.config.clone(), &arch);
                let models = Models::init(&config, seed, &device);
                (config, models, self.classifier.clone(), Vec::new(), arch)
            }
        };
        self.trainer = Trainer::with_models(config, models.clone(), self.data.train.clone(), seed);
        self.checkpoint = (models, 0);
        self.watch.clear();
        self.classifier = classifier;
        self.readers = readers;
        self.arch = arch;
        Ok(())
    }

    /// `n` latent vectors, uniform in [-1, 1].
    pub fn latents(&self, n: usize, seed: u64) -> Result<Vec<f32>> {
        if n > 10_000 {
            return Err(Error::Input("at most 10000 latents at once".into()));
        }
        Ok(uniform(
            &mut StdRng::seed_from_u64(seed),
            n * self.latent_dim(),
        ))
    }

    /// Digits from latents and labels (labels default to i % 10).
    pub fn generate(&self, z: &[f32], labels: Option<&[u8]>) -> Result<Vec<f32>> {
        let latent = self.latent_dim();
        if z.is_empty() || !z.len().is_multiple_of(latent) || z.len() / latent > 10_000 {
            return Err(Error::Input(format!(
                "latents must be n × {latent} values (n ≤ 10000), got {}",
                z.len()
            )));
        }
        if z.iter().any(|v| !v.is_finite()) {
            return Err(Error::Input("latents must be finite".into()));
        }
        if let Some(l) = labels
            && (l.len() != z.len() / latent || l.iter().any(|&d| d > 9))
        {
            return Err(Error::Input("labels must be one 0..9 per latent".into()));
        }
        Ok(generate(
            &self.trainer.models.generator,
            z,
            labels,
            self.trainer.device(),
        ))
    }

    /// The augmentation experiment (see [`crate::augment`]) with the current generator: a
    /// reference classifier trained on `k` real digits per class, on those plus `m` generated
    /// per class, and on those plus `m` T(x) per class, each over `seeds` seeds, scored on the
    /// test split. Sizes are bounded so that one call stays interactive in the page.
    pub fn augment_eval(
        &self,
        k: usize,
        m: usize,
        seeds: usize,
        steps: usize,
        progress: impl FnMut(usize, usize),
    ) -> Result<crate::augment::AugmentEvalReport> {
        if !(1..=700).contains(&k) || !(1..=500).contains(&m) {
            return Err(Error::Input(
                "k must be 1..=700 and m 1..=500 digits per class".into(),
            ));
        }
        if !(1..=5).contains(&seeds) || !(1..=5000).contains(&steps) {
            return Err(Error::Input(
                "seeds must be 1..=5 and steps 1..=5000".into(),
            ));
        }
        let config = crate::augment::AugmentEvalConfig::new()
            .with_k(vec![k])
            .with_m(m)
            .with_seeds(seeds)
            .with_steps(steps);
        crate::augment::augment_eval(
            &self.trainer.models.generator,
            &self.data.train,
            &self.data.test,
            &config,
            progress,
        )
    }

    /// `n_per_class` generated digits of each class from the current generator, class-major, with
    /// their labels: the augmented set the page exports (the same digits as `digitgan
    /// export-augmented --seed` with the same weights).
    pub fn generate_per_class(&self, n_per_class: usize, seed: u64) -> Result<Digits> {
        if !(1..=1000).contains(&n_per_class) {
            return Err(Error::Input(
                "the export takes 1..=1000 digits per class".into(),
            ));
        }
        crate::augment::generate_per_class(&self.trainer.models.generator, n_per_class, seed)
    }

    /// Bundled digits: "train" or "test" split, `count` from `start`.
    pub fn digits(&self, split: &str, start: usize, count: usize) -> Result<Digits> {
        let set = match split {
            "train" => &self.data.train,
            "test" => &self.data.test,
            other => {
                return Err(Error::Input(format!(
                    "unknown split '{other}' (train or test)"
                )));
            }
        };
        let end = start.checked_add(count).filter(|&e| e <= set.len());
        let end =
            end.ok_or_else(|| Error::Input(format!("the {split} split has {} digits", set.len())))?;
        Ok(set.select(&(start..end).collect::<Vec<_>>()))
    }

    pub fn restore(&self, image: &[f32], mask: Option<&[f32]>) -> Result<Vec<f32>> {
        restore_told(
            &self.trainer.models.restorer,
            &self.readers,
            image,
            mask,
            self.trainer.device(),
        )
    }

    pub fn latent_search(
        &self,
        image: &[f32],
        mask: Option<&[f32]>,
        seed: u64,
    ) -> Result<Vec<f32>> {
        let m = &self.trainer.models;
        latent_search(
            &m.generator,
            &m.discriminator,
            image,
            mask,
            seed,
            &self.latent_search,
            self.trainer.device(),
        )
    }

    pub fn classify(&self, images: &[f32]) -> Result<(Vec<u8>, Vec<f32>)> {
        validate(images, None)?;
        Ok(classify(&self.classifier, images, self.trainer.device()))
    }

    /// The current networks as a weights file.
    pub fn export_weights(&self, precision: Precision) -> Result<Vec<u8>> {
        let m = &self.trainer.models;
        Bundle {
            arch: self.arch.clone(),
            generator: m.generator.clone(),
            discriminator: m.discriminator.clone(),
            restorer: m.restorer.clone(),
            classifier: self.classifier.clone(),
            readers: self.readers.clone(),
        }
        .to_bytes(precision)
    }

    /// Loads a weights file; on error the current networks stay.
    pub fn import_weights(&mut self, bytes: &[u8], seed: u64) -> Result<()> {
        self.reset(seed, Some(bytes))
    }

    /// Fault injection for tests: makes the generator's weights NaN, as a diverged run would.
    #[doc(hidden)]
    pub fn inject_nan(&mut self) {
        struct Nan;
        impl burn::module::ModuleMapper for Nan {
            fn map_float<const D: usize>(
                &mut self,
                param: burn::module::Param<burn::prelude::Tensor<D>>,
            ) -> burn::module::Param<burn::prelude::Tensor<D>> {
                param.map(|t| t.mul_scalar(f32::NAN))
            }
        }
        use burn::module::Module;
        let g = self
            .trainer
            .models
            .generator
            .clone()
            .valid()
            .map(&mut Nan)
            .train();
        self.trainer.models.generator = g;
    }
}

/// How often live training steps a convolutional restorer. One U-Net step costs about seven
/// MLP-restorer steps; at every 8th step live training keeps 91% of its pace with the MLP
/// (8.0 vs 8.8 steps/s, `scripts/live-speed.mjs`, README "Restorer in the page").
pub const CONV_RESTORER_EVERY: usize = 8;

/// `config` (the user's options) with the networks of `arch`, and the restorer's pace.
fn with_arch(config: TrainConfig, arch: &Architecture) -> TrainConfig {
    let every = if arch.restorer.conv.is_some() {
        CONV_RESTORER_EVERY
    } else {
        1
    };
    config
        .with_generator(arch.generator.clone())
        .with_discriminator(arch.discriminator.clone())
        .with_restorer(arch.restorer.clone())
        .with_restorer_every(every)
}

/// The networks a fresh start trains: `arch`, with the default MLP restorer in place of a
/// U-Net. Trained from scratch, the restorer must keep pace with a GAN learning live; the U-Net
/// (the pretrained restorer) needs thousands of its slower steps before it beats the MLP.
fn live_arch(arch: &Architecture) -> Architecture {
    let mut arch = arch.clone();
    if arch.restorer.conv.is_some() {
        arch.restorer = RestorerConfig::new();
    }
    arch.set_readers(Vec::new()); // the fresh MLP restorer is not class-conditional
    arch
}
