//! DigitGAN: a GAN that learns handwritten digits, and restores damaged ones.
//!
//! One crate, three faces: this library (model and training code), the native CLI
//! (`src/bin/digitgan.rs`) and the WebAssembly API the page's worker calls (`web.rs`).
//!
//! - [`data`]: the bundled MNIST subset (decode, shuffle, batch) and the augmentation transform T(x).
//! - [`diffaug`]: DiffAugment, the differentiable translation + cutout applied to everything D sees.
//! - [`activation`]: LeakyReLU written for fast training on the CPU backend.
//! - [`damage`]: damage models (erased blocks/strokes/half, noise, salt-and-pepper) with masks.
//! - [`model`]: generator, discriminator, restorer and reference classifier (burn modules).
//! - [`reader`]: a CNN that reads the class of a damaged digit (for the class-conditional restorer).
//! - [`train`]: the training step (D step, then G and restorer steps) and its config.
//! - [`restore`]: restoration by the restorer network and by latent search.
//! - [`weights`]: the weights file format (header, checksum) and the embedded pretrained weights.
//! - [`watch`]: divergence detection (NaN/Inf, a collapsed discriminator) for rollback.
//! - [`eval`]: the reference classifier's training and the quality scores of `digitgan eval`.
//! - [`soup`]: weight averaging of restorers fine-tuned from one parent.
//! - [`augment`]: the augmentation experiment (real vs + generated vs + T(x) digits).
//! - [`norm`]: training-time batch normalisation of 4-D activations through direct kernels.
//! - [`malloc`]: glibc malloc settings for native training (fewer page faults per tensor op).

pub mod activation;
pub mod damage;
pub mod data;
pub mod diffaug;
pub mod error;
pub mod model;
pub mod quant;
pub mod reader;
pub mod train;
pub mod unet;

pub use error::{Error, Result};
pub mod augment;
pub mod conv;
pub mod drawing;
pub mod eval;
#[cfg(feature = "cli")]
pub mod files;
pub mod malloc;
pub mod norm;
pub mod restore;
pub mod session;
pub mod soup;
pub mod watch;
#[cfg(target_arch = "wasm32")]
pub mod web;
pub mod weights;
