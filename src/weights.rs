//! The DigitGAN weights file: a checked container around burn records.
//!
//! ```text
//! 0   "DGANWTS\0"          magic
//! 8   u16 format version   (FORMAT_VERSION)
//! 10  u16 flags            (bit 0: tensors stored as f16; bit 1: int8, see `quant.rs`)
//! 12  u32 L                length of the architecture JSON
//! 16  architecture JSON    (the configs of G, D, R, the classifier and the optional readers)
//! ..  u8 count, then per network: u8 name length, name, u32 length, bytes (a burnpack record,
//!     or with the int8 flag the encoding of `quant.rs`); the names are generator,
//!     discriminator, restorer, classifier, then reader, reader2, reader3… one per reader
//! end u32 CRC-32 of every byte before it
//! ```
//! Integers are little-endian. Loading checks, in order: size, magic, version, checksum,
//! architecture, then each record's tensor shapes; each failure has its own message.

use crate::data::crc32;
use crate::error::{Error, Result};
use crate::model::*;
use crate::quant;
use crate::reader::{Reader as DigitReader, ReaderConfig};
use burn::module::{ModuleMapper, Param};
use burn::prelude::*;
use burn::store::ModuleRecord;
use burn::tensor::{Bytes, DType};
use serde::{Deserialize, Serialize};

pub const MAGIC: &[u8; 8] = b"DGANWTS\0";
/// The newest format this build reads. Version 2 added the int8 flag; version 3 int8-encodes
/// convolution kernels too (`quant.rs` kind 2), so int8 files are written as version 3 and older
/// builds refuse them as newer; files without the flag are still version 1.
pub const FORMAT_VERSION: u16 = 3;
const FLAG_F16: u16 = 1;
const FLAG_INT8: u16 = 2;

/// How a weights file stores its tensors.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Precision {
    /// Exact (what training checkpoints use).
    #[default]
    F32,
    /// Half the size; quality unchanged (README "Quality").
    F16,
    /// Int8 matrices with one scale per output unit, f32 vectors: a quarter of f32 (the page's
    /// download; README "Speed and size" measures what it costs in quality).
    Int8,
}

impl Precision {
    pub fn parse(name: &str) -> Option<Self> {
        match name {
            "f32" => Some(Self::F32),
            "f16" => Some(Self::F16),
            "int8" => Some(Self::Int8),
            _ => None,
        }
    }
}
/// Refuse files bigger than this before parsing them.
pub const MAX_SIZE: usize = 64 << 20;

/// The architecture a weights file holds.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Architecture {
    pub generator: GeneratorConfig,
    pub discriminator: DiscriminatorConfig,
    pub restorer: RestorerConfig,
    pub classifier: ClassifierConfig,
    /// The reader that tells a class-conditional restorer the digit (`reader.rs`); absent in
    /// files made before it existed, and left out of the JSON when absent so those files'
    /// bytes do not change.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reader: Option<ReaderConfig>,
    /// Further readers: with them the restorer is told the mean of every reader's class
    /// probabilities (an ensemble). Left out of the JSON when empty, as `reader` is.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub more_readers: Vec<ReaderConfig>,
}

/// Bounds on a file's architecture, checked before any network is allocated: a tampered
/// description must not make the loader allocate gigabytes (or divide by nothing).
const MAX_WIDTH: usize = 4096;
const MAX_LAYERS: usize = 8;
const MAX_CLASSES: usize = 100;
const MAX_READERS: usize = 8;

