//! Int8 storage for a network's parameters: the compact form of the weights the page downloads.
//!
//! Every float tensor of a module, in the module's own visiting order (the order its derive
//! declares fields, the same for saving and loading):
//!
//! ```text
//! u32 count of tensors, then per tensor:
//!   u8 rank, u32 × rank dims
//!   u8 kind   0: f32 values                (vectors: biases, batch-norm scales and statistics)
//!             1: int8, one scale per column (matrices [rows, cols]: f32 × cols, then i8 × rows·cols)
//!             2: int8, one scale per first index (convolution kernels [out, in, kh, kw]: f32 ×
//!                out, then i8 × all values; format v3)
//! ```
//! A matrix value is `q · scale[col]` with `scale[col] = max |w[·, col]| / 127` (symmetric,
//! per output unit: `Linear` weights are `[d_in, d_out]`); a kernel value is `q · scale[out]`,
//! per output channel. Loading builds the networks from the
//! architecture first and checks each tensor's shape against them, so a stale or tampered file
//! fails with a message, never a panic.

use crate::error::{Error, Result};
use burn::module::{ModuleMapper, ModuleVisitor, Param};
use burn::prelude::*;
use std::collections::VecDeque;

const KIND_F32: u8 = 0;
const KIND_I8: u8 = 1;
const KIND_I8_ROWS: u8 = 2;
/// No DigitGAN tensor has more dimensions (or more values) than this; refuse files that claim so.
const MAX_RANK: usize = 4;
const MAX_VALUES: usize = 1 << 24;

/// One decoded tensor: its shape and values.
pub(crate) type Decoded = (Vec<usize>, Vec<f32>);

/// Encodes every float parameter of `module` (int8 matrices, f32 vectors).
pub fn encode<M: Module>(module: &M) -> Vec<u8> {
    let mut collect = Collect(Vec::new());
    module.visit(&mut collect);
    let mut out = Vec::new();
    out.extend_from_slice(&(collect.0.len() as u32).to_le_bytes());
    for (shape, values) in &collect.0 {
        out.push(shape.len() as u8);
        for &d in shape {
            out.extend_from_slice(&(d as u32).to_le_bytes());
        }
        if shape.len() == 2 {
            out.push(KIND_I8);
            let (scales, q) = quantize(values, shape[0], shape[1]);
            for s in scales {
                out.extend_from_slice(&s.to_le_bytes());
            }
            out.extend(q.iter().map(|&v| v as u8));
        } else if shape.len() == 4 {
            out.push(KIND_I8_ROWS);
            let (scales, q) = quantize_rows(values, shape[0]);
            for s in scales {
                out.extend_from_slice(&s.to_le_bytes());
            }
            out.extend(q.iter().map(|&v| v as u8));
        } else {
            out.push(KIND_F32);
            for v in values {
                out.extend_from_slice(&v.to_le_bytes());
            }
        }
    }
    out
}

/// Loads int8-encoded parameters into `module` (built from the same architecture).
pub fn decode<M: Module>(module: M, bytes: &[u8]) -> Result<M> {
    let tensors = parse(bytes)?;
    let expected = {
        let mut collect = Shapes(Vec::new());
        module.visit(&mut collect);
        collect.0
    };
    if expected.len() != tensors.len() {
        return Err(Error::Weights(format!(
            "holds {} tensors where the architecture has {}",
            tensors.len(),
            expected.len()
        )));
    }
    for (i, ((shape, _), want)) in tensors.iter().zip(&expected).enumerate() {
        if shape != want {
            return Err(Error::Weights(format!(
                "tensor {i} has shape {shape:?} where the architecture has {want:?}"
            )));
        }
    }
    let mut apply = Apply(tensors.into());
    Ok(module.map(&mut apply))
}

/// Symmetric per-column int8: returns the column scales and the quantized values (row-major).
fn quantize(values: &[f32], rows: usize, cols: usize) -> (Vec<f32>, Vec<i8>) {
    let mut scales = vec![0f32; cols];
    for r in 0..rows {
        for (c, s) in scales.iter_mut().enumerate() {
            *s = s.max(values[r * cols + c].abs());
        }
    }
    for s in &mut scales {
        *s = if *s > 0.0 { *s / 127.0 } else { 1.0 };
    }
    let q = values
        .iter()
        .enumerate()
        .map(|(i, &v)| (v / scales[i % cols]).round().clamp(-127.0, 127.0) as i8)
        .collect();
    (scales, q)
}

/// Symmetric int8 with one scale per slice along the first dimension (a kernel's output
/// channel): returns the slice scales and the quantized values.
fn quantize_rows(values: &[f32], rows: usize) -> (Vec<f32>, Vec<i8>) {
    let per = values.len() / rows.max(1);
    let scales: Vec<f32> = values
        .chunks(per.max(1))
        .map(|row| {
            let m = row.iter().fold(0f32, |a, v| a.max(v.abs()));
            if m > 0.0 { m / 127.0 } else { 1.0 }
        })
        .collect();
    let q = values
        .iter()
        .enumerate()
        .map(|(i, &v)| (v / scales[i / per.max(1)]).round().clamp(-127.0, 127.0) as i8)
        .collect();
    (scales, q)
}

