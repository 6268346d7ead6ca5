//! A 2-D convolution whose weight gradient is one im2col + matmul.
//!
//! burn-backend's default `conv2d_weight_backward` (burn-flex does not override it) convolves
//! the input with the output gradient as the kernel (28×28 for a 28×28 layer); burn-flex's im2col
//! is built for small kernels, so that gradient is ~40–50% of a layer's training time
//! (`examples/conv_grad_probe.rs`). Here it is `dW = gᵀ · cols`: the output gradient as
//! [O, B·L] times the input's im2col [B·L, I·kh·kw], one gemm. The forward pass, the input and
//! bias gradients are burn's own calls, so inference is bit for bit burn's `Conv2d::forward`.
//!
//! The op is a burn backend extension: [`ConvBackend`] for `Flex` (plain forward) and for
//! `Autodiff<Flex>` (the hand-written backward). Other dtypes than f32, groups and asymmetric
//! padding take burn's own weight gradient.
use burn::backend::autodiff::checkpoint::base::Checkpointer;
use burn::backend::autodiff::checkpoint::strategy::CheckpointStrategy;
use burn::backend::autodiff::grads::Gradients;
use burn::backend::autodiff::ops::{Backward, Ops, OpsKind};
use burn::backend::autodiff::{Autodiff, NodeId};
use burn::backend::flex::FlexTensor;
use burn::backend::ops::{ConvOptions, FloatTensorOps, ModuleOps};
use burn::backend::tensor::FloatTensor;
use burn::backend::{
    Backend, DType, Dispatch, Flex, TensorData, TensorMetadata, backend_extension,
};
use burn::nn::PaddingConfig2d;
use burn::nn::conv::Conv2d;
use burn::prelude::*;

#[backend_extension(Flex, Autodiff)]
pub trait ConvBackend: Backend {
    /// burn's `conv2d` with a bias: x [B, I, H, W], weight [O, I/groups, kh, kw], bias [O]
    /// → [B, O, H', W'].
    fn conv2d_gemm_grad(
        x: FloatTensor<Self>,
        weight: FloatTensor<Self>,
        bias: FloatTensor<Self>,
        options: ConvOptions<2>,
    ) -> FloatTensor<Self>;
}

impl ConvBackend for Flex {
    fn conv2d_gemm_grad(
        x: FlexTensor,
        weight: FlexTensor,
        bias: FlexTensor,
        options: ConvOptions<2>,
    ) -> FlexTensor {
        Flex::conv2d(x, weight, Some(bias), options)
    }
}

#[derive(Debug)]
struct Conv2dGemmGrad;

impl Backward<Flex, 3> for Conv2dGemmGrad {
    type State = (NodeId, NodeId, NodeId, ConvOptions<2>);

    fn backward(
        self,
        ops: Ops<Self::State, 3>,
        grads: &mut Gradients,
        checkpointer: &mut Checkpointer,
    ) {
        let [node_x, node_weight, node_bias] = ops.parents;
        let grad = grads.consume::<Flex>(&ops.node);
        let (x_state, weight_state, bias_state, options) = ops.state;
        let x = checkpointer.retrieve_node_output::<FlexTensor>(x_state);
        let weight = checkpointer.retrieve_node_output::<FlexTensor>(weight_state);
        let bias = checkpointer.retrieve_node_output::<FlexTensor>(bias_state);
        // As burn-autodiff's conv2d, but for the weight gradient.
        if let Some(node) = node_x {
            let g =
                Flex::conv2d_x_backward(x.clone(), weight.clone(), grad.clone(), options.clone());
            grads.register::<Flex>(node.id, g);
        }
        if let Some(node) = node_weight {
            let g = weight_grad(x.clone(), weight, grad.clone(), &options);
            grads.register::<Flex>(node.id, g);
        }
        if let Some(node) = node_bias {
            grads.register::<Flex>(node.id, Flex::conv2d_bias_backward(x, bias, grad));
        }
    }
}

