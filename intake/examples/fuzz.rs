//! Fuzzes one intake parser for a while: `cargo run --release -p recvault-intake --example fuzz
//! -- TARGET [--seconds N] [--seed S]` (targets: mt, pacs, cbetf-csv, cbetf-jsonl, tin, pnr,
//! ttar-csv). Inputs are mutated from `intake/fuzz/corpus/TARGET/`; an input that panics or
//! takes over a second is written to `intake/fuzz/crashes/` and the run exits 1. See
//! docs/fuzzing.md.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use intake::fuzzing::{self, TARGETS};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let usage = || -> ! {
        let names: Vec<&str> = TARGETS.iter().map(|(name, _)| *name).collect();
        eprintln!(
            "usage: fuzz TARGET [--seconds N] [--seed S]; targets: {}",
            names.join(", ")
        );
        std::process::exit(2)
    };
    let Some(name) = args.first() else { usage() };
    let Some(&(_, target)) = TARGETS.iter().find(|(known, _)| known == name) else {
        usage()
    };
    let option = |flag: &str, default: u64| -> u64 {
        args.iter()
            .position(|arg| arg == flag)
            .map(|at| {
                args.get(at + 1)
                    .and_then(|value| value.parse().ok())
                    .unwrap_or_else(|| usage())
            })
            .unwrap_or(default)
    };
    let seconds = option("--seconds", 60);
    let mut seed = option("--seed", 1);
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fuzz");
    let corpus: Vec<Vec<u8>> = std::fs::read_dir(root.join("corpus").join(name))
        .map(|entries| {
            entries
                .flatten()
                .filter_map(|entry| std::fs::read(entry.path()).ok())
                .collect()
        })
        .unwrap_or_default();
    // Panics are caught and reported once, with the input: the default hook would print each.
    std::panic::set_hook(Box::new(|_| {}));
    let started = Instant::now();
    let mut runs = 0;
    let mut found = 0;
    while started.elapsed() < Duration::from_secs(seconds) {
        let findings = fuzzing::run(target, &corpus, 10_000, seed, Duration::from_secs(1));
        runs += findings.runs;
        let crashes = root.join("crashes");
        for (input, why) in findings
            .panics
            .iter()
            .map(|(input, message)| (input, format!("panic: {message}")))
            .chain(
                findings
                    .slow
                    .iter()
                    .map(|(input, took)| (input, format!("slow: {took:?}"))),
            )
        {
            found += 1;
            let _ = std::fs::create_dir_all(&crashes);
            let file = crashes.join(format!("{name}-{seed}-{found}.bin"));
            let _ = std::fs::write(&file, input);
            eprintln!("{why}; input written to {}", file.display());
        }
        seed += 1;
    }
    let per_second = runs as f64 / started.elapsed().as_secs_f64();
    println!("{name}: {runs} inputs in {seconds} s ({per_second:.0}/s), {found} findings");
    if found > 0 {
        std::process::exit(1);
    }
}
