// Probe (session 23, issue #2): the direct convolution kernels (`src/conv/kernels.rs`) against
// burn-flex's im2col + gemm, per 3×3 stride-1 layer of the U-Net restorer and the reader (batch
// 32): forward, weight gradient, input gradient, median of 9 runs each, side by side in one
// process (this host's speed drifts by 1.5× within a session, so only same-run ratios mean
// anything). `cargo run --profile fast --example direct_conv_probe` (B=64 for the reader's batch).
//
// Session 23, AVX2 host: forward 33.9 → 15.8 ms summed over the six shapes, input gradient
// 26.3 → 14.6; weight gradient faster on 28-wide rows only (48→16: 20.3 → 14.3 ms; 14-wide
// 64→32: 10.3 → 12.2), so `Geometry::fast_weight_grad` keeps burn's for narrower rows.
use burn::prelude::*;
use burn::tensor::TensorData;
use burn::tensor::module::{conv_transpose2d, conv2d};
use burn::tensor::ops::{ConvOptions, ConvTransposeOptions};

mod common;
use common::median_ms;

fn main() {
    digitgan::malloc::keep_buffers();
    let b: usize = std::env::var("B")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(32);
    raw(b);
}

pub fn raw(b: usize) {
    let plain = Device::flex();
    let mut sums = [0.0f64; 6];
    // (in, out, side, dilation, stride): the reader's c1–c4 (strided layout) and the U-Net's
    // enc1, enc2, enc3, mid, dec2, dec1, out (width 16).
    for (i, o, s, dil, st) in [
        (2usize, 16usize, 28usize, 1usize, 1usize),
        (16, 32, 28, 1, 2),
        (32, 32, 14, 1, 1),
        (32, 32, 14, 1, 2),
        (32, 32, 7, 2, 1),
        (64, 32, 14, 1, 1),
        (48, 16, 28, 1, 1),
        (16, 1, 28, 1, 1),
    ] {
        let geo = digitgan::conv::Geometry::new(
            [b, i, s, s],
            [o, i, 3, 3],
            [dil, dil],
            [dil, dil],
            [st, st],
        );
        let so = geo.ho;
        let x: Vec<f32> = (0..b * i * s * s).map(|k| (k % 7) as f32 * 0.1).collect();
        let w: Vec<f32> = (0..o * i * 9).map(|k| (k % 5) as f32 * 0.1).collect();
        let g: Vec<f32> = (0..b * o * so * so).map(|k| (k % 3) as f32 * 0.1).collect();
        let bias = vec![0.1f32; o];
        let xt = Tensor::<4>::from_data(TensorData::new(x.clone(), [b, i, s, s]), &plain);
        let wt = Tensor::<4>::from_data(TensorData::new(w.clone(), [o, i, 3, 3]), &plain);
        let gt = Tensor::<4>::from_data(TensorData::new(g.clone(), [b, o, so, so]), &plain);
        let opts = ConvOptions::new([st, st], [dil, dil], [dil, dil], 1);
        let t = [
            median_ms(|| {
                let _ = conv2d(xt.clone(), wt.clone(), None, opts.clone()).into_data();
            }),
            median_ms(|| {
                std::hint::black_box(geo.forward(&x, &w, &bias));
            }),
            median_ms(|| {
                let _ = conv2d(
                    xt.clone().swap_dims(0, 1),
                    gt.clone().swap_dims(0, 1),
                    None,
                    ConvOptions::new([dil, dil], [dil, dil], [1, 1], 1),
                )
                .into_data();
            }),
            median_ms(|| {
                std::hint::black_box(geo.weight_grad(&x, &g));
            }),
            median_ms(|| {
                let _ = conv_transpose2d(
                    gt.clone(),
                    wt.clone(),
                    None,
                    ConvTransposeOptions::new(
                        [st, st],
                        [dil, dil],
                        [(s + 2 * dil - 2 * dil - 1) % st; 2],
                        [dil, dil],
                        1,
                    ),
                )
                .into_data();
            }),
            median_ms(|| {
                std::hint::black_box(geo.input_grad(&w, &g));
            }),
        ];
        println!(
            "{i:>2}→{o:<2} {s:>2} d{dil}: fwd burn {:6.2} ours {:6.2} | wgrad burn {:6.2} ours {:6.2} | xgrad burn {:6.2} ours {:6.2}",
            t[0], t[1], t[2], t[3], t[4], t[5]
        );
        for k in 0..6 {
            sums[k] += t[k];
        }
    }
    println!(
        "sum: fwd {:.1}/{:.1} wgrad {:.1}/{:.1} xgrad {:.1}/{:.1}",
        sums[0], sums[1], sums[2], sums[3], sums[4], sums[5]
    );
}
