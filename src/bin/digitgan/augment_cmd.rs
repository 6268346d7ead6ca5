//! `digitgan augment-eval` (does the GAN extend a small training set?) and
//! `digitgan export-augmented` (a labelled set of generated digits as files).

use crate::bar;
use digitgan::augment::{AugmentEvalConfig, augment_eval, generate_per_class};
use digitgan::data::MnistSubset;
use digitgan::error::{Error, Result};
use digitgan::files::{write_json, write_labelled};
use digitgan::weights::Bundle;
use std::path::Path;

pub fn eval(b: &Bundle, config: &AugmentEvalConfig, json_out: Option<&Path>) -> Result<()> {
    let data = MnistSubset::bundled();
    let total = config.k.len() * config.seeds * 3 * config.steps;
    let pb = bar(total as u64, "classifier");
    let started = std::time::Instant::now();
    let report = augment_eval(&b.generator, &data.train, &data.test, config, |done, _| {
        pb.set_position(done as u64)
    })?;
    pb.finish_and_clear();
    println!(
        "test accuracy on {} digits, mean ± std (min–max) over {} seed(s); {} classifier steps each; M = {} per class; K real = {}; {:.0} s",
        report.test_size,
        report.seeds,
        report.steps,
        report.m,
        if config.first_k {
            "the first K of each class"
        } else {
            "a random draw per seed"
        },
        started.elapsed().as_secs_f64()
    );
    println!(
        "  {:>4} {:>26} {:>26} {:>26}",
        "K", "real", "+generated", "+T(x)"
    );
    for r in &report.results {
        let cells: Vec<String> = r
            .arms
            .iter()
            .map(|a| {
                format!(
                    "{:.1} ± {:.1} ({:.1}–{:.1})",
                    100.0 * a.mean,
                    100.0 * a.std,
                    100.0 * a.min,
                    100.0 * a.max
                )
            })
            .collect();
        println!(
            "  {:>4} {:>26} {:>26} {:>26}",
            r.k, cells[0], cells[1], cells[2]
        );
    }
    if let Some(path) = json_out {
        let j = serde_json::json!({ "config": config, "report": report });
        write_json(path, &j)?;
    }
    Ok(())
}

pub fn export(b: &Bundle, n_per_class: usize, seed: u64, out: &Path) -> Result<()> {
    if n_per_class == 0 || n_per_class > 10_000 {
        return Err(Error::Input("--n-per-class must be in 1..=10000".into()));
    }
    let digits = generate_per_class(&b.generator, n_per_class, seed)?;
    // One class per sprite row when it fits, else 50 cells per row.
    let columns = if n_per_class <= 50 { n_per_class } else { 50 };
    write_labelled(out, &digits, columns)?;
    println!(
        "wrote {} digits ({} per class) to {}: images.npy, labels.npy, sprite.png, labels.txt",
        digits.len(),
        n_per_class,
        out.display()
    );
    Ok(())
}
