//! The networks: generator G, discriminator D, restorer R and the reference classifier C.
//!
//! All four are plain MLPs over flattened 28×28 digits, so one `LinearStack` serves them all.
//! Images enter and leave the GAN in the tanh range [-1, 1] (ink = 1); the classifier takes [0, 1].
//! Shapes below use B = batch, Z = latent size, K = number of classes (0 when unconditional).

use burn::nn::{BatchNorm, BatchNormConfig, Linear, LinearConfig};
use burn::prelude::*;
use burn::tensor::activation::{relu, tanh};

use crate::activation::leaky;
use crate::data::SIDE;
use crate::unet::UNet;

/// Pixels in one digit.
pub const PIXELS: usize = 28 * 28;
/// Number of digit classes.
pub const CLASSES: usize = 10;

/// One hidden layer: Linear → (BatchNorm) → LeakyReLU.
#[derive(Module, Debug)]
pub struct Block {
    linear: Linear,
    norm: Option<BatchNorm>,
}

impl Block {
    fn new(input: usize, output: usize, batch_norm: bool, device: &Device) -> Self {
        Self {
            linear: LinearConfig::new(input, output).init(device),
            norm: batch_norm.then(|| BatchNormConfig::new(output).init(device)),
        }
    }

    /// [B, in] → [B, out]
    fn forward(&self, x: Tensor<2>, slope: f64) -> Tensor<2> {
        let x = self.linear.forward(x); // [B, out]
        let x = match &self.norm {
            Some(norm) => norm.forward(x), // [B, out]
            None => x,
        };
        leaky(x, slope) // [B, out]
    }
}

fn blocks(input: usize, hidden: &[usize], batch_norm: bool, device: &Device) -> Vec<Block> {
    let mut sizes = vec![input];
    sizes.extend_from_slice(hidden);
    sizes
        .windows(2)
        .map(|w| Block::new(w[0], w[1], batch_norm, device))
        .collect()
}

/// Multiplies by a dropout mask made by the caller (so randomness stays in our seeded RNG).
pub type DropoutMasks<'a> = Option<&'a mut dyn FnMut([usize; 2]) -> Tensor<2>>;

/// Generator configuration. The design's G is the default: Z=100 → 128 → 256 → 512 → 784, tanh.
#[derive(Config, Debug, PartialEq)]
pub struct GeneratorConfig {
    /// Size of the latent vector z (uniform in [-1, 1]).
    #[config(default = 100)]
    pub latent: usize,
    /// Hidden layer widths.
    #[config(default = "vec![128, 256, 512]")]
    pub hidden: Vec<usize>,
    /// BatchNorm after each hidden Linear (the stable recipe; off in the design preset).
    #[config(default = true)]
    pub batch_norm: bool,
    /// Number of classes G is conditioned on (one-hot concatenated to z); 0 = unconditional.
    #[config(default = 10)]
    pub classes: usize,
    /// LeakyReLU negative slope.
    #[config(default = 0.2)]
    pub slope: f64,
}

/// G(z, y) → digit in [-1, 1].
#[derive(Module, Debug)]
pub struct Generator {
    blocks: Vec<Block>,
    out: Linear,
    slope: f64,
    classes: usize,
    latent: usize,
}

impl GeneratorConfig {
    pub fn init(&self, device: &Device) -> Generator {
        let hidden = self
            .hidden
            .last()
            .copied()
            .unwrap_or(self.latent + self.classes);
        Generator {
            blocks: blocks(
                self.latent + self.classes,
                &self.hidden,
                self.batch_norm,
                device,
            ),
            out: LinearConfig::new(hidden, PIXELS).init(device),
            slope: self.slope,
            classes: self.classes,
            latent: self.latent,
        }
    }
}

impl Generator {
    /// z: [B, Z], labels one-hot: [B, K] (ignored when unconditional) → [B, 784] in [-1, 1].
    pub fn forward(&self, z: Tensor<2>, onehot: Option<Tensor<2>>) -> Tensor<2> {
        let mut x = match (self.classes, onehot) {
            (0, _) | (_, None) => z,                    // [B, Z]
            (_, Some(y)) => Tensor::cat(vec![z, y], 1), // [B, Z + K]
        };
        for block in &self.blocks {
            x = block.forward(x, self.slope); // [B, 128] → [B, 256] → [B, 512]
        }
        tanh(self.out.forward(x)) // [B, 784]
    }

    pub fn classes(&self) -> usize {
        self.classes
    }

    pub fn latent(&self) -> usize {
        self.latent
    }
}

