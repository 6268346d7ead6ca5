//! Image files for the CLI: .npy arrays ([N,28,28] or [N,784], float32 in [0, 1] or uint8) and
//! PNG grids.

use crate::error::{Error, Result};
use crate::model::PIXELS;
use std::path::Path;

/// Reads digits from a .npy file: float32/float64 in [0, 1] or uint8 (0..255), C order,
/// shape [N, 28, 28], [N, 784], [28, 28] or [784]. Returns N × 784 values in [0, 1].
pub fn read_npy(path: &Path) -> Result<Vec<f32>> {
    let bytes = std::fs::read(path)
        .map_err(|e| Error::Io(format!("cannot read {}: {e}", path.display())))?;
    parse_npy(&bytes).map_err(|e| Error::Input(format!("{}: {e}", path.display())))
}

/// Parses .npy bytes (see [`read_npy`]).
pub fn parse_npy(bytes: &[u8]) -> std::result::Result<Vec<f32>, String> {
    let (dtype, shape, data) = npy_parts(bytes)?;
    let dtype = dtype.as_str();
    let n = match shape.as_slice() {
        [n, 28, 28] | [n, 784] => *n,
        [28, 28] | [784] => 1,
        other => {
            return Err(format!(
                "expected shape [N,28,28] or [N,784], got {other:?}"
            ));
        }
    };
    let count = n * PIXELS;
    let values: Vec<f32> = match dtype {
        "<f4" => chunks(data, 4, count)?
            .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
            .collect(),
        "<f8" => chunks(data, 8, count)?
            .map(|c| f64::from_le_bytes(c.try_into().unwrap()) as f32)
            .collect(),
        "|u1" | "<u1" => data
            .get(..count)
            .ok_or("truncated data")?
            .iter()
            .map(|&b| b as f32 / 255.0)
            .collect(),
        other => return Err(format!("unsupported dtype {other} (use float32 or uint8)")),
    };
    if values
        .iter()
        .any(|v| !v.is_finite() || *v < 0.0 || *v > 1.0)
    {
        return Err("float pixel values must be finite and in [0, 1]".into());
    }
    Ok(values)
}

/// The dtype, shape and data bytes of a C-order .npy file.
fn npy_parts(bytes: &[u8]) -> std::result::Result<(String, Vec<usize>, &[u8]), String> {
    if bytes.len() < 10 || &bytes[..6] != b"\x93NUMPY" {
        return Err("not a .npy file".into());
    }
    let (header_len, start) = match bytes[6] {
        1 => (u16::from_le_bytes([bytes[8], bytes[9]]) as usize, 10),
        2 | 3 if bytes.len() >= 12 => (
            u32::from_le_bytes([bytes[8], bytes[9], bytes[10], bytes[11]]) as usize,
            12,
        ),
        v => return Err(format!("unsupported .npy version {v}")),
    };
    let header = bytes
        .get(start..start + header_len)
        .ok_or("truncated .npy header")?;
    let header = std::str::from_utf8(header).map_err(|_| "bad .npy header")?;
    let field = |key: &str| -> Option<&str> {
        let at = header.find(&format!("'{key}':"))? + key.len() + 3;
        Some(header[at..].trim_start())
    };
    let descr = field("descr").ok_or("no dtype in header")?;
    let dtype = descr
        .trim_start_matches(['\'', '"'])
        .split(['\'', '"'])
        .next()
        .unwrap_or("");
    if field("fortran_order").is_some_and(|f| f.starts_with("True")) {
        return Err("Fortran-order arrays are not supported".into());
    }
    let shape_str = field("shape").ok_or("no shape in header")?;
    let shape_str = &shape_str[1..shape_str.find(')').ok_or("bad shape")?];
    let shape: Vec<usize> = shape_str
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| s.parse().map_err(|_| format!("bad shape '{shape_str}'")))
        .collect::<std::result::Result<_, _>>()?;
    Ok((dtype.to_string(), shape, &bytes[start + header_len..]))
}

