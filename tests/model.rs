//! Shapes and ranges of every network, for the default and the design presets.

use burn::prelude::*;
use digitgan::model::{ClassifierConfig, PIXELS};
use digitgan::train::{Models, TrainConfig, onehot, tensor2, train_device};

#[test]
fn default_networks_have_the_designed_shapes() {
    let device = train_device();
    let cfg = TrainConfig::new();
    let m = Models::init(&cfg, 1, &device);
    let b = 5;
    let z = Tensor::<2>::random(
        [b, 100],
        burn::tensor::Distribution::Uniform(-1.0, 1.0),
        &device,
    );
    let y = onehot(&[0, 1, 2, 3, 9], 10, &device);
    let x = m.generator.forward(z, Some(y));
    assert_eq!(x.dims(), [b, PIXELS]);
    let v = x.clone().into_data().try_to_vec::<f32>().unwrap();
    assert!(
        v.iter().all(|p| (-1.0..=1.0).contains(p)),
        "tanh output range"
    );
    let (logit, classes) = m.discriminator.forward(x.clone(), None);
    assert_eq!(logit.dims(), [b, 1]);
    assert_eq!(classes.unwrap().dims(), [b, 10]);
    let r = m.restorer.forward(
        x.clone(),
        tensor2(&vec![0.0; b * PIXELS], b, &device),
        false,
    );
    assert_eq!(r.dims(), [b, PIXELS]);
    let c = ClassifierConfig::new().init(&device);
    assert_eq!(c.forward(x.clone()).dims(), [b, 10]);
    assert_eq!(c.features(x).dims(), [b, 128]);
    // The design's sizes: G 110→128→256→512→784 (with labels), D 784→512→256→128→1 (+10).
    let g_params = (110 * 128 + 128) + (128 * 256 + 256) + (256 * 512 + 512) + (512 * 784 + 784);
    let bn_params = 4 * (128 + 256 + 512); // γ, β and the running mean and variance
    assert_eq!(m.generator.num_params(), g_params + bn_params);
    let d_params =
        (784 * 512 + 512) + (512 * 256 + 256) + (256 * 128 + 128) + (128 + 1) + (128 * 10 + 10);
    assert_eq!(m.discriminator.num_params(), d_params);
}

#[test]
fn design_preset_is_the_plain_unconditional_mlp_gan() {
    let device = train_device();
    let cfg = TrainConfig::design();
    let m = Models::init(&cfg, 1, &device);
    let z = tensor2(&vec![0.1; 3 * 100], 3, &device);
    assert_eq!(m.generator.forward(z, None).dims(), [3, PIXELS]);
    let g_params = (100 * 128 + 128) + (128 * 256 + 256) + (256 * 512 + 512) + (512 * 784 + 784);
    assert_eq!(m.generator.num_params(), g_params);
    let d_params = (784 * 512 + 512) + (512 * 256 + 256) + (256 * 128 + 128) + (128 + 1);
    assert_eq!(m.discriminator.num_params(), d_params);
    assert!(!cfg.augment && !cfg.train_restorer && cfg.discriminator.dropout == 0.0);
    assert_eq!(TrainConfig::preset("design"), Some(cfg));
    assert!(TrainConfig::preset("nope").is_none());
}

#[test]
fn the_convolutional_restorer_keeps_known_pixels_and_round_trips_through_a_weights_file() {
    for global in [None, Some(8)] {
        check_conv_restorer(global);
    }
}

fn check_conv_restorer(global: Option<usize>) {
    use digitgan::model::RestorerConfig;
    use digitgan::weights::{Architecture, Bundle, Precision};
    let device = train_device();
    let cfg = RestorerConfig::new()
        .with_conv(Some(4))
        .with_conv_global(global);
    let r = digitgan::train::with_seeded_init(&device, 2, || cfg.init(&device));
    // Layer by layer (3×3 kernels, C = 4): enc1 2→C, enc2 C→2C, enc3 2C→2C, mid 2C→2C,
    // dec2 4C→2C, dec1 3C→C, out C→1 (weights + biases); the bottleneck 2C·7·7 → G → 2C·7·7.
    let conv = |i: usize, o: usize| i * o * 9 + o;
    let c = 4;
    let cells = 2 * c * 49;
    let expected = conv(2, c)
        + conv(c, 2 * c)
        + 2 * conv(2 * c, 2 * c)
        + conv(4 * c, 2 * c)
        + conv(3 * c, c)
        + conv(c, 1)
        + global.map_or(0, |g| (cells * g + g) + (g * cells + cells));
    assert_eq!(r.num_params(), expected, "{global:?}");
    let b = 3;
    let damaged: Vec<f32> = (0..b * PIXELS)
        .map(|i| ((i % 7) as f32 / 3.0) - 1.0)
        .collect();
    let mask: Vec<f32> = (0..b * PIXELS).map(|i| ((i / 28) % 2) as f32).collect();
    let out = r.forward(
        tensor2(&damaged, b, &device),
        tensor2(&mask, b, &device),
        false,
    );
    assert_eq!(out.dims(), [b, PIXELS]);
    let out = out.into_data().try_to_vec::<f32>().unwrap();
    for i in 0..b * PIXELS {
        if mask[i] == 0.0 {
            assert_eq!(out[i], damaged[i], "known pixel {i} changed");
        } else {
            assert!((-1.0..=1.0).contains(&out[i]));
        }
    }
    // The architecture travels in the weights file, at every precision.
    let arch = Architecture {
        restorer: cfg,
        ..Architecture::default()
    };
    let bundle = Bundle {
        restorer: r,
        ..Bundle::init(arch.clone(), &device)
    };
    for precision in [Precision::F32, Precision::Int8] {
        let again = Bundle::from_bytes(&bundle.to_bytes(precision).unwrap(), &device).unwrap();
        assert_eq!(again.arch, arch);
        assert_eq!(again.restorer.num_params(), expected);
    }
}
