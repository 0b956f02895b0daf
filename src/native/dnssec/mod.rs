//! The native shell's DNSSEC (docs/ARCHITECTURE.md, "DNSSEC"): BIND-format key pairs on disk,
//! a [`Signer`](crate::dnssec::Signer) on ring, and the `flatapex dnssec` commands.

pub mod cli;
pub mod key_files;
pub mod ring_signer;

pub use ring_signer::RingSigner;
