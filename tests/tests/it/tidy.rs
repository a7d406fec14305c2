//! Tidy: enforces the layout rules of docs/ARCHITECTURE.md, so they hold by test, not by memory.
//!
//! - the dependency table ("Dependency rules") against `cargo metadata`;
//! - engine and secret types named only in their one module;
//! - every Rust file opens with a `//!` line saying what it is for;
//! - every crate root lists its modules in its top doc.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

/// The checkout being tested. Read at run time: with a build cache shared between checkouts
/// (as `scripts/env.sh` sets up), a binary built in another checkout would otherwise check
/// that checkout's files.
fn workspace_root() -> PathBuf {
    let manifest_dir = std::env::var("CARGO_MANIFEST_DIR")
        .unwrap_or_else(|_| env!("CARGO_MANIFEST_DIR").to_owned());
    Path::new(&manifest_dir).parent().unwrap().to_path_buf()
}

/// One row of the dependency table.
#[derive(Debug)]
struct Rule {
    allowed_workspace: Option<BTreeSet<String>>, // None means any
    never: BTreeSet<String>,
    never_directly: BTreeSet<String>,
}

fn names(cell: &str) -> BTreeSet<String> {
    cell.split(',')
        .map(|name| name.trim().trim_matches('`').to_owned())
        .filter(|name| !name.is_empty() && name != "none" && name != "-")
        .collect()
}

fn dependency_rules() -> BTreeMap<String, Rule> {
    let text = fs::read_to_string(workspace_root().join("docs/ARCHITECTURE.md")).unwrap();
    let section = text
        .split("## Dependency rules")
        .nth(1)
        .expect("ARCHITECTURE.md has a `## Dependency rules` section");
    let section = section.split("\n## ").next().unwrap();
    let mut rules = BTreeMap::new();
    for line in section.lines().filter(|line| line.starts_with("| `")) {
        let cells: Vec<&str> = line
            .trim()
            .trim_matches('|')
            .split('|')
            .map(str::trim)
            .collect();
        assert_eq!(
            cells.len(),
            4,
            "dependency table rows have four cells: {line}"
        );
        let allowed = if cells[1] == "all" {
            None
        } else {
            Some(names(cells[1]))
        };
        rules.insert(
            cells[0].trim_matches('`').to_owned(),
            Rule {
                allowed_workspace: allowed,
                never: names(cells[2]),
                never_directly: names(cells[3]),
            },
        );
    }
    rules
}

fn cargo_metadata() -> Value {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    // Only this machine's platform: the full graph would need crates for every other target,
    // which are never downloaded for the build.
    let rustc = Command::new("rustc").arg("-vV").output().unwrap();
    let rustc = String::from_utf8(rustc.stdout).unwrap();
    let host = rustc
        .lines()
        .find_map(|line| line.strip_prefix("host: "))
        .unwrap();
    let output = Command::new(cargo)
        .args([
            "metadata",
            "--format-version",
            "1",
            "--offline",
            "--filter-platform",
            host,
        ])
        .current_dir(workspace_root())
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).unwrap()
}

