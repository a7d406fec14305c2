//! CI's smoke of the fuzz targets: each target's corpus, then a fixed number of seeded
//! mutations of it, without a panic or a slow input. The long runs are `--example fuzz`
//! (docs/fuzzing.md).

use std::time::Duration;

use intake::fuzzing::{self, TARGETS};

/// Each target's corpus, built into the test (the files of `intake/fuzz/corpus/<target>/`),
/// so the test does not depend on where the checkout was when it was compiled.
fn corpus(name: &str) -> Vec<&'static [u8]> {
    macro_rules! files {
        ($($file:literal),+) => {
            vec![$(&include_bytes!(concat!("../fuzz/corpus/", $file))[..]),+]
        };
    }
    match name {
        "mt" => files!("mt/mt103-bulk-with-ack.rje", "mt/mt202cov.fin"),
        "pacs" => files!(
            "pacs/pacs008-cbprplus-A-B.xml",
            "pacs/pacs009cov-cbprplus-A-B.xml"
        ),
        "cbetf-csv" => files!("cbetf-csv/items.csv"),
        "cbetf-jsonl" => files!("cbetf-jsonl/items.jsonl"),
        "tin" => files!("tin/report.csv"),
        "pnr" => files!("pnr/push.jsonl"),
        "ttar-csv" => files!("ttar-csv/trade.csv"),
        _ => Vec::new(),
    }
}

#[test]
fn every_target_survives_its_corpus_and_seeded_mutations() {
    for (name, target) in TARGETS {
        let corpus: Vec<Vec<u8>> = corpus(name).into_iter().map(<[u8]>::to_vec).collect();
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