impl Architecture {
    /// Refuses sizes no DigitGAN network has (and that could exhaust memory on load).
    pub fn check(&self) -> Result<()> {
        let g = &self.generator;
        let d = &self.discriminator;
        let nets: [(&str, &[usize]); 4] = [
            ("generator", &g.hidden),
            ("discriminator", &d.hidden),
            ("restorer", &self.restorer.hidden),
            ("classifier", &self.classifier.hidden),
        ];
        for (name, hidden) in nets {
            if hidden.len() > MAX_LAYERS || hidden.iter().any(|&w| w == 0 || w > MAX_WIDTH) {
                return Err(Error::Weights(format!(
                    "unsupported {name} layout (at most {MAX_LAYERS} layers of 1–{MAX_WIDTH} units)"
                )));
            }
        }
        if self.restorer.conv.is_some_and(|c| c == 0 || c > 64)
            || self.restorer.conv_global.is_some_and(|g| g > 4096)
            || self.restorer.conv_classes.is_some_and(|k| k > MAX_CLASSES)
        {
            return Err(Error::Weights(
                "unsupported restorer layout (a U-Net of 1–64 channels, a bottleneck of at most 4096)"
                    .into(),
            ));
        }
        if self.reader.is_none() && !self.more_readers.is_empty() {
            return Err(Error::Weights(
                "further readers without a first reader".into(),
            ));
        }
        if self.more_readers.len() + 1 > MAX_READERS {
            return Err(Error::Weights(format!(
                "unsupported reader ensemble (at most {MAX_READERS} readers)"
            )));
        }
        for reader in self.readers() {
            reader.check()?;
        }
        let slopes = [g.slope, d.slope, self.restorer.slope];
        if g.latent == 0
            || g.latent > MAX_WIDTH
            || g.classes > MAX_CLASSES
            || d.classes > MAX_CLASSES
            || !(0.0..1.0).contains(&d.dropout)
            || slopes.iter().any(|s| !s.is_finite())
        {
            return Err(Error::Weights(
                "unsupported architecture (latent size, classes, dropout or slope out of range)"
                    .into(),
            ));
        }
        Ok(())
    }

    /// The layouts of every reader, the first one first.
    pub fn readers(&self) -> impl Iterator<Item = &ReaderConfig> {
        self.reader.iter().chain(&self.more_readers)
    }

    /// Sets the readers' layouts (the first one is `reader`, the rest `more_readers`).
    pub fn set_readers(&mut self, mut layouts: Vec<ReaderConfig>) {
        self.reader = (!layouts.is_empty()).then(|| layouts.remove(0));
        self.more_readers = layouts;
    }
}

/// The name of reader `i`'s section: "reader", then "reader2", "reader3", ….
fn reader_section(i: usize) -> String {
    match i {
        0 => "reader".into(),
        i => format!("reader{}", i + 1),
    }
}

/// The shipped architecture: the default recipe's G and D, the class-conditional U-Net restorer
/// ([`RestorerConfig::unet`] told the class), the reference classifier and the readers that
/// tell the restorer the class: an ensemble of a pooled and a strided reader.
impl Default for Architecture {
    fn default() -> Self {
        let t = crate::train::TrainConfig::new();
        Self {
            generator: t.generator,
            discriminator: t.discriminator,
            restorer: RestorerConfig::unet().with_conv_classes(Some(CLASSES)),
            classifier: ClassifierConfig::new(),
            reader: Some(ReaderConfig::new().with_pooled(Some(true))),
            more_readers: vec![ReaderConfig::new()],
        }
    }
}

/// Every network DigitGAN ships.
#[derive(Clone, Debug)]
pub struct Bundle {
    pub arch: Architecture,
    pub generator: Generator,
    pub discriminator: Discriminator,
    pub restorer: Restorer,
    pub classifier: Classifier,
    /// The readers (`arch.readers()`, in that order); empty without any.
    pub readers: Vec<DigitReader>,
}

/// The pretrained weights committed with the crate (made by `digitgan train`).
#[cfg(not(target_arch = "wasm32"))]
pub static PRETRAINED: &[u8] = include_bytes!("../assets/pretrained.dgw");

impl Bundle {
    /// Fresh networks of an architecture (random, seeded by the caller's device seed).
    pub fn init(arch: Architecture, device: &Device) -> Self {
        Self {
            generator: arch.generator.init(device),
            discriminator: arch.discriminator.init(device),
            restorer: arch.restorer.init(device),
            classifier: arch.classifier.init(device),
            readers: arch.readers().map(|r| r.init(device)).collect(),
            arch,
        }
    }

    /// The embedded pretrained weights.
    #[cfg(not(target_arch = "wasm32"))]
    pub fn pretrained(device: &Device) -> Self {
        Self::from_bytes(PRETRAINED, device).expect("embedded weights decode (tested)")
    }

    /// Serialises all networks at a precision.
    pub fn to_bytes(&self, precision: Precision) -> Result<Vec<u8>> {
        if precision == Precision::F16 {
            // Cast a private copy decoded from the f32 file: casting parameters that share lazy
            // state with this bundle's would change the dtype under the caller's feet.
            let device = self
                .generator
                .devices()
                .into_iter()
                .next()
                .unwrap_or_else(Device::flex);
            let copy = Self::from_bytes(&self.encode(Precision::F32)?, &device)?;
            return copy.encode(Precision::F16);
        }
        self.encode(precision)
    }