/// The packages of `cargo metadata`, by id.
fn packages_by_id(metadata: &Value) -> BTreeMap<&str, &Value> {
    metadata["packages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|package| (package["id"].as_str().unwrap(), package))
        .collect()
}

/// Whether a resolve-graph edge is a normal (not dev, not build) dependency.
fn is_normal(dep: &Value) -> bool {
    dep["dep_kinds"]
        .as_array()
        .unwrap()
        .iter()
        .any(|kind| kind["kind"].is_null())
}

#[test]
fn crates_depend_only_as_the_architecture_allows() {
    let rules = dependency_rules();
    let metadata = cargo_metadata();
    let root = workspace_root();
    let packages = packages_by_id(&metadata);
    let nodes: BTreeMap<&str, &Value> = metadata["resolve"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|node| (node["id"].as_str().unwrap(), node))
        .collect();
    // Workspace members by directory name (`vault`, `api`...).
    let members: BTreeMap<String, &str> = metadata["workspace_members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|id| {
            let id = id.as_str().unwrap();
            let manifest = Path::new(packages[id]["manifest_path"].as_str().unwrap());
            let dir = manifest.parent().unwrap().strip_prefix(&root).unwrap();
            (dir.display().to_string(), id)
        })
        .collect();
    let member_dir = |id: &str| {
        members
            .iter()
            .find(|(_, member)| **member == id)
            .map(|(dir, _)| dir.clone())
    };
    assert_eq!(
        members.keys().collect::<Vec<_>>(),
        rules.keys().collect::<Vec<_>>(),
        "the dependency table lists exactly the workspace's crates"
    );

    for (dir, id) in &members {
        let rule = &rules[dir];
        let direct: Vec<&Value> = nodes[id]["deps"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|dep| is_normal(dep))
            .collect();
        for dep in &direct {
            let dep_id = dep["pkg"].as_str().unwrap();
            let name = packages[dep_id]["name"].as_str().unwrap();
            if let (Some(dep_dir), Some(allowed)) = (member_dir(dep_id), &rule.allowed_workspace) {
                assert!(
                    allowed.contains(&dep_dir),
                    "`{dir}` may not depend on `{dep_dir}`"
                );
            }
            assert!(
                !rule.never_directly.contains(name),
                "`{dir}` names `{name}` directly"
            );
        }
        // Everything reachable through normal dependencies.
        let mut seen = BTreeSet::new();
        let mut pending: Vec<&str> = vec![id];
        while let Some(next) = pending.pop() {
            for dep in nodes[next]["deps"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|dep| is_normal(dep))
            {
                let dep_id = dep["pkg"].as_str().unwrap();
                if seen.insert(dep_id) {
                    pending.push(dep_id);
                }
            }
        }
        for dep_id in seen {
            let name = packages[dep_id]["name"].as_str().unwrap();
            assert!(
                !rule.never.contains(name),
                "`{dir}` depends on `{name}`, even if indirectly"
            );
        }
    }
}

/// The workspace's member directories, as the root `Cargo.toml` lists them (so a new crate
/// is checked without anyone remembering to add it here).
fn member_dirs() -> Vec<String> {
    let manifest = fs::read_to_string(workspace_root().join("Cargo.toml")).unwrap();
    let list = manifest
        .split("members = [")
        .nth(1)
        .and_then(|rest| rest.split(']').next())
        .expect("the root Cargo.toml lists its members");
    let members: Vec<String> = list
        .split(',')
        .map(|name| name.trim().trim_matches('"').to_owned())
        .filter(|name| !name.is_empty())
        .collect();
    assert!(members.len() >= 7, "members: {members:?}");
    members
}

fn rust_files() -> Vec<PathBuf> {
    let root = workspace_root();
    let mut files = Vec::new();
    let mut pending: Vec<PathBuf> = member_dirs().iter().map(|dir| root.join(dir)).collect();
    while let Some(path) = pending.pop() {
        if path.is_dir() {
            pending.extend(
                fs::read_dir(&path)
                    .unwrap()
                    .map(|entry| entry.unwrap().path()),
            );
        } else if path.extension().is_some_and(|ext| ext == "rs") {
            files.push(path);
        }
    }
    assert!(files.len() > 10);
    files
}

#[test]
fn every_rust_file_says_what_it_is_for() {
    for path in rust_files() {
        let text = fs::read_to_string(&path).unwrap();
        assert!(
            text.starts_with("//!"),
            "{} must open with a `//!` line",
            path.display()
        );
    }
}

