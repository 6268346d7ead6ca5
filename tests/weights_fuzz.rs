//! Fuzzing the weights loader (proptest, bounded): whatever bytes a user feeds it, it returns a
//! bundle or a short message, never a panic (a panic in wasm would kill the page's worker).
//!
//! Random mutations almost never get past the CRC, so each case is also tried with the CRC
//! recomputed: that drives the mutation into the header, the architecture JSON and burn's
//! record decoder.
//!
//! The suite runs a fixed seed, so CI is reproducible (a random seed once failed a CI run on a
//! case 1 in ~2,000 draws finds; `weights_fuzz.proptest-regressions` keeps it). `make fuzz`
//! explores: a fresh seed and 20,000 cases (`PROPTEST_RNG_SEED`, `PROPTEST_CASES`).

use digitgan::data::crc32;
use digitgan::model::{ClassifierConfig, DiscriminatorConfig, GeneratorConfig, RestorerConfig};
use digitgan::train::train_device;
use digitgan::weights::{Architecture, Bundle, MAGIC, Precision};
use proptest::prelude::*;
use proptest::test_runner::RngSeed;
use std::sync::OnceLock;

/// A valid file of a tiny architecture (~40 KB), so each case decodes in microseconds: f16
/// (burn records) or int8 (`quant.rs`), the two encodings the page meets.
fn tiny_file(int8: bool) -> &'static [u8] {
    static FILES: OnceLock<[Vec<u8>; 2]> = OnceLock::new();
    &FILES.get_or_init(|| {
        let arch = Architecture {
            generator: GeneratorConfig::new().with_latent(4).with_hidden(vec![4]),
            discriminator: DiscriminatorConfig::new().with_hidden(vec![4]),
            restorer: RestorerConfig::new().with_hidden(vec![4]),
            classifier: ClassifierConfig::new().with_hidden(vec![4]),
            reader: Some(
                digitgan::reader::ReaderConfig::new()
                    .with_width(1)
                    .with_hidden(4),
            ),
            more_readers: vec![
                digitgan::reader::ReaderConfig::new()
                    .with_width(1)
                    .with_hidden(2),
            ],
        };
        let bundle = Bundle::init(arch, &train_device());
        [Precision::F16, Precision::Int8].map(|p| bundle.to_bytes(p).unwrap())
    })[int8 as usize]
}

/// The same bytes with a valid checksum, as a careful forger would make them.
fn with_fixed_crc(mut bytes: Vec<u8>) -> Vec<u8> {
    if bytes.len() >= 4 {
        let n = bytes.len() - 4;
        let crc = crc32(&bytes[..n]).to_le_bytes();
        bytes[n..].copy_from_slice(&crc);
    }
    bytes
}

/// Loading must end in Ok or a short, non-empty message.
fn check(bytes: &[u8]) -> Result<(), TestCaseError> {
    if let Err(e) = Bundle::from_bytes(bytes, &train_device()) {
        let msg = e.to_string();
        prop_assert!(!msg.is_empty() && msg.len() < 400, "message: {msg}");
    }
    Ok(())
}

#[derive(Debug, Clone)]
enum Mutation {
    Flip(usize, u8),
    Set(usize, u8),
    Truncate(usize),
    Insert(usize, Vec<u8>),
    Remove(usize, usize),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<usize>(), 1..=255u8).prop_map(|(i, b)| Mutation::Flip(i, b)),
        (any::<usize>(), any::<u8>()).prop_map(|(i, b)| Mutation::Set(i, b)),
        any::<usize>().prop_map(Mutation::Truncate),
        (any::<usize>(), prop::collection::vec(any::<u8>(), 1..64))
            .prop_map(|(i, v)| Mutation::Insert(i, v)),
        (any::<usize>(), 1..256usize).prop_map(|(i, n)| Mutation::Remove(i, n)),
    ]
}

