//! What the examples share: for the block diagnostics, a weights file that carries readers and
//! the digits they are asked about (`test`, or `val:K`: the training digits after the first K of
//! each class, the validation split of `train --per-class K`); for the speed probes, a median
//! timing.
#![allow(dead_code)] // each example uses its own part

use burn::prelude::Device;
use digitgan::data::{Digits, MnistSubset};
use digitgan::train::train_device;
use digitgan::weights::Bundle;

pub type Res<T> = Result<T, Box<dyn std::error::Error>>;

/// The weights at `path`, refused when they carry no reader.
pub fn bundle_with_readers(path: &str, device: &Device) -> Res<Bundle> {
    let b = Bundle::from_bytes(&std::fs::read(path)?, device)?;
    if b.readers.is_empty() {
        return Err("these weights have no reader".into());
    }
    Ok(b)
}

/// The split `which` names: "test" or "val:K".
pub fn split(data: &MnistSubset, which: &str) -> Res<Digits> {
    match which.strip_prefix("val:") {
        Some(k) => Ok(data.train.after_per_class(k.parse()?)),
        None if which == "test" => Ok(data.test.clone()),
        None => Err(format!("unknown split {which:?}: test or val:K").into()),
    }
}

/// The percentage of `predicted` that match `labels`.
pub fn percent_right(predicted: &[u8], labels: &[u8]) -> f64 {
    let hits = predicted.iter().zip(labels).filter(|(a, b)| a == b).count();
    100.0 * hits as f64 / labels.len().max(1) as f64
}

/// A diagnostic's command line `WEIGHTS.dgw [test|val:K] [N=600] [SEED=1]`, read and loaded.
pub struct Run {
    pub device: Device,
    pub bundle: Bundle,
    pub which: String,
    pub split: Digits,
    pub n: usize,
    pub seed: u64,
}

impl Run {
    pub fn from_args(name: &str) -> Res<Self> {
        let args: Vec<String> = std::env::args().collect();
        let path = args
            .get(1)
            .ok_or(format!("usage: {name} WEIGHTS.dgw [test|val:K] [N] [SEED]"))?;
        let which = args.get(2).map_or("test", String::as_str).to_string();
        let device = train_device();
        Ok(Self {
            bundle: bundle_with_readers(path, &device)?,
            split: split(&MnistSubset::bundled(), &which)?,
            which,
            n: args.get(3).map_or(Ok(600), |s| s.parse())?,
            seed: args.get(4).map_or(Ok(1), |s| s.parse())?,
            device,
        })
    }
}

/// Milliseconds `f` takes: the median of 9 runs after one warm-up.
pub fn median_ms(mut f: impl FnMut()) -> f64 {
    f();
    let mut t: Vec<f64> = (0..9)
        .map(|_| {
            let s = std::time::Instant::now();
            f();
            s.elapsed().as_secs_f64() * 1e3
        })
        .collect();
    t.sort_by(f64::total_cmp);
    t[4]
}
