//! The crate's error type: every fallible entry point returns one, with a message for the user.

use std::fmt;

#[derive(Debug, Clone, PartialEq)]
pub enum Error {
    /// The bundled data asset could not be read.
    Data(String),
    /// A weights file is unreadable or does not fit the architecture.
    Weights(String),
    /// Bad input from a user or caller (shape, range, option).
    Input(String),
    /// Training produced non-finite values.
    Diverged(String),
    /// File system errors (CLI).
    Io(String),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Data(m) => write!(f, "data: {m}"),
            Error::Weights(m) => write!(f, "weights: {m}"),
            Error::Input(m) => write!(f, "input: {m}"),
            Error::Diverged(m) => write!(f, "training diverged: {m}"),
            Error::Io(m) => write!(f, "{m}"),
        }
    }
}

impl Error {
    /// The error's kind as a stable name (the `name` of the JS error the page's worker sees, so
    /// it can tell a divergence from a bug without reading the message).
    pub fn kind(&self) -> &'static str {
        match self {
            Error::Data(_) => "DataError",
            Error::Weights(_) => "WeightsError",
            Error::Input(_) => "InputError",
            Error::Diverged(_) => "DivergedError",
            Error::Io(_) => "IoError",
        }
    }
}

impl std::error::Error for Error {}

pub type Result<T> = std::result::Result<T, Error>;
