//! The flatapex command line (native only; the edge build has no binary).

#[cfg(not(target_arch = "wasm32"))]
fn main() -> std::process::ExitCode {
    flatapex::native::cli::main()
}

#[cfg(target_arch = "wasm32")]
fn main() {}
