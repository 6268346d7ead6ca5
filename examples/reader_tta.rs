// Diagnostic (sessions 20–21, issue #2): test-time augmentation for the reader, and the shape of
// the label the restorer is told. On the digits `digitgan eval` damages (same seed, same
// draws), the readers read each damaged digit and its 1-px shifts (mask shifted alike; what
// comes in at the border is known blank paper); the mean over 1, 5 or 9 views is then told to
// the restorer as is (soft: what ships), cut to its top two classes and renormalised (the
// two-class blends a `--restorer-label-mix` restorer trains on), sharpened (p²/Σp²), or both.
// Compares readings and restorations; the judge (reference classifier) only scores.
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

/// How the probabilities are shaped before the restorer is told them.
#[derive(Clone, Copy)]
enum Shape {
    Soft,
    Top2,
    Sharp,
    SharpTop2,
}

impl Shape {
    const ALL: [Shape; 4] = [Shape::Soft, Shape::Top2, Shape::Sharp, Shape::SharpTop2];

    fn name(self) -> &'static str {
        match self {
            Shape::Soft => "soft",
            Shape::Top2 => "top2",
            Shape::Sharp => "sharp",
            Shape::SharpTop2 => "sh-t2",
        }
    }

    fn apply(self, probs: &[f32]) -> Vec<f32> {
        let square = matches!(self, Shape::Sharp | Shape::SharpTop2);
        let top2 = matches!(self, Shape::Top2 | Shape::SharpTop2);
        let mut out = Vec::with_capacity(probs.len());
        for p in probs.chunks_exact(CLASSES) {
            let mut q: Vec<f32> = p.iter().map(|&v| if square { v * v } else { v }).collect();
            if top2 {
                let mut order: Vec<usize> = (0..CLASSES).collect();
                order.sort_by(|&a, &b| q[b].total_cmp(&q[a]));
                for &i in &order[2..] {
                    q[i] = 0.0;
                }
            }
            let sum: f32 = q.iter().sum::<f32>().max(f32::MIN_POSITIVE);
            out.extend(q.iter().map(|v| v / sum));
        }
        out
    }
}

fn main() -> common::Res<()> {
    let run = common::Run::from_args("reader_tta")?;
    let (b, device, n, seed, split) = (&run.bundle, &run.device, run.n, run.seed, &run.split);
    let judge = |images: &[f32]| classify(&b.classifier, images, device).0;
    println!(
        "{n} damaged {} digits, {} reader(s); accuracy %: the readers' argmax over 1/5/9 views, \
         then restored when told each shape of the 1-view and the 9-view mean",
        run.which,
        b.readers.len()
    );
    let names = Shape::ALL.map(|s| format!("{:>6}", s.name())).concat();
    println!("  damage        read  read5  read9 |{names} |{names}");
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
        let readings = [mean(1), mean(5), mean(9)];
        let mut line = format!("  {:<12}", format!("{kind:?}"));
        for p in &readings {
            line += &format!(" {:5.1} ", common::percent_right(&most_likely(p).0, y));
        }
        for p in [&readings[0], &readings[2]] {
            line += "|";
            for shape in Shape::ALL {
                let told = shape.apply(p);
                let restored = restore_as(&b.restorer, Some(&told), &damaged, m, device)?;
                line += &format!(" {:5.1}", common::percent_right(&judge(&restored), y));
            }
            line += " ";
        }
        println!("{line}");
    }
    Ok(())
}
