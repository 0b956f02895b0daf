//! The native zone store: every `*.zone` file in a directory, reloadable without dropping
//! queries. A file that fails validation keeps its previous copy in service. Each zone is served
//! at the serial its [`ZoneState`](crate::xfr::ZoneState) gives (the file's, or a higher one
//! that flattened ALIAS changes led to, RFC 1996 §4.7), so the states are shared with the
//! primary side.

use std::collections::HashMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, RwLock};
use std::time::SystemTime;

use hickory_proto::rr::Name;

use crate::native::atomic_file::write_atomically;
use crate::store::{StoreError, ZoneSet, ZoneStore};
use crate::xfr::ZoneStates;
use crate::zone::parse::IncludeError;
use crate::zone::{
    Includes, Loaded, Problem, Zone, ZoneErrors, ZoneId, load_zone, origin_from_file_name,
};

/// Follows `$INCLUDE` relative to the including file's directory.
pub struct FileIncludes;

impl Includes for FileIncludes {
    fn include(&self, from: &str, path: &str) -> Result<(String, String), IncludeError> {
        let base = Path::new(from).parent().unwrap_or(Path::new("."));
        let full = base.join(path);
        let text = fs::read_to_string(&full)
            .map_err(|e| IncludeError(format!("$INCLUDE {}: {e}", full.display())))?;
        Ok((full.display().to_string(), text))
    }
}

/// Reads and validates one zone file. The origin for relative names comes from `origin`, or
/// else from the file name (`example.com.zone` → `example.com.`); the apex is the SOA owner.
pub fn load_zone_file(path: &Path, origin: Option<&Name>) -> Result<Loaded, ZoneErrors> {
    let display = path.display().to_string();
    let text = fs::read_to_string(path).map_err(|e| {
        ZoneErrors(vec![Problem::error(
            &display,
            None,
            format!("cannot read: {e}"),
        )])
    })?;
    let file_name = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default();
    let hint = origin
        .cloned()
        .or_else(|| origin_from_file_name(file_name))
        .unwrap_or_else(Name::root);
    load_zone(&display, &text, &hint, origin, &FileIncludes)
}

/// What one (re)load did, file by file.
#[derive(Debug, Default)]
pub struct LoadReport {
    /// Zones now served from a fresh read: (file, zone).
    pub loaded: Vec<(PathBuf, Arc<Zone>)>,
    /// Files unchanged since the last load.
    pub unchanged: usize,
    /// Files that failed, with whether a previous copy is still served.
    pub failed: Vec<(PathBuf, Vec<Problem>, bool)>,
    /// Warnings from files that loaded.
    pub warnings: Vec<Problem>,
    /// Zones no longer served because their file is gone.
    pub removed: Vec<Name>,
}

struct FileState {
    modified: Option<SystemTime>,
    zone: Arc<Zone>,
    /// The file on disk failed to load; `zone` is the last good copy.
    broken: bool,
}

/// Why the API may not replace a zone file.
#[derive(Debug, thiserror::Error)]
pub enum InstallError {
    /// The file is not the one the change was computed from: a hand edit, or a reload since.
    #[error("{0}")]
    Conflict(String),
    /// Writing failed; the file and the zone served are unchanged.
    #[error("{0}")]
    Io(#[from] std::io::Error),
}

/// Zones from the `*.zone` files of a directory.
pub struct FileStore {
    dir: PathBuf,
    current: RwLock<Arc<ZoneSet>>,
    files: Mutex<HashMap<PathBuf, FileState>>,
    generation: AtomicU64,
    states: Arc<Mutex<ZoneStates>>,
}

impl FileStore {
    /// A store over `dir`, initially empty, serving each zone at the serial `states` gives;
    /// call [`FileStore::reload`] to load it.
    pub fn with_states(dir: impl Into<PathBuf>, states: Arc<Mutex<ZoneStates>>) -> Self {
        FileStore {
            dir: dir.into(),
            current: RwLock::new(Arc::new(ZoneSet::new())),
            files: Mutex::new(HashMap::new()),
            generation: AtomicU64::new(0),
            states,
        }
    }

    /// A store over `dir` with no saved states: zones are served at their files' serials.
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        FileStore::with_states(dir, Arc::default())
    }

