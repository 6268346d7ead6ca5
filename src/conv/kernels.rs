//! Direct stride-1 convolution kernels on NCHW `f32` slices: forward, input and weight
//! gradients, with no im2col buffer.
//!
//! Each output row is computed for a block of output channels at once, in fixed-size arrays the
//! compiler keeps in vector registers: one input row segment is loaded per kernel tap and
//! multiplied into every channel of the block. Rows are padded to 8, 16 or 32 columns (MNIST
//! sides are 7, 14 and 28), so every load is a whole array and no loop has a ragged tail.
//! Products and sums are plain `a + w·x` (never fused), so x86 (SSE2 or AVX2, picked at run
//! time) and wasm32 compute the same bits.

/// Calls `$f::<W, OB>` for the row width the geometry needs, through an AVX2 build of it when
/// the CPU has one (same arithmetic, wider registers).
macro_rules! dispatch {
    ($f:ident($geo:expr $(, $arg:ident)*)) => {{
        let geo: &Geometry = $geo;
        #[cfg(target_arch = "x86_64")]
        {
            #[target_feature(enable = "avx2")]
            fn avx2(geo: &Geometry $(, $arg: &[f32])*) -> Vec<f32> {
                by_width!($f(geo $(, $arg)*))
            }
            if std::arch::is_x86_feature_detected!("avx2") {
                // SAFETY: the CPU was just seen to support AVX2, all `avx2` enables.
                return unsafe { avx2(geo $(, $arg)*) };
            }
        }
        by_width!($f(geo $(, $arg)*))
    }};
}

macro_rules! by_width {
    ($f:ident($geo:expr $(, $arg:ident)*)) => {{
        let geo: &Geometry = $geo;
        match geo.wo.max(geo.w) {
            0..=8 => $f::<8, 8>(geo $(, $arg)*),
            _ => $f::<16, 6>(geo $(, $arg)*),
        }
    }};
}

/// The shape of one stride-1, groups-1 convolution.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Geometry {
    pub b: usize,
    pub i: usize,
    pub o: usize,
    pub h: usize,
    pub w: usize,
    pub kh: usize,
    pub kw: usize,
    pub ho: usize,
    pub wo: usize,
    pub pad: [usize; 2],
    pub dilation: [usize; 2],
}

impl Geometry {
    /// x [B, I, H, W], weight [O, I, kh, kw], symmetric padding and dilation, stride 1.
    pub fn new(x: [usize; 4], weight: [usize; 4], pad: [usize; 2], dilation: [usize; 2]) -> Self {
        let [b, i, h, w] = x;
        let [o, _, kh, kw] = weight;
        let out =
            |side: usize, p: usize, d: usize, k: usize| (side + 2 * p).saturating_sub(d * (k - 1));
        Self {
            b,
            i,
            o,
            h,
            w,
            kh,
            kw,
            ho: out(h, pad[0], dilation[0], kh),
            wo: out(w, pad[1], dilation[1], kw),
            pad,
            dilation,
        }
    }

    /// Whether these kernels take this shape: padding no wider than the kernel's reach (so the
    /// input gradient is a convolution of the same kind).
    pub fn supported(&self) -> bool {
        let reach = |k: usize, d: usize| (k - 1) * d;
        self.kw == KW
            && self.pad[0] <= reach(self.kh, self.dilation[0])
            && self.pad[1] <= reach(self.kw, self.dilation[1])
    }

    /// y [B, O, ho, wo] = bias + Σ_c,taps w · x.
    pub fn forward(&self, x: &[f32], weight: &[f32], bias: &[f32]) -> Vec<f32> {
        let k = self.kh * self.kw;
        let blocked = weight_by_block(self, weight, |o, c, t| (o * self.i + c) * k + t);
        let mut y = run(self, x, &blocked);
        for (plane, bias) in y
            .chunks_exact_mut(self.ho * self.wo)
            .zip(bias.iter().cycle())
        {
            plane.iter_mut().for_each(|v| *v += bias);
        }
        y
    }

    /// dL/dx [B, I, H, W]: the convolution of g with the kernel flipped and transposed.
    pub fn input_grad(&self, weight: &[f32], g: &[f32]) -> Vec<f32> {
        let back = Geometry {
            i: self.o,
            o: self.i,
            h: self.ho,
            w: self.wo,
            ho: self.h,
            wo: self.w,
            pad: [
                (self.kh - 1) * self.dilation[0] - self.pad[0],
                (self.kw - 1) * self.dilation[1] - self.pad[1],
            ],
            ..*self
        };
        let k = self.kh * self.kw;
        // back's weight (c, o, t) is weight [O, I, kh, kw] at (o, c), its taps reversed.
        let flipped = weight_by_block(&back, weight, |c, o, t| (o * self.i + c) * k + k - 1 - t);
        run(&back, g, &flipped)
    }

