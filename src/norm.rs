//! Training-time batch normalisation of NCHW activations (the reader's 4-D layers), and the
//! LeakyReLU that follows it, through direct per-channel kernels.
//!
//! burn's `batch_norm_train` and its backward reduce over the batch and the plane by swapping
//! the batch and channel axes and reshaping, which copies the activation (a tiled transpose)
//! twice in the forward pass and twice more in the backward, then runs about ten elementwise
//! passes. On the reader (width 16, batch 64) that was 15.6% of a training step, half of it the
//! copies (`perf`, session 26). Here each channel's statistics are read straight off its planes
//! in NCHW order, and the backward is one pass for the two sums and one for the input gradient.
//! The graph LeakyReLU after it (another ~5%: four passes forward, five backward) folds into the
//! normalising pass as a `max` and into the backward as a mask ([`batch_norm_leaky`]).
//!
//! Only a batch norm in training mode on the autodiff device takes this path; inference, and a
//! frozen layer, are burn's own `BatchNorm::forward` (then `leaky`) bit for bit. The running
//! statistics are updated as burn updates them. The batch statistics differ from burn's by
//! float rounding only (the sums run in another order). A burn backend extension, as
//! `conv.rs`: [`DirectNormBackend`] for `Flex` and for `Autodiff<Flex>` (hand-written backward).
use burn::backend::autodiff::checkpoint::base::Checkpointer;
use burn::backend::autodiff::checkpoint::strategy::CheckpointStrategy;
use burn::backend::autodiff::grads::Gradients;
use burn::backend::autodiff::ops::{Backward, Ops, OpsKind};
use burn::backend::autodiff::{Autodiff, NodeId};
use burn::backend::flex::FlexTensor;
use burn::backend::tensor::FloatTensor;
use burn::backend::{AutodiffBackend, Backend, Dispatch, Flex, TensorMetadata, backend_extension};
use burn::module::RunningState;
use burn::nn::BatchNorm;
use burn::prelude::*;

use crate::conv::{f32s, tensor};

#[backend_extension(Flex, Autodiff)]
pub trait DirectNormBackend: Backend {
    /// Batch normalisation with the batch's own statistics, then LeakyReLU with `slope` (1 =
    /// none): x [B, C, H, W], gamma and beta [C] → (output [B, C, H, W], mean [C], biased
    /// variance [C]).
    fn batch_norm_direct(
        x: FloatTensor<Self>,
        gamma: FloatTensor<Self>,
        beta: FloatTensor<Self>,
        epsilon: f64,
        slope: f64,
    ) -> (FloatTensor<Self>, FloatTensor<Self>, FloatTensor<Self>);
}

impl DirectNormBackend for Flex {
    fn batch_norm_direct(
        x: FlexTensor,
        gamma: FlexTensor,
        beta: FlexTensor,
        epsilon: f64,
        slope: f64,
    ) -> (FlexTensor, FlexTensor, FlexTensor) {
        let planes = Planes::of(&x.shape().dims::<4>());
        let (x, gamma, beta) = (
            x.to_contiguous(),
            gamma.to_contiguous(),
            beta.to_contiguous(),
        );
        let (y, var, affine) = planes.forward(&x, &gamma, &beta, epsilon, slope);
        let c = planes.c;
        (
            tensor(y, planes.dims()),
            tensor(affine.mean, [c]),
            tensor(var, [c]),
        )
    }
}

