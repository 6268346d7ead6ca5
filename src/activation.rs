//! LeakyReLU that trains fast on burn's CPU backend.
//!
//! burn's autodiff builds `leaky_relu` from `lower_elem` + `mask_where`, and the CPU backend's
//! mask loops branch on every element's sign, mispredicted about half the time: 10% of a
//! reader's training step under perf (session 20). Inside the autodiff graph [`leaky`] writes it
//! as slope·x + (1 − slope)·relu(x) instead: relu and its backward are single-pass, branch-free
//! ops. Outside the graph (inference) it is burn's own `leaky_relu`, so what trained weights
//! compute is unchanged; the two agree to within a rounding.

use burn::prelude::*;
use burn::tensor::activation::{leaky_relu, relu};

/// LeakyReLU with negative slope `slope`, shape unchanged ([B, …] → [B, …]).
pub fn leaky<const D: usize>(x: Tensor<D>, slope: f64) -> Tensor<D> {
    if x.is_tracked() {
        x.clone().mul_scalar(slope) + relu(x).mul_scalar(1.0 - slope)
    } else {
        leaky_relu(x, slope)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::train::train_device;

    #[test]
    fn leaky_in_the_graph_matches_leaky_relu_in_value_and_gradient() {
        let device = train_device();
        let v: Vec<f32> = (-50..50).map(|i| i as f32 * 0.37 + 0.05).collect();
        let x = Tensor::<1>::from_floats(v.as_slice(), &device).require_grad();
        let y = leaky(x.clone(), 0.2);
        assert!(
            y.is_tracked(),
            "a tensor that needs a gradient takes the graph path"
        );
        let grads = y.clone().sum().backward();
        let g = x
            .grad(&grads)
            .expect("a gradient")
            .into_data()
            .try_to_vec::<f32>()
            .unwrap();
        let y = y.into_data().try_to_vec::<f32>().unwrap();
        let plain = leaky_relu(Tensor::<1>::from_floats(v.as_slice(), &device), 0.2)
            .into_data()
            .try_to_vec::<f32>()
            .unwrap();
        for i in 0..v.len() {
            assert!(
                (y[i] - plain[i]).abs() <= 1e-6 * v[i].abs().max(1.0),
                "at {}",
                v[i]
            );
            let want = if v[i] > 0.0 { 1.0 } else { 0.2 };
            assert!((g[i] - want).abs() < 1e-6, "gradient at {}: {}", v[i], g[i]);
        }
    }

    #[test]
    fn leaky_outside_the_graph_is_burns_leaky_relu_exactly() {
        let device = train_device();
        let v: Vec<f32> = (-20..20).map(|i| i as f32 * 0.113).collect();
        let x = Tensor::<1>::from_floats(v.as_slice(), &device);
        let ours = leaky(x.clone(), 0.2)
            .into_data()
            .try_to_vec::<f32>()
            .unwrap();
        let theirs = leaky_relu(x, 0.2).into_data().try_to_vec::<f32>().unwrap();
        assert_eq!(ours, theirs);
    }
}
