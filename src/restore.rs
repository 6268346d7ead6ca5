//! Restoration of damaged digits, two ways:
//! - the restorer network R(x_bad, mask) (one forward pass);
//! - latent search (Yeh et al. 2017): find z whose G(z) matches the known pixels and that D
//!   calls real, then blend G(z) into the hole.
//!
//! Inputs and outputs are [0, 1] digits (784 values each); masks use 1 = unknown pixel.

use crate::data::{from_tanh_range, to_tanh_range};
use crate::error::Error;
use crate::model::{Discriminator, Generator, PIXELS, Restorer};
use crate::reader::{Reader, ensemble_probabilities};
use crate::train::{onehot, softplus_stable, tensor2, to_vec, uniform};
use burn::prelude::*;
use rand::{SeedableRng, rngs::StdRng};

/// Checks one batch of images (and masks): lengths, finiteness, ranges.
pub fn validate(images: &[f32], masks: Option<&[f32]>) -> crate::Result<usize> {
    if images.is_empty() || !images.len().is_multiple_of(PIXELS) {
        return Err(Error::Input(format!(
            "expected 28×28 digits (a multiple of 784 values), got {} values",
            images.len()
        )));
    }
    if images
        .iter()
        .any(|v| !v.is_finite() || *v < -1e-3 || *v > 1.0 + 1e-3)
    {
        return Err(Error::Input(
            "pixel values must be finite and in [0, 1]".into(),
        ));
    }
    if let Some(m) = masks {
        if m.len() != images.len() {
            return Err(Error::Input(format!(
                "mask has {} values, image has {}",
                m.len(),
                images.len()
            )));
        }
        if m.iter().any(|v| !v.is_finite()) {
            return Err(Error::Input("mask values must be finite".into()));
        }
    }
    Ok(images.len() / PIXELS)
}

/// The mask a network is given: 1 where `masks` marks a pixel unknown (> 0.5), else 0; all 0
/// (blind) without masks.
pub(crate) fn binary_mask(len: usize, masks: Option<&[f32]>) -> Vec<f32> {
    match masks {
        Some(m) => m.iter().map(|&v| if v > 0.5 { 1.0 } else { 0.0 }).collect(),
        None => vec![0.0; len],
    }
}

/// Restores digits with the restorer network. `masks` = None means blind restoration.
pub fn restore_network(
    restorer: &Restorer,
    images: &[f32],
    masks: Option<&[f32]>,
    device: &Device,
) -> crate::Result<Vec<f32>> {
    restore_as(restorer, None, images, masks, device)
}

/// Restores digits with the restorer network, told each digit's class by `readers` (the mean
/// of their probabilities) when the restorer is class-conditional (otherwise no reader is run;
/// no readers = told nothing). `masks` = None means blind restoration.
pub fn restore_told(
    restorer: &Restorer,
    readers: &[Reader],
    images: &[f32],
    masks: Option<&[f32]>,
    device: &Device,
) -> crate::Result<Vec<f32>> {
    let told = match readers {
        [] => Told::Nothing,
        readers => Told::ByReaders(readers),
    };
    restore_with(restorer, told, images, masks, device)
}

/// Restores digits told their classes: `classes` holds K probabilities per digit (ignored by a
/// restorer that is not class-conditional; None = not told).
pub fn restore_as(
    restorer: &Restorer,
    classes: Option<&[f32]>,
    images: &[f32],
    masks: Option<&[f32]>,
    device: &Device,
) -> crate::Result<Vec<f32>> {
    let told = classes.map_or(Told::Nothing, Told::Classes);
    restore_with(restorer, told, images, masks, device)
}

