//! `recvault sorn`: check, list and import the SORN files that describe the systems of records
//! (docs/sorn-format.md). The vault keeps its own copy (imported at `init`); the server loads
//! it at start and refuses to start on an invalid one.

use std::path::{Path, PathBuf};

use policy::sorn::BUILTIN;
use policy::Catalog;
use privacy::documents::Documents as _;

use crate::cli::{Failure, VaultPaths};

/// The document kind SORN files are stored under in the vault.
pub(crate) const SORN_DOCUMENTS: &str = "sorn";

/// Arguments of `recvault sorn`.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, clap::Subcommand)]
enum Command {
    /// Check SORN files: exit 0 when every one is valid, 1 with each error's file and line.
    Check {
        /// The files.
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// Show the systems: owners, direct access, purposes, routine uses and schedules. From
    /// the vault (--data), a directory (--sorn-dir), or the files shipped with recvault.
    List {
        /// A directory of SORN files.
        #[arg(long, value_name = "DIR", conflicts_with = "data")]
        sorn_dir: Option<PathBuf>,
        /// The vault whose SORN files to show (offline).
        #[arg(long, value_name = "DIR", requires = "key_store")]
        data: Option<PathBuf>,
        /// The vault's key store.
        #[arg(long, value_name = "PATH", env = "RECVAULT_KEY_STORE")]
        key_store: Option<PathBuf>,
    },
    /// Replace the vault's SORN files with those of a directory (offline; logged with each
    /// file's SHA-256). The server uses them from its next start.
    Import {
        /// The directory of SORN files (`*.toml`).
        #[arg(long, value_name = "DIR")]
        sorn_dir: PathBuf,
        #[command(flatten)]
        paths: VaultPaths,
    },
}

pub(crate) fn run(args: Args) -> Result<(), Failure> {
    match args.command {
        Command::Check { files } => {
            let mut texts = Vec::new();
            for file in &files {
                let text = std::fs::read_to_string(file).map_err(|err| {
                    Failure::failed(format!("reading `{}`: {err}", file.display()))
                })?;
                texts.push((file.display().to_string(), text));
            }
            let catalog = catalog_of(&texts)?;
            outln!("{} SORN files valid: {}", texts.len(), system_ids(&catalog));
            Ok(())
        }
        Command::List {
            sorn_dir,
            data,
            key_store,
        } => {
            let catalog = match (sorn_dir, data, key_store) {
                (Some(dir), _, _) => catalog_of(&read_dir(&dir)?)?,
                (None, Some(data), Some(key_store)) => {
                    vault_catalog(&vault::Vault::open(&data, &key_store)?)?
                }
                _ => catalog_of(&builtin())?,
            };
            list(&catalog);
            Ok(())
        }
        Command::Import { sorn_dir, paths } => {
            let texts = read_dir(&sorn_dir)?;
            let catalog = catalog_of(&texts)?;
            let vault = vault::Vault::open(&paths.data, &paths.key_store)?;
            store(&vault, &texts)?;
            outln!(
                "imported {} SORN files ({}); the server uses them from its next start",
                texts.len(),
                system_ids(&catalog)
            );
            Ok(())
        }
    }
}

/// The SORN files shipped with recvault, as (file name, text).
pub(crate) fn builtin() -> Vec<(String, String)> {
    BUILTIN
        .iter()
        .map(|(file, text)| ((*file).to_owned(), (*text).to_owned()))
        .collect()
}

/// Every `*.toml` file of `dir`, in name order.
pub(crate) fn read_dir(dir: &Path) -> Result<Vec<(String, String)>, Failure> {
    let entries = std::fs::read_dir(dir)
        .map_err(|err| Failure::failed(format!("reading `{}`: {err}", dir.display())))?;
    let mut files = Vec::new();
    for entry in entries {
        let path = entry
            .map_err(|err| Failure::failed(format!("reading `{}`: {err}", dir.display())))?
            .path();
        if path.extension().is_some_and(|ext| ext == "toml") {
            let text = std::fs::read_to_string(&path)
                .map_err(|err| Failure::failed(format!("reading `{}`: {err}", path.display())))?;
            let name = path
                .file_name()
                .map(|name| name.to_string_lossy().into_owned())
                .unwrap_or_default();
            files.push((name, text));
        }
    }
    files.sort();
    if files.is_empty() {
        return Err(Failure::failed(format!(
            "`{}` holds no SORN file (*.toml)",
            dir.display()
        )));
    }
    Ok(files)
}

/// The catalog of `texts`, or every error (file:line: message) as the failure.
pub(crate) fn catalog_of(texts: &[(String, String)]) -> Result<Catalog, Failure> {
    Catalog::from_texts(texts).map_err(|errors| {
        Failure::failed(
            errors
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("\n"),
        )
    })
}

/// Stores `texts` as the vault's SORN files (one logged change).
pub(crate) fn store(vault: &vault::Vault, texts: &[(String, String)]) -> Result<(), Failure> {
    let documents: Vec<(String, Vec<u8>)> = texts
        .iter()
        .map(|(name, text)| (name.clone(), text.clone().into_bytes()))
        .collect();
    vault.replace_documents(
        &crate::cli::operator("configuration"),
        SORN_DOCUMENTS,
        &documents,
        chrono::Utc::now(),
    )?;
    Ok(())
}

/// The vault's SORN files that differ from the ones this build ships under the same name: an
/// upgraded vault keeps its own copy until `recvault sorn import` adopts the new ones.
pub(crate) fn differing_from_shipped(vault: &vault::Vault) -> Result<Vec<String>, Failure> {
    Ok(vault
        .documents(SORN_DOCUMENTS)?
        .into_iter()
        .filter(|(name, bytes)| {
            policy::sorn::BUILTIN
                .iter()
                .any(|(shipped, text)| shipped == name && text.as_bytes() != bytes.as_slice())
        })
        .map(|(name, _)| name)
        .collect())
}

/// The catalog of the vault's SORN files.
pub(crate) fn vault_catalog(vault: &vault::Vault) -> Result<Catalog, Failure> {
    let documents = vault.documents(SORN_DOCUMENTS)?;
    if documents.is_empty() {
        return Err(Failure::failed(
            "this vault holds no SORN files; import them with `recvault sorn import --sorn-dir DIR --data DIR --key-store PATH`",
        ));
    }
    let texts: Vec<(String, String)> = documents
        .into_iter()
        .map(|(name, bytes)| (name, String::from_utf8_lossy(&bytes).into_owned()))
        .collect();
    catalog_of(&texts)
}

fn system_ids(catalog: &Catalog) -> String {
    catalog
        .systems()
        .iter()
        .map(|system| system.id.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

fn list(catalog: &Catalog) {
    for system in catalog.systems() {
        let sorn = &system.sorn;
        outln!("{}: {}", system.id, sorn.name);
        outln!(
            "  notice: {} ({})",
            sorn.notice.citation,
            sorn.notice.published.get_ref()
        );
        outln!(
            "  owner {}; direct access: {} ({})",
            system.owner,
            system.direct_access.join(", "),
            sorn.ownership.basis.get_ref()
        );
        outln!(
            "  requests: {}, first-party under {}",
            sorn.procedures.privacy_act.get_ref(),
            sorn.procedures.first_party.get_ref()
        );
        let categories: Vec<&str> = sorn
            .categories
            .iter()
            .map(|category| category.get_ref().id.as_str())
            .collect();
        outln!("  categories: {}", categories.join(", "));
        outln!("  purposes: {}", system.purposes.join(", "));
        for routine_use in sorn.routine_uses.iter().map(|use_| use_.get_ref()) {
            outln!(
                "  routine use {} ({}; for {}; published {}): {}",
                routine_use.letter,
                routine_use.recipients.join(", "),
                routine_use.purposes.join(", "),
                routine_use.published,
                routine_use.text
            );
        }
        for schedule in sorn.schedules.iter().map(|schedule| schedule.get_ref()) {
            let phases: Vec<String> = schedule
                .phases
                .iter()
                .map(|phase| {
                    let age = phase.ends_after;
                    format!(
                        "{} to {}y{}m{}d{}",
                        phase.name,
                        age.years,
                        age.months,
                        age.days,
                        phase.only_if.map_or(String::new(), |condition| {
                            format!(" (only if {})", condition.name())
                        })
                    )
                })
                .collect();
            outln!(
                "  schedule {} for {}: {}{}; {}; then destroyed",
                schedule.id,
                schedule.artefact,
                schedule.status,
                if schedule.in_force { ", in force" } else { "" },
                phases.join(", ")
            );
        }
    }
}
