//! The `flatapex` command line: `serve`, `check` and `push`.

pub mod api_key;
pub mod check;
pub mod push;
mod push_wrangler;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use hickory_proto::rr::Name;

use super::primary::Transfers;
use super::primary::pull::PullOptions;
use super::primary::tsig::parse_key;
use super::serve::{ServeOptions, serve};
use super::upstream::{check_upstream_url, read_ca_bundle};
use crate::settings::Settings;
use check::check_files;
use push::{PushArgs, run_push};

/// flatapex: authoritative DNS with ALIAS flattening.
#[derive(Parser, Debug)]
#[command(name = "flatapex", version, about)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Serve the zones of a directory over UDP and TCP (and DoH with --doh).
    Serve(Box<ServeArgs>),
    /// Check zone files like named-checkzone: print every problem, exit 1 on any error.
    Check(CheckArgs),
    /// Check zone files, then write them to the worker's KV namespace through wrangler.
    Push(PushArgs),
    /// Manage API keys for the zone and record APIs.
    #[command(subcommand, name = "api-key")]
    ApiKey(api_key::ApiKeyCommand),
    /// DNSSEC keys: make a key pair, print the DS for the parent.
    #[command(subcommand)]
    Dnssec(crate::native::dnssec::cli::DnssecCommand),
}

#[derive(clap::Args, Debug)]
struct ServeArgs {
    /// Directory of `*.zone` files (the file name or the SOA owner gives each origin).
    #[arg(long, default_value = "zones")]
    zones: PathBuf,
    /// Address for UDP and TCP.
    #[arg(long, default_value = "127.0.0.1:5353")]
    listen: SocketAddr,
    /// Also serve DoH (RFC 8484) over plain HTTP/1.1 and h2c on this address.
    #[arg(long)]
    doh: Option<SocketAddr>,
    /// Log one JSON line per DoH request to stderr.
    #[arg(long)]
    log_requests: bool,
    /// Turn on the zone and record APIs (PowerDNS v1 at /api/v1, records at /v1/zones) on the
    /// --doh listener, with the keys of this file (JSON lines from `flatapex api-key create`).
    #[arg(long, value_name = "FILE", requires = "doh")]
    api_keys: Option<PathBuf>,
    /// Reload when a zone file changes (SIGHUP always reloads).
    #[arg(long)]
    watch: bool,
    /// Worker threads (1 runs everything on one thread).
    #[arg(long, default_value_t = 1)]
    threads: usize,
    /// The operator's settings: the same names and defaults as the Worker's `[vars.FLATAPEX]`.
    #[command(flatten)]
    settings: Settings,
    /// A PEM file of CA certificates to trust for https:// upstreams, besides the web PKI roots.
    #[arg(long, value_name = "FILE")]
    upstream_ca: Option<PathBuf>,
    /// A client address allowed AXFR/IXFR (repeat for more); others get REFUSED.
    #[arg(long = "allow-transfer", value_name = "IP")]
    allow_transfer: Vec<std::net::IpAddr>,
    /// A secondary (IP:PORT) to NOTIFY when flattened ALIAS data bumps a serial; repeatable.
    #[arg(long = "notify", value_name = "IP:PORT")]
    notify: Vec<SocketAddr>,
    /// A TSIG key allowed to transfer, NAME:ALGORITHM:BASE64-SECRET (hmac-sha256/384/512).
    #[arg(long = "tsig", value_name = "KEY")]
    tsig: Vec<String>,
    /// Pull a flattened zone from the worker's /zones/<zone> URL into --zones; repeatable.
    #[arg(long = "transfer-from", value_name = "URL")]
    transfer_from: Vec<String>,
    /// The worker's FLATAPEX_TOKEN for --transfer-from (default: $FLATAPEX_TOKEN).
    #[arg(long)]
    transfer_token: Option<String>,
    /// Seconds between pulls.
    #[arg(long, default_value_t = 60)]
    transfer_interval: u64,
    /// Sign answers to DO queries (DNSSEC) with the BIND-format key pairs in DIR
    /// (`K<zone>+013+<tag>.private` and `.key`, from `flatapex dnssec keygen`).
    #[arg(long, value_name = "DIR")]
    dnssec_keys: Option<PathBuf>,
    /// Where served serials and last good ALIAS sets are kept across restarts, when the server
    /// has secondaries [default: ZONES/.flatapex-state.json].
    #[arg(long, value_name = "FILE")]
    state: Option<PathBuf>,
}

