// Diagnostic (session 20, issue #2): does checking a restoration against its reading help? For
// each damage kind `digitgan eval` uses (same seed, same draws), it compares what ships (the
// restorer told the readers' probabilities) with the readers' argmax and with an
// analysis-by-synthesis choice: restore the digit once per top-K class, let the readers read
// each restoration (as a complete digit, no mask), and keep the class c that maximises
// ln p(c | damaged) + ln q(c | restored as c). The judge (reference classifier) only scores.
//
//   cargo run --profile fast --example reread -- WEIGHTS.dgw [test|val:K] [N=600] [SEED=1]
mod common;

use digitgan::damage::DamageKind;
use digitgan::eval::{classify, damaged_set};
use digitgan::model::{CLASSES, PIXELS};
use digitgan::reader::read;
use digitgan::restore::restore_as;
use digitgan::train::onehot_values;

const TOP: usize = 3;

fn main() -> common::Res<()> {
    let run = common::Run::from_args("reread")?;
    let (b, device, n, seed, split) = (&run.bundle, &run.device, run.n, run.seed, &run.split);
    let judge = |images: &[f32]| classify(&b.classifier, images, device).0;
    println!(
        "{n} damaged {} digits, {} reader(s); judge accuracy %",
        run.which,
        b.readers.len()
    );
    println!("  damage        reader   soft  argmax  reread2 reread3  q-only2  truth");
    for kind in DamageKind::ALL {
        let (clean, damaged, masks) = damaged_set(split, kind, n, seed);
        let m = kind.is_erasure().then_some(masks.as_slice());
        let y = &clean.labels;
        let pct = |p: &[u8]| common::percent_right(p, y);
        let restore_onehot = |classes: &[u8]| {
            restore_as(
                &b.restorer,
                Some(&onehot_values(classes, CLASSES)),
                &damaged,
                m,
                device,
            )
        };
        let p = read(&b.readers, &damaged, m, device)?;
        let soft = judge(&restore_as(&b.restorer, Some(&p), &damaged, m, device)?); // as shipped
        let truth = judge(&restore_onehot(y)?);
        // The TOP most likely classes per digit, most likely first.
        let ranked: Vec<Vec<u8>> = p
            .chunks_exact(CLASSES)
            .map(|row| {
                let mut idx: Vec<u8> = (0..CLASSES as u8).collect();
                idx.sort_by(|&a, &b| row[b as usize].total_cmp(&row[a as usize]));
                idx.truncate(TOP);
                idx
            })
            .collect();
        // Per rank: the class, its restorations, and the readers' reading of them.
        let mut cands = Vec::new();
        for k in 0..TOP {
            let cls: Vec<u8> = ranked.iter().map(|r| r[k]).collect();
            let r = restore_onehot(&cls)?;
            let q = read(&b.readers, &r, None, device)?;
            cands.push((cls, r, q));
        }
        let pick = |depth: usize, use_p: bool| -> Vec<u8> {
            let mut chosen = Vec::with_capacity(n * PIXELS);
            for i in 0..n {
                let score = |k: usize| {
                    let c = cands[k].0[i] as usize;
                    let q = cands[k].2[i * CLASSES + c].max(1e-12).ln();
                    let lp = p[i * CLASSES + c].max(1e-12).ln();
                    if use_p { lp + q } else { q }
                };
                let best = (0..depth)
                    .max_by(|&a, &b| score(a).total_cmp(&score(b)))
                    .unwrap_or(0);
                chosen.extend_from_slice(&cands[best].1[i * PIXELS..(i + 1) * PIXELS]);
            }
            judge(&chosen)
        };
        println!(
            "  {:<12} {:6.1} {:6.1} {:7.1} {:8.1} {:7.1} {:8.1} {:6.1}",
            format!("{kind:?}"),
            pct(&cands[0].0), // the readers' argmax
            pct(&soft),
            pct(&judge(&cands[0].1)),
            pct(&pick(2, true)),
            pct(&pick(3, true)),
            pct(&pick(2, false)),
            pct(&truth),
        );
    }
    Ok(())
}
