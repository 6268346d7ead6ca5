//! Direct 3×3 convolution kernels (stride 1 or 2, any dilation) on NCHW `f32` slices: forward,
//! input and weight gradients, with no im2col buffer.
//!
//! Each output row is computed for a block of output channels at once, in fixed-size arrays the
//! compiler keeps in vector registers, with the input channels innermost: one input row segment
//! is loaded per (channel, tap) and multiplied into every channel of the block. Rows are padded
//! to whole tiles of 8 or 16 columns (MNIST sides are 7, 14 and 28), so every load is a whole
//! array and no loop has a ragged tail. A stride-2 layer reads its input split by column parity
//! ([`Padded`]), so its reads are contiguous too. Products and sums are plain `a + w·x` (never
//! fused), so x86 (SSE2 or AVX2, picked at run time) and wasm32 compute the same bits.

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

/// `$f::<W, OB>` with the row tile W and channel block OB for the geometry's output rows.
macro_rules! by_width {
    ($f:ident($geo:expr $(, $arg:ident)*)) => {{
        let geo: &Geometry = $geo;
        match narrow(geo) {
            true => $f::<{ NARROW.0 }, { NARROW.1 }>(geo $(, $arg)*),
            false => $f::<{ WIDE.0 }, { WIDE.1 }>(geo $(, $arg)*),
        }
    }};
}

/// (row tile W, output channels per block OB) for output rows of at most 8 columns, and wider.
const NARROW: (usize, usize) = (8, 8);
const WIDE: (usize, usize) = (16, 6);

fn narrow(geo: &Geometry) -> bool {
    geo.wo <= NARROW.0
}

/// Output channels per block (OB of `by_width`), for laying the weights out to match.
fn block_size(geo: &Geometry) -> usize {
    if narrow(geo) { NARROW.1 } else { WIDE.1 }
}

/// Kernel width these kernels take (every convolution in this crate is 3×3).
const KW: usize = 3;

/// The shape of one groups-1 convolution.
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
    pub stride: [usize; 2],
}

impl Geometry {
    /// x [B, I, H, W], weight [O, I, kh, kw], symmetric padding, dilation and stride.
    pub fn new(
        x: [usize; 4],
        weight: [usize; 4],
        pad: [usize; 2],
        dilation: [usize; 2],
        stride: [usize; 2],
    ) -> Self {
        let [b, i, h, w] = x;
        let [o, _, kh, kw] = weight;
        let out = |side: usize, p: usize, d: usize, k: usize, s: usize| {
            (side + 2 * p)
                .checked_sub(d * (k - 1) + 1)
                .map_or(0, |span| span / s.max(1) + 1)
        };
        Self {
            b,
            i,
            o,
            h,
            w,
            kh,
            kw,
            ho: out(h, pad[0], dilation[0], kh, stride[0]),
            wo: out(w, pad[1], dilation[1], kw, stride[1]),
            pad,
            dilation,
            stride,
        }
    }

    /// Whether these kernels take this shape: a 3-wide kernel, stride 1 or 2, a non-empty
    /// output, and padding no wider than the kernel's reach (so the stride-1 input gradient is
    /// a convolution of the same kind).
    pub fn supported(&self) -> bool {
        let reach = |k: usize, d: usize| (k - 1) * d;
        self.kw == KW
            && self.stride.iter().all(|s| (1..=2).contains(s))
            && self.ho > 0
            && self.wo > 0
            && self.pad[0] <= reach(self.kh, self.dilation[0])
            && self.pad[1] <= reach(self.kw, self.dilation[1])
    }

