//! Weight averaging of restorers ("model soup", Wortsman et al. 2022).
//!
//! Restorers fine-tuned from one parent with different seeds end in one basin of the loss, where
//! the mean of their weights is itself a good restorer, and usually a steadier one than any single
//! checkpoint (README "Quality" measures it). Only the restorer is averaged: the generator,
//! discriminator and classifier come from the first bundle (restorer-only phases keep them frozen,
//! so they are the same in every input). Averaging networks trained from *different* starts is
//! meaningless (their units are in different orders); the caller picks related files.

use std::collections::VecDeque;

use burn::module::Module;

use crate::error::{Error, Result};
use crate::quant::{Apply, Collect, Decoded};
use crate::weights::Bundle;

/// The first bundle (or `parent`, when given) with its restorer replaced by the mean of all the
/// bundles' restorers.
///
/// Without `parent`, every bundle must hold the first one's G, D and classifier (restorer-only
/// phases keep them frozen). With `parent`, the bundles' G and classifier must be the parent's
/// but D may differ (a restorer-only phase that trains D, `restorer_trains_discriminator`): the
/// result keeps the parent's G, D and classifier, so D still matches G.
pub fn average_restorers(bundles: Vec<Bundle>, parent: Option<Bundle>) -> Result<Bundle> {
    let Some(first) = bundles.first() else {
        return Err(Error::Input("nothing to average".into()));
    };
    let with_d = parent.is_none();
    let base = parent.as_ref().unwrap_or(first);
    if bundles
        .iter()
        .any(|b| b.arch.restorer != base.arch.restorer)
    {
        return Err(Error::Weights(
            "the restorers to average have different architectures".into(),
        ));
    }
    // Files whose frozen networks differ did not start from one parent, and their restorers
    // have nothing in common to average.
    let frozen = frozen_floats(base, with_d);
    let members = if with_d { &bundles[1..] } else { &bundles[..] };
    if members.iter().any(|b| frozen_floats(b, with_d) != frozen) {
        return Err(Error::Weights(if with_d {
            "the files to average have different generators, discriminators or classifiers: \
             average only restorers fine-tuned from one parent (digitgan train --from PARENT \
             --restorer-only)"
        } else {
            "a file to average has a different generator or classifier than the parent: average \
             only restorers fine-tuned from it (digitgan train --from PARENT --restorer-only)"
        }
        .into()));
    }
    let n = bundles.len() as f32;
    let mut sum = floats(first);
    for b in &bundles[1..] {
        for ((_, acc), (_, v)) in sum.iter_mut().zip(floats(b)) {
            acc.iter_mut().zip(v).for_each(|(a, v)| *a += v);
        }
    }
    for (_, acc) in sum.iter_mut() {
        acc.iter_mut().for_each(|a| *a /= n);
    }
    let mean: VecDeque<Decoded> = sum.into();
    let base = match parent {
        Some(p) => p,
        None => bundles.into_iter().next().expect("checked non-empty above"),
    };
    Ok(Bundle {
        restorer: base.restorer.map(&mut Apply(mean)),
        ..base
    })
}

/// The restorer's float parameters in visiting order (the same order for equal architectures).
fn floats(b: &Bundle) -> Vec<Decoded> {
    params(&b.restorer)
}

/// The generator's, (`with_d`) discriminator's and classifier's float parameters.
fn frozen_floats(b: &Bundle, with_d: bool) -> Vec<Decoded> {
    let mut all = params(&b.generator);
    if with_d {
        all.extend(params(&b.discriminator));
    }
    all.extend(params(&b.classifier));
    all
}

/// Whether two modules of one architecture hold exactly the same float parameters.
pub fn same_weights<M: Module>(a: &M, b: &M) -> bool {
    params(a) == params(b)
}

