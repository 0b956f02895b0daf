//! The KV operations of `flatapex push`, each one `wrangler kv` command: read the index, write
//! values (one by one locally, in bulk remotely), delete keys in bulk. Every error names the
//! command, the key or file, and what wrangler said.

use std::path::PathBuf;
use std::process::{Command, Output};

use serde::Serialize;

use crate::kv::{INDEX_KEY, Index, parse_index};

/// Keys per `wrangler kv bulk put` call (the API takes at most 10,000) and bytes per call.
const BATCH_KEYS: usize = 1000;
const BATCH_BYTES: usize = 64 * 1024 * 1024;

/// Where and how wrangler is run.
pub struct Wrangler {
    /// The command (`node_modules/.bin/wrangler`, or `npx wrangler`).
    pub program: String,
    /// `--binding`, `--local`/`--remote`, `--config`, `--persist-to`.
    pub scope: Vec<String>,
}

#[derive(Serialize)]
struct BulkPair<'a> {
    key: &'a str,
    value: String,
    base64: bool,
}

impl Wrangler {
    /// The wrangler `program` (default: node_modules/.bin/wrangler if present, else npx
    /// wrangler) for the namespace bound as `binding`, local or remote.
    pub fn new(
        program: Option<&str>,
        binding: &str,
        local: bool,
        config: Option<&PathBuf>,
        persist_to: Option<&PathBuf>,
    ) -> Self {
        let program = program.map(str::to_string).unwrap_or_else(|| {
            let local = PathBuf::from("node_modules/.bin/wrangler");
            if local.exists() {
                local.display().to_string()
            } else {
                "npx wrangler".into()
            }
        });
        let mut scope = vec!["--binding".to_string(), binding.to_string()];
        scope.push(if local { "--local" } else { "--remote" }.into());
        if let Some(config) = config {
            scope.extend(["--config".into(), config.display().to_string()]);
        }
        if let Some(dir) = persist_to {
            scope.extend(["--persist-to".into(), dir.display().to_string()]);
        }
        Wrangler { program, scope }
    }

    /// Runs `wrangler kv <args> <scope>`; `what` names the operation in errors.
    fn run(&self, args: &[&str], what: &str) -> Result<Output, String> {
        let mut words = self.program.split_whitespace();
        let mut cmd = Command::new(words.next().unwrap_or("npx"));
        cmd.args(words).arg("kv").args(args).args(&self.scope);
        cmd.env("WRANGLER_SEND_METRICS", "false");
        let out = cmd.output().map_err(|e| {
            format!(
                "{what}: cannot run `{}`: {e} (run npm ci for node_modules/.bin/wrangler, or pass --wrangler)",
                self.program
            )
        })?;
        if !out.status.success() {
            return Err(format!(
                "{what}: `{} kv {}` failed (exit {}): {} {}",
                self.program,
                args.join(" "),
                out.status.code().unwrap_or(-1),
                String::from_utf8_lossy(&out.stdout).trim(),
                String::from_utf8_lossy(&out.stderr).trim()
            ));
        }
        Ok(out)
    }

    /// The index now in KV (an empty one if there is none), so zones not being pushed stay
    /// listed and unchanged ones are skipped.
    pub fn read_index(&self) -> Result<Index, String> {
        let out = self.run(
            &["key", "get", INDEX_KEY, "--text"],
            &format!("reading {INDEX_KEY}"),
        )?;
        let stdout = String::from_utf8_lossy(&out.stdout);
        if stdout.trim_start().starts_with("Value not found") {
            return Ok(Index::new());
        }
        let start = stdout.find('{').unwrap_or(0);
        parse_index(stdout[start..].as_bytes()).map_err(|e| {
            format!("{e}; the index in KV is damaged: delete {INDEX_KEY} and push every zone again")
        })
    }

    /// Writes one value from a temporary file (`kv key put --path`, which keeps bytes as they
    /// are).
    pub fn put(&self, key: &str, value: &[u8]) -> Result<(), String> {
        let file = temporary(value)?;
        let path = file.path().display().to_string();
        self.run(
            &["key", "put", key, "--path", &path],
            &format!("writing {key}"),
        )
        .map(drop)
    }

    /// Writes `values` with `kv bulk put`, in batches within the API's limits; `progress` is
    /// told of each batch before it is written.
    pub fn put_bulk(
        &self,
        values: &[(&str, &[u8])],
        mut progress: impl FnMut(usize, usize, &[(&str, &[u8])]),
    ) -> Result<(), String> {
        let batches = batch(values);
        for (i, batch) in batches.iter().enumerate() {
            progress(i + 1, batches.len(), batch);
            let pairs: Vec<BulkPair<'_>> = batch
                .iter()
                .map(|(key, value)| BulkPair {
                    key,
                    value: crate::encoding::base64_encode(value),
                    base64: true,
                })
                .collect();
            let file = temporary(&serde_json::to_vec(&pairs).unwrap_or_default())?;
            let path = file.path().display().to_string();
            let first = batch.first().map(|(k, _)| *k).unwrap_or_default();
            self.run(
                &["bulk", "put", &path],
                &format!("writing {} value(s) from {first} on", batch.len()),
            )?;
        }
        Ok(())
    }

    /// Deletes `keys` with `kv bulk delete`.
    pub fn delete_bulk(&self, keys: &[String]) -> Result<(), String> {
        let file = temporary(&serde_json::to_vec(keys).unwrap_or_default())?;
        let path = file.path().display().to_string();
        let first = keys.first().map(String::as_str).unwrap_or_default();
        self.run(
            &["bulk", "delete", &path, "--force"],
            &format!("deleting {} key(s) from {first} on", keys.len()),
        )
        .map(drop)
    }
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

/// A temporary file holding `bytes`, removed when dropped.
fn temporary(bytes: &[u8]) -> Result<tempfile::NamedTempFile, String> {
    use std::io::Write;
    let mut file = tempfile::Builder::new()
        .prefix("flatapex-push-")
        .tempfile()
        .map_err(|e| {
            format!(
                "creating a temporary file in {}: {e}",
                std::env::temp_dir().display()
            )
        })?;
    file.write_all(bytes)
        .map_err(|e| format!("writing {}: {e}", file.path().display()))?;
    Ok(file)
}