/// `leaky(BatchNorm::forward(x), slope)` on x [B, C, H, W] → [B, C, H, W] (slope 1: the batch
/// norm alone). In training (autodiff device, layer not frozen, f32, slope in [0, 1]) one
/// operation on the direct kernels, with burn's running-statistics update: the activation's
/// four elementwise passes forward and five backward become a `max` in the normalising pass
/// and a mask in the backward's.
pub fn batch_norm_leaky(norm: &BatchNorm, x: Tensor<4>, slope: f64) -> Tensor<4> {
    let training = x.device().is_autodiff() && norm.training.is_enabled();
    if !training || x.dtype() != burn::tensor::DType::F32 || !(0.0..=1.0).contains(&slope) {
        let y = norm.forward(x);
        return match slope == 1.0 {
            true => y,
            false => crate::activation::leaky(y, slope),
        };
    }
    let (y, mean, var) = <Dispatch as DirectNormBackend>::batch_norm_direct(
        x.into_dispatch(),
        norm.gamma.val().into_dispatch(),
        norm.beta.val().into_dispatch(),
        norm.epsilon,
        slope,
    );
    let (mean, var) = (
        Tensor::<1>::from_dispatch(mean),
        Tensor::<1>::from_dispatch(var),
    );
    // running ← (1 − momentum) · running + momentum · batch, as `BatchNorm::forward` does.
    let device = mean.device();
    let m = norm.momentum;
    let blend = |running: &RunningState<Tensor<1>>, batch: Tensor<1>| {
        let old = running.value_sync().to_device(&device);
        running.update(
            old.mul_scalar(1.0 - m)
                .add(batch.detach().mul_scalar(m))
                .detach(),
        );
    };
    blend(&norm.running_mean, mean);
    blend(&norm.running_var, var);
    Tensor::from_dispatch(y)
}

#[derive(Debug)]
struct DirectNorm;

impl Backward<Flex, 3> for DirectNorm {
    /// x (checkpointed), the geometry, the per-channel affine map of the forward pass and the
    /// LeakyReLU slope.
    type State = (NodeId, Planes, Affine, f32);

    fn backward(
        self,
        ops: Ops<Self::State, 3>,
        grads: &mut Gradients,
        checkpointer: &mut Checkpointer,
    ) {
        let [node_x, node_gamma, node_beta] = ops.parents;
        let grad = grads.consume::<Flex>(&ops.node).to_contiguous();
        let (x_state, planes, affine, slope) = ops.state;
        let x = checkpointer
            .retrieve_node_output::<FlexTensor>(x_state)
            .to_contiguous();
        let x = f32s(&x);
        // dL/dz for z = gamma · x̂ + beta, the activation's input.
        let masked;
        let g = match slope == 1.0 {
            true => f32s(&grad),
            false => {
                masked = planes.leaky_grad(x, f32s(&grad), &affine, slope);
                &masked
            }
        };
        let sums = planes.grad_sums(x, g, &affine);
        if let Some(node) = node_x {
            let dx = planes.input_grad(x, g, &affine, &sums);
            grads.register::<Flex>(node.id, tensor(dx, planes.dims()));
        }
        let c = planes.c;
        if let Some(node) = node_gamma {
            let dgamma = sums.iter().map(|s| s.g_xhat as f32).collect();
            grads.register::<Flex>(node.id, tensor(dgamma, [c]));
        }
        if let Some(node) = node_beta {
            let dbeta = sums.iter().map(|s| s.g as f32).collect();
            grads.register::<Flex>(node.id, tensor(dbeta, [c]));
        }
    }
}