/// Discriminator configuration. The design's D is the default: 784 → 512 → 256 → 128 → 1 logit.
#[derive(Config, Debug, PartialEq)]
pub struct DiscriminatorConfig {
    #[config(default = "vec![512, 256, 128]")]
    pub hidden: Vec<usize>,
    /// Dropout after each hidden layer while training (the stable recipe; 0 in the design preset).
    #[config(default = 0.3)]
    pub dropout: f64,
    /// Size of the auxiliary class head (AC-GAN); 0 = none.
    #[config(default = 10)]
    pub classes: usize,
    #[config(default = 0.2)]
    pub slope: f64,
}

/// D(x) → (real/fake logit, class logits).
#[derive(Module, Debug)]
pub struct Discriminator {
    blocks: Vec<Block>,
    adv: Linear,
    aux: Option<Linear>,
    slope: f64,
    dropout: f64,
}

impl DiscriminatorConfig {
    pub fn init(&self, device: &Device) -> Discriminator {
        let hidden = self.hidden.last().copied().unwrap_or(PIXELS);
        Discriminator {
            blocks: blocks(PIXELS, &self.hidden, false, device),
            adv: LinearConfig::new(hidden, 1).init(device),
            aux: (self.classes > 0).then(|| LinearConfig::new(hidden, self.classes).init(device)),
            slope: self.slope,
            dropout: self.dropout,
        }
    }
}

impl Discriminator {
    /// x: [B, 784] in [-1, 1] → (logit [B, 1], class logits [B, K] if AC-GAN).
    /// `masks` supplies dropout masks while training; `None` = inference.
    pub fn forward(&self, x: Tensor<2>, mut masks: DropoutMasks) -> (Tensor<2>, Option<Tensor<2>>) {
        let mut h = x; // [B, 784]
        for block in &self.blocks {
            h = block.forward(h, self.slope); // [B, 512] → [B, 256] → [B, 128]
            if let Some(mask) = masks.as_mut().filter(|_| self.dropout > 0.0) {
                let dims = h.dims();
                h = h * mask(dims); // [B, hidden], inverted dropout
            }
        }
        let logit = self.adv.forward(h.clone()); // [B, 1]
        let classes = self.aux.as_ref().map(|aux| aux.forward(h)); // [B, K]
        (logit, classes)
    }

    /// x: [B, 784] in [-1, 1] → the hidden layers' activations at inference (no dropout):
    /// [B, 512], [B, 256], [B, 128]. The restorer's feature-matching loss compares these.
    pub fn features(&self, x: Tensor<2>) -> Vec<Tensor<2>> {
        let mut h = x; // [B, 784]
        let mut out = Vec::with_capacity(self.blocks.len());
        for block in &self.blocks {
            h = block.forward(h, self.slope); // [B, hidden_i]
            out.push(h.clone());
        }
        out
    }

    pub fn dropout(&self) -> f64 {
        self.dropout
    }
}

/// Restorer configuration: R([x_bad, mask]) → restored digit.
#[derive(Config, Debug, PartialEq)]
pub struct RestorerConfig {
    /// The MLP body's hidden widths (unused when `conv` is set).
    #[config(default = "vec![512, 256, 512]")]
    pub hidden: Vec<usize>,
    #[config(default = 0.2)]
    pub slope: f64,
    /// A convolutional body instead of the MLP: a U-Net of this width (`unet.rs`).
    #[config(default = "None")]
    pub conv: Option<usize>,
    /// With `conv`: units of the U-Net's dense bottleneck (None = none). An `Option` so that
    /// files written before the field existed still parse (serde treats a missing Option as None).
    #[config(default = "None")]
    pub conv_global: Option<usize>,
    /// With `conv`: the U-Net is told the digit's class (probabilities over this many classes,
    /// from the reader at inference, the true label in training); None = not conditional.
    #[config(default = "None")]
    pub conv_classes: Option<usize>,
}

/// R(x_bad, mask): the design's "damaged image as the generator's input". Its body is an MLP
/// (`blocks` + `out`) or a U-Net (`unet`); fields keep this order so older files still load.
#[derive(Module, Debug)]
pub struct Restorer {
    blocks: Vec<Block>,
    out: Option<Linear>,
    slope: f64,
    unet: Option<UNet>,
}

impl RestorerConfig {
    /// The shipped (pretrained) restorer: a U-Net of 16 channels with a 128-unit dense
    /// bottleneck. It beats the MLP on every damage type (README "Quality") but costs about
    /// seven MLP steps per step, so joint training defaults to the MLP (`new()`) and the U-Net
    /// is trained in a restorer-only phase.
    pub fn unet() -> Self {
        Self::new().with_conv(Some(16)).with_conv_global(Some(128))
    }

    pub fn init(&self, device: &Device) -> Restorer {
        if let Some(width) = self.conv {
            return Restorer {
                blocks: Vec::new(),
                out: None,
                slope: self.slope,
                unet: Some(
                    UNet::new(2, width, self.conv_global.unwrap_or(0), self.slope, device)
                        .with_classes(self.conv_classes.unwrap_or(0), device),
                ),
            };
        }
        let hidden = self.hidden.last().copied().unwrap_or(2 * PIXELS);
        Restorer {
            blocks: blocks(2 * PIXELS, &self.hidden, false, device),
            out: Some(LinearConfig::new(hidden, PIXELS).init(device)),
            slope: self.slope,
            unet: None,
        }
    }
}

