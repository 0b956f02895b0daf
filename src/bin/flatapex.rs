//! The flatapex command line (native only; the edge build has no binary).

/// mimalloc: the server allocates small, short-lived buffers per query and per HTTP stream;
/// bench/doh.sh measured it faster than the system allocator for the DoH path.
#[cfg(not(target_arch = "wasm32"))]
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[cfg(not(target_arch = "wasm32"))]
fn main() -> std::process::ExitCode {
    flatapex::native::cli::main()
}

#[cfg(target_arch = "wasm32")]
fn main() {}