/// Reads class labels from a .npy file: shape [N], uint8 (or int64, as numpy writes by
/// default), each 0..9.
pub fn read_npy_labels(path: &Path) -> Result<Vec<u8>> {
    let bytes = std::fs::read(path)
        .map_err(|e| Error::Io(format!("cannot read {}: {e}", path.display())))?;
    parse_npy_labels(&bytes).map_err(|e| Error::Input(format!("{}: {e}", path.display())))
}

/// Parses .npy labels (see [`read_npy_labels`]).
pub fn parse_npy_labels(bytes: &[u8]) -> std::result::Result<Vec<u8>, String> {
    let (dtype, shape, data) = npy_parts(bytes)?;
    let [n] = shape[..] else {
        return Err(format!("labels must have shape [N], got {shape:?}"));
    };
    let labels: Vec<u8> = match dtype.as_str() {
        "|u1" | "<u1" => data.get(..n).ok_or("truncated data")?.to_vec(),
        "<i8" => chunks(data, 8, n)?
            .map(|c| i64::from_le_bytes(c.try_into().unwrap()).clamp(-1, 255) as u8)
            .collect(),
        other => return Err(format!("unsupported label dtype {other} (use uint8)")),
    };
    if labels.iter().any(|&l| l > 9) {
        return Err("labels must be 0..9".into());
    }
    Ok(labels)
}

fn chunks(
    data: &[u8],
    size: usize,
    count: usize,
) -> std::result::Result<std::slice::ChunksExact<'_, u8>, String> {
    Ok(data
        .get(..size * count)
        .ok_or("truncated data")?
        .chunks_exact(size))
}

/// .npy bytes of float32 digits, shape [N, 28, 28].
pub fn npy_bytes_f32(values: &[f32]) -> Vec<u8> {
    npy_bytes_f32_shaped(&[values.len() / PIXELS, 28, 28], values)
}

/// .npy bytes of float32 values with any C-order shape.
pub fn npy_bytes_f32_shaped(shape: &[usize], values: &[f32]) -> Vec<u8> {
    let dims: Vec<String> = shape.iter().map(|d| d.to_string()).collect();
    let shape = match dims.len() {
        1 => format!("({},)", dims[0]),
        _ => format!("({})", dims.join(", ")),
    };
    let mut out = npy_header("<f4", &shape);
    for v in values {
        out.extend_from_slice(&v.to_le_bytes());
    }
    out
}

/// .npy bytes of uint8 labels, shape [N].
pub fn npy_bytes_u8(values: &[u8]) -> Vec<u8> {
    let mut out = npy_header("|u1", &format!("({},)", values.len()));
    out.extend_from_slice(values);
    out
}

fn npy_header(descr: &str, shape: &str) -> Vec<u8> {
    let mut h = format!("{{'descr': '{descr}', 'fortran_order': False, 'shape': {shape}, }}");
    while (10 + h.len() + 1) % 64 != 0 {
        h.push(' ');
    }
    h.push('\n');
    let mut out = b"\x93NUMPY\x01\x00".to_vec();
    out.extend_from_slice(&(h.len() as u16).to_le_bytes());
    out.extend_from_slice(h.as_bytes());
    out
}

/// Writes N digits as a .npy (float32) or a PNG grid, by the file's extension.
pub fn write_digits(path: &Path, values: &[f32], columns: usize) -> Result<()> {
    let bytes = match path.extension().and_then(|e| e.to_str()) {
        Some("npy") => npy_bytes_f32(values),
        Some("png") => png_grid(values, columns)?,
        _ => {
            return Err(Error::Input(format!(
                "{}: output must end in .npy or .png",
                path.display()
            )));
        }
    };
    write(path, &bytes)
}