impl Restorer {
    /// Grows the U-Net's dense bottleneck by `extra` units without changing what the restorer
    /// computes ([`UNet::widen_global`]). An MLP restorer has no bottleneck: it comes back as is.
    pub fn widen_global(self, extra: usize, device: &Device) -> Self {
        Self {
            unet: self.unet.map(|u| u.widen_global(extra, device)),
            ..self
        }
    }

    /// The same restorer told the class (a zero-initialised class input in the U-Net, so it
    /// computes the same function until trained). An MLP restorer comes back as is.
    pub fn with_classes(self, classes: usize, device: &Device) -> Self {
        Self {
            unet: self.unet.map(|u| u.with_classes(classes, device)),
            ..self
        }
    }

    /// Classes the restorer is conditioned on (0 = not conditional).
    pub fn classes(&self) -> usize {
        self.unet.as_ref().map_or(0, UNet::classes)
    }

    /// Units of the U-Net's dense bottleneck (0 for none, or for an MLP restorer).
    pub fn global_units(&self) -> usize {
        self.unet.as_ref().map_or(0, UNet::global_units)
    }

    /// damaged: [B, 784] in [-1, 1]; mask: [B, 784], 1 = unknown (all 0 when blind) → [B, 784].
    /// With a mask the known pixels are passed through unchanged; blind, the raw output is used.
    pub fn forward(&self, damaged: Tensor<2>, mask: Tensor<2>, blind: bool) -> Tensor<2> {
        self.forward_told(damaged, mask, blind, None)
    }

    /// [`Restorer::forward`], told the class: probabilities [B, K] (ignored unless the
    /// restorer is class-conditional; None = not told).
    pub fn forward_told(
        &self,
        damaged: Tensor<2>,
        mask: Tensor<2>,
        blind: bool,
        classes: Option<Tensor<2>>,
    ) -> Tensor<2> {
        let correction = match (&self.unet, &self.out) {
            (Some(unet), _) => {
                let b = damaged.dims()[0];
                let x = Tensor::stack::<3>(vec![damaged.clone(), mask.clone()], 1); // [B, 2, 784]
                unet.forward(x.reshape([b, 2, SIDE, SIDE]), classes) // [B, 2, 28, 28] → [B, 784]
            }
            (None, Some(out)) => {
                let mut h = Tensor::cat(vec![damaged.clone(), mask.clone()], 1); // [B, 1568]
                for block in &self.blocks {
                    h = block.forward(h, self.slope); // [B, 512] → [B, 256] → [B, 512]
                }
                out.forward(h) // [B, 784]
            }
            (None, None) => unreachable!("RestorerConfig::init gives every restorer a body"),
        };
        // Residual: predict the correction to the damaged input.
        let raw = tanh(correction + damaged.clone()); // [B, 784]
        if blind {
            raw
        } else {
            raw * mask.clone() + damaged * (mask.neg() + 1.0) // [B, 784]
        }
    }
}

/// Reference classifier configuration (used for scores, Fréchet distance and augmentation).
#[derive(Config, Debug, PartialEq)]
pub struct ClassifierConfig {
    #[config(default = "vec![256, 128]")]
    pub hidden: Vec<usize>,
}

/// C(x) → class logits; `features` is the last hidden layer (for the Fréchet distance).
#[derive(Module, Debug)]
pub struct Classifier {
    layers: Vec<Linear>,
    out: Linear,
}

impl ClassifierConfig {
    pub fn init(&self, device: &Device) -> Classifier {
        let mut sizes = vec![PIXELS];
        sizes.extend_from_slice(&self.hidden);
        Classifier {
            layers: sizes
                .windows(2)
                .map(|w| LinearConfig::new(w[0], w[1]).init(device))
                .collect(),
            out: LinearConfig::new(*sizes.last().unwrap(), CLASSES).init(device),
        }
    }
}

impl Classifier {
    /// x: [B, 784] in [0, 1] → last hidden features [B, 128].
    pub fn features(&self, x: Tensor<2>) -> Tensor<2> {
        let mut h = x.mul_scalar(2.0).sub_scalar(1.0); // [B, 784] centred
        for layer in &self.layers {
            h = relu(layer.forward(h)); // [B, 256] → [B, 128]
        }
        h
    }

    /// x: [B, 784] in [0, 1] → logits [B, 10].
    pub fn forward(&self, x: Tensor<2>) -> Tensor<2> {
        self.out.forward(self.features(x)) // [B, 10]
    }
}
