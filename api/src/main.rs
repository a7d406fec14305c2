//! The `recvault` binary: parses the command line and hands it to `recvault::cli`.

use std::process::ExitCode;

fn main() -> ExitCode {
    recvault::cli::main()
}