/// What a class-conditional restorer is told.
enum Told<'a> {
    Nothing,
    /// K probabilities per digit.
    Classes(&'a [f32]),
    /// The readers' mean reading of the same input (run on the tensors the restorer gets).
    ByReaders(&'a [Reader]),
}

/// The one restore path: the input is validated and made into tensors once, for the reader and
/// the restorer alike.
fn restore_with(
    restorer: &Restorer,
    told: Told,
    images: &[f32],
    masks: Option<&[f32]>,
    device: &Device,
) -> crate::Result<Vec<f32>> {
    let n = validate(images, masks)?;
    let r = restorer.valid();
    let device = &device.clone().inner();
    let x = tensor2(&to_tanh_range(images), n, device);
    let m = tensor2(&binary_mask(images.len(), masks), n, device);
    let k = r.classes();
    let classes = match told {
        _ if k == 0 => None,
        Told::Nothing => None,
        Told::ByReaders(readers) => ensemble_probabilities(readers, x.clone(), m.clone()), // [N, 10]
        Told::Classes(p) if p.len() != n * k || p.iter().any(|v| !v.is_finite()) => {
            return Err(Error::Input(format!(
                "expected {k} finite class probabilities per digit ({} for {n}), got {}",
                n * k,
                p.len()
            )));
        }
        Told::Classes(p) => Some(tensor2(p, n, device)), // [N, K]
    };
    let out = r.forward_told(x, m, masks.is_none(), classes);
    let mut restored = from_tanh_range(&to_vec(out));
    // Known pixels come back bit-exact (the network's composite is exact only up to rounding).
    if let Some(m) = masks {
        for ((r, &x), &u) in restored.iter_mut().zip(images).zip(m) {
            if u <= 0.5 {
                *r = x;
            }
        }
    }
    Ok(restored)
}

/// Settings of latent search.
#[derive(Config, Debug, PartialEq)]
pub struct LatentSearchConfig {
    /// Adam steps on z.
    #[config(default = 120)]
    pub steps: usize,
    /// Starting points per class (conditional G) or in all (unconditional G).
    #[config(default = 2)]
    pub starts: usize,
    #[config(default = 0.05)]
    pub lr: f32,
    /// λ: weight of the prior loss log(1 − D(G(z))) against the context loss.
    #[config(default = 0.01)]
    pub prior_weight: f32,
}

/// Restores one digit by latent search. Returns the restored digit ([0, 1]).
pub fn latent_search(
    generator: &Generator,
    discriminator: &Discriminator,
    image: &[f32],
    mask: Option<&[f32]>,
    seed: u64,
    cfg: &LatentSearchConfig,
    device: &Device,
) -> crate::Result<Vec<f32>> {
    if validate(image, mask)? != 1 {
        return Err(Error::Input(
            "latent search restores one digit at a time".into(),
        ));
    }
    let device = device.clone().autodiff();
    let g = generator.clone().to_device(&device).freeze();
    let d = discriminator.clone().to_device(&device).freeze();
    let classes = g.classes();
    let k = if classes > 0 {
        cfg.starts.max(1) * classes
    } else {
        cfg.starts.max(1) * 10
    };
    let latent = g.latent();

    // Context weights: known pixels count; blind = every pixel counts.
    let known: Vec<f32> = match mask {
        Some(m) => m.iter().map(|&v| if v > 0.5 { 0.0 } else { 1.0 }).collect(),
        None => vec![1.0; PIXELS],
    };
    let known_count = known.iter().sum::<f32>().max(1.0);
    let target = to_tanh_range(image);
    let rep = |v: &[f32]| -> Vec<f32> { v.iter().copied().cycle().take(k * PIXELS).collect() };
    let target_t = tensor2(&rep(&target), k, &device);
    let known_t = tensor2(&rep(&known), k, &device);
    let labels: Vec<u8> = (0..k).map(|i| (i % 10) as u8).collect();
    let y = (classes > 0).then(|| onehot(&labels, classes, &device));

    let mut rng = StdRng::seed_from_u64(seed);
    let mut z = uniform(&mut rng, k * latent);
    let (mut m1, mut m2) = (vec![0.0f32; z.len()], vec![0.0f32; z.len()]);
    let (b1, b2) = (0.9f32, 0.999f32);
    let mut losses = vec![0.0f32; k];
    for t in 1..=cfg.steps {
        let zt = tensor2(&z, k, &device).require_grad();
        let out = g.forward(zt.clone(), y.clone()); // [K, 784]
        let context =
            ((out.clone() - target_t.clone()).abs() * known_t.clone()).sum_dim(1) / known_count; // [K, 1]
        let (logit, _) = d.forward(out, None); // [K, 1]
        let prior = softplus_stable(logit).neg(); // log(1 − D(G(z))), [K, 1]
        let loss = context + prior.mul_scalar(cfg.prior_weight); // [K, 1]
        losses = to_vec(loss.clone());
        let grads = loss.sum().backward();
        let gz = zt
            .grad(&grads)
            .map(to_vec)
            .unwrap_or_else(|| vec![0.0; z.len()]);
        for i in 0..z.len() {
            m1[i] = b1 * m1[i] + (1.0 - b1) * gz[i];
            m2[i] = b2 * m2[i] + (1.0 - b2) * gz[i] * gz[i];
            let mh = m1[i] / (1.0 - b1.powi(t as i32));
            let vh = m2[i] / (1.0 - b2.powi(t as i32));
            z[i] = (z[i] - cfg.lr * mh / (vh.sqrt() + 1e-8)).clamp(-1.0, 1.0);
        }
    }
    let best = (0..k)
        .min_by(|&a, &b| losses[a].total_cmp(&losses[b]))
        .unwrap_or(0);
    let zb = tensor2(&z[best * latent..(best + 1) * latent], 1, &device);
    let yb = (classes > 0).then(|| onehot(&labels[best..best + 1], classes, &device));
    let generated = from_tanh_range(&to_vec(
        g.valid().forward(zb.inner(), yb.map(|t| t.inner())),
    ));
    Ok(match mask {
        Some(m) => generated
            .iter()
            .zip(image)
            .zip(m)
            .map(|((&gv, &iv), &mv)| if mv > 0.5 { gv } else { iv })
            .collect(),
        None => generated,
    })
}
