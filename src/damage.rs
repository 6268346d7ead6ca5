//! Damage models: the one code path that makes damaged digits for training, the CLI and the page.
//!
//! Each damage returns the damaged digit ([0, 1], ink = 1) and, where the damage is an erasure,
//! a mask with 1 = unknown pixel. Noise damages every pixel a little, so it has no mask.

use crate::data::SIDE;
use crate::model::PIXELS;
use rand::Rng;
use serde::{Deserialize, Serialize};

/// The kinds of damage.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum DamageKind {
    /// An erased square block (8–14 px side).
    Block,
    /// Two to four erased brush strokes (as an eraser tool makes them).
    Strokes,
    /// The left, right, top or bottom half erased.
    Half,
    /// Additive Gaussian noise (σ = 0.35), clipped to [0, 1].
    Noise,
    /// 20% of pixels set to 0 or 1 at random.
    SaltPepper,
}

impl DamageKind {
    pub const ALL: [DamageKind; 5] = [
        Self::Block,
        Self::Strokes,
        Self::Half,
        Self::Noise,
        Self::SaltPepper,
    ];

    /// Whether the damage erases pixels (and so has a mask).
    pub fn is_erasure(self) -> bool {
        matches!(self, Self::Block | Self::Strokes | Self::Half)
    }

    pub fn name(self) -> &'static str {
        match self {
            Self::Block => "block",
            Self::Strokes => "strokes",
            Self::Half => "half",
            Self::Noise => "noise",
            Self::SaltPepper => "salt-pepper",
        }
    }

    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.name() == name)
    }
}

/// A damaged digit.
#[derive(Clone, Debug, PartialEq)]
pub struct Damaged {
    /// 784 pixels in [0, 1].
    pub image: Vec<f32>,
    /// 784 values, 1 = unknown pixel; `None` for noise.
    pub mask: Option<Vec<f32>>,
}

/// Damages one clean digit ([0, 1]).
pub fn damage(clean: &[f32], kind: DamageKind, rng: &mut impl Rng) -> Damaged {
    assert_eq!(clean.len(), PIXELS);
    match kind {
        DamageKind::Noise => Damaged {
            image: clean
                .iter()
                .map(|&p| (p + gaussian(rng) * 0.35).clamp(0.0, 1.0))
                .collect(),
            mask: None,
        },
        DamageKind::SaltPepper => Damaged {
            image: clean
                .iter()
                .map(|&p| {
                    if rng.random::<f32>() < 0.2 {
                        if rng.random() { 1.0 } else { 0.0 }
                    } else {
                        p
                    }
                })
                .collect(),
            mask: None,
        },
        _ => {
            let mask = erasure_mask(clean, kind, rng);
            erase(clean, &mask)
        }
    }
}

/// Sets the masked pixels to background and returns the damaged digit with its mask.
pub fn erase(clean: &[f32], mask: &[f32]) -> Damaged {
    let image = clean
        .iter()
        .zip(mask)
        .map(|(&p, &m)| if m > 0.5 { 0.0 } else { p })
        .collect();
    Damaged {
        image,
        mask: Some(mask.to_vec()),
    }
}

/// An erasure mask (1 = erased) that overlaps the digit's ink.
pub fn erasure_mask(clean: &[f32], kind: DamageKind, rng: &mut impl Rng) -> Vec<f32> {
    let mut mask = vec![0.0; PIXELS];
    let (cx, cy) = ink_centre(clean);
    match kind {
        DamageKind::Block => {
            let side = rng.random_range(8..=14) as f32;
            let x0 = cx + rng.random_range(-4.0..=4.0) - side / 2.0;
            let y0 = cy + rng.random_range(-4.0..=4.0) - side / 2.0;
            fill_rect(&mut mask, x0, y0, side, side);
        }
        DamageKind::Half => match rng.random_range(0..4) {
            0 => fill_rect(&mut mask, 0.0, 0.0, cx, SIDE as f32),
            1 => fill_rect(&mut mask, cx, 0.0, SIDE as f32, SIDE as f32),
            2 => fill_rect(&mut mask, 0.0, 0.0, SIDE as f32, cy),
            _ => fill_rect(&mut mask, 0.0, cy, SIDE as f32, SIDE as f32),
        },
        DamageKind::Strokes => {
            for _ in 0..rng.random_range(2..=4) {
                let (x0, y0) = (
                    cx + rng.random_range(-7.0..=7.0),
                    cy + rng.random_range(-7.0..=7.0),
                );
                let angle = rng.random_range(0.0..std::f32::consts::PI);
                let len = rng.random_range(6.0..=14.0);
                let (dx, dy) = (angle.cos() * len / 2.0, angle.sin() * len / 2.0);
                stroke(
                    &mut mask,
                    (x0 - dx, y0 - dy),
                    (x0 + dx, y0 + dy),
                    rng.random_range(1.5..=2.5),
                );
            }
        }
        _ => {}
    }
    mask
}

/// Marks a round brush stroke from `a` to `b` (radius in pixels) as erased.
pub fn stroke(mask: &mut [f32], a: (f32, f32), b: (f32, f32), radius: f32) {
    for y in 0..SIDE {
        for x in 0..SIDE {
            let (px, py) = (x as f32, y as f32);
            let (vx, vy) = (b.0 - a.0, b.1 - a.1);
            let len2 = (vx * vx + vy * vy).max(1e-6);
            let t = (((px - a.0) * vx + (py - a.1) * vy) / len2).clamp(0.0, 1.0);
            let (qx, qy) = (a.0 + t * vx - px, a.1 + t * vy - py);
            if qx * qx + qy * qy <= radius * radius {
                mask[y * SIDE + x] = 1.0;
            }
        }
    }
}

fn fill_rect(mask: &mut [f32], x0: f32, y0: f32, w: f32, h: f32) {
    for y in 0..SIDE {
        for x in 0..SIDE {
            let (px, py) = (x as f32 + 0.5, y as f32 + 0.5);
            if px >= x0 && px < x0 + w && py >= y0 && py < y0 + h {
                mask[y * SIDE + x] = 1.0;
            }
        }
    }
}

/// Centre of mass of the ink (the image centre for an empty digit).
pub fn ink_centre(img: &[f32]) -> (f32, f32) {
    let (mut sx, mut sy, mut s) = (0.0, 0.0, 0.0);
    for (i, &p) in img.iter().enumerate() {
        sx += p * (i % SIDE) as f32;
        sy += p * (i / SIDE) as f32;
        s += p;
    }
    if s < 1e-3 {
        (13.5, 13.5)
    } else {
        (sx / s, sy / s)
    }
}

/// A standard normal sample (Box–Muller).
pub fn gaussian(rng: &mut impl Rng) -> f32 {
    let u1: f32 = rng.random_range(f32::EPSILON..1.0);
    let u2: f32 = rng.random();
    (-2.0 * u1.ln()).sqrt() * (2.0 * std::f32::consts::PI * u2).cos()
}