    fn encode(&self, precision: Precision) -> Result<Vec<u8>> {
        let arch = serde_json::to_vec(&self.arch).map_err(|e| Error::Weights(e.to_string()))?;
        let (version, flags) = match precision {
            Precision::F32 => (1u16, 0u16),
            Precision::F16 => (1, FLAG_F16),
            Precision::Int8 => (3, FLAG_INT8),
        };
        let mut out = Vec::new();
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&version.to_le_bytes());
        out.extend_from_slice(&flags.to_le_bytes());
        out.extend_from_slice(&(arch.len() as u32).to_le_bytes());
        out.extend_from_slice(&arch);
        let mut sections = vec![
            (
                "generator".to_string(),
                section(&self.generator, precision)?,
            ),
            (
                "discriminator".into(),
                section(&self.discriminator, precision)?,
            ),
            ("restorer".into(), section(&self.restorer, precision)?),
            ("classifier".into(), section(&self.classifier, precision)?),
        ];
        for (i, reader) in self.readers.iter().enumerate() {
            sections.push((reader_section(i), section(reader, precision)?));
        }
        out.push(sections.len() as u8);
        for (name, bytes) in sections {
            out.push(name.len() as u8);
            out.extend_from_slice(name.as_bytes());
            out.extend_from_slice(&(bytes.len() as u32).to_le_bytes());
            out.extend_from_slice(&bytes);
        }
        let crc = crc32(&out);
        out.extend_from_slice(&crc.to_le_bytes());
        Ok(out)
    }

    /// Parses and validates a weights file, building the networks it describes.
    pub fn from_bytes(bytes: &[u8], device: &Device) -> Result<Self> {
        let bad = |m: &str| Error::Weights(m.to_string());
        if bytes.len() > MAX_SIZE {
            return Err(bad("file is too large to be DigitGAN weights"));
        }
        if bytes.len() < 8 || &bytes[..8] != MAGIC {
            return Err(bad("not a DigitGAN weights file (unknown format)"));
        }
        if bytes.len() < 20 {
            return Err(bad("file is truncated"));
        }
        let version = u16::from_le_bytes([bytes[8], bytes[9]]);
        if version > FORMAT_VERSION {
            return Err(Error::Weights(format!(
                "made by a newer DigitGAN (format v{version}); this version reads v{FORMAT_VERSION}"
            )));
        }
        if version == 0 {
            return Err(bad("unknown format version 0"));
        }
        let (body, tail) = bytes.split_at(bytes.len() - 4);
        if crc32(body) != u32::from_le_bytes([tail[0], tail[1], tail[2], tail[3]]) {
            return Err(bad("file is corrupted or truncated (checksum mismatch)"));
        }
        let flags = u16::from_le_bytes([bytes[10], bytes[11]]);
        if flags & !(FLAG_F16 | FLAG_INT8) != 0 || flags == FLAG_F16 | FLAG_INT8 {
            return Err(Error::Weights(format!("unknown storage flags {flags:#x}")));
        }
        let int8 = flags & FLAG_INT8 != 0;
        let mut r = Reader {
            bytes: body,
            at: 12,
        };
        let arch_len = r.u32()? as usize;
        let arch: Architecture = serde_json::from_slice(r.take(arch_len)?)
            .map_err(|e| Error::Weights(format!("unreadable architecture: {e}")))?;
        arch.check()?;
        // burn's record loader draws from the process-wide RNG: keep it out of seeded inits.
        let _rng = crate::train::init_lock();
        let mut bundle = Self::init(arch, device);
        let count = r.u8()?;
        let mut seen = Vec::new();
        for _ in 0..count {
            let name_len = r.u8()? as usize;
            let name = String::from_utf8_lossy(r.take(name_len)?).into_owned();
            let len = r.u32()? as usize;
            let section = r.take(len)?;
            match name.as_str() {
                "generator" => bundle.generator = load(bundle.generator, section, int8, &name)?,
                "discriminator" => {
                    bundle.discriminator = load(bundle.discriminator, section, int8, &name)?
                }
                "restorer" => bundle.restorer = load(bundle.restorer, section, int8, &name)?,
                "classifier" => bundle.classifier = load(bundle.classifier, section, int8, &name)?,
                other => {
                    let i = (0..bundle.readers.len())
                        .find(|&i| reader_section(i) == other)
                        .ok_or_else(|| match other.starts_with("reader") {
                            true => bad("the file has a reader its architecture does not describe"),
                            false => Error::Weights(format!("unknown network '{other}'")),
                        })?;
                    let reader = bundle.readers[i].clone();
                    bundle.readers[i] = load(reader, section, int8, &name)?;
                }
            }
            seen.push(name);
        }
        let readers = (0..bundle.readers.len()).map(reader_section);
        let needed = ["generator", "discriminator", "restorer", "classifier"].map(String::from);
        for needed in needed.into_iter().chain(readers) {
            if !seen.contains(&needed) {
                return Err(Error::Weights(format!("the file has no {needed}")));
            }
        }
        Ok(bundle)
    }
}

