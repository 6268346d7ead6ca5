//! Native speed: one training step (default recipe, GAN only, design preset, and the 15-minute
//! pipeline's U-Net restorer-only step and reader step), the reader's batch norm + LeakyReLU
//! (burn's and the direct kernel), one restore by each method, and the 64×784×512 matmul the
//! MLP layers are made of. Single-threaded, with the CLI's malloc settings (`digitgan::malloc`).

use burn::nn::BatchNormConfig;
use burn::prelude::*;
use burn::tensor::Distribution;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use digitgan::activation::leaky;
use digitgan::damage::{DamageKind, damage};
use digitgan::data::MnistSubset;
use digitgan::model::{CLASSES, RestorerConfig};
use digitgan::norm::batch_norm_leaky;
use digitgan::reader::{ReaderConfig, ReaderTrainConfig, train_reader};
use digitgan::restore::{LatentSearchConfig, latent_search, restore_told};
use digitgan::train::{TrainConfig, Trainer, train_device};
use digitgan::weights::Bundle;
use rand::{SeedableRng, rngs::StdRng};
use std::time::Duration;

/// The restorer-only phase of `scripts/pretrain-15min.sh` (G and D frozen): a class-conditional
/// U-Net (16 channels, 128 global units), batch 32, feature matching, label blends.
fn pipeline_restorer() -> TrainConfig {
    let unet = RestorerConfig::new()
        .with_conv(Some(16))
        .with_conv_global(Some(128))
        .with_conv_classes(Some(CLASSES));
    TrainConfig::new()
        .with_train_gan(false)
        .with_restorer(unet)
        .with_batch_size(32)
        .with_restorer_lr(1e-3)
        .with_restorer_feature_weight(10.0)
        .with_damage_weights(vec![3.0, 1.0, 2.0, 1.0, 1.0])
        .with_restorer_label_mix(0.5)
}

fn training_step(c: &mut Criterion) {
    digitgan::malloc::keep_buffers();
    let data = MnistSubset::bundled();
    let mut g = c.benchmark_group("train_step");
    g.sample_size(20).measurement_time(Duration::from_secs(8));
    for (name, cfg) in [
        ("default", TrainConfig::new()),
        (
            "default_gan_only",
            TrainConfig::new().with_train_restorer(false),
        ),
        ("design", TrainConfig::design()),
        ("pipeline_restorer_unet", pipeline_restorer()),
    ] {
        let mut t = Trainer::new(cfg, data.train.clone(), 1);
        for _ in 0..5 {
            t.step();
        }
        g.bench_function(name, |b| b.iter(|| t.step()));
    }
    g.finish();
}

/// The 15-minute pipeline's reader (`READER_WIDTH=16`, batch norm, batch 64), timed over 10
/// steps per iteration (a reader trains in one call; this is its step × 10, setup included).
fn pipeline_reader(c: &mut Criterion) {
    digitgan::malloc::keep_buffers();
    let data = MnistSubset::bundled();
    let cfg = ReaderTrainConfig::new()
        .with_model(
            ReaderConfig::new()
                .with_width(16)
                .with_batch_norm(Some(true)),
        )
        .with_steps(10)
        .with_lr(3e-3)
        .with_augment_fraction(0.5)
        .with_damage_weights(vec![8.0, 1.0, 2.0, 1.0, 1.0]);
    let mut g = c.benchmark_group("train_step");
    g.sample_size(10).measurement_time(Duration::from_secs(8));
    g.bench_function("pipeline_reader_x10", |b| {
        b.iter(|| train_reader(&cfg, &data.train, 1, None, |_, _| {}))
    });
    g.finish();
}

fn restore(c: &mut Criterion) {
    let device = train_device();
    let bundle = Bundle::pretrained(&device);
    let test = MnistSubset::bundled().test;
    let d = damage(
        test.image(0),
        DamageKind::Block,
        &mut StdRng::seed_from_u64(1),
    );
    let mut g = c.benchmark_group("restore");
    g.sample_size(10);
    g.bench_function("restorer", |b| {
        b.iter(|| {
            restore_told(
                &bundle.restorer,
                &bundle.readers,
                &d.image,
                d.mask.as_deref(),
                &device,
            )
            .unwrap()
        })
    });
    let cfg = LatentSearchConfig::new();
    g.bench_function("latent_search", |b| {
        b.iter(|| {
            latent_search(
                &bundle.generator,
                &bundle.discriminator,
                &d.image,
                d.mask.as_deref(),
                1,
                &cfg,
                &device,
            )
            .unwrap()
        })
    });
    g.finish();
}

/// The reader's first batch norm + LeakyReLU ([64, 16, 28, 28], training mode), forward and
/// backward: burn's `BatchNorm::forward` then `leaky`, against `norm::batch_norm_leaky`, in one
/// process minutes apart (the pipeline's reader bench cannot resolve a ~13% change on a host
/// that drifts).
fn batch_norm(c: &mut Criterion) {
    digitgan::malloc::keep_buffers();
    let device = train_device();
    let norm = BatchNormConfig::new(16).init(&device);
    let x = Tensor::<4>::random([64, 16, 28, 28], Distribution::Normal(0.0, 1.0), &device);
    let mut g = c.benchmark_group("batch_norm_leaky");
    g.sample_size(30);
    for (name, direct) in [("burn", false), ("direct", true)] {
        g.bench_function(name, |b| {
            b.iter(|| {
                let x = x.clone().require_grad();
                let y = match direct {
                    true => batch_norm_leaky(&norm, x.clone(), 0.2),
                    false => leaky(norm.forward(x.clone()), 0.2),
                };
                let grads = y.sum().backward();
                x.grad(&grads).unwrap().into_data()
            })
        });
    }
    g.finish();
}

fn matmul(c: &mut Criterion) {
    let device = Device::flex();
    let a = Tensor::<2>::random([64, 784], burn::tensor::Distribution::Default, &device);
    let w = Tensor::<2>::random([784, 512], burn::tensor::Distribution::Default, &device);
    let mut g = c.benchmark_group("matmul");
    g.throughput(Throughput::Elements(2 * 64 * 784 * 512)); // FLOPs
    g.bench_function("64x784x512", |b| {
        b.iter(|| a.clone().matmul(w.clone()).into_data())
    });
    g.finish();
}

criterion_group!(
    benches,
    training_step,
    pipeline_reader,
    batch_norm,
    restore,
    matmul
);
criterion_main!(benches);
