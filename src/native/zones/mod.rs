//! The zone directory: every `*.zone` file loaded into a [`FileStore`], reloaded on SIGHUP or
//! on change, each zone served at the serial its state says.

pub mod file_store;
pub mod reload;

pub use file_store::{FileIncludes, FileStore, InstallError, LoadReport, load_zone_file};
pub use reload::{Reloads, log_report};
