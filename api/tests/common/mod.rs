//! Helpers shared by the tests that run the real `recvault` binary.

use std::path::Path;
use std::process::{Command, Output};

/// What a run of the binary did.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

/// Runs `recvault ARGS` in `dir`, with none of the environment variables that would change
/// where it goes (every test says so itself).
pub fn recvault(args: &[&str], dir: &Path) -> Run {
    let Output {
        status,
        stdout,
        stderr,
    } = Command::new(binary())
        .args(args)
        .current_dir(dir)
        .env_remove("RECVAULT_DATA")
        .env_remove("RECVAULT_KEY_STORE")
        .env_remove("RECVAULT_ADDR")
        .env_remove("RECVAULT_TOKEN")
        .env_remove("RECVAULT_TOKEN_FILE")
        .env_remove("RECVAULT_CA_FILE")
        .output()
        .unwrap();
    Run {
        code: status.code().unwrap_or(-1),
        stdout: String::from_utf8(stdout).unwrap(),
        stderr: String::from_utf8(stderr).unwrap(),
    }
}

/// The `recvault` binary under test: the one Cargo built, or `RECVAULT_BIN` (so a long
/// campaign can run a copy while the tree is rebuilt).
pub fn binary() -> std::path::PathBuf {
    std::env::var_os("RECVAULT_BIN").map_or_else(
        || env!("CARGO_BIN_EXE_recvault").into(),
        std::path::PathBuf::from,
    )
}

/// A temporary directory for one test.
pub fn workspace() -> tempfile::TempDir {
    tempfile::Builder::new()
        .prefix("vault-tests")
        .tempdir()
        .unwrap()
}