/// The benchmark stays apart from the product: outside the vault, only `recvault-bench` (its
/// plain baselines) encodes a record's plaintext or writes to a store of its own (`RocksStore`,
/// `WriteBatch`; tests may, as an attacker would), and only it starts a database that trusts
/// local logins (`initdb`, `pg_ctl`, `trust` authentication, baseline 2). Nothing depends on
/// it: no workspace crate has `recvault-bench` as a normal dependency, and the dependency
/// table has `api`, whose binary is the product, never reach it.
#[test]
fn only_the_benchmark_stores_plaintext_or_trusts_local_logins() {
    let root = workspace_root();
    let mut found = Vec::new();
    for path in rust_files() {
        let relative = path.strip_prefix(&root).unwrap().display().to_string();
        if relative.starts_with("bench/") || relative == "tests/tests/it/tidy.rs" {
            continue;
        }
        let in_vault = relative.starts_with("vault/src/");
        let is_test = relative.contains("/tests") || relative.ends_with("testing.rs");
        let text = fs::read_to_string(&path).unwrap();
        let rules = [
            ("encode_contents", !in_vault),
            ("RocksStore", !in_vault && !is_test),
            ("WriteBatch", !in_vault && !is_test),
            ("initdb", true),
            ("pg_ctl", true),
            ("pg_hba", true),
            ("--auth=trust", true),
            ("--auth-local=trust", true),
        ];
        for (needle, forbidden) in rules {
            if forbidden && names_word(&text, needle) {
                found.push(format!("{relative} names `{needle}`"));
            }
        }
    }
    assert!(
        found.is_empty(),
        "the benchmark's powers outside it: {found:#?}"
    );
    // The rule names what the benchmark does (so a rename cannot make it vacuous).
    let baseline = fs::read_to_string(root.join("bench/src/baseline.rs")).unwrap();
    let postgres = fs::read_to_string(root.join("bench/src/postgres.rs")).unwrap();
    assert!(baseline.contains("encode_contents(") && postgres.contains("\"--auth=trust\""));
    let rules = dependency_rules();
    assert!(
        rules["api"].never.contains("recvault-bench"),
        "{:?}",
        rules["api"]
    );
    let metadata = cargo_metadata();
    let packages = packages_by_id(&metadata);
    for node in metadata["resolve"]["nodes"].as_array().unwrap() {
        for dep in node["deps"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|dep| is_normal(dep))
        {
            let name = packages[dep["pkg"].as_str().unwrap()]["name"]
                .as_str()
                .unwrap();
            let dependent = packages[node["id"].as_str().unwrap()]["name"]
                .as_str()
                .unwrap();
            assert_ne!(
                name, "recvault-bench",
                "`{dependent}` depends on the benchmark"
            );
        }
    }
}

/// Whether `needle` appears in `text` at the start of a word (so `ring::` is not found in
/// `String::`).
fn names_word(text: &str, needle: &str) -> bool {
    text.match_indices(needle).any(|(at, _)| {
        !text[..at]
            .chars()
            .next_back()
            .is_some_and(|before| before.is_alphanumeric() || before == '_')
    })
}

#[test]
fn engine_crypto_and_policy_types_stay_in_their_modules() {
    // (needle, the only file allowed to contain it)
    let rules: [(&str, &[&str]); 6] = [
        ("rocksdb::", &["vault/src/store/rocks.rs"]),
        ("use rocksdb", &["vault/src/store/rocks.rs"]),
        ("casbin::", &["policy/src/enforcer.rs"]),
        ("expose_secret", &["vault/src/crypto.rs"]),
        ("aes_gcm::", &["vault/src/crypto.rs"]),
        // The listener names rustls's `ring` provider (TLS only; no vault key passes there).
        (
            "ring::",
            &["vault/src/crypto.rs", "api/src/server/listener.rs"],
        ),
    ];
    let root = workspace_root();
    let this_file = Path::new(file!()).file_name().unwrap();
    for path in rust_files() {
        if path.file_name() == Some(this_file) {
            continue;
        }
        let relative = path.strip_prefix(&root).unwrap().display().to_string();
        let text = fs::read_to_string(&path).unwrap();
        for (needle, home) in rules {
            assert!(
                !names_word(&text, needle) || home.contains(&relative.as_str()),
                "`{needle}` appears in {relative}; only {home:?} may name it"
            );
        }
    }
}

#[test]
fn the_http_layer_reaches_the_vault_only_through_the_gate() {
    let root = workspace_root();
    let server = root.join("api/src/server");
    for path in rust_files() {
        if !path.starts_with(&server) {
            continue;
        }
        let text = fs::read_to_string(&path).unwrap();
        for needle in ["vault::Vault", "Arc<Vault>", "&Vault", "use vault::{Vault"] {
            assert!(
                !text.contains(needle),
                "{} names the vault (`{needle}`); handlers go through `gate::Gate`",
                path.display()
            );
        }
    }
}

/// The modules a crate root declares (not its test modules).
fn declared_modules(lib: &str) -> Vec<String> {
    let mut modules = Vec::new();
    let mut test_only = false;
    for line in lib.lines() {
        let line = line.trim();
        if line.starts_with("#[cfg(test)]") {
            test_only = true;
            continue;
        }
        let declared = line
            .strip_prefix("pub mod ")
            .or_else(|| line.strip_prefix("pub(crate) mod "))
            .or_else(|| line.strip_prefix("mod "))
            .and_then(|rest| rest.strip_suffix(';'));
        if let Some(name) = declared {
            if !test_only {
                modules.push(name.trim().to_owned());
            }
        }
        if !line.starts_with("#[") {
            test_only = false;
        }
    }
    modules
}