/// Writes bytes, creating parent folders.
pub fn write(path: &Path, bytes: &[u8]) -> Result<()> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)
            .map_err(|e| Error::Io(format!("cannot create {}: {e}", dir.display())))?;
    }
    std::fs::write(path, bytes)
        .map_err(|e| Error::Io(format!("cannot write {}: {e}", path.display())))
}

/// Writes a value as pretty JSON.
pub fn write_json(path: &Path, value: &impl serde::Serialize) -> Result<()> {
    let text = serde_json::to_string_pretty(value).map_err(|e| Error::Io(e.to_string()))?;
    write(path, text.as_bytes())
}

/// A PNG of digits in a grid (white ink on black, 1-px gaps), 2× upscaled.
pub fn png_grid(values: &[f32], columns: usize) -> Result<Vec<u8>> {
    tiled_png(values, columns, 2, 2, 40)
}

/// A sprite sheet: digits in a grid of `columns`, 28×28 pixels per cell, no gaps, 8-bit grey,
/// ink white on black (cell `i` at x = 28·(i mod columns), y = 28·(i div columns)).
pub fn png_sprite(values: &[f32], columns: usize) -> Result<Vec<u8>> {
    tiled_png(values, columns, 1, 0, 0)
}

/// Digits tiled `columns` per row, each upscaled `scale`× inside a cell with a `gap`-pixel
/// border of grey `background` (half the gap on each side).
fn tiled_png(
    values: &[f32],
    columns: usize,
    scale: usize,
    gap: usize,
    background: u8,
) -> Result<Vec<u8>> {
    let n = values.len() / PIXELS;
    let cols = columns.clamp(1, n.max(1));
    let rows = n.div_ceil(cols).max(1);
    let cell = 28 * scale + gap;
    let (w, h) = (cols * cell, rows * cell);
    let mut img = vec![background; w * h];
    for k in 0..n {
        let (ox, oy) = ((k % cols) * cell + gap / 2, (k / cols) * cell + gap / 2);
        for y in 0..28 * scale {
            for x in 0..28 * scale {
                let v = values[k * PIXELS + (y / scale) * 28 + x / scale];
                img[(oy + y) * w + ox + x] = (v.clamp(0.0, 1.0) * 255.0).round() as u8;
            }
        }
    }
    grey_png(&img, w, h)
}

/// Writes a labelled set of digits into `dir` (the format of `digitgan export-augmented`):
/// `images.npy` (float32 [N,28,28] in [0, 1], ink = 1), `labels.npy` (uint8 [N]),
/// `sprite.png` (a [`png_sprite`] with `columns` cells per row) and `labels.txt` (one line per
/// sprite row, the labels of its cells separated by spaces, row-major).
pub fn write_labelled(dir: &Path, digits: &crate::data::Digits, columns: usize) -> Result<()> {
    let cols = columns.max(1);
    write(&dir.join("images.npy"), &npy_bytes_f32(&digits.images))?;
    write(&dir.join("labels.npy"), &npy_bytes_u8(&digits.labels))?;
    write(&dir.join("sprite.png"), &png_sprite(&digits.images, cols)?)?;
    let text: String = digits
        .labels
        .chunks(cols)
        .map(|row| {
            let cells: Vec<String> = row.iter().map(|l| l.to_string()).collect();
            cells.join(" ") + "\n"
        })
        .collect();
    write(&dir.join("labels.txt"), text.as_bytes())
}

/// An 8-bit grey PNG of a w×h image.
fn grey_png(img: &[u8], w: usize, h: usize) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    {
        let mut enc = png::Encoder::new(&mut out, w as u32, h as u32);
        enc.set_color(png::ColorType::Grayscale);
        enc.set_depth(png::BitDepth::Eight);
        let mut writer = enc.write_header().map_err(|e| Error::Io(e.to_string()))?;
        writer
            .write_image_data(img)
            .map_err(|e| Error::Io(e.to_string()))?;
    }
    Ok(out)
}
