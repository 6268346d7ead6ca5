//! A small U-Net: the convolutional body of the restorer (`RestorerConfig::conv`).
//!
//! Convolutions see each pixel's neighbourhood, which the MLP restorer has to learn position by
//! position; in a PyTorch spike this halved the gap between restored and clean digits on erased
//! blocks (README "Is the block target reachable?"). Shapes use B = batch, C = width.

use burn::nn::conv::{Conv2d, Conv2dConfig};
use burn::nn::{Linear, LinearConfig, PaddingConfig2d};
use burn::prelude::*;
use burn::tensor::activation::leaky_relu;
use burn::tensor::module::interpolate;
use burn::tensor::ops::{InterpolateMode, InterpolateOptions};

use crate::data::SIDE;
use crate::model::PIXELS;

/// Two encoder levels (28 → 14 → 7), a dilated middle, and a decoder with skip connections;
/// optionally a dense bottleneck at 7×7 that gives every pixel the whole digit's context (big
/// holes need it: the convolutions alone see about 20 pixels across).
#[derive(Module, Debug)]
pub struct UNet {
    enc1: Conv2d,
    enc2: Conv2d,
    enc3: Conv2d,
    mid: Conv2d,
    dec2: Conv2d,
    dec1: Conv2d,
    out: Conv2d,
    slope: f64,
    global: Option<(Linear, Linear)>,
}

fn conv(input: usize, output: usize, stride: usize, dilation: usize, device: &Device) -> Conv2d {
    Conv2dConfig::new([input, output], [3, 3])
        .with_stride([stride, stride])
        .with_dilation([dilation, dilation])
        .with_padding(PaddingConfig2d::Explicit(
            dilation, dilation, dilation, dilation,
        ))
        .init(device)
}

impl UNet {
    /// A U-Net of width `c` over `inputs` channels, with a dense bottleneck of `global` units
    /// (0 = none).
    pub fn new(inputs: usize, c: usize, global: usize, slope: f64, device: &Device) -> Self {
        let cells = 2 * c * (SIDE / 4) * (SIDE / 4);
        Self {
            enc1: conv(inputs, c, 1, 1, device),
            enc2: conv(c, 2 * c, 2, 1, device),
            enc3: conv(2 * c, 2 * c, 2, 1, device),
            mid: conv(2 * c, 2 * c, 1, 2, device),
            dec2: conv(4 * c, 2 * c, 1, 1, device),
            dec1: conv(3 * c, c, 1, 1, device),
            out: conv(c, 1, 1, 1, device),
            slope,
            global: (global > 0).then(|| {
                (
                    LinearConfig::new(cells, global).init(device),
                    LinearConfig::new(global, cells).init(device),
                )
            }),
        }
    }

    /// x: [B, inputs, 28, 28] → [B, 784] (one output channel, flattened).
    pub fn forward(&self, x: Tensor<4>) -> Tensor<2> {
        let act = |t: Tensor<4>| leaky_relu(t, self.slope);
        let up = |t: Tensor<4>, side: usize| {
            let nearest = InterpolateOptions::new(InterpolateMode::Nearest);
            interpolate(t, nearest.with_output_size([side, side]))
        };
        let batch = x.dims()[0];
        let e1 = act(self.enc1.forward(x)); // [B, C, 28, 28]
        let e2 = act(self.enc2.forward(e1.clone())); // [B, 2C, 14, 14]
        let e3 = act(self.enc3.forward(e2.clone())); // [B, 2C, 7, 7]
        let m = act(self.mid.forward(e3)); // [B, 2C, 7, 7]
        let m = match &self.global {
            Some((down, up)) => {
                let [_, ch, h, w] = m.dims();
                let flat = m.clone().reshape([batch, ch * h * w]); // [B, 2C·49]
                let g = up.forward(leaky_relu(down.forward(flat), self.slope)); // [B, G] → [B, 2C·49]
                m + g.reshape([batch, ch, h, w]) // [B, 2C, 7, 7]
            }
            None => m,
        };
        let d2 = Tensor::cat(vec![up(m, SIDE / 2), e2], 1); // [B, 4C, 14, 14]
        let d2 = act(self.dec2.forward(d2)); // [B, 2C, 14, 14]
        let d1 = Tensor::cat(vec![up(d2, SIDE), e1], 1); // [B, 3C, 28, 28]
        let d1 = act(self.dec1.forward(d1)); // [B, C, 28, 28]
        self.out.forward(d1).reshape([batch, PIXELS]) // [B, 1, 28, 28] → [B, 784]
    }
}
