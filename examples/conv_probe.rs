// Probe (session 4, issue #2): forward + backward time of a small U-Net restorer (batch 64) in
// burn-flex, natively: what a convolutional restorer would cost per step. `cargo run --profile fast
// --example conv_probe`.
use burn::nn::PaddingConfig2d;
use burn::nn::conv::{Conv2d, Conv2dConfig};
use burn::prelude::*;
use burn::tensor::activation::leaky_relu;
use burn::tensor::module::interpolate;
use burn::tensor::ops::{InterpolateMode, InterpolateOptions};
use std::time::Instant;

fn conv(i: usize, o: usize, stride: usize, d: &Device) -> Conv2d {
    Conv2dConfig::new([i, o], [3, 3])
        .with_stride([stride, stride])
        .with_padding(PaddingConfig2d::Explicit(1, 1, 1, 1))
        .init(d)
}

fn main() {
    let device = digitgan::train::train_device();
    for c in [16usize, 24, 32] {
        let e1 = conv(2, c, 1, &device);
        let e2 = conv(c, 2 * c, 2, &device);
        let e3 = conv(2 * c, 2 * c, 2, &device);
        let m = conv(2 * c, 2 * c, 1, &device);
        let d2 = conv(4 * c, 2 * c, 1, &device);
        let d1 = conv(3 * c, c, 1, &device);
        let out = conv(c, 1, 1, &device);
        let up = |t: Tensor<4>, s: usize| {
            interpolate(
                t,
                InterpolateOptions::new(InterpolateMode::Nearest).with_output_size([s, s]),
            )
        };
        let x = Tensor::<4>::random(
            [64, 2, 28, 28],
            burn::tensor::Distribution::Uniform(0.0, 1.0),
            &device,
        );
        let mut times = vec![];
        for _ in 0..6 {
            let t = Instant::now();
            let a = leaky_relu(e1.forward(x.clone()), 0.2); // [64,c,28,28]
            let b = leaky_relu(e2.forward(a.clone()), 0.2); // [64,2c,14,14]
            let cc = leaky_relu(e3.forward(b.clone()), 0.2); // [64,2c,7,7]
            let cc = leaky_relu(m.forward(cc), 0.2);
            let dd = leaky_relu(d2.forward(Tensor::cat(vec![up(cc, 14), b], 1)), 0.2);
            let y = out.forward(leaky_relu(
                d1.forward(Tensor::cat(vec![up(dd, 28), a], 1)),
                0.2,
            ));
            let loss = y.abs().mean();
            let _g = loss.backward();
            times.push(t.elapsed().as_secs_f64() * 1000.0);
        }
        times.sort_by(|a, b| a.partial_cmp(b).unwrap());
        println!("c={c}: median {:.1} ms per fwd+bwd (batch 64)", times[3]);
    }
}
