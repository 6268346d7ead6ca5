//! A small U-Net: the convolutional body of the restorer (`RestorerConfig::conv`).
//!
//! Convolutions see each pixel's neighbourhood, which the MLP restorer has to learn position by
//! position; in a PyTorch spike this halved the gap between restored and clean digits on erased
//! blocks (docs/experiments.md "Is the block target reachable?"). Shapes use B = batch,
//! C = width.

use crate::activation::leaky;
use crate::conv::conv2d;
use burn::module::Param;
use burn::nn::conv::{Conv2d, Conv2dConfig};
use burn::nn::{Initializer, Linear, LinearConfig, PaddingConfig2d};
use burn::prelude::*;
use burn::tensor::module::interpolate;
use burn::tensor::ops::{InterpolateMode, InterpolateOptions};

use crate::data::SIDE;
use crate::model::PIXELS;

/// `a` with `b`'s units appended: weights joined along `dim` (1 = outputs, 0 = inputs), biases
/// joined where the outputs grow (along inputs the outputs, and so `a`'s bias, stay).
fn grow(a: Linear, b: Linear, dim: usize) -> Linear {
    // detach: on an autodiff device a concatenation is not a leaf, and a parameter must be.
    fn join<const D: usize>(a: Tensor<D>, b: Tensor<D>, dim: usize) -> Param<Tensor<D>> {
        Param::from_tensor(Tensor::cat(vec![a, b], dim).detach())
    }
    Linear {
        weight: join(a.weight.val(), b.weight.val(), dim), // [in, out] grown along dim
        bias: match (a.bias, b.bias) {
            (Some(x), Some(y)) if dim == 1 => Some(join(x.val(), y.val(), 0)), // [out + extra]
            (x, _) => x,
        },
    }
}

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
    /// Class conditioning: a class-probability vector mapped to a map added at 7×7 (after the
    /// dense bottleneck). Last, so files written before it existed still load.
    label: Option<Linear>,
}