/// Every crate's top doc is its map: each module the crate root declares is listed there as
/// "- `name`" (a module missing from the map is a module the next engineer cannot find).
#[test]
fn every_crate_root_lists_its_modules() {
    let root = workspace_root();
    let mut missing = Vec::new();
    for krate in member_dirs() {
        let lib = fs::read_to_string(root.join(&krate).join("src/lib.rs")).unwrap();
        let doc: String = lib
            .lines()
            .take_while(|line| line.starts_with("//!"))
            .collect::<Vec<_>>()
            .join("\n");
        for module in declared_modules(&lib) {
            if !doc.contains(&format!("- `{module}`")) {
                missing.push(format!("{krate}: `{module}`"));
            }
        }
    }
    assert!(
        missing.is_empty(),
        "modules missing from their crate's top doc: {}",
        missing.join(", ")
    );
}

/// The keyspace owns the keys: the byte strings that spell `meta` and `keys` column keys are
/// written only in `vault/src/keyspace.rs`, and no other vault module defines a metadata key,
/// builds one from a keyspace prefix by hand (an array starting with a `META_` prefix, or a
/// prefix copied with `.to_vec()`), makes a scan's end with `0xff` bytes (`prefix_end` is the
/// one way) or the key after another by appending a zero (`keyspace::key_after`). Tests may
/// spell keys (an attacker's edits name bytes). The `accounting` column's tags are private to
/// the keyspace, so no other module can name them.
#[test]
fn only_the_keyspace_spells_storage_keys() {
    let root = workspace_root();
    let keyspace = fs::read_to_string(root.join("vault/src/keyspace.rs")).unwrap();
    let literals: BTreeSet<String> = keyspace
        .match_indices("b\"")
        .filter_map(|(at, _)| {
            let rest = &keyspace[at + 2..];
            rest.find('"').map(|end| format!("b\"{}\"", &rest[..end]))
        })
        .filter(|literal| literal.len() > 4)
        .collect();
    assert!(literals.len() > 40, "{literals:?}");
    let mut found = Vec::new();
    for path in rust_files() {
        let relative = path.strip_prefix(&root).unwrap().display().to_string();
        let is_test = relative.contains("/tests") || relative.ends_with("testing.rs");
        let kernel_or_domain =
            relative.starts_with("vault/src/") || relative.starts_with("privacy/src/");
        if !kernel_or_domain || relative.ends_with("keyspace.rs") || is_test {
            continue;
        }
        let text = fs::read_to_string(&path).unwrap();
        for literal in &literals {
            if text.contains(literal.as_str()) {
                found.push(format!("{relative} spells {literal}"));
            }
        }
        if text.contains("const META_") {
            found.push(format!("{relative} defines a metadata key"));
        }
        // `[META_X, …]` (on one line or more, `&META_X[..]` or a path) builds a key;
        // `key[META_X.len()..]` only reads past a prefix.
        let builds = text.match_indices("META_").any(|(at, _)| {
            let before = text[..at].trim_end_matches(|c: char| {
                c.is_whitespace() || c == '&' || c == ':' || c.is_alphanumeric() || c == '_'
            });
            let opens_array = before.ends_with('[')
                && !before[..before.len() - 1]
                    .chars()
                    .next_back()
                    .is_some_and(|c| c.is_alphanumeric() || c == '_' || c == ']' || c == ')');
            let copied = text[at..]
                .split(|c: char| !(c.is_alphanumeric() || c == '_'))
                .next()
                .is_some_and(|name| text[at + name.len()..].starts_with(".to_vec()"));
            opens_array || copied
        });
        if builds {
            found.push(format!("{relative} builds a metadata key by hand"));
        }
        if text.to_ascii_lowercase().contains("0xff") {
            found.push(format!("{relative} makes a scan's end by hand"));
        }
        if text.contains("&[0]].concat()") {
            found.push(format!("{relative} makes the key after another by hand"));
        }
    }
    assert!(found.is_empty(), "keys outside the keyspace: {found:#?}");
}