fn apply(bytes: &mut Vec<u8>, m: &Mutation) {
    let len = bytes.len().max(1);
    match m {
        Mutation::Flip(i, b) => {
            let i = i % len;
            if let Some(x) = bytes.get_mut(i) {
                *x ^= b;
            }
        }
        Mutation::Set(i, b) => {
            let i = i % len;
            if let Some(x) = bytes.get_mut(i) {
                *x = *b;
            }
        }
        Mutation::Truncate(n) => bytes.truncate(n % len),
        Mutation::Insert(i, v) => {
            let i = i % (bytes.len() + 1);
            bytes.splice(i..i, v.iter().copied());
        }
        Mutation::Remove(i, n) => {
            let i = i % len;
            let end = (i + n).min(bytes.len());
            if i < end {
                bytes.drain(i..end);
            }
        }
    }
}

/// 2,000 cases from a fixed seed, unless `PROPTEST_CASES` / `PROPTEST_RNG_SEED` say otherwise.
fn config() -> ProptestConfig {
    let given = |var: &str| std::env::var_os(var).is_some();
    let env = ProptestConfig::default(); // reads the PROPTEST_* variables
    ProptestConfig {
        cases: if given("PROPTEST_CASES") {
            env.cases
        } else {
            2000
        },
        rng_seed: if given("PROPTEST_RNG_SEED") {
            env.rng_seed
        } else {
            RngSeed::Fixed(20_261_202)
        },
        max_shrink_iters: 200,
        ..env
    }
}

proptest! {
    #![proptest_config(config())]

    /// Mutated valid files (1–4 edits), with the stored and with a recomputed checksum.
    #[test]
    fn mutated_files_never_panic(edits in prop::collection::vec(mutation(), 1..4), int8: bool) {
        let mut bytes = tiny_file(int8).to_vec();
        for m in &edits {
            apply(&mut bytes, m);
        }
        check(&bytes)?;
        check(&with_fixed_crc(bytes))?;
    }

    /// Random bytes behind the magic tag and a plausible version, checksum made valid.
    #[test]
    fn random_bodies_never_panic(body in prop::collection::vec(any::<u8>(), 0..2048), version in 0u16..4) {
        let mut bytes = MAGIC.to_vec();
        bytes.extend_from_slice(&version.to_le_bytes());
        bytes.extend_from_slice(&body);
        bytes.extend_from_slice(&[0; 4]);
        check(&with_fixed_crc(bytes))?;
    }

    /// Architecture descriptions with absurd sizes are refused before anything is allocated.
    #[test]
    fn absurd_architectures_are_refused(width in 4097usize..usize::MAX / 2, layers in 9usize..64) {
        let reader = |w: usize| digitgan::reader::ReaderConfig::new().with_width(w);
        let arch = |edit: &dyn Fn(&mut Architecture)| {
            let mut arch = Architecture::default();
            edit(&mut arch);
            arch
        };
        let absurd = [
            arch(&|a| a.generator.hidden = vec![width]),
            arch(&|a| a.generator.hidden = vec![8; layers]),
            arch(&|a| a.reader = Some(reader(width))),
            arch(&|a| a.more_readers = vec![reader(width)]),
            arch(&|a| a.more_readers = vec![reader(8); layers]),
        ];
        for arch in absurd {
            let json = serde_json::to_vec(&arch).unwrap();
            let mut bytes = MAGIC.to_vec();
            bytes.extend_from_slice(&1u16.to_le_bytes());
            bytes.extend_from_slice(&1u16.to_le_bytes());
            bytes.extend_from_slice(&(json.len() as u32).to_le_bytes());
            bytes.extend_from_slice(&json);
            bytes.extend_from_slice(&[0, 0, 0, 0, 0]);
            let msg = Bundle::from_bytes(&with_fixed_crc(bytes), &train_device())
                .err()
                .map(|e| e.to_string());
            prop_assert!(msg.as_deref().is_some_and(|m| m.contains("unsupported")), "{msg:?}");
        }
    }
}
