//! The `recvault-bench` binary: parses the command line and hands it to `bench::cli`.

use std::process::ExitCode;

/// The allocator the `recvault` binary uses (mimalloc), so the vault measured here runs as it
/// runs in the product.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    bench::cli::main()
}