#[derive(clap::Args, Debug)]
struct CheckArgs {
    /// Zone files to check.
    #[arg(required = true)]
    files: Vec<PathBuf>,
    /// The zone's apex, when it is not in the file name (applies to every file given).
    #[arg(long, value_parser = crate::zone::names::text_to_name)]
    origin: Option<Name>,
    /// Do not print warnings.
    #[arg(long, short)]
    quiet: bool,
}

/// Runs the command line; returns the process exit code.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Serve(args) => run_serve(*args),
        Command::Check(args) => run_check(&args),
        Command::Push(args) => run_push(&args),
        Command::ApiKey(command) => api_key::run_api_key(&command),
        Command::Dnssec(command) => crate::native::dnssec::cli::run_dnssec(&command),
    }
}

fn run_serve(args: ServeArgs) -> ExitCode {
    let options = match serve_options(&args) {
        Ok(options) => options,
        Err(e) => {
            eprintln!("flatapex: {e}");
            return ExitCode::from(2);
        }
    };
    let runtime = if args.threads <= 1 {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
    } else {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(args.threads)
            .enable_all()
            .build()
    };
    let runtime = match runtime {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("flatapex: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(serve(options)) {
        Ok(never) => match never {},
        Err(e) => {
            eprintln!("flatapex: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Checks the arguments and turns them into what the server runs with; the error names the
/// flag and value at fault.
fn serve_options(args: &ServeArgs) -> Result<ServeOptions, String> {
    let settings = args.settings.clone().check().map_err(|e| e.to_string())?;
    for url in &settings.upstreams {
        check_upstream_url(url).map_err(|e| format!("--upstream: {e}"))?;
    }
    let upstream_roots = match &args.upstream_ca {
        None => Vec::new(),
        Some(path) => read_ca_bundle(path).map_err(|e| format!("--upstream-ca: {e}"))?,
    };
    let keys = args
        .tsig
        .iter()
        .map(|spec| parse_key(spec).map_err(|e| format!("--tsig: {e}")))
        .collect::<Result<Vec<_>, _>>()?;
    if let Some(state) = &args.state
        && let Some(dir) = state.parent().filter(|d| !d.as_os_str().is_empty())
        && !dir.is_dir()
    {
        return Err(format!(
            "--state {}: the directory {} does not exist",
            state.display(),
            dir.display()
        ));
    }
    let pull = if args.transfer_from.is_empty() {
        None
    } else {
        let token = args
            .transfer_token
            .clone()
            .or_else(|| std::env::var("FLATAPEX_TOKEN").ok())
            .ok_or("--transfer-from needs --transfer-token or $FLATAPEX_TOKEN")?;
        Some(PullOptions {
            urls: args.transfer_from.clone(),
            token,
            interval: args.transfer_interval,
        })
    };
    Ok(ServeOptions {
        zones: args.zones.clone(),
        listen: args.listen,
        watch: args.watch,
        limits: settings.server_limits(),
        settings,
        upstream_roots,
        transfers: Transfers {
            allow: args.allow_transfer.clone(),
            keys,
        },
        notify: args.notify.clone(),
        pull,
        state: Some(
            args.state
                .clone()
                .unwrap_or_else(|| args.zones.join(".flatapex-state.json")),
        ),
        doh: args.doh,
        log_requests: args.log_requests,
        api_keys: match &args.api_keys {
            None => None,
            Some(path) => Some(read_api_keys(path)?),
        },
        dnssec_keys: match &args.dnssec_keys {
            None => Vec::new(),
            Some(dir) => crate::native::dnssec::key_files::read_dir(dir)
                .map_err(|e| format!("--dnssec-keys: {e}"))?,
        },
    })
}

/// Reads the API key file; the error names the file and line.
fn read_api_keys(path: &std::path::Path) -> Result<crate::api::KeyRing, String> {
    let text =
        std::fs::read_to_string(path).map_err(|e| format!("--api-keys {}: {e}", path.display()))?;
    let keys = crate::api::KeyRing::parse(&path.display().to_string(), &text)
        .map_err(|e| format!("--api-keys {e}"))?;
    if keys.is_empty() {
        return Err(format!(
            "--api-keys {}: no keys in the file",
            path.display()
        ));
    }
    Ok(keys)
}

/// Checks every file; prints problems as `file:line: message` and one summary per zone.
fn run_check(args: &CheckArgs) -> ExitCode {
    match check_files(&args.files, args.origin.as_ref(), args.quiet) {
        Ok(_) => {
            println!("OK");
            ExitCode::SUCCESS
        }
        Err(_) => ExitCode::FAILURE,
    }
}