    /// dL/dw [O, I, kh, kw] = Σ_b,pixels g · x (each image summed in f32, images in f64).
    pub fn weight_grad(&self, x: &[f32], g: &[f32]) -> Vec<f32> {
        dispatch!(weight_grad_rows(self, x, g))
    }

    /// Whether `weight_grad` beats burn-flex's for this shape. The forward pass and the input
    /// gradient here beat burn-flex's im2col + gemm on every U-Net and reader layer (1.3–5×,
    /// batch 32, `examples/direct_conv_probe.rs`); the weight gradient does on 28-wide rows (1.3–5×)
    /// but not on 14- or 7-wide ones (burn's is 1.2–2× faster there).
    pub fn fast_weight_grad(&self) -> bool {
        self.wo > 16
    }

    /// dL/dbias [O] = Σ_b,pixels g.
    pub fn bias_grad(&self, g: &[f32]) -> Vec<f32> {
        let mut acc = vec![0f64; self.o];
        for (bo, plane) in g.chunks_exact(self.ho * self.wo).enumerate() {
            acc[bo % self.o] += plane.iter().sum::<f32>() as f64;
        }
        acc.into_iter().map(|v| v as f32).collect()
    }
}

/// Kernel width these kernels take (every convolution in this crate is 3×3).
const KW: usize = 3;

/// Output channels per block (OB of `by_width`).
fn block_size(geo: &Geometry) -> usize {
    if geo.wo.max(geo.w) <= 8 { 8 } else { 6 }
}

/// Row tiles of W columns covering an output row.
fn tiles<const W: usize>(geo: &Geometry) -> usize {
    geo.wo.max(geo.w).div_ceil(W)
}

/// Weights laid out [O/OB][tap][I][OB] (missing channels zero), entry (o, c, t) read from
/// `weight[at(o, c, t)]`.
fn weight_by_block(
    geo: &Geometry,
    weight: &[f32],
    at: impl Fn(usize, usize, usize) -> usize,
) -> Vec<f32> {
    let (k, ob) = (geo.kh * geo.kw, block_size(geo));
    let blocks = geo.o.div_ceil(ob);
    let mut out = vec![0f32; blocks * geo.i * k * ob];
    for o in 0..geo.o {
        for c in 0..geo.i {
            for t in 0..k {
                out[(((o / ob) * k + t) * geo.i + c) * ob + o % ob] = weight[at(o, c, t)];
            }
        }
    }
    out
}

/// x [B, C, H, W] copied into rows of `hp` × `wp` with `pad` zero rows and columns before it.
fn padded(geo: &Geometry, x: &[f32], hp: usize, wp: usize) -> Vec<f32> {
    let mut out = vec![0f32; geo.b * geo.i * hp * wp];
    for (src, dst) in x
        .chunks_exact(geo.h * geo.w)
        .zip(out.chunks_exact_mut(hp * wp))
    {
        for (r, row) in src.chunks_exact(geo.w).enumerate() {
            dst[(r + geo.pad[0]) * wp + geo.pad[1]..][..geo.w].copy_from_slice(row);
        }
    }
    out
}

/// The forward convolution without bias, weights from `weight_by_block`.
fn run(geo: &Geometry, x: &[f32], blocked: &[f32]) -> Vec<f32> {
    dispatch!(forward_rows(geo, x, blocked))
}

#[inline(always)]
fn forward_rows<const W: usize, const OB: usize>(
    geo: &Geometry,
    x: &[f32],
    blocked: &[f32],
) -> Vec<f32> {
    let (k, [dy, dx]) = (geo.kh * geo.kw, geo.dilation);
    let tiles = tiles::<W>(geo);
    let hp = geo.ho + (geo.kh - 1) * dy;
    let wp = tiles * W + (geo.kw - 1) * dx;
    let xp = padded(geo, x, hp, wp);
    let mut y = vec![0f32; geo.b * geo.o * geo.ho * geo.wo];
    for b in 0..geo.b {
        let image = &xp[b * geo.i * hp * wp..][..geo.i * hp * wp];
        for oy in 0..geo.ho {
            for tile in 0..tiles {
                let x0 = tile * W;
                let width = geo.wo.saturating_sub(x0).min(W);
                for blk in 0..geo.o.div_ceil(OB) {
                    let mut acc = [[0f32; W]; OB];
                    // Channels innermost: the accumulators stay in registers over I·kh·kw
                    // products, each a row load and OB broadcasts.
                    for ky in 0..geo.kh {
                        for kx in 0..geo.kw {
                            let t = ky * geo.kw + kx;
                            let wt = &blocked[(blk * k + t) * geo.i * OB..][..geo.i * OB];
                            let at = (oy + ky * dy) * wp + x0 + kx * dx;
                            for (plane, ws) in image.chunks_exact(hp * wp).zip(wt.chunks_exact(OB))
                            {
                                let xs: &[f32; W] = plane[at..at + W].try_into().unwrap();
                                for q in 0..OB {
                                    for j in 0..W {
                                        acc[q][j] += ws[q] * xs[j];
                                    }
                                }
                            }
                        }
                    }
                    for (q, acc) in acc.iter().enumerate() {
                        let o = blk * OB + q;
                        if o < geo.o && width > 0 {
                            y[((b * geo.o + o) * geo.ho + oy) * geo.wo + x0..][..width]
                                .copy_from_slice(&acc[..width]);
                        }
                    }
                }
            }
        }
    }
    y
}

