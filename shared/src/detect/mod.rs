//! Detectors: they turn raw model inputs/outputs and data into [`crate::Finding`]s.
pub mod drift;
pub mod integrity;
pub mod prompt;
pub mod radix;
