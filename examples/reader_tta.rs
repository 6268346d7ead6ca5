// Diagnostic (session 20, issue #2): test-time augmentation for the reader. On the digits
// `digitgan eval` damages (same seed, same draws), the readers read each damaged digit and its
// 1-px shifts (mask shifted alike; what comes in at the border is known blank paper) and the
// mean probabilities tell the restorer the class. Compares readings and restorations with the
// plain reading (what ships). The judge (reference classifier) only scores.
//
//   cargo run --profile fast --example reader_tta -- WEIGHTS.dgw [test|val:K] [N=600] [SEED=1]
mod common;

use digitgan::damage::DamageKind;
use digitgan::eval::{classify, damaged_set, most_likely};
use digitgan::model::{CLASSES, PIXELS};
use digitgan::reader::read;
use digitgan::restore::restore_as;

const SIDE: usize = 28;
const CROSS: [(i32, i32); 5] = [(0, 0), (1, 0), (-1, 0), (0, 1), (0, -1)];
const SQUARE: [(i32, i32); 9] = [
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

/// Every 28×28 image in `images` moved by (dx, dy); pixels shifted in are 0.
fn shifted(images: &[f32], dx: i32, dy: i32) -> Vec<f32> {
    let mut out = vec![0.0; images.len()];
    for (src, dst) in images
        .chunks_exact(PIXELS)
        .zip(out.chunks_exact_mut(PIXELS))
    {
        for y in 0..SIDE as i32 {
            for x in 0..SIDE as i32 {
                let (sx, sy) = (x - dx, y - dy);
                if (0..SIDE as i32).contains(&sx) && (0..SIDE as i32).contains(&sy) {
                    dst[(y * SIDE as i32 + x) as usize] = src[(sy * SIDE as i32 + sx) as usize];
                }
            }
        }
    }
    out
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
        let pct =
            |p: &[u8]| 100.0 * p.iter().zip(y).filter(|(a, b)| a == b).count() as f64 / n as f64;
        // Mean reading over the given shifts.
        let reading = |shifts: &[(i32, i32)]| -> Result<Vec<f32>, digitgan::Error> {
            let mut sum = vec![0.0f32; n * CLASSES];
            for &(dx, dy) in shifts {
                let img = shifted(&damaged, dx, dy);
                let msk = erasure.then(|| shifted(&masks, dx, dy));
                let p = read(&b.readers, &img, msk.as_deref(), device)?;
                sum.iter_mut().zip(p).for_each(|(s, v)| *s += v);
            }
            sum.iter_mut().for_each(|s| *s /= shifts.len() as f32);
            Ok(sum)
        };
        let m = erasure.then_some(masks.as_slice());
        let mut row = Vec::new();
        let readings = [reading(&[(0, 0)])?, reading(&CROSS)?, reading(&SQUARE)?];
        for p in &readings {
            row.push(pct(&most_likely(p).0));
        }
        for p in &readings {
            row.push(pct(&judge(&restore_as(
                &b.restorer,
                Some(p),
                &damaged,
                m,
                device,
            )?)));
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
