//! `flatapex push`: validate zone files exactly as `flatapex check` does, encode them into the
//! KV layout (`crate::kv`), and write them with `wrangler kv bulk put`: shard values first, the
//! index last, so a running worker switches to a version only once all of it is there.

use base64::Engine as _;
use std::path::PathBuf;
use std::process::{Command, ExitCode};
use std::time::Instant;

use hickory_proto::rr::Name;
use serde::Serialize;

use super::check::{check_files, zone_files};
use crate::kv::{DEFAULT_SHARD_BYTES, INDEX_KEY, Index, StoredZone, parse_index, store_zone};

/// Arguments of `flatapex push`.
#[derive(clap::Args, Debug)]
pub struct PushArgs {
    /// Zone files, or directories of `*.zone` files.
    #[arg(required = true)]
    paths: Vec<PathBuf>,
    /// Write to the local KV that `wrangler dev` uses, not the deployed namespace.
    #[arg(long)]
    local: bool,
    /// With --local: the directory wrangler dev persists to (its --persist-to).
    #[arg(long, requires = "local")]
    persist_to: Option<PathBuf>,
    /// The KV binding in wrangler.toml.
    #[arg(long, default_value = "ZONES")]
    binding: String,
    /// The wrangler configuration file.
    #[arg(long)]
    config: Option<PathBuf>,
    /// The zone's apex, when it is not in the file name (applies to every file given).
    #[arg(long, value_parser = crate::zone::names::text_to_name)]
    origin: Option<Name>,
    /// Target size of one stored shard; larger zones are split.
    #[arg(long, default_value_t = DEFAULT_SHARD_BYTES)]
    shard_bytes: usize,
    /// The wrangler command (default: node_modules/.bin/wrangler if present, else npx wrangler).
    #[arg(long)]
    wrangler: Option<String>,
    /// Check and encode, then print what would be written instead of writing it.
    #[arg(long)]
    dry_run: bool,
}

#[derive(Serialize)]
struct BulkPair<'a> {
    key: &'a str,
    value: String,
    base64: bool,
}

/// Keys per `wrangler kv bulk put` call (the API takes at most 10,000) and bytes per call.
const BATCH_KEYS: usize = 1000;
const BATCH_BYTES: usize = 64 * 1024 * 1024;

/// Runs `flatapex push`.
pub fn run_push(args: &PushArgs) -> ExitCode {
    match push(args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("flatapex push: {e}");
            ExitCode::FAILURE
        }
    }
}