impl<C: CheckpointStrategy> ConvBackend for Autodiff<Flex, C> {
    fn conv2d_gemm_grad(
        x: FloatTensor<Self>,
        weight: FloatTensor<Self>,
        bias: FloatTensor<Self>,
        options: ConvOptions<2>,
    ) -> FloatTensor<Self> {
        match Conv2dGemmGrad
            .prepare::<C>([x.node(), weight.node(), bias.node()])
            .compute_bound()
            .stateful()
        {
            OpsKind::Tracked(mut prep) => {
                let state = (
                    prep.checkpoint(&x),
                    prep.checkpoint(&weight),
                    prep.checkpoint(&bias),
                    options.clone(),
                );
                let out = Flex::conv2d(
                    x.into_primitive(),
                    weight.into_primitive(),
                    Some(bias.into_primitive()),
                    options,
                );
                prep.finish(state, out)
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

/// `Conv2d::forward` with the im2col + gemm weight gradient; the same output, bit for bit.
/// A convolution without a bias or with other than explicit padding takes burn's own path.
pub fn conv2d(conv: &Conv2d, x: Tensor<4>) -> Tensor<4> {
    let (Some(bias), PaddingConfig2d::Explicit(top, left, bottom, right)) =
        (&conv.bias, &conv.padding)
    else {
        return conv.forward(x);
    };
    let ((top, bottom), (left, right)) = ((*top, *bottom), (*left, *right));
    let options = ConvOptions::new_with_padding(
        conv.stride,
        [(top, bottom), (left, right)],
        conv.dilation,
        conv.groups,
    );
    Tensor::from_dispatch(<Dispatch as ConvBackend>::conv2d_gemm_grad(
        x.into_dispatch(),
        conv.weight.val().into_dispatch(),
        bias.val().into_dispatch(),
        options,
    ))
}

/// dL/dW for `conv2d(x, weight)` given dL/dout: [O, B·L] × [B·L, I·kh·kw] → [O, I, kh, kw].
fn weight_grad(
    x: FlexTensor,
    weight: FlexTensor,
    grad: FlexTensor,
    options: &ConvOptions<2>,
) -> FlexTensor {
    let symmetric = options.padding_begin() == options.padding_end();
    if x.dtype() != DType::F32 || grad.dtype() != DType::F32 || options.groups != 1 || !symmetric {
        return Flex::conv2d_weight_backward(x, weight, grad, options.clone());
    }
    let [b, i, h, w] = x.shape().dims();
    let [o, _, kh, kw] = weight.shape().dims();
    let [_, _, ho, wo] = grad.shape().dims();
    let (l, k) = (ho * wo, i * kh * kw);
    let x = x.to_contiguous();
    let grad = grad.to_contiguous();
    let xs: &[f32] = x.as_slice().expect("a contiguous f32 tensor");
    let gs: &[f32] = grad.as_slice().expect("a contiguous f32 tensor");
    let [sy, sx] = options.stride;
    let [dy, dx] = options.dilation;
    let [py, px] = options.padding_begin();

    // cols [B·L, K]: row (b, oy, ox) holds the input under the kernel at that output pixel.
    let mut cols = vec![0f32; b * l * k];
    for bi in 0..b {
        for oy in 0..ho {
            for ox in 0..wo {
                let row = &mut cols[((bi * ho + oy) * wo + ox) * k..][..k];
                for c in 0..i {
                    let plane = &xs[(bi * i + c) * h * w..][..h * w];
                    for ky in 0..kh {
                        let Some(y) = (oy * sy + ky * dy).checked_sub(py).filter(|&y| y < h) else {
                            continue;
                        };
                        for kx in 0..kw {
                            if let Some(xx) =
                                (ox * sx + kx * dx).checked_sub(px).filter(|&xx| xx < w)
                            {
                                row[(c * kh + ky) * kw + kx] = plane[y * w + xx];
                            }
                        }
                    }
                }
            }
        }
    }
    // gᵀ [O, B·L].
    let mut gt = vec![0f32; o * b * l];
    for bi in 0..b {
        for oc in 0..o {
            gt[(oc * b + bi) * l..][..l].copy_from_slice(&gs[(bi * o + oc) * l..][..l]);
        }
    }
    let gt = FlexTensor::from_data(TensorData::new(gt, [o, b * l]));
    let cols = FlexTensor::from_data(TensorData::new(cols, [b * l, k]));
    Flex::float_reshape(Flex::float_matmul(gt, cols), [o, i, kh, kw].into())
}

#[cfg(test)]
mod tests {
    use super::*;
    use burn::nn::conv::Conv2dConfig;
    use burn::tensor::Distribution;

    /// The gemm gradient matches burn's own for every layer shape the reader and U-Net use.
    #[test]
    fn gradients_match_burns_conv() {
        let device = crate::train::train_device();
        for (i, o, side, stride, dilation) in [
            (2, 8, 28, 1, 1),
            (8, 16, 28, 2, 1),
            (16, 16, 14, 1, 2),
            (16, 16, 7, 2, 1),
        ] {
            let conv = crate::train::with_seeded_init(&device, 7, || {
                Conv2dConfig::new([i, o], [3, 3])
                    .with_stride([stride, stride])
                    .with_dilation([dilation, dilation])
                    .with_padding(PaddingConfig2d::Explicit(
                        dilation, dilation, dilation, dilation,
                    ))
                    .init(&device)
            });
            let x = Tensor::<4>::random([3, i, side, side], Distribution::Default, &device);
            let run = |ours: bool| {
                let x = x.clone().require_grad();
                let y = if ours {
                    conv2d(&conv, x.clone())
                } else {
                    conv.forward(x.clone())
                };
                let out = y.clone().into_data();
                let grads = (y.clone() * y).sum().backward();
                let gw = conv.weight.grad(&grads).unwrap().into_data();
                let gb = conv
                    .bias
                    .as_ref()
                    .unwrap()
                    .grad(&grads)
                    .unwrap()
                    .into_data();
                (out, x.grad(&grads).unwrap().into_data(), gw, gb)
            };
            let (theirs, ours) = (run(false), run(true));
            assert_eq!(ours.0, theirs.0, "forward, layer {i}→{o}");
            assert_eq!(ours.1, theirs.1, "input gradient, layer {i}→{o}");
            ours.2
                .assert_approx_eq::<f32>(&theirs.2, burn::tensor::Tolerance::relative(1e-4));
            assert_eq!(ours.3, theirs.3, "bias gradient, layer {i}→{o}");
        }
    }
}