impl<C: CheckpointStrategy> DirectNormBackend for Autodiff<Flex, C> {
    fn batch_norm_direct(
        x: FloatTensor<Self>,
        gamma: FloatTensor<Self>,
        beta: FloatTensor<Self>,
        epsilon: f64,
        slope: f64,
    ) -> (FloatTensor<Self>, FloatTensor<Self>, FloatTensor<Self>) {
        let planes = Planes::of(&x.shape().dims::<4>());
        let c = planes.c;
        match DirectNorm
            .prepare::<C>([x.node(), gamma.node(), beta.node()])
            .compute_bound()
            .stateful()
        {
            OpsKind::Tracked(mut prep) => {
                let x_state = prep.checkpoint(&x);
                let xs = x.into_primitive().to_contiguous();
                let gs = gamma.into_primitive().to_contiguous();
                let bs = beta.into_primitive().to_contiguous();
                let (y, var, affine) = planes.forward(&xs, &gs, &bs, epsilon, slope);
                let stats = (tensor(affine.mean.clone(), [c]), tensor(var, [c]));
                let state = (x_state, planes, affine, slope as f32);
                (
                    prep.finish(state, tensor(y, planes.dims())),
                    Self::from_inner(stats.0),
                    Self::from_inner(stats.1),
                )
            }
            OpsKind::UnTracked(prep) => {
                let (y, mean, var) = Flex::batch_norm_direct(
                    x.into_primitive(),
                    gamma.into_primitive(),
                    beta.into_primitive(),
                    epsilon,
                    slope,
                );
                (
                    prep.finish(y),
                    Self::from_inner(mean),
                    Self::from_inner(var),
                )
            }
        }
    }
}

/// An NCHW activation seen as B × C planes of P = H·W values.
#[derive(Clone, Copy, Debug)]
struct Planes {
    b: usize,
    c: usize,
    h: usize,
    w: usize,
}

/// One channel's gradient sums: Σ g and Σ g · x̂ over the batch and the plane.
#[derive(Clone, Copy, Debug, Default)]
struct GradSums {
    g: f64,
    g_xhat: f64,
}

impl Planes {
    fn of(dims: &[usize; 4]) -> Self {
        let [b, c, h, w] = *dims;
        Self { b, c, h, w }
    }

    fn dims(&self) -> [usize; 4] {
        [self.b, self.c, self.h, self.w]
    }

    /// Values per channel (B · H · W).
    fn n(&self) -> usize {
        self.b * self.h * self.w
    }

    /// The plane of channel `c` in sample `b`, as a range of the flat NCHW buffer.
    fn plane(&self, b: usize, c: usize) -> std::ops::Range<usize> {
        let p = self.h * self.w;
        let start = (b * self.c + c) * p;
        start..start + p
    }

    /// Per channel, f summed over every plane of that channel (per plane in f32, across planes in f64).
    fn per_channel(&self, f: impl Fn(usize, std::ops::Range<usize>) -> f32) -> Vec<f64> {
        let mut sums = vec![0f64; self.c];
        for b in 0..self.b {
            for (c, sum) in sums.iter_mut().enumerate() {
                *sum += f(c, self.plane(b, c)) as f64;
            }
        }
        sums
    }

    /// The forward pass on contiguous x, gamma and beta: (y, the biased variance [C], the
    /// affine map applied, which holds the batch mean).
    fn forward(
        &self,
        x: &FlexTensor,
        gamma: &FlexTensor,
        beta: &FlexTensor,
        epsilon: f64,
        slope: f64,
    ) -> (Vec<f32>, Vec<f32>, Affine) {
        let (mean, var) = self.statistics(f32s(x));
        let affine = Affine {
            mean,
            inv: inverse_std(&var, epsilon),
            gamma: f32s(gamma).to_vec(),
            beta: f32s(beta).to_vec(),
        };
        (self.normalise(f32s(x), &affine, slope as f32), var, affine)
    }

    /// The batch mean and biased variance of each channel ([C] each), two-pass.
    fn statistics(&self, x: &[f32]) -> (Vec<f32>, Vec<f32>) {
        let n = self.n() as f64;
        let mean: Vec<f32> = self
            .per_channel(|_, plane| lanes_sum(&x[plane], |v| v))
            .into_iter()
            .map(|s| (s / n) as f32)
            .collect();
        let var = self
            .per_channel(|c, plane| {
                let m = mean[c];
                lanes_sum(&x[plane], |v| (v - m) * (v - m))
            })
            .into_iter()
            .map(|s| (s / n) as f32)
            .collect();
        (mean, var)
    }

