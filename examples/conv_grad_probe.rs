// Probe (session 22, issue #2): where a convolution's training step goes in burn-flex, per layer
// of the 15-minute pipeline's reader (width 16, strided, batch 64). burn-backend computes the
// weight gradient as a convolution of the input with the output gradient as its kernel (28×28
// here), which im2col handles poorly. `cargo run --profile fast --example conv_grad_probe`.
//
// Measured on session 22's AVX2 host (NOTES "Review leftovers"): that weight gradient is ~40–50%
// of each layer's forward + backward, but it runs near plain-gemm speed: the same gradient as
// a native im2col + one gemm (commit cfca013, a backend extension) trained no faster, and the
// whole convolution composed from tensor ops (9 strided slices stacked + a batched matmul) is
// 1.1–3× slower than burn's (faster only for the 2-channel first layer).
// Corrected in session 23: the cost was the im2col copy, which cfca013 kept; direct kernels
// without one (`src/conv/kernels.rs`, `examples/direct_conv_probe.rs`) are 1.3–15× faster.
use burn::nn::PaddingConfig2d;
use burn::nn::conv::Conv2dConfig;
use burn::prelude::*;
use burn::tensor::module::{conv_transpose2d, conv2d};
use burn::tensor::ops::{ConvOptions, ConvTransposeOptions};
use burn::tensor::{Distribution, s};

mod common;
use common::median_ms;

fn main() {
    digitgan::malloc::keep_buffers();
    let ad = digitgan::train::train_device();
    let plain = Device::flex();
    let b = 64;
    // (in, out, side, stride) of the reader's c1..c4 at width 16.
    for (i, o, s, stride) in [
        (2, 16, 28, 1),
        (16, 32, 28, 2),
        (32, 32, 14, 1),
        (32, 32, 14, 2),
    ] {
        let so = s / stride;
        let conv = Conv2dConfig::new([i, o], [3, 3])
            .with_stride([stride, stride])
            .with_padding(PaddingConfig2d::Explicit(1, 1, 1, 1))
            .init(&ad);
        let x = Tensor::<4>::random([b, i, s, s], Distribution::Default, &ad);
        let fwd_bwd = median_ms(|| {
            let x = x.clone().require_grad();
            let _ = conv.forward(x).sum().backward();
        });
        let xp = Tensor::<4>::random([b, i, s, s], Distribution::Default, &plain);
        let w = Tensor::<4>::random([o, i, 3, 3], Distribution::Default, &plain);
        let g = Tensor::<4>::random([b, o, so, so], Distribution::Default, &plain);
        let fwd = median_ms(|| {
            let _ = conv2d(
                xp.clone(),
                w.clone(),
                None,
                ConvOptions::new([stride, stride], [1, 1], [1, 1], 1),
            )
            .into_data();
        });
        // burn-backend's weight gradient: conv(x^T, g^T) with dilation = stride.
        let wgrad = median_ms(|| {
            let _ = conv2d(
                xp.clone().swap_dims(0, 1),
                g.clone().swap_dims(0, 1),
                None,
                ConvOptions::new([1, 1], [1, 1], [stride, stride], 1),
            )
            .into_data();
        });
        let xgrad = median_ms(|| {
            let pad_out = (s + 2 - 3) % stride;
            let _ = conv_transpose2d(
                g.clone(),
                w.clone(),
                None,
                ConvTransposeOptions::new([stride, stride], [1, 1], [pad_out, pad_out], [1, 1], 1),
            )
            .into_data();
        });
        // The same weight gradient as im2col + one matmul: [O, B·L] × [B·L, I·9].
        let cols = xp
            .clone()
            .pad((1, 1, 1, 1), burn::tensor::ops::PadMode::Constant(0.0));
        let im2col = median_ms(|| {
            let _ = unfold(cols.clone(), stride, so).into_data();
        });
        let cols_t = unfold(cols.clone(), stride, so); // [B·L, I·9]
        let gm = g.clone().permute([1, 0, 2, 3]).reshape([o, b * so * so]);
        let mm = median_ms(|| {
            let _ = gm.clone().matmul(cols_t.clone()).into_data();
        });
        // The whole convolution as differentiable tensor ops: 9 shifted views stacked into
        // [B, I·9, L] and one batched matmul with the [O, I·9] kernel (im2col under autodiff).
        let wk = Tensor::<4>::random([o, i, 3, 3], Distribution::Default, &ad).require_grad();
        let composed = median_ms(|| {
            let x = x.clone().require_grad();
            let y = conv_composed(x, wk.clone(), stride);
            let _ = y.sum().backward();
        });
        println!("      composed (slices + stack + matmul) fwd+bwd {composed:6.2} ms");
        println!(
            "{i:>2}→{o:<2} {s}×{s} /{stride}: fwd+bwd {fwd_bwd:6.2} ms | fwd {fwd:5.2} | w-grad (burn) {wgrad:6.2} | x-grad {xgrad:5.2} | w-grad as im2col {im2col:5.2} + matmul {mm:5.2}"
        );
    }
}

/// The 9 taps of a 3×3 kernel over a padded [B, I, S+2, S+2], stacked: [B, I, 9, so, so].
fn taps(xp: Tensor<4>, stride: usize, so: usize) -> Tensor<5> {
    let span = stride * (so - 1) + 1;
    let mut taps = Vec::with_capacity(9);
    for dy in 0..3 {
        for dx in 0..3 {
            taps.push(
                xp.clone()
                    .slice(s![.., .., dy..dy + span; stride, dx..dx + span; stride]),
            ); // [B, I, so, so]
        }
    }
    Tensor::stack::<5>(taps, 2)
}

/// im2col of a padded [B, I, S+2, S+2] for a 3×3 kernel: [B·L, I·9], L = out side².
fn unfold(xp: Tensor<4>, stride: usize, so: usize) -> Tensor<2> {
    let [b, i, _, _] = xp.dims();
    taps(xp, stride, so) // [B, I, 9, so, so]
        .permute([0, 3, 4, 1, 2]) // [B, so, so, I, 9]
        .reshape([b * so * so, i * 9])
}

/// A 3×3, padding-1 convolution as tensor ops autodiff can differentiate: [B, O, so, so].
fn conv_composed(x: Tensor<4>, w: Tensor<4>, stride: usize) -> Tensor<4> {
    let [b, i, side, _] = x.dims();
    let o = w.dims()[0];
    let so = side / stride;
    let xp = x.pad((1, 1, 1, 1), burn::tensor::ops::PadMode::Constant(0.0)); // [B, I, S+2, S+2]
    let cols = taps(xp, stride, so).reshape([b, i * 9, so * so]); // [B, I·9, L]
    let wm = w.reshape([1, o, i * 9]); // [1, O, I·9]
    wm.matmul(cols).reshape([b, o, so, so]) // [B, O, so, so]
}