    /// The zone states, shared with the primary side.
    pub fn states(&self) -> MutexGuard<'_, ZoneStates> {
        self.states.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The shared handle of the zone states.
    pub fn states_handle(&self) -> Arc<Mutex<ZoneStates>> {
        self.states.clone()
    }

    /// The directory of zone files.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// A number that changes whenever the served zones change.
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    /// The zones served right now.
    pub fn snapshot(&self) -> Arc<ZoneSet> {
        self.current.read().map(|z| z.clone()).unwrap_or_default()
    }

    /// Re-reads changed files and swaps in the new set. Queries in flight keep the set they
    /// started with; a file that fails keeps its previous zone.
    pub fn reload(&self) -> std::io::Result<LoadReport> {
        let mut report = LoadReport::default();
        let mut paths: Vec<PathBuf> = fs::read_dir(&self.dir)?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|e| e == "zone") && p.is_file())
            .collect();
        paths.sort();
        let mut files = self.files.lock().unwrap_or_else(|e| e.into_inner());
        let mut next: HashMap<PathBuf, FileState> = HashMap::new();
        for path in paths {
            let modified = fs::metadata(&path).and_then(|m| m.modified()).ok();
            let previous = files.remove(&path);
            if let Some(prev) = previous
                .as_ref()
                .filter(|p| p.modified == modified && modified.is_some())
            {
                report.unchanged += 1;
                next.insert(
                    path,
                    FileState {
                        modified,
                        zone: prev.zone.clone(),
                        broken: prev.broken,
                    },
                );
                continue;
            }
            match load_zone_file(&path, None) {
                Ok(loaded) => {
                    let zone = Arc::new(loaded.zone);
                    report.warnings.extend(loaded.warnings);
                    report.loaded.push((path.clone(), zone.clone()));
                    next.insert(
                        path,
                        FileState {
                            modified,
                            zone,
                            broken: false,
                        },
                    );
                }
                Err(errors) => {
                    let kept = previous.is_some();
                    report.failed.push((path.clone(), errors.0, kept));
                    if let Some(prev) = previous {
                        // Keep serving the last good copy, and retry when the file changes again.
                        next.insert(
                            path,
                            FileState {
                                modified,
                                zone: prev.zone,
                                broken: true,
                            },
                        );
                    }
                }
            }
        }
        report.removed = files.values().map(|s| s.zone.apex().clone()).collect();
        let mut set = ZoneSet::new();
        let mut by_apex: HashMap<Vec<u8>, PathBuf> = HashMap::new();
        for (path, state) in &next {
            if let Some(first) = by_apex.insert(state.zone.apex_key().to_vec(), path.clone()) {
                report.failed.push((
                    path.clone(),
                    vec![Problem::error(
                        &path.display().to_string(),
                        None,
                        format!(
                            "zone {} is also loaded from {}; ignoring this file",
                            state.zone.apex(),
                            first.display()
                        ),
                    )],
                    false,
                ));
                by_apex.insert(state.zone.apex_key().to_vec(), first);
                continue;
            }
            set.insert(self.with_served_serial(&state.zone));
        }
        *files = next;
        *self.current.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(set);
        if !report.loaded.is_empty() || !report.removed.is_empty() {
            self.generation.fetch_add(1, Ordering::AcqRel);
        }
        Ok(report)
    }

    /// `zone` at the serial to serve: its file's, or a greater one already served (see
    /// [`crate::xfr::Served::for_file`]).
    fn with_served_serial(&self, zone: &Arc<Zone>) -> Arc<Zone> {
        let serial = self
            .states()
            .follow_file(&ZoneId::of(zone.apex()), zone.file_serial());
        if serial == zone.serial() {
            zone.clone()
        } else {
            Arc::new(zone.with_serial(serial))
        }
    }

    /// Serves `serial` for the zone `id` from now on (its state already holds it).
    pub fn set_serial(&self, id: &ZoneId, serial: u32) {
        let mut current = self.current.write().unwrap_or_else(|e| e.into_inner());
        let Some(zone) = current.get(&id.name()).cloned() else {
            return;
        };
        if zone.serial() == serial {
            return;
        }
        let mut set = (**current).clone();
        set.insert(Arc::new(zone.with_serial(serial)));
        *current = Arc::new(set);
        self.generation.fetch_add(1, Ordering::AcqRel);
    }

    /// The file zone `apex` was loaded from, if it is served from one.
    pub fn path_of(&self, apex: &Name) -> Option<PathBuf> {
        let files = self.files.lock().unwrap_or_else(|e| e.into_inner());
        files
            .iter()
            .find(|(_, state)| state.zone.apex().eq_ignore_root(apex))
            .map(|(path, _)| path.clone())
    }

    /// Writes `text` to `path` atomically and serves `zone` from it at once (the API's write,
    /// docs/ARCHITECTURE.md "The record API"), if the file is still the one `expected` (the
    /// zone the change was computed from; `None` for a new zone) was loaded from: a hand edit
    /// not yet reloaded, a reload since, or a file that fails to load is never overwritten.
    /// Returns the zone as served (at the serial its state gives). Blocking.
    pub fn install(
        &self,
        path: &Path,
        zone: Zone,
        text: &str,
        expected: Option<&Zone>,
    ) -> Result<Arc<Zone>, InstallError> {
        let mut files = self.files.lock().unwrap_or_else(|e| e.into_inner());
        let on_disk = fs::metadata(path).and_then(|m| m.modified()).ok();
        let state = files.get(path);
        let conflict =
            |why: &str| Err(InstallError::Conflict(format!("{}: {why}", path.display())));
        match (state, expected) {
            (Some(state), _) if state.broken => {
                return conflict("the file on disk does not load; fix it (flatapex check) first");
            }
            (Some(state), _) if on_disk != state.modified => {
                return conflict(
                    "changed on disk since it was loaded; reload it (SIGHUP or --watch) and retry",
                );
            }
            (Some(state), Some(expected)) if !state.zone.same_data(expected) => {
                return conflict("reloaded while the change was made; retry");
            }
            (None, _) if on_disk.is_some() => {
                return conflict("exists but is not loaded; fix or remove it first");
            }
            (Some(_), None) | (None, Some(_)) => {
                return conflict("the zone was created or deleted meanwhile; retry");
            }
            _ => {}
        }
        write_atomically(path, text.as_bytes())?;
        let modified = fs::metadata(path).and_then(|m| m.modified()).ok();
        let zone = Arc::new(zone);
        files.insert(
            path.to_path_buf(),
            FileState {
                modified,
                zone: zone.clone(),
                broken: false,
            },
        );
        let served = self.with_served_serial(&zone);
        let mut current = self.current.write().unwrap_or_else(|e| e.into_inner());
        let mut set = (**current).clone();
        set.insert(served.clone());
        *current = Arc::new(set);
        self.generation.fetch_add(1, Ordering::AcqRel);
        Ok(served)
    }

    /// Deletes the file of zone `apex` and stops serving it. Blocking.
    pub fn uninstall(&self, apex: &Name) -> std::io::Result<()> {
        let mut files = self.files.lock().unwrap_or_else(|e| e.into_inner());
        let path = files
            .iter()
            .find(|(_, state)| state.zone.apex().eq_ignore_root(apex))
            .map(|(path, _)| path.clone());
        if let Some(path) = path {
            std::fs::remove_file(&path)?;
            files.remove(&path);
        }
        let mut current = self.current.write().unwrap_or_else(|e| e.into_inner());
        let mut set = (**current).clone();
        set.remove(apex);
        *current = Arc::new(set);
        self.generation.fetch_add(1, Ordering::AcqRel);
        Ok(())
    }

    /// The newest modification time of the directory and its zone files, to notice changes.
    pub fn fingerprint(&self) -> Vec<(PathBuf, Option<SystemTime>)> {
        let mut out: Vec<(PathBuf, Option<SystemTime>)> = fs::read_dir(&self.dir)
            .map(|rd| {
                rd.filter_map(|e| e.ok().map(|e| e.path()))
                    .filter(|p| p.extension().is_some_and(|e| e == "zone"))
                    .map(|p| {
                        let m = fs::metadata(&p).and_then(|m| m.modified()).ok();
                        (p, m)
                    })
                    .collect()
            })
            .unwrap_or_default();
        out.sort();
        out
    }
}

impl ZoneStore for FileStore {
    async fn zone_for(&self, qname: &Name) -> Result<Option<Arc<Zone>>, StoreError> {
        Ok(self.snapshot().find(qname).cloned())
    }
}