    /// y [B, O, ho, wo] = bias + Σ_c,taps w · x.
    pub fn forward(&self, x: &[f32], weight: &[f32], bias: &[f32]) -> Vec<f32> {
        let k = self.kh * self.kw;
        let ob = block_size(self);
        let blocked = weight_by_block([self.o, self.i, k, ob], weight, |o, c, t| {
            (o * self.i + c) * k + t
        });
        let mut y = run(self, x, &blocked);
        for (plane, bias) in y
            .chunks_exact_mut(self.ho * self.wo)
            .zip(bias.iter().cycle())
        {
            plane.iter_mut().for_each(|v| *v += bias);
        }
        y
    }

    /// dL/dx [B, I, H, W]. Stride 1: the convolution of g with the kernel flipped and
    /// transposed. Stride 2: each tap's products scattered back onto the rows it read.
    pub fn input_grad(&self, weight: &[f32], g: &[f32]) -> Vec<f32> {
        let k = self.kh * self.kw;
        if self.stride != [1, 1] {
            // Blocks of input channels: entry (c, o, t) is weight [O, I, kh, kw] at (o, c, t).
            let ob = block_size(self);
            let blocked = weight_by_block([self.i, self.o, k, ob], weight, |c, o, t| {
                (o * self.i + c) * k + t
            });
            return scatter(self, g, &blocked);
        }
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
        // back's weight (c, o, t) is weight [O, I, kh, kw] at (o, c), its taps reversed.
        let ob = block_size(&back);
        let flipped = weight_by_block([self.i, self.o, k, ob], weight, |c, o, t| {
            (o * self.i + c) * k + k - 1 - t
        });
        run(&back, g, &flipped)
    }

    /// dL/dw [O, I, kh, kw] = Σ_b,pixels g · x.
    pub fn weight_grad(&self, x: &[f32], g: &[f32]) -> Vec<f32> {
        dispatch!(weight_grad_rows(self, x, g))
    }

