//! Training-time 2-D convolution through direct kernels (`kernels.rs`) for the 3×3 layers
//! (stride 1 or 2) of the U-Net restorer and the reader.
//!
//! burn-flex lowers a convolution to im2col + gemm. On MNIST's small planes the im2col copy
//! costs as much as the gemm, and with one output channel (the U-Net's 16 → 1 output layer)
//! the gemm is a matrix-vector product running at ~1 GFLOP/s. The direct kernels skip the copy:
//! forward and input gradient 1.3–5× faster per layer, the weight gradient on 28-wide rows
//! (burn's stays for 14- and 7-wide rows, where it is faster). Measured per layer by
//! `examples/direct_conv_probe.rs`; the pipeline's restorer step −26 to −35%, its reader −11%
//! (`cargo bench --profile fast --bench native -- pipeline`).
//!
//! Only a *tracked* convolution (training, under autodiff) takes this path. Inference and an
//! untracked forward call burn's own `conv2d`, so restoring and reading are bit for bit what
//! they were; the direct forward differs from burn's by float rounding only (its sums run in
//! another order). It is a burn backend extension: [`DirectConvBackend`] for `Flex` (burn's
//! convolution) and for `Autodiff<Flex>` (the direct kernels, with a hand-written backward).
use burn::backend::autodiff::checkpoint::base::Checkpointer;
use burn::backend::autodiff::checkpoint::strategy::CheckpointStrategy;
use burn::backend::autodiff::grads::Gradients;
use burn::backend::autodiff::ops::{Backward, Ops, OpsKind};
use burn::backend::autodiff::{Autodiff, NodeId};
use burn::backend::flex::FlexTensor;
use burn::backend::ops::{ConvOptions, ModuleOps};
use burn::backend::tensor::FloatTensor;
use burn::backend::{
    Backend, DType, Dispatch, Flex, TensorData, TensorMetadata, backend_extension,
};
use burn::nn::PaddingConfig2d;
use burn::nn::conv::Conv2d;
use burn::prelude::*;

mod kernels;
pub use kernels::Geometry;

#[backend_extension(Flex, Autodiff)]
pub trait DirectConvBackend: Backend {
    /// burn's `conv2d` with a bias: x [B, I, H, W], weight [O, I, kh, kw], bias [O]
    /// → [B, O, H', W'], groups 1.
    fn conv2d_direct(
        x: FloatTensor<Self>,
        weight: FloatTensor<Self>,
        bias: FloatTensor<Self>,
        options: ConvOptions<2>,
    ) -> FloatTensor<Self>;
}

impl DirectConvBackend for Flex {
    fn conv2d_direct(
        x: FlexTensor,
        weight: FlexTensor,
        bias: FlexTensor,
        options: ConvOptions<2>,
    ) -> FlexTensor {
        Flex::conv2d(x, weight, Some(bias), options)
    }
}

/// `Conv2d::forward`, trained through the direct kernels for the layers they take
/// ([`direct_options`]); every other layer, and every non-f32 input, takes burn's own path.
pub fn conv2d(conv: &Conv2d, x: Tensor<4>) -> Tensor<4> {
    let (Some(bias), Some(options)) = (&conv.bias, direct_options(conv, x.dims())) else {
        return conv.forward(x);
    };
    if x.dtype() != burn::tensor::DType::F32 {
        return conv.forward(x);
    }
    Tensor::from_dispatch(<Dispatch as DirectConvBackend>::conv2d_direct(
        x.into_dispatch(),
        conv.weight.val().into_dispatch(),
        bias.val().into_dispatch(),
        options,
    ))
}

/// The options `conv` runs with on an input of `dims` when the direct kernels take it: a 3×3
/// kernel, stride 1 or 2, groups 1, a bias, symmetric explicit padding no wider than the kernel's
/// reach ([`Geometry::supported`]).
pub fn direct_options(conv: &Conv2d, dims: [usize; 4]) -> Option<ConvOptions<2>> {
    let PaddingConfig2d::Explicit(top, left, bottom, right) = conv.padding else {
        return None;
    };
    let weight = conv.weight.dims();
    let geo = Geometry::new(dims, weight, [top, left], conv.dilation, conv.stride);
    let direct = conv.bias.is_some()
        && conv.groups == 1
        && weight[2] == 3
        && (top, left) == (bottom, right)
        && geo.supported();
    direct.then(|| ConvOptions::new(conv.stride, [top, left], conv.dilation, 1))
}

#[derive(Debug)]
struct DirectConv;

impl Backward<Flex, 3> for DirectConv {
    type State = (NodeId, NodeId, Geometry, ConvOptions<2>);

    fn backward(
        self,
        ops: Ops<Self::State, 3>,
        grads: &mut Gradients,
        checkpointer: &mut Checkpointer,
    ) {
        let [node_x, node_weight, node_bias] = ops.parents;
        let grad = grads.consume::<Flex>(&ops.node).to_contiguous();
        let (x_state, weight_state, geo, options) = ops.state;
        let g = f32s(&grad);
        let weight = checkpointer
            .retrieve_node_output::<FlexTensor>(weight_state)
            .to_contiguous();
        if let Some(node) = node_x {
            let dx = geo.input_grad(f32s(&weight), g);
            grads.register::<Flex>(node.id, tensor(dx, [geo.b, geo.i, geo.h, geo.w]));
        }
        if let Some(node) = node_weight {
            let x = checkpointer
                .retrieve_node_output::<FlexTensor>(x_state)
                .to_contiguous();
            let dw = match geo.fast_weight_grad() {
                true => tensor(geo.weight_grad(f32s(&x), g), [geo.o, geo.i, geo.kh, geo.kw]),
                false => Flex::conv2d_weight_backward(x, weight, grad.clone(), options),
            };
            grads.register::<Flex>(node.id, dw);
        }
        if let Some(node) = node_bias {
            grads.register::<Flex>(node.id, tensor(geo.bias_grad(g), [geo.o]));
        }
    }
}

