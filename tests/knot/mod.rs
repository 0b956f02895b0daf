//! knotd (Debian's knot) on loopback, for the tests that compare flatapex with Knot
//! (`corpus_knot.rs`) or run Knot as its secondary (`secondary_knot.rs`, and signing as a second
//! DNSSEC provider in `dnssec_multi_signer.rs`): the shared head of
//! `knot.conf` (run directory, listen address, database, logging) and the process, killed when
//! dropped.
#![allow(dead_code)]

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

/// A running knotd, killed and reaped when dropped.
pub struct Knot {
    child: Child,
    /// Where it listens: 127.0.0.1 and the port it was started on.
    pub addr: SocketAddr,
}

impl Knot {
    /// Writes `dir/knot.conf` for knotd on 127.0.0.1:`port` with its database and zone storage
    /// in `dir`, and returns its path (for keymgr before the start). `sections` is the rest of
    /// `knot.conf` after the server, database and log sections: keys, remotes, ACLs, policies,
    /// the template and the zones.
    pub fn configure(dir: &Path, port: u16, sections: &str) -> PathBuf {
        std::fs::create_dir_all(dir.join("db"))
            .unwrap_or_else(|e| panic!("cannot create {}/db: {e}", dir.display()));
        let conf = dir.join("knot.conf");
        let head = format!(
            r#"server:
    rundir: "{dir}"
    listen: 127.0.0.1@{port}
database:
    storage: "{dir}/db"
log:
  - target: stdout
    any: error
"#,
            dir = dir.display()
        );
        std::fs::write(&conf, head + sections)
            .unwrap_or_else(|e| panic!("cannot write {}: {e}", conf.display()));
        conf
    }

    /// Starts knotd on 127.0.0.1:`port` with the configuration [`Knot::configure`] writes.
    pub fn start(dir: &Path, port: u16, sections: &str) -> Knot {
        let conf = Knot::configure(dir, port, sections);
        let child = Command::new("knotd")
            .arg("-c")
            .arg(&conf)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("knotd (Debian's knot) must be installed");
        Knot {
            child,
            addr: SocketAddr::from(([127, 0, 0, 1], port)),
        }
    }
}

/// The template section of a secondary that keeps its zones in memory only (`dir` for its
/// storage): no zone file, no journal, so every start transfers afresh.
pub fn secondary_template(dir: &Path) -> String {
    format!(
        r#"template:
  - id: default
    storage: "{}"
    zonefile-sync: -1
    zonefile-load: none
    journal-content: none
"#,
        dir.display()
    )
}

impl Drop for Knot {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