/// The kernel knows no Privacy Act domain: no code of `vault` (comments and tests aside) names
/// a disclosure, an annotation, a notice, a case file or their operations. What it keeps for
/// the domain it keeps as attachments, values sealed in a year, signed items and index entries,
/// whose meaning is `privacy`'s. (The keyspace still names the accounting column's key shapes,
/// which destruction needs; those are layout, not meaning.)
#[test]
fn the_kernel_knows_no_privacy_act_domain() {
    let root = workspace_root();
    let domain = [
        "disclose",
        "annotate",
        "Release",
        "AccountingEntry",
        "AccountingCertificate",
        "Notice",
        "NoticeScope",
        "Annotation",
        "AnnotationKind",
        "CaseFile",
        "accounting_for",
        "expire_accounting",
        "read_annotated",
        "replace_documents",
    ];
    let mut found = Vec::new();
    let mut checked = 0;
    for path in rust_files() {
        let relative = path.strip_prefix(&root).unwrap().display().to_string();
        if !relative.starts_with("vault/src/") || relative.contains("/tests") {
            continue;
        }
        checked += 1;
        let code: String = fs::read_to_string(&path)
            .unwrap()
            .lines()
            .filter(|line| !line.trim_start().starts_with("//"))
            .collect::<Vec<_>>()
            .join("\n");
        for word in domain {
            // The transfer package's item kind 2 is named `Annotation` in its stored format.
            let exempt = relative == "vault/src/transfer.rs" && word == "Annotation";
            let whole_word = code.match_indices(word).any(|(at, _)| {
                let part_of_word =
                    |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric() || c == '_');
                !part_of_word(code[..at].chars().next_back())
                    && !part_of_word(code[at + word.len()..].chars().next())
            });
            if !exempt && whole_word {
                found.push(format!("{relative} names {word}"));
            }
        }
    }
    assert!(checked >= 20, "the kernel's modules were not found");
    assert!(found.is_empty(), "the kernel knows the domain: {found:#?}");
}

/// The domain stores only through the kernel's transaction: no module of `privacy` (tests
/// aside, which attack the store) names a column, the store, a batch or the crypto provider's
/// keys, or builds bytes by concatenation (a key by hand), so what it writes goes through
/// `vault::Change`'s typed methods and is committed with its log entry.
#[test]
fn the_domain_writes_only_through_the_kernels_change() {
    let root = workspace_root();
    let forbidden = [
        "Column",
        "concat",
        "Store",
        "WriteBatch",
        "AeadKey",
        "KeyMaterial",
        "SigningKey",
        "Envelope",
        "MacKey",
    ];
    let mut found = Vec::new();
    let mut checked = 0;
    for path in rust_files() {
        let relative = path.strip_prefix(&root).unwrap().display().to_string();
        if !relative.starts_with("privacy/src/") || relative.contains("/tests") {
            continue;
        }
        checked += 1;
        let text = fs::read_to_string(&path).unwrap();
        for word in forbidden {
            let named = text.match_indices(word).any(|(at, _)| {
                let before = text[..at].chars().next_back();
                let after = text[at + word.len()..].chars().next();
                let part_of_word =
                    |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric() || c == '_');
                !part_of_word(before) && !part_of_word(after)
            });
            if named {
                found.push(format!("{relative} names {word}"));
            }
        }
    }
    assert!(checked >= 3, "privacy's modules were not found");
    assert!(
        found.is_empty(),
        "the domain bypasses the kernel: {found:#?}"
    );
}

/// serde_json keeps object keys sorted: reports stored since the first format carry a
/// `transfer_match` with their identifiers written as sorted JSON (intake's `identifiers_json`),
/// which deduplication compares byte for byte. `preserve_order` (insertion order), turned on by
/// any crate of the build, would spell new reports differently from the stored ones.
#[test]
fn serde_json_keeps_object_keys_sorted() {
    let metadata = cargo_metadata();
    let packages = packages_by_id(&metadata);
    let nodes = metadata["resolve"]["nodes"].as_array().unwrap();
    let serde_json = nodes
        .iter()
        .find(|node| packages[node["id"].as_str().unwrap()]["name"] == "serde_json")
        .expect("serde_json is in the build");
    let features: Vec<&str> = serde_json["features"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert!(features.contains(&"std"), "{features:?}");
    assert!(
        !features.contains(&"preserve_order"),
        "serde_json is built with {features:?}"
    );
}