    /// Whether `weight_grad` beats burn-flex's for this shape. The forward pass and the input
    /// gradient here beat or tie burn-flex's im2col + gemm on every U-Net and reader layer
    /// (1.3–5× on most, batch 32, `examples/direct_conv_probe.rs`); the weight gradient does on
    /// 28-wide rows and strided layers (3–15×), not on 14- or 7-wide stride-1 ones (burn's is
    /// 1.2–2.5× faster there).
    pub fn fast_weight_grad(&self) -> bool {
        self.stride != [1, 1] || self.w > 16
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

/// Row tiles of W columns covering an output row.
fn tiles<const W: usize>(geo: &Geometry) -> usize {
    geo.wo.div_ceil(W)
}

/// Weights laid out [outs/OB][tap][ins][OB] (missing channels zero) for `[outs, ins, taps, OB]`,
/// entry (out, in, t) read from `weight[at(out, in, t)]`.
fn weight_by_block(
    [outs, ins, k, ob]: [usize; 4],
    weight: &[f32],
    at: impl Fn(usize, usize, usize) -> usize,
) -> Vec<f32> {
    let mut out = vec![0f32; outs.div_ceil(ob) * ins * k * ob];
    for o in 0..outs {
        for c in 0..ins {
            for t in 0..k {
                out[(((o / ob) * k + t) * ins + c) * ob + o % ob] = weight[at(o, c, t)];
            }
        }
    }
    out
}

/// Input planes zero-padded and split by column phase for the stride: channel c holds `phases`
/// planes of `hp` × `wpp`, plane ph the padded columns ph, ph + s, ph + 2s, … So the columns a
/// strided tap reads are contiguous, and every read of a tile of W is in bounds.
struct Padded {
    data: Vec<f32>,
    hp: usize,
    wpp: usize,
    phases: usize,
}

impl Padded {
    /// The layout for `geo` with output tiles of W columns, zero.
    fn zeros<const W: usize>(geo: &Geometry) -> Self {
        let s = geo.stride[1];
        let rows_read = geo.stride[0] * (geo.ho - 1) + (geo.kh - 1) * geo.dilation[0] + 1;
        let hp = (geo.h + 2 * geo.pad[0]).max(rows_read);
        let reach = (geo.kw - 1) * geo.dilation[1] / s;
        let wpp = (tiles::<W>(geo) * W + reach).max((geo.w + 2 * geo.pad[1]).div_ceil(s));
        Self {
            data: vec![0f32; geo.b * geo.i * s * hp * wpp],
            hp,
            wpp,
            phases: s,
        }
    }

    /// x [B, I, H, W] in this layout.
    fn of<const W: usize>(geo: &Geometry, x: &[f32]) -> Self {
        let mut p = Self::zeros::<W>(geo);
        let chan = p.channel();
        let mut data = std::mem::take(&mut p.data);
        for (src, dst) in x
            .chunks_exact(geo.h * geo.w)
            .zip(data.chunks_exact_mut(chan))
        {
            for (r, row) in src.chunks_exact(geo.w).enumerate() {
                if p.phases == 1 {
                    let at = p.index(r + geo.pad[0], geo.pad[1]);
                    dst[at..at + geo.w].copy_from_slice(row);
                    continue;
                }
                for (first, at) in p.phase_starts(geo, r) {
                    let cols = row.iter().skip(first).step_by(p.phases);
                    for (d, v) in dst[at..].iter_mut().zip(cols) {
                        *d = *v;
                    }
                }
            }
        }
        p.data = data;
        p
    }

    /// The layout back to [B, I, H, W].
    fn unpad(&self, geo: &Geometry) -> Vec<f32> {
        let mut x = vec![0f32; geo.b * geo.i * geo.h * geo.w];
        let chan = self.channel();
        for (dst, src) in x
            .chunks_exact_mut(geo.h * geo.w)
            .zip(self.data.chunks_exact(chan))
        {
            for (r, row) in dst.chunks_exact_mut(geo.w).enumerate() {
                for (first, at) in self.phase_starts(geo, r) {
                    let cols = row.iter_mut().skip(first).step_by(self.phases);
                    for (d, v) in cols.zip(&src[at..]) {
                        *d = *v;
                    }
                }
            }
        }
        x
    }

    /// For input row `r`, each phase's first input column (those after it in the phase are
    /// `phases` apart) and where that column lands within a channel.
    fn phase_starts(&self, geo: &Geometry, r: usize) -> impl Iterator<Item = (usize, usize)> {
        let (s, pad) = (self.phases, geo.pad);
        (0..s).map(move |ph| {
            let first = (ph + s - pad[1] % s) % s;
            (first, self.index(r + pad[0], first + pad[1]))
        })
    }

    /// Floats per channel.
    fn channel(&self) -> usize {
        self.phases * self.hp * self.wpp
    }

    /// Offset within a channel of padded pixel (row, col).
    fn index(&self, row: usize, col: usize) -> usize {
        ((col % self.phases) * self.hp + row) * self.wpp + col / self.phases
    }

    /// Offset within a channel of what output (oy, 0) reads through tap (ky, kx); output
    /// column ox reads `ox` further on.
    fn tap(&self, geo: &Geometry, oy: usize, ky: usize, kx: usize) -> usize {
        self.index(
            oy * geo.stride[0] + ky * geo.dilation[0],
            kx * geo.dilation[1],
        )
    }
}

/// The forward convolution without bias, weights from `weight_by_block`.
fn run(geo: &Geometry, x: &[f32], blocked: &[f32]) -> Vec<f32> {
    dispatch!(forward_rows(geo, x, blocked))
}

/// The input gradient of a strided convolution, weights blocked over input channels.
fn scatter(geo: &Geometry, g: &[f32], blocked: &[f32]) -> Vec<f32> {
    dispatch!(scatter_rows(geo, g, blocked))
}

#[inline(always)]
fn forward_rows<const W: usize, const OB: usize>(
    geo: &Geometry,
    x: &[f32],
    blocked: &[f32],
) -> Vec<f32> {
    let k = geo.kh * geo.kw;
    let xp = Padded::of::<W>(geo, x);
    let chan = xp.channel();
    let mut y = vec![0f32; geo.b * geo.o * geo.ho * geo.wo];
    for b in 0..geo.b {
        let image = &xp.data[b * geo.i * chan..][..geo.i * chan];
        for oy in 0..geo.ho {
            for tile in 0..tiles::<W>(geo) {
                let x0 = tile * W;
                let width = (geo.wo - x0).min(W);
                for blk in 0..geo.o.div_ceil(OB) {
                    let mut acc = [[0f32; W]; OB];
                    // Channels innermost: the accumulators stay in registers over I·kh·kw
                    // products, each a row load and OB broadcasts.
                    for ky in 0..geo.kh {
                        for kx in 0..geo.kw {
                            let t = ky * geo.kw + kx;
                            let wt = &blocked[(blk * k + t) * geo.i * OB..][..geo.i * OB];
                            let at = xp.tap(geo, oy, ky, kx) + x0;
                            for (plane, ws) in image.chunks_exact(chan).zip(wt.chunks_exact(OB)) {
                                add_scaled(&mut acc, ws, &plane[at..at + W]);
                            }
                        }
                    }
                    for (q, acc) in acc.iter().enumerate() {
                        let o = blk * OB + q;
                        if o < geo.o {
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

/// g [B, O, ho, wo] in rows of whole tiles (zero past wo), so every product past the output's
/// edge is zero.
fn tiled_rows<const W: usize>(geo: &Geometry, g: &[f32]) -> (Vec<f32>, usize) {
    let gw = tiles::<W>(geo) * W;
    let mut gp = vec![0f32; geo.b * geo.o * geo.ho * gw];
    for (src, dst) in g.chunks_exact(geo.wo).zip(gp.chunks_exact_mut(gw)) {
        dst[..geo.wo].copy_from_slice(src);
    }
    (gp, gw)
}

#[inline(always)]
fn scatter_rows<const W: usize, const OB: usize>(
    geo: &Geometry,
    g: &[f32],
    blocked: &[f32],
) -> Vec<f32> {
    let k = geo.kh * geo.kw;
    let (gp, gw) = tiled_rows::<W>(geo, g);
    let mut dx = Padded::zeros::<W>(geo);
    let chan = dx.channel();
    for b in 0..geo.b {
        let gimg = &gp[b * geo.o * geo.ho * gw..][..geo.o * geo.ho * gw];
        for oy in 0..geo.ho {
            for x0 in (0..gw).step_by(W) {
                for ky in 0..geo.kh {
                    for kx in 0..geo.kw {
                        let t = ky * geo.kw + kx;
                        let at = dx.tap(geo, oy, ky, kx) + x0;
                        for blk in 0..geo.i.div_ceil(OB) {
                            // Σ over output channels of w · g for OB input channels: what this
                            // tap's reads of those channels contributed, added back where read.
                            let wt = &blocked[(blk * k + t) * geo.o * OB..][..geo.o * OB];
                            let mut acc = [[0f32; W]; OB];
                            for (plane, ws) in
                                gimg.chunks_exact(geo.ho * gw).zip(wt.chunks_exact(OB))
                            {
                                add_scaled(&mut acc, ws, &plane[oy * gw + x0..][..W]);
                            }
                            for (q, acc) in acc.iter().enumerate() {
                                let c = blk * OB + q;
                                if c < geo.i {
                                    let dst = &mut dx.data[(b * geo.i + c) * chan + at..][..W];
                                    for (d, a) in dst.iter_mut().zip(acc) {
                                        *d += a;
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
    dx.unpad(geo)
}

#[inline(always)]
fn weight_grad_rows<const W: usize, const OB: usize>(
    geo: &Geometry,
    x: &[f32],
    g: &[f32],
) -> Vec<f32> {
    let k = geo.kh * geo.kw;
    let xp = Padded::of::<W>(geo, x);
    let chan = xp.channel();
    let (gp, gw) = tiled_rows::<W>(geo, g);
    // Register blocks of GO output × GC input channels, one tap at a time: each step loads
    // GO + GC lane vectors for GO·GC multiply-adds. A ragged last block repeats the last
    // channel and keeps only the real ones. Lane sums per (o, c, tap) carry across images.
    let pieces = gw / LANES;
    let mut lanes = vec![[0f32; LANES]; geo.o * geo.i * k];
    for b in 0..geo.b {
        let gimg = &gp[b * geo.o * geo.ho * gw..][..geo.o * geo.ho * gw];
        let ximg = &xp.data[b * geo.i * chan..][..geo.i * chan];
        for o0 in (0..geo.o).step_by(GO) {
            let gplanes: [&[f32]; GO] = std::array::from_fn(|q| {
                &gimg[(o0 + q).min(geo.o - 1) * geo.ho * gw..][..geo.ho * gw]
            });
            for c0 in (0..geo.i).step_by(GC) {
                let xplanes: [&[f32]; GC] =
                    std::array::from_fn(|r| &ximg[(c0 + r).min(geo.i - 1) * chan..][..chan]);
                for t in 0..k {
                    let (ky, kx) = (t / geo.kw, t % geo.kw);
                    let mut acc = [[[0f32; LANES]; GC]; GO];
                    for oy in 0..geo.ho {
                        let (grow, xrow) = (oy * gw, xp.tap(geo, oy, ky, kx));
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

/// acc[q] += ws[q] · xs for each channel q of a block: one row segment (W values) times OB
/// weights, the step every forward and scatter loop is made of.
#[inline(always)]
fn add_scaled<const W: usize, const OB: usize>(acc: &mut [[f32; W]; OB], ws: &[f32], xs: &[f32]) {
    let ws: &[f32; OB] = ws.try_into().unwrap();
    let xs: &[f32; W] = xs.try_into().unwrap();
    for q in 0..OB {
        for j in 0..W {
            acc[q][j] += ws[q] * xs[j];
        }
    }
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
                                    let iy = (oy * geo.stride[0] + ky * geo.dilation[0]) as isize
                                        - geo.pad[0] as isize;
                                    let ix = (ox * geo.stride[1] + kx * geo.dilation[1]) as isize
                                        - geo.pad[1] as isize;
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
    /// row width, channel counts that leave a partial block, dilation, padding unequal across
    /// axes, and stride 2 (odd sides too).
    #[test]
    fn kernels_match_the_definition() {
        for (b, i, o, side, pad, dil, stride) in [
            (2, 3, 5, 28, [1, 1], [1, 1], 1),
            (2, 16, 1, 28, [1, 1], [1, 1], 1),
            (3, 4, 3, 14, [1, 1], [1, 1], 1),
            (2, 5, 9, 7, [2, 2], [2, 2], 1),
            (1, 2, 3, 9, [0, 1], [1, 1], 1),
            (2, 3, 7, 28, [1, 1], [1, 1], 2),
            (2, 5, 3, 14, [1, 1], [1, 1], 2),
            (1, 2, 3, 9, [0, 1], [1, 1], 2),
            (1, 3, 2, 11, [2, 2], [2, 2], 2),
        ] {
            let geo = Geometry::new([b, i, side, side], [o, i, 3, 3], pad, dil, [stride; 2]);
            assert!(geo.supported());
            let x = values(b * i * side * side, 1);
            let w = values(o * i * 9, 2);
            let bias = values(o, 3);
            let mut y = naive(&geo, &x, &w);
            for (n, v) in y.iter_mut().enumerate() {
                *v += bias[(n / (geo.ho * geo.wo)) % o] as f64;
            }
            let what =
                format!("{b}×{i}→{o} side {side} pad {pad:?} dilation {dil:?} stride {stride}");
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