#[inline(always)]
fn weight_grad_rows<const W: usize, const OB: usize>(
    geo: &Geometry,
    x: &[f32],
    g: &[f32],
) -> Vec<f32> {
    let (k, [dy, dx]) = (geo.kh * geo.kw, geo.dilation);
    let tiles = tiles::<W>(geo);
    let hp = geo.ho + (geo.kh - 1) * dy;
    let wp = tiles * W + (geo.kw - 1) * dx;
    let xp = padded(geo, x, hp, wp);
    // g in rows of tiles·W, zero past wo, so every product past the output's edge is zero.
    let gw = tiles * W;
    let mut gp = vec![0f32; geo.b * geo.o * geo.ho * gw];
    for (src, dst) in g.chunks_exact(geo.wo).zip(gp.chunks_exact_mut(gw)) {
        dst[..geo.wo].copy_from_slice(src);
    }
    // Register blocks of GO output × GC input channels, one tap at a time: each step loads
    // GO + GC lane vectors for GO·GC multiply-adds. A ragged last block repeats the last
    // channel and keeps only the real ones. Lane sums per (o, c, tap) carry across images.
    let pieces = gw / LANES;
    let mut lanes = vec![[0f32; LANES]; geo.o * geo.i * k];
    for b in 0..geo.b {
        let gimg = &gp[b * geo.o * geo.ho * gw..][..geo.o * geo.ho * gw];
        let ximg = &xp[b * geo.i * hp * wp..][..geo.i * hp * wp];
        for o0 in (0..geo.o).step_by(GO) {
            let gplanes: [&[f32]; GO] = std::array::from_fn(|q| {
                &gimg[(o0 + q).min(geo.o - 1) * geo.ho * gw..][..geo.ho * gw]
            });
            for c0 in (0..geo.i).step_by(GC) {
                let xplanes: [&[f32]; GC] =
                    std::array::from_fn(|r| &ximg[(c0 + r).min(geo.i - 1) * hp * wp..][..hp * wp]);
                for t in 0..k {
                    let (ky, kx) = (t / geo.kw, t % geo.kw);
                    let mut acc = [[[0f32; LANES]; GC]; GO];
                    for oy in 0..geo.ho {
                        let (grow, xrow) = (oy * gw, (oy + ky * dy) * wp + kx * dx);
                        for p in 0..pieces {
                            let gv: [[f32; LANES]; GO] =
                                std::array::from_fn(|q| lanes_at(gplanes[q], grow + p * LANES));
                            let xv: [[f32; LANES]; GC] =
                                std::array::from_fn(|r| lanes_at(xplanes[r], xrow + p * LANES));
                            for q in 0..GO {
                                for r in 0..GC {
                                    for l in 0..LANES {
                                        acc[q][r][l] += gv[q][l] * xv[r][l];
                                    }
                                }
                            }
                        }
                    }
                    for (q, acc) in acc.iter().enumerate().take(geo.o - o0) {
                        for (r, acc) in acc.iter().enumerate().take(geo.i - c0) {
                            let sum = &mut lanes[((o0 + q) * geo.i + c0 + r) * k + t];
                            for l in 0..LANES {
                                sum[l] += acc[l];
                            }
                        }
                    }
                }
            }
        }
    }
    lanes.iter().map(|lane| lane.iter().sum()).collect()
}

/// Output × input channels per register block of the weight gradient.
const GO: usize = 2;
const GC: usize = 4;

/// Lanes of one AVX register.
const LANES: usize = 8;

