//! The `recvault` application: the command-line interface over the vault, and (with the served
//! vault) the HTTP API. The only crate that knows JSON and command lines.
//!
//! # Layout
//! - `cli`: subcommands (`init`, `ingest`, `status`), their arguments, output and exit codes.
//! - `import`: the JSON-lines import format, parsed into `vault::RecordContents`.

pub mod cli;
pub mod import;