    /// y = leaky(z, slope), z = (x − mean) · inv · gamma + beta per channel (slope in [0, 1]).
    fn normalise(&self, x: &[f32], affine: &Affine, slope: f32) -> Vec<f32> {
        // Planes run in buffer order, so each extends the output (no zeroed buffer first).
        let mut y = Vec::with_capacity(x.len());
        for b in 0..self.b {
            for c in 0..self.c {
                let (m, scale, shift) = (affine.mean[c], affine.scale(c), affine.beta[c]);
                y.extend(x[self.plane(b, c)].iter().map(|&x| {
                    let z = (x - m) * scale + shift;
                    z.max(z * slope)
                }));
            }
        }
        y
    }

    /// dL/dz from dL/dy for y = leaky(z, slope): g where z > 0, slope · g elsewhere.
    fn leaky_grad(&self, x: &[f32], g: &[f32], affine: &Affine, slope: f32) -> Vec<f32> {
        let mut dz = Vec::with_capacity(g.len());
        for b in 0..self.b {
            for c in 0..self.c {
                let range = self.plane(b, c);
                let (m, scale, shift) = (affine.mean[c], affine.scale(c), affine.beta[c]);
                dz.extend(x[range.clone()].iter().zip(&g[range]).map(|(&x, &g)| {
                    let z = (x - m) * scale + shift;
                    if z > 0.0 { g } else { g * slope }
                }));
            }
        }
        dz
    }

    /// Σ g and Σ g · x̂ per channel, x̂ = (x − mean) · inv.
    fn grad_sums(&self, x: &[f32], g: &[f32], affine: &Affine) -> Vec<GradSums> {
        let sum_g = self.per_channel(|_, plane| lanes_sum(&g[plane], |v| v));
        let sum_gx = self.per_channel(|c, plane| {
            let (m, s) = (affine.mean[c], affine.inv[c]);
            lanes_dot(&x[plane.clone()], &g[plane], |x, g| (x - m) * s * g)
        });
        sum_g
            .into_iter()
            .zip(sum_gx)
            .map(|(g, g_xhat)| GradSums { g, g_xhat })
            .collect()
    }

    /// dL/dx = gamma · inv · (g − Σg / N − x̂ · Σ(g · x̂) / N).
    fn input_grad(&self, x: &[f32], g: &[f32], affine: &Affine, sums: &[GradSums]) -> Vec<f32> {
        let n = self.n() as f64;
        let mut dx = Vec::with_capacity(x.len());
        for b in 0..self.b {
            for (c, sum) in sums.iter().enumerate() {
                let range = self.plane(b, c);
                let (m, s, scale) = (affine.mean[c], affine.inv[c], affine.scale(c));
                let (mean_g, mean_gx) = ((sum.g / n) as f32, (sum.g_xhat / n) as f32);
                dx.extend(
                    x[range.clone()]
                        .iter()
                        .zip(&g[range])
                        .map(|(&x, &g)| scale * (g - mean_g - (x - m) * s * mean_gx)),
                );
            }
        }
        dx
    }
}

/// A batch norm's per-channel map as the forward pass applied it: the batch mean,
/// 1 / √(var + ε), gamma and beta ([C] each).
#[derive(Clone, Debug)]
struct Affine {
    mean: Vec<f32>,
    inv: Vec<f32>,
    gamma: Vec<f32>,
    beta: Vec<f32>,
}

impl Affine {
    /// gamma · inv of channel c.
    fn scale(&self, c: usize) -> f32 {
        self.gamma[c] * self.inv[c]
    }
}

/// 1 / √(var + ε) per channel.
fn inverse_std(var: &[f32], epsilon: f64) -> Vec<f32> {
    var.iter()
        .map(|&v| (1.0 / (v as f64 + epsilon).sqrt()) as f32)
        .collect()
}

/// Σ f(v) over `values`, as [`lanes_dot`] sums.
fn lanes_sum(values: &[f32], f: impl Fn(f32) -> f32) -> f32 {
    lanes_dot(values, values, |v, _| f(v))
}