fn push(args: &PushArgs) -> Result<(), String> {
    let started = Instant::now();
    let files = zone_files(&args.paths).map_err(|e| format!("reading the paths: {e}"))?;
    if files.is_empty() {
        return Err("no zone files found".into());
    }
    let zones = check_files(&files, args.origin.as_ref(), false)
        .map_err(|n| format!("{n} zone file(s) failed validation; nothing was pushed"))?;
    let mut stored: Vec<StoredZone> = Vec::new();
    for (path, zone) in &zones {
        let s = store_zone(zone, args.shard_bytes)
            .map_err(|e| format!("{}: {e}; nothing was pushed", path.display()))?;
        println!(
            "  {}: version {}, {} shard(s), {} bytes",
            s.zone, s.entry.version, s.entry.shards, s.entry.bytes
        );
        stored.push(s);
    }
    let target = if args.local { "--local" } else { "--remote" };
    let place = if args.local {
        "local KV (wrangler dev)"
    } else {
        "the deployed KV namespace"
    };
    let mut index = if args.dry_run {
        Index::new()
    } else {
        read_index(args, target)?
    };
    for s in &stored {
        if let Some(old) = index.insert(s)
            && old.version != s.entry.version
        {
            println!("  {}: replaces version {}", s.zone, old.version);
        }
    }
    let values: Vec<(&str, &[u8])> = stored
        .iter()
        .flat_map(|s| s.values.iter().map(|(k, v)| (k.as_str(), v.as_slice())))
        .collect();
    let total: usize = values.iter().map(|(_, v)| v.len()).sum();
    if args.dry_run {
        println!(
            "dry run: would write {} value(s) ({total} bytes) and the index to {place}",
            values.len()
        );
        return Ok(());
    }
    if args.local {
        // wrangler's local `kv bulk put` re-reads base64 values as UTF-8 and so corrupts binary
        // data (workers-sdk PR #15192, fixed only in releases that need Node 22); `kv key put
        // --path` stores bytes as they are, one key per call.
        for (i, (key, value)) in values.iter().enumerate() {
            println!(
                "  writing value {}/{}: {key} ({} bytes)",
                i + 1,
                values.len(),
                value.len()
            );
            put_one(args, target, key, value)?;
        }
    } else {
        let batches = batch(&values);
        for (i, batch) in batches.iter().enumerate() {
            let bytes: usize = batch.iter().map(|(_, v)| v.len()).sum();
            println!(
                "  writing batch {}/{} of zone data: {} value(s), {bytes} bytes",
                i + 1,
                batches.len(),
                batch.len()
            );
            bulk_put(args, target, batch)?;
        }
    }
    let index_json = index.to_json();
    println!("  writing the index ({} zone(s))", index.zones.len());
    put_one(args, target, INDEX_KEY, &index_json)?;
    println!(
        "pushed {} zone(s), {} value(s), {total} bytes to {place} in {:.1}s",
        stored.len(),
        values.len(),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

fn batch<'a>(values: &[(&'a str, &'a [u8])]) -> Vec<Vec<(&'a str, &'a [u8])>> {
    let mut batches: Vec<Vec<(&str, &[u8])>> = Vec::new();
    let mut bytes = 0;
    for &(k, v) in values {
        match batches.last_mut() {
            Some(last) if last.len() < BATCH_KEYS && bytes + v.len() <= BATCH_BYTES => {
                bytes += v.len();
                last.push((k, v));
            }
            _ => {
                bytes = v.len();
                batches.push(vec![(k, v)]);
            }
        }
    }
    batches
}

fn wrangler(args: &PushArgs) -> Command {
    let program = args.wrangler.clone().unwrap_or_else(|| {
        let local = PathBuf::from("node_modules/.bin/wrangler");
        if local.exists() {
            local.display().to_string()
        } else {
            "npx wrangler".into()
        }
    });
    let mut words = program.split_whitespace();
    let mut cmd = Command::new(words.next().unwrap_or("npx"));
    cmd.args(words);
    cmd.env("WRANGLER_SEND_METRICS", "false");
    cmd
}

fn common(cmd: &mut Command, args: &PushArgs, target: &str) {
    cmd.args(["--binding", &args.binding, target]);
    if let Some(config) = &args.config {
        cmd.arg("--config").arg(config);
    }
    if let Some(dir) = &args.persist_to {
        cmd.arg("--persist-to").arg(dir);
    }
}

/// The index now in KV, so zones not being pushed stay listed.
fn read_index(args: &PushArgs, target: &str) -> Result<Index, String> {
    let mut cmd = wrangler(args);
    cmd.args(["kv", "key", "get", INDEX_KEY, "--text"]);
    common(&mut cmd, args, target);
    let out = cmd
        .output()
        .map_err(|e| format!("cannot run wrangler: {e}"))?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    if !out.status.success() || stdout.trim_start().starts_with("Value not found") {
        if out.status.success() {
            return Ok(Index::new());
        }
        return Err(format!(
            "reading the index with wrangler failed: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    let start = stdout.find('{').unwrap_or(0);
    parse_index(stdout[start..].as_bytes()).map_err(|e| {
        format!("{e}; the index in KV is damaged: delete {INDEX_KEY} and push every zone again")
    })
}

fn bulk_put(args: &PushArgs, target: &str, values: &[(&str, &[u8])]) -> Result<(), String> {
    let pairs: Vec<BulkPair<'_>> = values
        .iter()
        .map(|(key, value)| BulkPair {
            key,
            value: base64::engine::general_purpose::STANDARD.encode(value),
            base64: true,
        })
        .collect();
    let file = temporary(&serde_json::to_vec(&pairs).unwrap_or_default())?;
    let mut cmd = wrangler(args);
    cmd.args(["kv", "bulk", "put"]).arg(file.path());
    common(&mut cmd, args, target);
    check_output(cmd.output(), "wrangler kv bulk put")
}

fn put_one(args: &PushArgs, target: &str, key: &str, value: &[u8]) -> Result<(), String> {
    let file = temporary(value)?;
    let mut cmd = wrangler(args);
    cmd.args(["kv", "key", "put", key, "--path"])
        .arg(file.path());
    common(&mut cmd, args, target);
    check_output(cmd.output(), "wrangler kv key put")
}

fn check_output(out: std::io::Result<std::process::Output>, what: &str) -> Result<(), String> {
    let out = out.map_err(|e| format!("cannot run wrangler: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "{what} failed (exit {}): {} {}",
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stdout).trim(),
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    Ok(())
}

/// A temporary file holding `bytes`, removed when dropped.
fn temporary(bytes: &[u8]) -> Result<tempfile::NamedTempFile, String> {
    use std::io::Write;
    let mut file = tempfile::Builder::new()
        .prefix("flatapex-push-")
        .tempfile()
        .map_err(|e| format!("creating a temporary file: {e}"))?;
    file.write_all(bytes)
        .map_err(|e| format!("writing {}: {e}", file.path().display()))?;
    Ok(file)
}
