// Diagnostic (session 12, issue #2): where do block restorations fail? On the test digits
// `digitgan eval` damages with blocks (same seed, same draws), it crosses "the reader names the
// digit" with "the judge reads the restoration as the digit", and compares telling the restorer
// the readers' probabilities (what ships) with their argmax and with the truth.
//
//   cargo run --profile fast --example block_failures -- WEIGHTS.dgw [N=600] [SEED=1] [test|val:K]
mod common;

use digitgan::damage::DamageKind;
use digitgan::data::MnistSubset;
use digitgan::eval::{classify, damaged_set, most_likely};
use digitgan::model::CLASSES;
use digitgan::restore::restore_as;
use digitgan::train::{onehot_values, train_device};

fn main() -> common::Res<()> {
    let args: Vec<String> = std::env::args().collect();
    let path = args
        .get(1)
        .ok_or("usage: block_failures WEIGHTS.dgw [N] [SEED] [test|val:K]")?;
    let n: usize = args.get(2).map_or(Ok(600), |s| s.parse())?;
    let seed: u64 = args.get(3).map_or(Ok(1), |s| s.parse())?;
    let which = args.get(4).map_or("test", String::as_str);
    let device = train_device();
    let b = common::bundle_with_readers(path, &device)?;
    let split = &common::split(&MnistSubset::bundled(), which)?;
    let (clean, damaged, masks) = damaged_set(split, DamageKind::Block, n, seed);
    let m = Some(masks.as_slice());
    let judge = |images: &[f32]| classify(&b.classifier, images, &device).0;
    // Read once: the restorer is told these probabilities, as `restore_told` would tell it.
    let p = digitgan::reader::read(&b.readers, &damaged, m, &device)?;
    let (read, confidence) = most_likely(&p);
    let told = judge(&restore_as(&b.restorer, Some(&p), &damaged, m, &device)?);
    let argmax = judge(&restore_as(
        &b.restorer,
        Some(&onehot_values(&read, CLASSES)),
        &damaged,
        m,
        &device,
    )?);
    let truth = judge(&restore_as(
        &b.restorer,
        Some(&onehot_values(&clean.labels, CLASSES)),
        &damaged,
        m,
        &device,
    )?);
    let on_clean = judge(&clean.images);
    let y = &clean.labels;
    let pct = |hits: usize| 100.0 * hits as f64 / n as f64;
    let right = |p: &[u8]| p.iter().zip(y).filter(|(a, b)| a == b).count();
    println!(
        "{n} block-damaged {} digits, {} reader(s)",
        which,
        b.readers.len()
    );
    println!("  reader \\ restored     wrong   right   (mean reader confidence)");
    for (name, reader_right) in [("wrong", false), ("right", true)] {
        let mut cells = [(0usize, 0f32); 2];
        for i in 0..n {
            if (read[i] == y[i]) == reader_right {
                let c = &mut cells[(told[i] == y[i]) as usize];
                c.0 += 1;
                c.1 += confidence[i];
            }
        }
        let mean = |c: (usize, f32)| c.1 / c.0.max(1) as f32;
        println!(
            "  reader {name}        {:5}   {:5}   ({:.2} / {:.2})",
            cells[0].0,
            cells[1].0,
            mean(cells[0]),
            mean(cells[1])
        );
    }
    println!(
        "  judge's accuracy: told the probabilities {:.1}%, their argmax {:.1}%, the truth {:.1}%; clean {:.1}%; reader {:.1}%",
        pct(right(&told)),
        pct(right(&argmax)),
        pct(right(&truth)),
        pct(right(&on_clean)),
        pct(right(&read))
    );
    let truth_wrong: Vec<usize> = (0..n).filter(|&i| truth[i] != y[i]).collect();
    let judge_wrong_too = truth_wrong.iter().filter(|&&i| on_clean[i] != y[i]).count();
    println!(
        "  told the truth and still misread: {} digits, {judge_wrong_too} of which the judge misreads clean too",
        truth_wrong.len()
    );
    Ok(())
}
