// Diagnostic (session 20, issue #2): test-time augmentation for the reader. On the digits
// `digitgan eval` damages (same seed, same draws), the readers read each damaged digit and its
// 1-px shifts (mask shifted alike; what comes in at the border is known blank paper) and the
// mean probabilities tell the restorer the class. Compares readings and restorations with the
// plain reading (what ships). The judge (reference classifier) only scores.
//
//   cargo run --profile fast --example reader_tta -- WEIGHTS.dgw [test|val:K] [N=600] [SEED=1]
mod common;

use digitgan::damage::DamageKind;
use digitgan::data::shift_pixels;
use digitgan::eval::{classify, damaged_set, most_likely};
use digitgan::model::{CLASSES, PIXELS};
use digitgan::reader::read;
use digitgan::restore::restore_as;

/// The digit and its 1-px shifts: the four nearest first (the 5-view reading), then the
/// diagonals (the 9-view one).
const SHIFTS: [(i32, i32); 9] = [
    (0, 0),
    (1, 0),
    (-1, 0),
    (0, 1),
    (0, -1),
    (1, 1),
    (1, -1),
    (-1, 1),
    (-1, -1),
];

/// Every 28×28 image in `images` moved by (dx, dy); what moves in is blank.
fn shifted(images: &[f32], dx: i32, dy: i32) -> Vec<f32> {
    images
        .chunks_exact(PIXELS)
        .flat_map(|image| shift_pixels(image, dx, dy))
        .collect()
}

fn main() -> common::Res<()> {
    let run = common::Run::from_args("reader_tta")?;
    let (b, device, n, seed, split) = (&run.bundle, &run.device, run.n, run.seed, &run.split);
    let judge = |images: &[f32]| classify(&b.classifier, images, device).0;
    println!(
        "{n} damaged {} digits, {} reader(s); accuracy %",
        run.which,
        b.readers.len()
    );
    println!("  damage        read  read5  read9    soft  soft5  soft9");
    for kind in DamageKind::ALL {
        let (clean, damaged, masks) = damaged_set(split, kind, n, seed);
        let erasure = kind.is_erasure();
        let y = &clean.labels;
        // The readers' probabilities for each shift, read once; then their means over the
        // first 1, 5 and 9 shifts.
        let mut per_shift = Vec::new();
        for (dx, dy) in SHIFTS {
            let img = shifted(&damaged, dx, dy);
            let msk = erasure.then(|| shifted(&masks, dx, dy));
            per_shift.push(read(&b.readers, &img, msk.as_deref(), device)?);
        }
        let mean = |views: usize| -> Vec<f32> {
            (0..n * CLASSES)
                .map(|i| per_shift[..views].iter().map(|p| p[i]).sum::<f32>() / views as f32)
                .collect()
        };
        let m = erasure.then_some(masks.as_slice());
        let mut row = Vec::new();
        let readings = [mean(1), mean(5), mean(9)];
        for p in &readings {
            row.push(common::percent_right(&most_likely(p).0, y));
        }
        for p in &readings {
            let restored = restore_as(&b.restorer, Some(p), &damaged, m, device)?;
            row.push(common::percent_right(&judge(&restored), y));
        }
        println!(
            "  {:<12} {:5.1}  {:5.1}  {:5.1}   {:5.1}  {:5.1}  {:5.1}",
            format!("{kind:?}"),
            row[0],
            row[1],
            row[2],
            row[3],
            row[4],
            row[5]
        );
    }
    Ok(())
}