fn params<M: Module>(module: &M) -> Vec<Decoded> {
    let mut collect = Collect(Vec::new());
    module.visit(&mut collect);
    collect.0
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::PIXELS;
    use crate::model::RestorerConfig;
    use crate::train::{tensor2, uniform, with_seeded_init};
    use crate::weights::Architecture;
    use burn::prelude::*;
    use rand::{SeedableRng, rngs::StdRng};

    fn bundle(seed: u64) -> Bundle {
        let arch = Architecture {
            restorer: RestorerConfig::unet().with_conv(Some(4)),
            ..Architecture::default()
        };
        let device = Device::flex();
        with_seeded_init(&device, seed, || Bundle::init(arch, &device))
    }

    /// `parent`'s GAN and classifier with bundle(seed)'s restorer: what two restorer-only
    /// fine-tunes of one parent look like. (Cloned, not re-initialised from the parent's seed:
    /// unseeded inits in concurrent tests may draw from burn's shared RNG between a seed and
    /// its draws, so two seeded inits are not guaranteed equal inside the test binary.)
    fn sibling(parent: &Bundle, seed: u64) -> Bundle {
        Bundle {
            restorer: bundle(seed).restorer,
            ..parent.clone()
        }
    }

    #[test]
    fn the_mean_of_two_restorers_is_their_midpoint() {
        let parent = bundle(1);
        let (a, b) = (sibling(&parent, 1), sibling(&parent, 2));
        let (fa, fb) = (floats(&a), floats(&b));
        let mean = floats(&average_restorers(vec![a, b], None).unwrap());
        assert_eq!(mean.len(), fa.len());
        for ((m, a), b) in mean.iter().zip(&fa).zip(&fb) {
            assert_eq!(m.0, a.0, "shapes kept");
            for ((m, a), b) in m.1.iter().zip(&a.1).zip(&b.1) {
                assert!((m - (a + b) / 2.0).abs() < 1e-6);
            }
        }
    }

    #[test]
    fn averaging_one_restorer_with_itself_restores_the_same() {
        let a = bundle(3);
        let same = average_restorers(vec![a.clone(), a.clone()], None).unwrap();
        let device = Device::flex();
        // Seeded apart from burn's shared RNG, which concurrent tests' seeded inits use.
        let v = uniform(&mut StdRng::seed_from_u64(4), 2 * PIXELS);
        let x = tensor2(&v, 2, &device);
        let mask = Tensor::<2>::zeros([2, PIXELS], &device);
        // Blind: the raw output (with a mask of zeros and no blind flag it would return x).
        let ra = a.restorer.forward(x.clone(), mask.clone(), true);
        let rs = same.restorer.forward(x, mask, true);
        ra.into_data()
            .assert_approx_eq::<f32>(&rs.into_data(), Default::default());
    }

    #[test]
    fn restorers_of_different_gans_are_refused() {
        let a = bundle(1);
        let mut b = a.clone();
        b.generator = bundle(2).generator;
        let err = average_restorers(vec![a, b], None).unwrap_err();
        assert!(err.to_string().contains("different generators"), "{err}");
    }

    /// With a parent, the members' D may differ (they trained it); G and C may not, and the
    /// result keeps the parent's D.
    #[test]
    fn with_a_parent_only_the_discriminator_may_differ() {
        let parent = bundle(1);
        let mut a = sibling(&parent, 2);
        a.discriminator = bundle(3).discriminator;
        let b = sibling(&parent, 4);
        assert!(average_restorers(vec![a.clone(), b.clone()], None).is_err());
        let mean = average_restorers(vec![a.clone(), b], Some(parent.clone())).unwrap();
        assert!(same_weights(&mean.discriminator, &parent.discriminator));
        assert!(!same_weights(&mean.restorer, &parent.restorer));
        a.classifier = bundle(5).classifier;
        let err = average_restorers(vec![a], Some(parent)).unwrap_err();
        assert!(err.to_string().contains("than the parent"), "{err}");
    }

    #[test]
    fn different_restorer_layouts_are_refused() {
        let a = bundle(1);
        let mut b = a.clone();
        b.arch.restorer = RestorerConfig::new();
        let device = Device::flex();
        b.restorer = with_seeded_init(&device, 2, || b.arch.restorer.init(&device));
        let err = average_restorers(vec![a, b], None).unwrap_err();
        assert!(err.to_string().contains("different architectures"), "{err}");
    }
}
