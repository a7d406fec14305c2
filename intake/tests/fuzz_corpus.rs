//! CI's smoke of the fuzz targets: each target's corpus, then a fixed number of seeded
//! mutations of it, without a panic or a slow input. The long runs are `--example fuzz`
//! (docs/fuzzing.md).

use std::path::PathBuf;
use std::time::Duration;

use intake::fuzzing::{self, TARGETS};

#[test]
fn every_target_survives_its_corpus_and_seeded_mutations() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus");
    for (name, target) in TARGETS {
        let corpus: Vec<Vec<u8>> = std::fs::read_dir(root.join(name))
            .unwrap_or_else(|err| panic!("{name}: no corpus: {err}"))
            .flatten()
            .map(|entry| std::fs::read(entry.path()).unwrap())
            .collect();
        assert!(!corpus.is_empty(), "{name}: the corpus is empty");
        let findings = fuzzing::run(target, &corpus, 3_000, 20261124, Duration::from_secs(2));
        assert!(
            findings.panics.is_empty(),
            "{name}: {} inputs panic, first: {:?} on {:?}",
            findings.panics.len(),
            findings.panics[0].1,
            String::from_utf8_lossy(&findings.panics[0].0)
        );
        assert!(
            findings.slow.is_empty(),
            "{name}: slow inputs {:?}",
            findings.slow.len()
        );
    }
}
