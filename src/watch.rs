//! Divergence watch: spots a training run that has gone wrong, step by step, so the session can
//! roll back before the user's model is ruined.
//!
//! Two failures are caught: non-finite losses (NaN/Inf) at once, and a collapsed discriminator:
//! D calling every real digit real and every generated one fake with near certainty for
//! `collapse_steps` steps in a row. Then G's gradient has vanished and it no longer learns (the
//! design preset's failure mode); it does not recover on its own.

use crate::train::StepStats;
use burn::config::Config;

#[derive(Config, Debug, PartialEq)]
pub struct WatchConfig {
    /// Consecutive collapsed steps before the run counts as collapsed.
    #[config(default = 25)]
    pub collapse_steps: usize,
    /// Mean D(x) above this …
    #[config(default = 0.98)]
    pub d_real_min: f32,
    /// … and mean D(G(z)) below this is a collapsed step.
    #[config(default = 0.02)]
    pub d_fake_max: f32,
}

/// What went wrong, as a sentence for the user (without the rollback part).
#[derive(Clone, Debug, PartialEq)]
pub enum Trouble {
    NonFinite { step: u64 },
    Collapsed { step: u64, steps: usize },
}

impl Trouble {
    pub fn describe(&self) -> String {
        match self {
            Trouble::NonFinite { step } => format!("a loss became NaN/Inf at step {step}"),
            Trouble::Collapsed { step, steps } => format!(
                "the discriminator overpowered the generator at step {step} (D(x) ≈ 1 and \
                 D(G(z)) ≈ 0 for {steps} steps: the generator stopped learning)"
            ),
        }
    }
}

#[derive(Clone, Debug)]
pub struct Watch {
    config: WatchConfig,
    collapsed_run: usize,
}

impl Watch {
    pub fn new(config: WatchConfig) -> Self {
        Self {
            config,
            collapsed_run: 0,
        }
    }

    /// Feeds one step's statistics; returns the trouble when the run has gone wrong.
    pub fn check(&mut self, s: &StepStats) -> Option<Trouble> {
        if !s.is_finite() {
            self.collapsed_run = 0;
            return Some(Trouble::NonFinite { step: s.step });
        }
        let c = &self.config;
        if s.d_real > c.d_real_min && s.d_fake < c.d_fake_max {
            self.collapsed_run += 1;
        } else {
            self.collapsed_run = 0;
        }
        if self.collapsed_run >= c.collapse_steps.max(1) {
            self.collapsed_run = 0;
            return Some(Trouble::Collapsed {
                step: s.step,
                steps: c.collapse_steps,
            });
        }
        None
    }

    /// Forgets the recent history (after a rollback or reset).
    pub fn clear(&mut self) {
        self.collapsed_run = 0;
    }
}

impl Default for Watch {
    fn default() -> Self {
        Self::new(WatchConfig::new())
    }
}
