//! `recvault-bench` at its boundary: the real binary, run as the benchmark is run.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test helpers fail the test with the reason"
)]

use std::path::Path;
use std::process::Command;

/// What a run of the binary did.
struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

/// Runs `recvault-bench ARGS` in `dir`.
fn bench(args: &[&str], dir: &Path) -> Run {
    let output = Command::new(env!("CARGO_BIN_EXE_recvault-bench"))
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap();
    Run {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8(output.stdout).unwrap(),
        stderr: String::from_utf8(output.stderr).unwrap(),
    }
}

fn workspace() -> tempfile::TempDir {
    tempfile::tempdir().unwrap()
}

/// The benchmark runs end to end on a small data set and reports every figure. Its numbers are
/// not judged here (a timed test would be flaky); `docs/performance.md` records them.
#[test]
fn bench_runs_and_ends_with_one_line_of_json() {
    let dir = workspace();
    let run = bench(
        &[
            "--records",
            "3000",
            "--lookups",
            "200",
            "--http-seconds",
            "1",
            "--dir",
            "scratch",
        ],
        dir.path(),
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let json = run.stdout.lines().last().unwrap();
    for field in [
        "\"records\":3000,",
        "\"arrival\":\"filed\",",
        "\"ingest_records_per_s\":",
        "\"ingest_ratio_to_rocksdb\":",
        "\"ingest_ratio_to_rocksdb_record_only\":",
        "\"lookup_p50_ms\":",
        "\"lookup_p99_ms\":",
        "\"index_entries_per_record\":9,",
        "\"disk_bytes_per_record\":",
        "\"http_reads_per_s\":",
        "\"checkpoints\":[{",
        // Not asked for: present, and null.
        "\"ingest_ratio_to_postgres\":null",
        "\"lookup_p99_ms_10m\":null",
    ] {
        assert!(
            json.starts_with('{') && json.contains(field),
            "{field} missing from {json}"
        );
    }
    let figures: serde_json::Value = serde_json::from_str(json).unwrap();
    for key in [
        "ingest_records_per_s",
        "ingest_ratio_to_rocksdb",
        "lookup_p99_ms",
        "http_reads_per_s",
    ] {
        assert!(figures[key].as_f64().unwrap() > 0.0, "{key}: {json}");
    }
    assert!(
        !dir.path().join("scratch").exists(),
        "the scratch directory is removed"
    );
    let refused = bench(&["--records", "0"], dir.path());
    assert_eq!(refused.code, 1);
    assert!(
        refused.stderr.contains("`--records` must be at least 1"),
        "{}",
        refused.stderr
    );
}