/// Σ f(a, b) over two equally long slices, in eight f32 lanes (a shape the compiler vectorises).
fn lanes_dot(a: &[f32], b: &[f32], f: impl Fn(f32, f32) -> f32) -> f32 {
    let mut lanes = [0f32; 8];
    let (ca, cb) = (a.chunks_exact(8), b.chunks_exact(8));
    let tail: f32 = ca
        .remainder()
        .iter()
        .zip(cb.remainder())
        .map(|(&a, &b)| f(a, b))
        .sum();
    for (a, b) in ca.zip(cb) {
        for ((lane, &a), &b) in lanes.iter_mut().zip(a).zip(b) {
            *lane += f(a, b);
        }
    }
    lanes.iter().sum::<f32>() + tail
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::activation::leaky;
    use burn::nn::BatchNormConfig;
    use burn::tensor::{Distribution, Tolerance};

    /// Output, input / gamma / beta gradients and the running statistics of a tracked direct
    /// batch norm (+ LeakyReLU) against burn's own (+ `leaky`), over three steps (so the running
    /// update compounds), at the reader's plane sizes and a tail-sized one.
    #[test]
    fn direct_batch_norm_matches_burns() {
        let device = crate::train::train_device();
        for (b, c, side, slope) in [
            (4, 3, 28, 0.2),
            (3, 5, 14, 1.0),
            (2, 4, 7, 0.2),
            (5, 2, 3, 0.0),
        ] {
            // Two independent layers, equal at init (gamma 1, beta 0, running 0 and 1).
            let (ours, theirs) = (
                BatchNormConfig::new(c).init(&device),
                BatchNormConfig::new(c).init(&device),
            );
            for step in 0..3 {
                let dims = [b, c, side, side];
                let x = Tensor::<4>::random(dims, Distribution::Normal(0.5, 2.0), &device);
                // A loss whose gradient varies per value, so a misplaced sum would show.
                let weights = Tensor::<4>::random(dims, Distribution::Default, &device)
                    .add_scalar(step as f64);
                let run = |norm: &BatchNorm, direct: bool| {
                    let x = x.clone().require_grad();
                    let y = match (direct, slope == 1.0) {
                        (true, _) => batch_norm_leaky(norm, x.clone(), slope),
                        (false, true) => norm.forward(x.clone()),
                        (false, false) => leaky(norm.forward(x.clone()), slope),
                    };
                    let grads = (y.clone() * y.clone() * weights.clone()).sum().backward();
                    [
                        y.into_data(),
                        x.grad(&grads).unwrap().into_data(),
                        norm.gamma.grad(&grads).unwrap().into_data(),
                        norm.beta.grad(&grads).unwrap().into_data(),
                        norm.running_mean.value().into_data(),
                        norm.running_var.value().into_data(),
                    ]
                };
                let (a, z) = (run(&ours, true), run(&theirs, false));
                let names = [
                    "output",
                    "input grad",
                    "gamma grad",
                    "beta grad",
                    "running mean",
                    "running var",
                ];
                for (what, (a, z)) in names.iter().zip(a.iter().zip(&z)) {
                    assert_eq!(a.shape(), z.shape(), "{what}, {dims:?}, slope {slope}");
                    a.assert_approx_eq::<f32>(z, Tolerance::rel_abs(1e-4, 1e-4));
                }
            }
        }
    }

    /// Outside training (an untracked device, or a frozen layer) it is burn's forward, bit for bit.
    #[test]
    fn inference_is_burns_batch_norm() {
        let device = Device::flex();
        let norm = BatchNormConfig::new(3).init(&device);
        let x = Tensor::<4>::random([2, 3, 5, 5], Distribution::Default, &device);
        assert_eq!(
            batch_norm_leaky(&norm, x.clone(), 1.0).into_data(),
            norm.forward(x).into_data()
        );
    }
}
