//! `flatapex api-key create`: a new key with least privilege, printed with the line to store
//! (in the native server's `--api-keys` file, or in the Worker's `FLATAPEX_API_KEYS` secret).

use std::process::ExitCode;

use clap::Subcommand;

use crate::api::keys::new_key;

/// What `flatapex api-key` does.
#[derive(Subcommand, Debug)]
pub enum ApiKeyCommand {
    /// Make a new key and print it with the line to store.
    Create {
        /// The key's name, as the change log names it.
        #[arg(long)]
        name: String,
        /// A zone the key may use (repeatable; default: every zone).
        #[arg(long = "zone", value_name = "ZONE")]
        zones: Vec<String>,
        /// Owner-name patterns the key may write, comma-separated; `*` matches any run of
        /// characters (e.g. `_acme-challenge.*`). Default: every name.
        #[arg(long, value_delimiter = ',', value_name = "PATTERN,…")]
        names: Vec<String>,
        /// Record types the key may write, comma-separated (e.g. `TXT`). Default: every type.
        #[arg(long, value_delimiter = ',', value_name = "TYPE,…")]
        types: Vec<String>,
    },
}

/// Runs `flatapex api-key …`.
pub fn run_api_key(command: &ApiKeyCommand) -> ExitCode {
    let ApiKeyCommand::Create {
        name,
        zones,
        names,
        types,
    } = command;
    let mut random = [0u8; 32];
    if let Err(e) = getrandom::fill(&mut random) {
        eprintln!("flatapex: no randomness from the OS: {e}");
        return ExitCode::FAILURE;
    }
    let line = match new_key(name, zones.clone(), names.clone(), types.clone(), random) {
        Ok(line) => line,
        Err(e) => {
            eprintln!("flatapex: {e}");
            return ExitCode::from(2);
        }
    };
    let json = serde_json::to_string(&line).unwrap_or_default();
    println!("key: {}", line.key);
    println!("Add this line to the file given to `flatapex serve --api-keys`, or to the Worker's");
    println!("FLATAPEX_API_KEYS secret (one key per line):");
    println!("{json}");
    ExitCode::SUCCESS
}
