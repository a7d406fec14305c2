//! The `recvault` application: the command-line interface over the vault, and (with the served
//! vault) the HTTP API. The only crate that knows JSON and command lines.
//!
//! # Layout
//! - `bench`: the benchmark (`recvault bench`): vault ingest and lookups against plain-RocksDB
//!   baselines in the same run.
//! - `cli`: subcommands (`init`, `ingest`, `status`), their arguments, output and exit codes.
//! - `import`: the JSON-lines import format, parsed into `vault::RecordContents`.

pub mod bench;
pub mod cli;
pub mod import;
