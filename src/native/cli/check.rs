//! Zone checking as `flatapex check` and `flatapex push` report it, like named-checkzone.

use std::path::{Path, PathBuf};

use hickory_proto::rr::Name;

use crate::native::zones::load_zone_file;
use crate::zone::Zone;

/// Expands directories into their `*.zone` files (sorted); files are kept as given.
pub fn zone_files(paths: &[PathBuf]) -> std::io::Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    for path in paths {
        if path.is_dir() {
            let mut found: Vec<PathBuf> = std::fs::read_dir(path)
                .map_err(|e| std::io::Error::new(e.kind(), format!("{}: {e}", path.display())))?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|e| e == "zone"))
                .collect();
            found.sort();
            out.extend(found);
        } else {
            out.push(path.clone());
        }
    }
    Ok(out)
}

/// Loads and validates every file, printing problems as `file:line: message` (warnings unless
/// `quiet`) and one line per zone. Returns the zones, or the number of files that failed.
pub fn check_files(
    files: &[PathBuf],
    origin: Option<&Name>,
    quiet: bool,
) -> Result<Vec<(PathBuf, Zone)>, usize> {
    let mut zones = Vec::new();
    let mut failed = 0;
    for path in files {
        match check_file(path, origin, quiet) {
            Some(zone) => zones.push((path.clone(), zone)),
            None => failed += 1,
        }
    }
    if failed == 0 { Ok(zones) } else { Err(failed) }
}

fn check_file(path: &Path, origin: Option<&Name>, quiet: bool) -> Option<Zone> {
    match load_zone_file(path, origin) {
        Ok(loaded) => {
            if !quiet {
                for warning in &loaded.warnings {
                    eprintln!("{warning}");
                }
            }
            let zone = loaded.zone;
            println!(
                "zone {}: loaded serial {} ({} records, {} ALIAS) from {}",
                zone.apex(),
                zone.serial(),
                zone.record_count(),
                zone.alias_count(),
                path.display()
            );
            Some(zone)
        }
        Err(errors) => {
            for problem in errors.0.iter().filter(|p| p.is_error() || !quiet) {
                eprintln!("{problem}");
            }
            let count = errors.0.iter().filter(|p| p.is_error()).count();
            println!(
                "{}: {count} error(s); the zone would not load",
                path.display()
            );
            None
        }
    }
}