/// A 3×3 convolution with padding = dilation (the output keeps the side, divided by the stride).
pub(crate) fn conv(
    input: usize,
    output: usize,
    stride: usize,
    dilation: usize,
    device: &Device,
) -> Conv2d {
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
            label: None,
        }
    }

    /// The same U-Net, told the class: a map per class added at the bottleneck, its weights zero,
    /// so it computes the same function until training teaches it what each class adds.
    pub fn with_classes(self, classes: usize, device: &Device) -> Self {
        let cells = self.mid.weight.dims()[0] * (SIDE / 4) * (SIDE / 4);
        let label = (classes > 0).then(|| {
            LinearConfig::new(classes, cells)
                .with_initializer(Initializer::Zeros)
                .init(device) // [K, 2C·49]
        });
        Self { label, ..self }
    }

    /// Classes the U-Net is conditioned on (0 = none).
    pub fn classes(&self) -> usize {
        self.label.as_ref().map_or(0, |l| l.weight.dims()[0])
    }

    /// The same U-Net with `extra` more units in its dense bottleneck (one made if it has none),
    /// computing the same function: the new units' incoming weights are drawn as at
    /// initialisation, their outgoing weights are zero (Net2Net-style growth, Chen et al. 2016).
    /// So a trained U-Net keeps what it learnt and gains capacity it can grow into.
    pub fn widen_global(self, extra: usize, device: &Device) -> Self {
        let cells = self.mid.weight.dims()[0] * (SIDE / 4) * (SIDE / 4);
        let fresh_down = LinearConfig::new(cells, extra).init(device); // [cells, extra]
        let zero_up = LinearConfig::new(extra, cells)
            .with_initializer(Initializer::Zeros)
            .init(device); // [extra, cells]
        let global = match self.global {
            None => (fresh_down, zero_up),
            Some((down, up)) => (grow(down, fresh_down, 1), grow(up, zero_up, 0)),
        };
        Self {
            global: Some(global),
            ..self
        }
    }

    /// Units of the dense bottleneck (0 = none).
    pub fn global_units(&self) -> usize {
        self.global
            .as_ref()
            .map_or(0, |(down, _)| down.weight.dims()[1])
    }

    /// x: [B, inputs, 28, 28], class probabilities [B, K] (used when conditional) → [B, 784]
    /// (one output channel, flattened).
    pub fn forward(&self, x: Tensor<4>, classes: Option<Tensor<2>>) -> Tensor<2> {
        let act = |t: Tensor<4>| leaky(t, self.slope);
        let up = |t: Tensor<4>, side: usize| {
            let nearest = InterpolateOptions::new(InterpolateMode::Nearest);
            interpolate(t, nearest.with_output_size([side, side]))
        };
        let batch = x.dims()[0];
        let e1 = act(conv2d(&self.enc1, x)); // [B, C, 28, 28]
        let e2 = act(conv2d(&self.enc2, e1.clone())); // [B, 2C, 14, 14]
        let e3 = act(conv2d(&self.enc3, e2.clone())); // [B, 2C, 7, 7]
        let m = act(conv2d(&self.mid, e3)); // [B, 2C, 7, 7]
        let m = match &self.global {
            Some((down, up)) => {
                let [_, ch, h, w] = m.dims();
                let flat = m.clone().reshape([batch, ch * h * w]); // [B, 2C·49]
                let g = up.forward(leaky(down.forward(flat), self.slope)); // [B, G] → [B, 2C·49]
                m + g.reshape([batch, ch, h, w]) // [B, 2C, 7, 7]
            }
            None => m,
        };
        let m = match (&self.label, classes) {
            (Some(label), Some(p)) => {
                let [_, ch, h, w] = m.dims();
                m + label.forward(p).reshape([batch, ch, h, w]) // [B, K] → [B, 2C, 7, 7]
            }
            _ => m,
        };
        let d2 = Tensor::cat(vec![up(m, SIDE / 2), e2], 1); // [B, 4C, 14, 14]
        let d2 = act(conv2d(&self.dec2, d2)); // [B, 2C, 14, 14]
        let d1 = Tensor::cat(vec![up(d2, SIDE), e1], 1); // [B, 3C, 28, 28]
        let d1 = act(conv2d(&self.dec1, d1)); // [B, C, 28, 28]
        conv2d(&self.out, d1).reshape([batch, PIXELS]) // [B, 1, 28, 28] → [B, 784]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::train::{uniform, with_seeded_init};
    use burn::tensor::TensorData;
    use rand::{SeedableRng, rngs::StdRng};

    // Every draw goes through a seed of its own: burn's RNG is shared with concurrent tests,
    // whose seeded inits an unlocked draw here would shift (`with_seeded_init`).
    fn unet(global: usize, device: &Device) -> UNet {
        with_seeded_init(device, 1, || UNet::new(2, 4, global, 0.2, device))
    }

    fn widened(unet: &UNet, extra: usize, device: &Device) -> UNet {
        with_seeded_init(device, 2, || unet.clone().widen_global(extra, device))
    }

    fn same_function(before: &UNet, after: &UNet, device: &Device) {
        let v = uniform(&mut StdRng::seed_from_u64(3), 3 * 2 * PIXELS);
        let x = Tensor::<4>::from_data(TensorData::new(v, [3, 2, SIDE, SIDE]), device);
        before
            .forward(x.clone(), None)
            .into_data()
            .assert_approx_eq::<f32>(&after.forward(x, None).into_data(), Default::default());
    }

    #[test]
    fn widening_the_bottleneck_keeps_the_function_and_adds_units() {
        // The training device (autodiff), where grown parameters must still be leaves.
        let device = Device::flex().autodiff();
        let unet = unet(8, &device);
        let wide = widened(&unet, 24, &device);
        assert_eq!((unet.global_units(), wide.global_units()), (8, 32));
        same_function(&unet, &wide, &device);
        // The new units are live: their incoming weights are not zero, so training moves them.
        let (down, _) = wide.global.as_ref().unwrap();
        let new_in = down.weight.val().slice([0..8 * 49, 8..32]);
        assert!(new_in.abs().sum().into_scalar::<f32>() > 0.0);
    }

    #[test]
    fn a_class_input_starts_silent_and_then_steers_the_output() {
        let device = Device::flex();
        let plain = unet(8, &device);
        let told = plain.clone().with_classes(10, &device);
        assert_eq!((plain.classes(), told.classes()), (0, 10));
        let v = uniform(&mut StdRng::seed_from_u64(4), 2 * 2 * PIXELS);
        let x = Tensor::<4>::from_data(TensorData::new(v, [2, 2, SIDE, SIDE]), &device);
        let p = Tensor::<2>::from_data(TensorData::new(vec![0.1f32; 20], [2, 10]), &device);
        // Zero-initialised: the same function as before, class or not.
        let before = plain.forward(x.clone(), None).into_data();
        told.forward(x.clone(), Some(p.clone()))
            .into_data()
            .assert_approx_eq::<f32>(&before, Default::default());
        // With non-zero class weights the class moves the output.
        let label = told.label.clone().unwrap();
        let moved = UNet {
            label: Some(Linear {
                weight: burn::module::Param::from_tensor(label.weight.val().add_scalar(0.5)),
                ..label
            }),
            ..told
        };
        let after = moved.forward(x, Some(p)).into_data();
        let diff: f32 = after
            .iter::<f32>()
            .zip(before.iter::<f32>())
            .map(|(a, b)| (a - b).abs())
            .sum();
        assert!(diff > 1e-3, "the class input changed nothing ({diff})");
    }

    #[test]
    fn a_bottleneck_grows_where_there_was_none() {
        let device = Device::flex();
        let unet = unet(0, &device);
        let wide = widened(&unet, 16, &device);
        assert_eq!((unet.global_units(), wide.global_units()), (0, 16));
        same_function(&unet, &wide, &device);
    }
}
