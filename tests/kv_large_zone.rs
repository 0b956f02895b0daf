//! Benchmark, not a timed test: a 1,000,000-record zone in the KV layout. It reports the shard
//! sizes, the memory a decoded shard takes (counted by a wrapping allocator), the peak memory
//! of a store that has served names from every shard under the default budget, and checks that
//! every cold query costs one KV read. `bench/kv-large.sh` runs it in release mode.
#![cfg(not(target_arch = "wasm32"))]
// Tests and tools are shells: they may read clocks, files and the environment.
#![allow(clippy::disallowed_methods, clippy::disallowed_types)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use flatapex::kv::{KvBackend, KvSettings, KvZones, MemoryKv, store_zone};
use flatapex::store::ZoneStore;
use flatapex::zone::{NoIncludes, load_zone};
use hickory_proto::rr::{Name, RecordType};

struct Counting;
static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

#[allow(unsafe_code)]
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let now = LIVE.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
        PEAK.fetch_max(now, Ordering::Relaxed);
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

struct Reads<'a>(&'a MemoryKv, AtomicUsize);

impl KvBackend for Reads<'_> {
    async fn get(&self, key: &str) -> Result<Option<Vec<u8>>, flatapex::kv::KvError> {
        self.1.fetch_add(1, Ordering::Relaxed);
        self.0.get(key).await
    }
}

const RECORDS: usize = 1_000_000;

#[test]
#[ignore = "benchmark: run bench/kv-large.sh"]
fn a_million_record_zone_in_kv() {
    let mut text = String::from(
        "$ORIGIN big.test.\n$TTL 300\n@ SOA ns1 host 1 3600 600 86400 60\n@ NS ns1\nns1 A 192.0.2.1\n",
    );
    for i in 0..RECORDS - 3 {
        if i % 4 == 3 {
            text.push_str(&format!(
                "txt{i} TXT \"record {i} of the benchmark zone\"\n"
            ));
        } else {
            text.push_str(&format!(
                "host{i} A 10.{}.{}.{}\n",
                (i >> 16) & 255,
                (i >> 8) & 255,
                i & 255
            ));
        }
    }
    let started = Instant::now();
    let origin = Name::from_ascii("big.test.").unwrap();
    let zone = load_zone("big.test.zone", &text, &origin, None, &NoIncludes)
        .unwrap()
        .zone;
    drop(text);
    let parsed = started.elapsed();
    let stored = store_zone(&zone, flatapex::kv::DEFAULT_SHARD_BYTES).unwrap();
    drop(zone);
    let largest = stored.values.iter().map(|(_, v)| v.len()).max().unwrap();
    println!(
        "BENCH {RECORDS} records: parsed in {parsed:?}; {} shards, {} bytes stored, largest shard {largest} bytes",
        stored.entry.shards, stored.entry.bytes
    );
    let kv = MemoryKv::new();
    kv.publish(std::slice::from_ref(&stored));
    drop(stored);

    // One shard decoded: its memory, and the CPU to decode it.
    let before = LIVE.load(Ordering::Relaxed);
    let reads = Reads(&kv, AtomicUsize::new(0));
    let one = KvZones::new(KvSettings::default());
    let t = Instant::now();
    let store = one.with(&reads, 0);
    let z =
        futures::executor::block_on(store.zone_for(&Name::from_ascii("host7.big.test.").unwrap()))
            .unwrap()
            .unwrap();
    let decode = t.elapsed();
    let per_shard = LIVE.load(Ordering::Relaxed) - before;
    println!(
        "BENCH one cold query: {} KV reads (index + shard), {decode:?} to read and decode, {} bytes in memory for a shard of {} records",
        reads.1.load(Ordering::Relaxed),
        per_shard,
        z.record_count()
    );
    assert_eq!(reads.1.load(Ordering::Relaxed), 2);
    drop(z);

    // Names from all over the zone through one store with the default budget: every cold
    // query reads exactly one shard, and memory stays bounded.
    let zones = KvZones::new(KvSettings::default());
    let base = LIVE.load(Ordering::Relaxed);
    PEAK.store(base, Ordering::Relaxed);
    let reads = Reads(&kv, AtomicUsize::new(0));
    let store = zones.with(&reads, 0);
    let mut cold = 0;
    for i in (0..RECORDS - 3).step_by(997) {
        let owner = if i % 4 == 3 {
            format!("txt{i}.big.test.")
        } else {
            format!("host{i}.big.test.")
        };
        let name = Name::from_ascii(&owner).unwrap();
        let before = reads.1.load(Ordering::Relaxed);
        let zone = futures::executor::block_on(store.zone_for(&name))
            .unwrap()
            .unwrap();
        let used = reads.1.load(Ordering::Relaxed) - before;
        assert!(used <= 2, "{owner}: {used} reads");
        cold += usize::from(used > 0);
        let qtype = if i % 4 == 3 {
            RecordType::TXT
        } else {
            RecordType::A
        };
        assert_eq!(zone.lookup(&name, qtype).answers.len(), 1, "{owner}");
    }
    let peak = PEAK.load(Ordering::Relaxed) - base;
    println!(
        "BENCH {} lookups across the zone: {cold} cold (one shard read each), peak memory {:.1} MiB with the default budget",
        (RECORDS - 3).div_ceil(997),
        peak as f64 / 1048576.0
    );
    assert!(
        peak < 128 * 1024 * 1024,
        "peak {peak} bytes exceeds the isolate limit"
    );
}
