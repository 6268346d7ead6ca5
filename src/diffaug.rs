//! DiffAugment (Zhao et al. 2020, "Differentiable Augmentation for Data-Efficient GAN
//! Training"): the same random, differentiable transform is applied to every image D sees, real
//! and generated, in D's step and in G's step, so D cannot memorise a small training set and G
//! still gets gradients through the transform.
//!
//! Policy for 28×28 digits: an integer translation (zero-padded, as the paper's "translation")
//! and a square cutout; both are one `gather` plus one mask multiply, so gradients pass straight
//! back to G's pixels. Images are in the tanh range, background −1.

use crate::data::SIDE;
use crate::model::PIXELS;
use burn::prelude::*;
use rand::Rng;

/// Strengths of the DiffAugment transform.
#[derive(Config, Debug, PartialEq)]
pub struct DiffAugmentConfig {
    /// Max shift in pixels on each axis (the paper uses 1/8 of the side: 3 px on 28).
    #[config(default = 3)]
    pub max_shift: usize,
    /// Side of the square cut out at a random centre (the paper uses half the side; 0 = off).
    #[config(default = 14)]
    pub cutout: usize,
}

/// One row's transform: its shift and the cutout's top-left corner (may hang off the edge).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct DiffAugmentParams {
    pub shift: (i32, i32),
    pub cutout_at: (i32, i32),
}

impl DiffAugmentConfig {
    /// Draws one row's parameters.
    pub fn sample(&self, rng: &mut impl Rng) -> DiffAugmentParams {
        let s = self.max_shift as i32;
        let mut shift = || rng.random_range(-s..=s);
        let shift = (shift(), shift());
        // The cutout's centre is anywhere on the image, as in the paper.
        let half = self.cutout as i32 / 2;
        let mut corner = || rng.random_range(0..SIDE as i32) - half;
        DiffAugmentParams {
            shift,
            cutout_at: (corner(), corner()),
        }
    }

    /// Source-pixel indices ([n·784], for `gather`) and keep mask ([n·784], 1 = keep) of `n`
    /// random transforms.
    pub fn plan(&self, n: usize, rng: &mut impl Rng) -> (Vec<i64>, Vec<f32>) {
        let mut index = Vec::with_capacity(n * PIXELS);
        let mut keep = Vec::with_capacity(n * PIXELS);
        for _ in 0..n {
            let p = self.sample(rng);
            let (i, k) = self.row_plan(&p);
            index.extend(i);
            keep.extend(k);
        }
        (index, keep)
    }

    /// One row's gather indices and keep mask.
    pub fn row_plan(&self, p: &DiffAugmentParams) -> (Vec<i64>, Vec<f32>) {
        let side = SIDE as i32;
        let cut = self.cutout as i32;
        let mut index = vec![0i64; PIXELS];
        let mut keep = vec![0f32; PIXELS];
        for y in 0..side {
            for x in 0..side {
                let o = (y * side + x) as usize;
                let (sx, sy) = (x - p.shift.0, y - p.shift.1);
                let inside = (0..side).contains(&sx) && (0..side).contains(&sy);
                let (cx, cy) = (x - p.cutout_at.0, y - p.cutout_at.1);
                let cut_out = cut > 0 && (0..cut).contains(&cx) && (0..cut).contains(&cy);
                if inside {
                    index[o] = (sy * side + sx) as i64;
                }
                keep[o] = if inside && !cut_out { 1.0 } else { 0.0 };
            }
        }
        (index, keep)
    }

    /// Applies an independent random transform to each row of `x` ([B, 784], tanh range);
    /// differentiable in `x`. Dropped pixels become background (−1).
    pub fn apply(&self, x: Tensor<2>, rng: &mut impl Rng) -> Tensor<2> {
        let [n, cols] = x.dims();
        debug_assert_eq!(cols, PIXELS);
        let device = x.device();
        let (index, keep) = self.plan(n, rng);
        let index = Tensor::<2, Int>::from_data(TensorData::new(index, [n, PIXELS]), &device);
        let keep = Tensor::<2>::from_data(TensorData::new(keep, [n, PIXELS]), &device);
        // out = keep · (x[index] + 1) − 1: kept pixels move, the rest are background.
        (x.gather(1, index).add_scalar(1.0) * keep).sub_scalar(1.0) // [B, 784]
    }
}