/// The LANES values of `v` from `at`, by value.
#[inline(always)]
fn lanes_at(v: &[f32], at: usize) -> [f32; LANES] {
    v[at..at + LANES].try_into().unwrap()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The convolution by its definition, in f64.
    fn naive(geo: &Geometry, x: &[f32], w: &[f32]) -> Vec<f64> {
        let mut y = vec![0f64; geo.b * geo.o * geo.ho * geo.wo];
        for b in 0..geo.b {
            for o in 0..geo.o {
                for oy in 0..geo.ho {
                    for ox in 0..geo.wo {
                        let mut s = 0f64;
                        for c in 0..geo.i {
                            for ky in 0..geo.kh {
                                for kx in 0..geo.kw {
                                    let iy =
                                        (oy + ky * geo.dilation[0]) as isize - geo.pad[0] as isize;
                                    let ix =
                                        (ox + kx * geo.dilation[1]) as isize - geo.pad[1] as isize;
                                    if iy >= 0
                                        && ix >= 0
                                        && (iy as usize) < geo.h
                                        && (ix as usize) < geo.w
                                    {
                                        s += w[((o * geo.i + c) * geo.kh + ky) * geo.kw + kx]
                                            as f64
                                            * x[((b * geo.i + c) * geo.h + iy as usize) * geo.w
                                                + ix as usize]
                                                as f64;
                                    }
                                }
                            }
                        }
                        y[((b * geo.o + o) * geo.ho + oy) * geo.wo + ox] = s;
                    }
                }
            }
        }
        y
    }

    fn values(n: usize, seed: u32) -> Vec<f32> {
        let mut s = seed.wrapping_mul(2_654_435_761).wrapping_add(1);
        (0..n)
            .map(|_| {
                s ^= s << 13;
                s ^= s >> 17;
                s ^= s << 5;
                (s % 2001) as f32 / 1000.0 - 1.0
            })
            .collect()
    }

    fn close(ours: &[f32], truth: &[f64], what: &str) {
        assert_eq!(ours.len(), truth.len(), "{what}: length");
        for (n, (a, b)) in ours.iter().zip(truth).enumerate() {
            assert!(
                (*a as f64 - b).abs() <= 1e-4 * (1.0 + b.abs()),
                "{what}[{n}]: {a} vs {b}"
            );
        }
    }

    /// Forward, input and weight gradients against the definition (the gradients through the
    /// identity ⟨dy, conv(x, w)⟩ = Σ dx·x = Σ dw·w, differentiated entry by entry), for every
    /// row width, channel counts that leave a partial block, dilation and asymmetric padding.
    #[test]
    fn kernels_match_the_definition() {
        for (b, i, o, side, pad, dil) in [
            (2, 3, 5, 28, [1, 1], [1, 1]),
            (2, 16, 1, 28, [1, 1], [1, 1]),
            (3, 4, 3, 14, [1, 1], [1, 1]),
            (2, 5, 9, 7, [2, 2], [2, 2]),
            (1, 2, 3, 9, [0, 1], [1, 1]),
        ] {
            let geo = Geometry::new([b, i, side, side], [o, i, 3, 3], pad, dil);
            assert!(geo.supported());
            let x = values(b * i * side * side, 1);
            let w = values(o * i * 9, 2);
            let bias = values(o, 3);
            let mut y = naive(&geo, &x, &w);
            for (n, v) in y.iter_mut().enumerate() {
                *v += bias[(n / (geo.ho * geo.wo)) % o] as f64;
            }
            let what = format!("{b}×{i}→{o} side {side} pad {pad:?} dilation {dil:?}");
            close(&geo.forward(&x, &w, &bias), &y, &format!("forward {what}"));
            // dL/dw and dL/dx for L = Σ g·conv(x, w): each entry is a convolution of indicators.
            let g = values(b * o * geo.ho * geo.wo, 4);
            let dw = geo.weight_grad(&x, &g);
            let dx = geo.input_grad(&w, &g);
            let dot = |y: &[f64]| y.iter().zip(&g).map(|(y, g)| y * *g as f64).sum::<f64>();
            let mut unit = vec![0f32; w.len()];
            let truth_w: Vec<f64> = (0..w.len())
                .map(|n| {
                    unit[n] = 1.0;
                    let v = dot(&naive(&geo, &x, &unit));
                    unit[n] = 0.0;
                    v
                })
                .collect();
            close(&dw, &truth_w, &format!("weight grad {what}"));
            let mut unit = vec![0f32; x.len()];
            let truth_x: Vec<f64> = (0..x.len())
                .step_by(7)
                .map(|n| {
                    unit[n] = 1.0;
                    let v = dot(&naive(&geo, &unit, &w));
                    unit[n] = 0.0;
                    v
                })
                .collect();
            let dx: Vec<f32> = dx.into_iter().step_by(7).collect();
            close(&dx, &truth_x, &format!("input grad {what}"));
        }
    }
}
