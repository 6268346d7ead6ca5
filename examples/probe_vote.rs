// Study (session 15, issue #2): can the class-conditional restorer itself check the reader?
// For each block-damaged digit, the reader's top classes are each tried: the restorer, told the
// class, must also fill "probe" blocks erased from the digit's *known* pixels, where the truth is
// known. The class under which the restorer predicts the known pixels best is the one most
// consistent with what is left of the digit (analysis by synthesis, beside the reader's
// discriminative guess). Writes one JSON line per digit; `scripts/probe-vote.py` combines them.
//
//   cargo run --profile fast --example probe_vote -- WEIGHTS.dgw train|test N PROBES OUT.jsonl
use digitgan::damage::{DamageKind, damage};
use digitgan::data::{MnistSubset, SIDE};
use digitgan::eval::{classify, damaged_set};
use digitgan::model::{CLASSES, PIXELS};
use digitgan::restore::restore_as;
use digitgan::train::{onehot_values, train_device};
use digitgan::weights::Bundle;
use rand::{Rng, SeedableRng, rngs::StdRng};
use std::io::Write;

const TOP: usize = 3;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let usage = "usage: probe_vote WEIGHTS.dgw train|test N PROBES OUT.jsonl";
    let path = args.get(1).ok_or(usage)?;
    let split = args.get(2).ok_or(usage)?;
    let n: usize = args.get(3).ok_or(usage)?.parse()?;
    let probes: usize = args.get(4).ok_or(usage)?.parse()?;
    let out = args.get(5).ok_or(usage)?;
    let device = train_device();
    let b = Bundle::from_bytes(&std::fs::read(path)?, &device)?;
    let data = MnistSubset::bundled();
    // The train split is stored grouped by class: spread the N digits over it.
    let digits = match split.as_str() {
        "train" => {
            let idx: Vec<usize> = (0..n).map(|i| i * data.train.len() / n.max(1)).collect();
            data.train.select(&idx)
        }
        "test" => data.test,
        _ => return Err(usage.into()),
    };
    let (clean, damaged, masks) = damaged_set(&digits, DamageKind::Block, n, 1);
    let probs = digitgan::reader::read(&b.readers, &damaged, Some(&masks), &device)?;
    let mut rng = StdRng::seed_from_u64(0x9b0be);
    // Rows: digit i, candidate k, then variant v (0 = the plain restoration, 1.. = probes).
    let (mut imgs, mut msks, mut told) = (Vec::new(), Vec::new(), Vec::new());
    let mut probe_masks = Vec::new(); // [n][probes][784]
    let mut tops = Vec::new();
    for i in 0..n {
        let p = &probs[i * CLASSES..(i + 1) * CLASSES];
        let mut order: Vec<usize> = (0..CLASSES).collect();
        order.sort_by(|&a, &c| p[c].total_cmp(&p[a]));
        tops.push(order[..TOP].to_vec());
        let img = &damaged[i * PIXELS..(i + 1) * PIXELS];
        let m = &masks[i * PIXELS..(i + 1) * PIXELS];
        let mut qs = Vec::new();
        // Probes centred on known ink, so that each one hides strokes the class must explain.
        let ink: Vec<usize> = (0..PIXELS)
            .filter(|&j| m[j] < 0.5 && img[j] > 0.5)
            .collect();
        for _ in 0..probes {
            let q = match ink.is_empty() {
                true => damage(img, DamageKind::Block, &mut rng)
                    .mask
                    .expect("a mask"),
                false => {
                    let centre = ink[rng.random_range(0..ink.len())];
                    let side = rng.random_range(6..=10i32);
                    let (cy, cx) = ((centre / SIDE) as i32, (centre % SIDE) as i32);
                    (0..PIXELS)
                        .map(|j| {
                            let (y, x) = ((j / SIDE) as i32, (j % SIDE) as i32);
                            let inside = (y - cy).abs() * 2 < side && (x - cx).abs() * 2 < side;
                            inside as u8 as f32
                        })
                        .collect()
                }
            };
            let q: Vec<f32> = q.iter().zip(m).map(|(&q, &m)| q * (1.0 - m)).collect();
            qs.push(q);
        }
        for &c in &order[..TOP] {
            let hot = onehot_values(&[c as u8], CLASSES);
            for v in 0..=probes {
                let (im, mk): (Vec<f32>, Vec<f32>) = match v {
                    0 => (img.to_vec(), m.to_vec()),
                    _ => {
                        let q = &qs[v - 1];
                        let im = img.iter().zip(q).map(|(&x, &q)| x * (1.0 - q)).collect();
                        let mk = m.iter().zip(q).map(|(&m, &q)| m.max(q)).collect();
                        (im, mk)
                    }
                };
                imgs.extend(im);
                msks.extend(mk);
                told.extend_from_slice(&hot);
            }
        }
        probe_masks.push(qs);
    }
    let rows = imgs.len() / PIXELS;
    let mut restored = Vec::with_capacity(imgs.len());
    for s in (0..rows).step_by(512) {
        let e = (s + 512).min(rows);
        restored.extend(restore_as(
            &b.restorer,
            Some(&told[s * CLASSES..e * CLASSES]),
            &imgs[s * PIXELS..e * PIXELS],
            Some(&msks[s * PIXELS..e * PIXELS]),
            &device,
        )?);
    }
    let per = TOP * (probes + 1);
    let plain: Vec<f32> = (0..n * TOP)
        .flat_map(|j| {
            let row = (j / TOP) * per + (j % TOP) * (probes + 1);
            restored[row * PIXELS..(row + 1) * PIXELS].to_vec()
        })
        .collect();
    let judged = classify(&b.classifier, &plain, &device).0;
    let mut f = std::io::BufWriter::new(std::fs::File::create(out)?);
    for i in 0..n {
        let img = &damaged[i * PIXELS..(i + 1) * PIXELS];
        let mut errs = Vec::new();
        for k in 0..TOP {
            let mut e = Vec::new();
            for (v, q) in probe_masks[i].iter().enumerate() {
                let row = i * per + k * (probes + 1) + v + 1;
                let r = &restored[row * PIXELS..(row + 1) * PIXELS];
                let err: f32 = (0..PIXELS).map(|j| q[j] * (r[j] - img[j]).abs()).sum();
                e.push(err);
            }
            errs.push(e);
        }
        let counts: Vec<f32> = probe_masks[i].iter().map(|q| q.iter().sum()).collect();
        writeln!(
            f,
            "{}",
            serde_json::json!({
                "label": clean.labels[i],
                "p": &probs[i * CLASSES..(i + 1) * CLASSES],
                "top": tops[i],
                "judge": &judged[i * TOP..(i + 1) * TOP],
                "err": errs,
                "count": counts,
            })
        )?;
    }
    Ok(())
}