fn parse(bytes: &[u8]) -> Result<Vec<Decoded>> {
    let mut r = crate::weights::Reader::new(bytes);
    let count = r.u32()? as usize;
    if count > 1024 {
        return Err(Error::Weights(format!("claims {count} tensors")));
    }
    let mut tensors = Vec::with_capacity(count);
    for _ in 0..count {
        let rank = r.u8()? as usize;
        if rank == 0 || rank > MAX_RANK {
            return Err(Error::Weights(format!("a tensor of rank {rank}")));
        }
        let mut shape = Vec::with_capacity(rank);
        for _ in 0..rank {
            shape.push(r.u32()? as usize);
        }
        let n = shape
            .iter()
            .try_fold(1usize, |a, &d| a.checked_mul(d))
            .filter(|&n| n <= MAX_VALUES)
            .ok_or_else(|| Error::Weights(format!("a tensor of shape {shape:?} is too large")))?;
        let values = match r.u8()? {
            KIND_F32 => floats(r.take(n * 4)?),
            KIND_I8 if rank == 2 => {
                let cols = shape[1];
                let scales = floats(r.take(cols * 4)?);
                let q = r.take(n)?;
                q.iter()
                    .enumerate()
                    .map(|(i, &b)| b as i8 as f32 * scales[i % cols])
                    .collect()
            }
            KIND_I8_ROWS if rank == 4 && shape[0] > 0 => {
                let rows = shape[0];
                let per = n / rows;
                let scales = floats(r.take(rows * 4)?);
                let q = r.take(n)?;
                q.iter()
                    .enumerate()
                    .map(|(i, &b)| b as i8 as f32 * scales[i / per.max(1)])
                    .collect()
            }
            kind => return Err(Error::Weights(format!("unknown tensor kind {kind}"))),
        };
        if values.iter().any(|v| !v.is_finite()) {
            return Err(Error::Weights("a tensor holds NaN or infinity".into()));
        }
        tensors.push((shape, values));
    }
    if !r.is_done() {
        return Err(Error::Weights(
            "unexpected bytes after the last tensor".into(),
        ));
    }
    Ok(tensors)
}

fn floats(bytes: &[u8]) -> Vec<f32> {
    bytes
        .chunks_exact(4)
        .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        .collect()
}

pub(crate) struct Collect(pub(crate) Vec<Decoded>);

impl ModuleVisitor for Collect {
    fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
        let data = param.val().into_data().convert::<f32>();
        let values = data.try_to_vec::<f32>().expect("f32 after convert");
        self.0.push((data.shape().to_vec(), values));
    }
}

struct Shapes(Vec<Vec<usize>>);

impl ModuleVisitor for Shapes {
    fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
        self.0.push(param.lazy_shape().to_vec());
    }
}

/// Replaces each float parameter, in visiting order, by the next decoded tensor (shapes were
/// checked against the same visiting order before). Like burn's record loader it never runs a
/// parameter's lazy random initialisation: that would draw from burn's process-wide RNG and
/// break the reproducibility of a seeded init running at the same time (`with_seeded_init`).
pub(crate) struct Apply(pub(crate) VecDeque<Decoded>);

impl ModuleMapper for Apply {
    fn map_float<const D: usize>(&mut self, param: Param<Tensor<D>>) -> Param<Tensor<D>> {
        let (shape, values) = self.0.pop_front().expect("count checked before mapping");
        let tensor = Tensor::<D>::from_data(TensorData::new(values, shape), &param.lazy_device());
        let id = param.id;
        param.transform_for_load(tensor, id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantize_rows_keeps_each_output_channel_within_half_a_step() {
        // [out 3, in 2, 2, 1]: channels of very different sizes keep their own precision.
        let values: Vec<f32> = (0..12)
            .map(|i| (i as f32 - 5.5) * [0.01f32, 1.0, 30.0][i / 4])
            .collect();
        let (scales, q) = quantize_rows(&values, 3);
        assert_eq!(scales.len(), 3);
        for (i, (&v, &q)) in values.iter().zip(&q).enumerate() {
            let back = q as f32 * scales[i / 4];
            assert!(
                (back - v).abs() <= scales[i / 4] / 2.0 + 1e-6,
                "{i}: {v} → {back}"
            );
        }
    }

    #[test]
    fn quantize_keeps_each_column_within_half_a_step() {
        let values: Vec<f32> = (0..12).map(|i| (i as f32 - 5.5) * 0.37).collect();
        let (scales, q) = quantize(&values, 4, 3);
        for (i, (&v, &q)) in values.iter().zip(&q).enumerate() {
            let back = q as f32 * scales[i % 3];
            assert!(
                (back - v).abs() <= scales[i % 3] / 2.0 + 1e-6,
                "{v} -> {back}"
            );
        }
        // Each column's largest magnitude maps to ±127 exactly.
        for c in 0..3 {
            assert_eq!((0..4).map(|r| q[r * 3 + c].unsigned_abs()).max(), Some(127));
        }
    }

    #[test]
    fn an_all_zero_column_stays_zero() {
        let (scales, q) = quantize(&[0.0, 1.0, 0.0, -2.0], 2, 2);
        assert_eq!(scales[0], 1.0);
        assert_eq!(q, vec![0, 64, 0, -127]);
    }
}
