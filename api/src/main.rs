//! The `recvault` binary: parses the command line and hands it to `recvault::cli`.

use std::process::ExitCode;

/// mimalloc instead of glibc's malloc: ingest makes many small allocations on the sealing
/// threads that the log writer frees, and glibc's arenas spent a seventh of ingest's CPU on
/// them (docs/performance.md, "Where the time goes"). It changes no behaviour: secrets are
/// still wiped by their owners before they are freed.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    recvault::cli::main()
}
