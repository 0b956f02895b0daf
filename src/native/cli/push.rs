//! `flatapex push`: validate zone files exactly as `flatapex check` does, encode them into the
//! KV layout (`crate::kv`), and write what changed with wrangler (docs/ARCHITECTURE.md, "Zones
//! in KV"): shard values first, the index last, so a running worker switches to a version only
//! once all of it is there; then the shards of versions superseded longer ago than the grace
//! period are deleted. `crate::kv::plan_push` decides all of it.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use hickory_proto::rr::Name;

use super::check::{check_files, zone_files};
use super::push_wrangler::Wrangler;
use crate::kv::{
    DEFAULT_GRACE_SECONDS, DEFAULT_SHARD_BYTES, INDEX_KEY, Index, PushPlan, StoredZone, ZoneChange,
    plan_push, store_zone,
};

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
    /// Check and encode, then print what would be written instead of writing it (KV is not
    /// read: every zone counts as new).
    #[arg(long)]
    dry_run: bool,
    /// How long the shards of a replaced version stay in KV, for isolates that still serve it
    /// until they re-read the index (`zone_recheck_seconds`); a later push deletes them.
    #[arg(long, default_value_t = DEFAULT_GRACE_SECONDS, value_name = "SECONDS")]
    grace_seconds: u64,
}

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
    let files = zone_files(&args.paths).map_err(|e| format!("reading the zone files: {e}"))?;
    if files.is_empty() {
        let paths: Vec<String> = args.paths.iter().map(|p| p.display().to_string()).collect();
        return Err(format!("no *.zone files in {}", paths.join(", ")));
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
    let place = if args.local {
        "local KV (wrangler dev)"
    } else {
        "the deployed KV namespace"
    };
    let wrangler = Wrangler::new(
        args.wrangler.as_deref(),
        &args.binding,
        args.local,
        args.config.as_ref(),
        args.persist_to.as_ref(),
    );
    let current = if args.dry_run {
        Index::new()
    } else {
        wrangler.read_index()?
    };
    let now_ms = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64);
    let plan = plan_push(&current, &stored, now_ms, args.grace_seconds * 1000);
    report_plan(&plan, args.grace_seconds);
    let values: Vec<(&str, &[u8])> = stored
        .iter()
        .zip(&plan.changes)
        .filter(|(_, (_, change))| *change != ZoneChange::Unchanged)
        .flat_map(|(s, _)| s.values.iter().map(|(k, v)| (k.as_str(), v.as_slice())))
        .collect();
    let bytes: usize = values.iter().map(|(_, v)| v.len()).sum();
    let deletes: Vec<String> = plan.delete.iter().flat_map(|s| s.keys()).collect();
    let writes = values.len() + usize::from(plan.index.is_some());
    if args.dry_run {
        println!(
            "dry run: would write {} value(s) ({bytes} bytes) and the index to {place}",
            values.len()
        );
        return Ok(());
    }
    write_values(&wrangler, args.local, &values)?;
    if let Some(index) = &plan.index {
        println!("  writing the index ({} zone(s))", index.zones.len());
        wrangler.put(INDEX_KEY, &index.to_json())?;
    }
    let deleted = delete_superseded(&wrangler, &plan, &deletes);
    let unchanged = plan.changes.len() - plan.written();
    println!(
        "pushed {} zone(s) ({unchanged} unchanged) to {place} in {:.1}s: {writes} KV write(s) \
         ({} value(s), {bytes} bytes{}), {deleted} deletion(s)",
        plan.changes.len(),
        started.elapsed().as_secs_f64(),
        values.len(),
        if plan.index.is_some() {
            ", the index"
        } else {
            ""
        },
    );
    Ok(())
}

/// Prints what happens to each zone, the warnings, and the superseded versions kept.
fn report_plan(plan: &PushPlan, grace_seconds: u64) {
    for (zone, change) in &plan.changes {
        match change {
            ZoneChange::New => println!("  {zone}: new"),
            ZoneChange::Unchanged => {
                println!("  {zone}: unchanged (this version is in {INDEX_KEY}); not written")
            }
            ZoneChange::Replaces { previous } => println!(
                "  {zone}: replaces version {previous}, which stays {grace_seconds} s for \
                 isolates still serving it"
            ),
        }
    }
    for warning in &plan.warnings {
        eprintln!("flatapex push: warning: {warning}");
    }
    if !plan.kept.is_empty() {
        let versions: Vec<String> = plan
            .kept
            .iter()
            .map(|s| format!("{}@{}", s.zone, s.version))
            .collect();
        println!(
            "  {} superseded version(s) kept within the {grace_seconds} s grace period, for a \
             later push to delete: {}",
            plan.kept.len(),
            versions.join(", ")
        );
    }
}

/// Writes the shard values: one `kv key put` each locally, `kv bulk put` batches remotely.
fn write_values(wrangler: &Wrangler, local: bool, values: &[(&str, &[u8])]) -> Result<(), String> {
    if local {
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
            wrangler.put(key, value)?;
        }
        return Ok(());
    }
    wrangler.put_bulk(values, |i, of, batch| {
        let bytes: usize = batch.iter().map(|(_, v)| v.len()).sum();
        println!(
            "  writing batch {i}/{of} of zone data: {} value(s), {bytes} bytes",
            batch.len()
        );
    })
}

/// Deletes the shards of versions past their grace period, after the index that no longer
/// names them is written. A failure is a warning naming the keys: the push itself succeeded.
fn delete_superseded(wrangler: &Wrangler, plan: &PushPlan, keys: &[String]) -> usize {
    if keys.is_empty() {
        return 0;
    }
    let versions: Vec<String> = plan
        .delete
        .iter()
        .map(|s| format!("{}@{}", s.zone, s.version))
        .collect();
    println!(
        "  deleting {} superseded version(s), {} key(s): {}",
        plan.delete.len(),
        keys.len(),
        versions.join(", ")
    );
    match wrangler.delete_bulk(keys) {
        Ok(()) => keys.len(),
        Err(e) => {
            eprintln!(
                "flatapex push: warning: {e}; these keys are no longer listed, delete them with \
                 `wrangler kv key delete`: {}",
                keys.join(" ")
            );
            0
        }
    }
}
