//! Turns a free-hand drawing into an MNIST-style digit, the way MNIST was made: crop to the
//! ink, scale into a 20×20 box keeping the aspect ratio, then centre by mass in 28×28.

use crate::data::SIDE;
use crate::error::{Error, Result};
use crate::model::PIXELS;

/// An MNIST-style digit made from a drawing.
#[derive(Clone, Debug, PartialEq)]
pub struct Mnistified {
    pub image: Vec<f32>,
    /// The erase mask carried through the same crop, scale and shift (1 = unknown).
    pub mask: Option<Vec<f32>>,
    /// True when the drawing has no ink (the image is all zeros).
    pub empty: bool,
}

/// Ink threshold for the bounding box.
const INK: f32 = 0.05;
/// Side of the box the digit is scaled into.
const BOX: f32 = 20.0;
/// Weight of an erased pixel in the centre of mass (roughly the ink density inside a digit).
const ERASED_MASS: f32 = 0.3;
/// Supersampling per output pixel and axis.
const SS: usize = 6;

/// `pixels` and `mask` are `width * height` values in [0, 1] (ink = 1; mask 1 = erased).
pub fn mnistify(
    pixels: &[f32],
    mask: Option<&[f32]>,
    width: usize,
    height: usize,
) -> Result<Mnistified> {
    if width == 0 || height == 0 || width > 4096 || height > 4096 || pixels.len() != width * height
    {
        return Err(Error::Input(format!(
            "drawing must be width × height values (got {} for {width}×{height})",
            pixels.len()
        )));
    }
    if mask.is_some_and(|m| m.len() != pixels.len()) {
        return Err(Error::Input(
            "mask must be the same size as the drawing".into(),
        ));
    }
    if pixels
        .iter()
        .chain(mask.unwrap_or(&[]))
        .any(|v| !v.is_finite())
    {
        return Err(Error::Input("drawing values must be finite".into()));
    }
    // Bounding box of the ink and of the erased area (an erased tail still belongs to the digit).
    let mut bb = (usize::MAX, usize::MAX, 0usize, 0usize);
    let mut any_ink = false;
    for y in 0..height {
        for x in 0..width {
            let i = y * width + x;
            let ink = pixels[i] > INK;
            any_ink |= ink;
            if ink || mask.is_some_and(|m| m[i] > 0.5) {
                bb = (bb.0.min(x), bb.1.min(y), bb.2.max(x), bb.3.max(y));
            }
        }
    }
    if !any_ink {
        return Ok(Mnistified {
            image: vec![0.0; PIXELS],
            mask: mask.map(|_| vec![0.0; PIXELS]),
            empty: true,
        });
    }
    let (bw, bh) = ((bb.2 - bb.0 + 1) as f32, (bb.3 - bb.1 + 1) as f32);
    let scale = BOX / bw.max(bh); // output px per source px
    let (ow, oh) = (bw * scale, bh * scale);
    let (ox, oy) = ((SIDE as f32 - ow) / 2.0, (SIDE as f32 - oh) / 2.0);
    let render = |src: &[f32]| -> Vec<f32> {
        let mut out = vec![0.0; PIXELS];
        for ty in 0..SIDE {
            for tx in 0..SIDE {
                let mut sum = 0.0;
                for sy in 0..SS {
                    for sx in 0..SS {
                        let fx =
                            (tx as f32 + (sx as f32 + 0.5) / SS as f32 - ox) / scale + bb.0 as f32;
                        let fy =
                            (ty as f32 + (sy as f32 + 0.5) / SS as f32 - oy) / scale + bb.1 as f32;
                        if fx >= bb.0 as f32
                            && fy >= bb.1 as f32
                            && fx < (bb.2 + 1) as f32
                            && fy < (bb.3 + 1) as f32
                        {
                            sum += src[fy as usize * width + fx as usize];
                        }
                    }
                }
                out[ty * SIDE + tx] = (sum / (SS * SS) as f32).clamp(0.0, 1.0);
            }
        }
        out
    };
    let image = render(pixels);
    let mask = mask.map(|m| {
        render(m)
            .into_iter()
            .map(|v| if v >= 0.3 { 1.0 } else { 0.0 })
            .collect::<Vec<f32>>()
    });
    // Centre by mass, keeping every ink pixel inside the frame. Erased pixels count a little
    // (about the ink density of a digit) so that erasing a stroke does not shift what is left.
    let geometry: Vec<f32> = match &mask {
        Some(m) => image
            .iter()
            .zip(m)
            .map(|(&p, &u)| p.max(ERASED_MASS * u))
            .collect(),
        None => image.clone(),
    };
    let (cx, cy) = crate::damage::ink_centre(&geometry);
    let (minx, miny) = (ox.floor() as i32, oy.floor() as i32);
    let (maxx, maxy) = ((ox + ow).ceil() as i32 - 1, (oy + oh).ceil() as i32 - 1);
    let dx = ((SIDE as f32 / 2.0 - 0.5 - cx).round() as i32).clamp(-minx, SIDE as i32 - 1 - maxx);
    let dy = ((SIDE as f32 / 2.0 - 0.5 - cy).round() as i32).clamp(-miny, SIDE as i32 - 1 - maxy);
    let shift = |v: &[f32]| crate::data::shift_pixels(v, dx, dy);
    Ok(Mnistified {
        image: shift(&image),
        mask: mask.map(|m| shift(&m)),
        empty: false,
    })
}
