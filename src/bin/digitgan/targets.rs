//! The core issue's quality targets, checked against what `digitgan eval` measured: each target
//! with its number, the margin and "met" or "MISSED", so a weights file is judged the same way
//! every time (README "Quality").
//!
//! - the restorer beats every non-learned baseline on every damage type, in PSNR and accuracy;
//! - accuracy on restored digits within 5 points of clean accuracy, for erased blocks and noise;
//! - generated digits' Fréchet distance within 2× the training-vs-test distance.

use serde_json::{Value, json};

/// Accuracy points the restored blocks and noise may lose against clean digits.
const GAP_POINTS: f64 = 5.0;
/// The largest allowed ratio of the generated digits' FD to the training split's.
const FD_RATIO: f64 = 2.0;
/// The damage types whose restored accuracy must stay near clean.
const NEAR_CLEAN: [&str; 2] = ["block", "noise"];

/// One target's verdict.
struct Verdict {
    name: String,
    measured: String,
    met: bool,
}

/// Checks the targets. `clean` is the judge's accuracy on clean digits (0..1), `rows` eval's
/// restoration rows (`{"damage", "scores": {method: {"psnr", "accuracy"}}}`), each over `n`
/// damaged digits. Prints the verdicts and returns them as JSON.
pub fn report(clean: f64, fd_ratio: f64, rows: &[Value], n: usize) -> Value {
    let mut verdicts = Vec::new();
    for row in rows {
        let kind = row["damage"].as_str().unwrap_or("?");
        let scores = &row["scores"];
        let get = |method: &str, what: &str| scores[method][what].as_f64();
        let (Some(psnr), Some(acc)) = (get("restorer", "psnr"), get("restorer", "accuracy")) else {
            continue;
        };
        // The strongest baseline on each measure (damaged as is, nearest digit, median filter).
        let best = |what: &str| {
            ["damaged", "nearest", "median3"]
                .iter()
                .filter_map(|m| get(m, what).map(|v| (v, *m)))
                .max_by(|a, b| a.0.total_cmp(&b.0))
        };
        if let (Some((bp, bp_name)), Some((ba, ba_name))) = (best("psnr"), best("accuracy")) {
            verdicts.push(Verdict {
                name: format!("{kind}: restorer beats every baseline"),
                measured: format!(
                    "{psnr:.2} dB vs {bp:.2} ({bp_name}), {:.1}% vs {:.1}% ({ba_name})",
                    100.0 * acc,
                    100.0 * ba
                ),
                met: psnr > bp && acc > ba,
            });
        }
        if NEAR_CLEAN.contains(&kind) {
            let gap = 100.0 * (clean - acc);
            // Binomial standard error of the restored accuracy (draws taken as independent).
            let se = 100.0 * (acc * (1.0 - acc) / n.max(1) as f64).sqrt();
            verdicts.push(Verdict {
                name: format!("{kind}: within {GAP_POINTS} points of clean"),
                measured: format!(
                    "{:.2}% vs clean {:.2}%: {gap:.2} points under (± {se:.1}, {n} digits)",
                    100.0 * acc,
                    100.0 * clean
                ),
                met: gap <= GAP_POINTS,
            });
        }
    }
    verdicts.push(Verdict {
        name: format!("generated: FD within {FD_RATIO}× train-vs-test"),
        measured: format!("ratio {fd_ratio:.2}"),
        met: fd_ratio <= FD_RATIO,
    });
    let missed = verdicts.iter().filter(|v| !v.met).count();
    println!(
        "\ntargets of the core issue: {} of {} met",
        verdicts.len() - missed,
        verdicts.len()
    );
    for v in &verdicts {
        let mark = if v.met { "met   " } else { "MISSED" };
        println!("  {mark}  {:<44} {}", v.name, v.measured);
    }
    json!(
        verdicts
            .iter()
            .map(|v| json!({ "target": v.name, "measured": v.measured, "met": v.met }))
            .collect::<Vec<_>>()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(kind: &str, restorer: (f64, f64), nearest: (f64, f64)) -> Value {
        json!({ "damage": kind, "scores": {
            "damaged": { "psnr": 5.0, "accuracy": 0.4 },
            "nearest": { "psnr": nearest.0, "accuracy": nearest.1 },
            "restorer": { "psnr": restorer.0, "accuracy": restorer.1 },
        }})
    }

    fn met(v: &Value) -> Vec<bool> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|t| t["met"].as_bool().unwrap())
            .collect()
    }

    #[test]
    fn a_gap_over_five_points_or_a_lost_baseline_is_missed() {
        let rows = [
            row("block", (13.6, 0.917), (9.5, 0.845)),
            row("strokes", (15.4, 0.80), (11.0, 0.88)),
            row("noise", (22.0, 0.968), (15.0, 0.89)),
        ];
        let v = report(0.968, 1.87, &rows, 600);
        // block: baselines beaten, gap 5.1 > 5; strokes: the nearest digit reads better; noise:
        // both met; FD 1.87 met.
        assert_eq!(met(&v), [true, false, false, true, true, true]);
        let v = report(
            0.968,
            2.1,
            &[row("block", (13.6, 0.919), (9.5, 0.845))],
            1800,
        );
        assert_eq!(met(&v), [true, true, false]);
    }
}
