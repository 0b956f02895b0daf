//! `flatapex dnssec keygen` and `flatapex dnssec ds`: a new BIND-format key pair with the
//! DNSKEY line for the zone file (and the edge secret), and the DS for the parent.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Subcommand;
use hickory_proto::rr::Name;

use super::key_files::{dnskey_line, generate, parse_key_file, write_pair};
use crate::dnssec::Algorithm;
use crate::dnssec::records::ds_text;

/// The `dnssec` subcommands.
#[derive(Subcommand, Debug)]
pub enum DnssecCommand {
    /// Make a key pair for ZONE (BIND's K<zone>+<alg>+<tag>.key/.private) and print the DNSKEY
    /// line to add to the zone file.
    Keygen {
        /// The zone.
        #[arg(value_parser = crate::zone::names::text_to_name)]
        zone: Name,
        /// 13 (ECDSA P-256 SHA-256, RFC 6605) or 15 (Ed25519, RFC 8080).
        #[arg(long, default_value_t = 13, value_parser = parse_algorithm)]
        algorithm: u8,
        /// Where to write the key files.
        #[arg(long, default_value = ".")]
        dir: PathBuf,
        /// Also print the JSON line for the worker's FLATAPEX_DNSSEC_KEYS secret.
        #[arg(long)]
        secret: bool,
    },
    /// Print the DS records (SHA-256) of ZONE's keys in DIR, for the parent zone.
    Ds {
        /// The zone.
        #[arg(value_parser = crate::zone::names::text_to_name)]
        zone: Name,
        /// Where the key files are.
        #[arg(long, default_value = ".")]
        dir: PathBuf,
    },
}

fn parse_algorithm(text: &str) -> Result<u8, String> {
    match text.parse::<u8>().ok().and_then(Algorithm::from_number) {
        Some(algorithm) => Ok(algorithm.number()),
        None => Err(format!(
            "{text:?}: 13 (ECDSAP256SHA256) or 15 (ED25519) are supported"
        )),
    }
}

/// Runs a `dnssec` subcommand.
pub fn run_dnssec(command: &DnssecCommand) -> ExitCode {
    let result = match command {
        DnssecCommand::Keygen {
            zone,
            algorithm,
            dir,
            secret,
        } => keygen(zone, *algorithm, dir, *secret),
        DnssecCommand::Ds { zone, dir } => ds(zone, dir),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("flatapex: {e}");
            ExitCode::FAILURE
        }
    }
}

fn keygen(zone: &Name, algorithm: u8, dir: &std::path::Path, secret: bool) -> Result<(), String> {
    let algorithm = Algorithm::from_number(algorithm).ok_or("--algorithm: 13 or 15")?;
    let key = generate(zone, algorithm)?;
    let (key_path, private_path) = write_pair(dir, &key)?;
    eprintln!(
        "flatapex: wrote {} and {}",
        key_path.display(),
        private_path.display()
    );
    println!("{}", dnskey_line(&key));
    if secret {
        let line = serde_json::json!({
            "zone": key.zone.to_ascii(),
            "algorithm": algorithm.number(),
            "public": data_encoding::BASE64.encode(&key.public_key),
            "private": data_encoding::BASE64.encode(&key.private_key),
        });
        println!("{line}");
    }
    Ok(())
}

fn ds(zone: &Name, dir: &std::path::Path) -> Result<(), String> {
    let entries = std::fs::read_dir(dir).map_err(|e| format!("--dir {}: {e}", dir.display()))?;
    let mut paths: Vec<PathBuf> = entries
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|ext| ext == "key"))
        .collect();
    paths.sort();
    let mut found = 0;
    for path in paths {
        let text =
            std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        let Ok((owner, dnskey)) = parse_key_file(&text) else {
            continue;
        };
        if owner != zone.to_lowercase() || !dnskey.is_sep() {
            continue;
        }
        let owner = owner.to_ascii();
        println!("{owner} IN DS {}", ds_text(&dnskey.ds_rdata(zone)));
        found += 1;
    }
    if found == 0 {
        return Err(format!(
            "no key for {} in {} (K{}+*.key)",
            zone.to_ascii(),
            dir.display(),
            zone.to_lowercase().to_ascii()
        ));
    }
    Ok(())
}
