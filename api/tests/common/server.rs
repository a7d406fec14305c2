//! The served vault for the tests that run it as its users do (`served.rs`, `campaign.rs`):
//! `recvault serve` as a real process, the CLI as its client, and offline commands on its data
//! directory (`data`, key store `root.key`, in the test's directory).

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};

use crate::common::{binary, recvault, Run};

/// Where the offline commands find the vault.
pub const OFFLINE: [&str; 4] = ["--data", "data", "--key-store", "root.key"];

/// `recvault ARGS` offline, on the test's vault.
pub fn offline(args: &[&str], dir: &Path) -> Run {
    recvault(&[args, &OFFLINE].concat(), dir)
}

/// `recvault ARGS` as a client of the server at `url`, with the token in the file `token`.
pub fn client(args: &[&str], dir: &Path, url: &str, token: &str) -> Run {
    recvault(
        &[args, &["--server", url, "--token-file", token]].concat(),
        dir,
    )
}

/// Starts `recvault serve` on a free loopback port, its log appended to `server.log` (at
/// `log_level` if given); returns the process and its URL.
pub fn serve(dir: &Path, log_level: Option<&str>) -> (Child, String) {
    serve_with(dir, log_level, &[])
}

/// [`serve`] with more options for `recvault serve`.
pub fn serve_with(dir: &Path, log_level: Option<&str>, options: &[&str]) -> (Child, String) {
    let log = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(dir.join("server.log"))
        .unwrap();
    let mut command = Command::new(binary());
    command
        .args([&["serve", "--listen", "127.0.0.1:0"][..], &OFFLINE, options].concat())
        .current_dir(dir)
        .stdout(Stdio::piped())
        .stderr(log);
    if let Some(level) = log_level {
        command.env("RUST_LOG", level);
    }
    let mut child = command.spawn().unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let url = line
        .trim()
        .strip_prefix("recvault serving ")
        .unwrap_or_else(|| panic!("the server did not start: {line:?} (see server.log)"))
        .to_owned();
    (child, url)
}

/// Stops the server as an operator would (SIGTERM) and waits for it to let go of the vault.
pub fn terminate(server: &mut Child) {
    let _ = Command::new("kill").arg(server.id().to_string()).status();
    let status = server.wait().unwrap();
    assert!(
        status.success(),
        "the server did not stop cleanly: {status}"
    );
}