impl<C: CheckpointStrategy> DirectConvBackend for Autodiff<Flex, C> {
    fn conv2d_direct(
        x: FloatTensor<Self>,
        weight: FloatTensor<Self>,
        bias: FloatTensor<Self>,
        options: ConvOptions<2>,
    ) -> FloatTensor<Self> {
        match DirectConv
            .prepare::<C>([x.node(), weight.node(), bias.node()])
            .compute_bound()
            .stateful()
        {
            OpsKind::Tracked(mut prep) => {
                let geo = Geometry::new(
                    x.shape().dims(),
                    weight.shape().dims(),
                    options.padding_begin(),
                    options.dilation,
                    options.stride,
                );
                let state = (
                    prep.checkpoint(&x),
                    prep.checkpoint(&weight),
                    geo,
                    options.clone(),
                );
                let xs = x.into_primitive().to_contiguous();
                let ws = weight.into_primitive().to_contiguous();
                let bs = bias.into_primitive().to_contiguous();
                let y = geo.forward(f32s(&xs), f32s(&ws), f32s(&bs));
                prep.finish(state, tensor(y, [geo.b, geo.o, geo.ho, geo.wo]))
            }
            OpsKind::UnTracked(prep) => prep.finish(Flex::conv2d(
                x.into_primitive(),
                weight.into_primitive(),
                Some(bias.into_primitive()),
                options,
            )),
        }
    }
}

/// The values of a contiguous f32 tensor (shared with `norm.rs`).
pub(crate) fn f32s(t: &FlexTensor) -> &[f32] {
    debug_assert_eq!(t.dtype(), DType::F32);
    t.as_slice().expect("a contiguous f32 tensor")
}

/// A CPU tensor of `shape` holding `values`.
pub(crate) fn tensor<const D: usize>(values: Vec<f32>, shape: [usize; D]) -> FlexTensor {
    FlexTensor::from_data(TensorData::new(values, shape))
}

#[cfg(test)]
mod tests {
    use super::*;
    use burn::tensor::{Distribution, Tolerance};

    fn layer(i: usize, o: usize, dilation: usize, stride: usize, device: &Device) -> Conv2d {
        crate::train::with_seeded_init(device, 7, || {
            crate::unet::conv(i, o, stride, dilation, device)
        })
    }

    /// Output, input, weight and bias gradients of a tracked direct convolution against burn's
    /// own, for the U-Net's and reader's layer shapes (narrower): stride 1 at each row width,
    /// dilated, and stride 2 (its input gradient is the scatter kernel).
    #[test]
    fn direct_convolution_matches_burns() {
        let device = crate::train::train_device();
        for (i, o, side, dilation, stride) in [
            (16, 1, 28, 1, 1),
            (2, 16, 28, 1, 1),
            (24, 8, 28, 1, 1),
            (6, 8, 28, 2, 1),
            (16, 8, 14, 1, 1),
            (8, 8, 7, 2, 1),
            (8, 16, 28, 1, 2),
            (16, 16, 14, 1, 2),
        ] {
            let conv = layer(i, o, dilation, stride, &device);
            assert!(
                direct_options(&conv, [3, i, side, side]).is_some(),
                "{i}→{o} direct"
            );
            let x = Tensor::<4>::random([3, i, side, side], Distribution::Default, &device);
            let run = |direct: bool| {
                let x = x.clone().require_grad();
                let y = if direct {
                    conv2d(&conv, x.clone())
                } else {
                    conv.forward(x.clone())
                };
                // A loss whose gradient varies per pixel, so a shifted tap would show.
                let grads = (y.clone() * y.clone()).sum().backward();
                let bias = conv.bias.as_ref().unwrap();
                [
                    y.into_data(),
                    x.grad(&grads).unwrap().into_data(),
                    conv.weight.grad(&grads).unwrap().into_data(),
                    bias.grad(&grads).unwrap().into_data(),
                ]
            };
            let (theirs, ours) = (run(false), run(true));
            for (what, (a, b)) in ["output", "input grad", "weight grad", "bias grad"]
                .iter()
                .zip(ours.iter().zip(&theirs))
            {
                assert_eq!(a.shape(), b.shape(), "{what}, layer {i}→{o}");
                a.assert_approx_eq::<f32>(b, Tolerance::rel_abs(1e-4, 1e-5));
            }
        }
    }

    /// Untracked (inference) calls are burn's own convolution, bit for bit.
    #[test]
    fn inference_is_burns_convolution() {
        let device = Device::flex();
        let conv = layer(16, 1, 1, 1, &device);
        let x = Tensor::<4>::random([2, 16, 28, 28], Distribution::Default, &device);
        assert_eq!(
            conv2d(&conv, x.clone()).into_data(),
            conv.forward(x).into_data()
        );
    }
}