impl crate::train::InitParams for Bundle {
    fn init_params(self) -> Self {
        Self {
            generator: self.generator.init_params(),
            discriminator: self.discriminator.init_params(),
            restorer: self.restorer.init_params(),
            classifier: self.classifier.init_params(),
            readers: self.readers.into_iter().map(|r| r.init_params()).collect(),
            arch: self.arch,
        }
    }
}

/// Loads one network's section (int8 or a burn record) into a network of the file's architecture.
fn load<M: Module>(module: M, section: &[u8], int8: bool, name: &str) -> Result<M> {
    if int8 {
        return quant::decode(module, section).map_err(|e| match e {
            Error::Weights(m) => Error::Weights(format!("{name}: {m}")),
            other => other,
        });
    }
    // burn's decoder can quote a mangled value in full (a subnormal float prints as ~300
    // digits) and lists every mismatched tensor; the start of either says enough.
    let rec = ModuleRecord::from_bytes(Bytes::from_bytes_vec(section.to_vec()))
        .map_err(|e| Error::Weights(format!("{name}: {}", clip(&e.to_string()))))?
        .cast_to_module_dtype();
    module.try_load_record(rec).map_err(|e| {
        Error::Weights(format!(
            "{name} does not fit its architecture ({})",
            clip(&e.to_string())
        ))
    })
}

/// The first 160 characters of a decoder's message, marked with "…" when cut.
fn clip(detail: &str) -> String {
    let mut short: String = detail.chars().take(160).collect();
    if short.len() < detail.len() {
        short.push('…');
    }
    short
}

fn section<M: Module + Clone>(module: &M, precision: Precision) -> Result<Vec<u8>> {
    match precision {
        Precision::Int8 => Ok(quant::encode(module)),
        Precision::F16 => record(module.clone(), true),
        Precision::F32 => record(module.clone(), false),
    }
}

fn record<M: Module>(module: M, half: bool) -> Result<Vec<u8>> {
    let module = if half {
        module.map(&mut CastTo(DType::F16))
    } else {
        module
    };
    module
        .into_record()
        .into_bytes()
        .map(|b| b.to_vec())
        .map_err(|e| Error::Weights(e.to_string()))
}

struct CastTo(DType);

impl ModuleMapper for CastTo {
    fn map_float<const D: usize>(&mut self, param: Param<Tensor<D>>) -> Param<Tensor<D>> {
        // Cast a fresh copy: flex's cast may reuse the buffer, which the module being saved shares.
        let dtype = self.0;
        param.map(|t| {
            let device = t.device();
            Tensor::<D>::from_data(t.into_data(), &device).cast(dtype)
        })
    }
}

pub(crate) struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    pub(crate) fn new(bytes: &'a [u8]) -> Self {
        Self { bytes, at: 0 }
    }
    pub(crate) fn is_done(&self) -> bool {
        self.at == self.bytes.len()
    }
    pub(crate) fn take(&mut self, n: usize) -> Result<&'a [u8]> {
        let end = self.at.checked_add(n).filter(|&e| e <= self.bytes.len());
        let end = end.ok_or_else(|| Error::Weights("file is truncated".into()))?;
        let s = &self.bytes[self.at..end];
        self.at = end;
        Ok(s)
    }
    pub(crate) fn u8(&mut self) -> Result<u8> {
        Ok(self.take(1)?[0])
    }
    pub(crate) fn u32(&mut self) -> Result<u32> {
        let b = self.take(4)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }
}
