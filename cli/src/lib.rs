//! File handling around the pure rules: finding and reading vector files, and
//! the settings files they name. The CLI and the end-to-end tests share it.

pub mod vectors;
