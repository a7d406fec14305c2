//! The `recvault` application: the command-line interface over the vault, and the HTTP API
//! over the gate (`recvault-gate`, the use cases). The only crate of the product that knows
//! command lines and HTTP (the benchmark, `recvault-bench`, is outside it).
//!
//! # Layout
//! - `cli`: the subcommands (`init`, `serve`, `ingest`, `search`, `disclose`, `requests`,
//!   `hold`, `retention`, `transfer`, `reports`, `audit`, `keys`, `accounts`, `backup`, `sorn`,
//!   `calendar`, `status`, `verify`), their arguments, output and exit codes.
//! - `client`: the CLI as a client of the server (address, token, problem documents, typed
//!   calls reading `wire` answers).
//! - `failure`: a command's failure and exit code, shared by `cli` and `client` (neither
//!   imports the other for it).
//! - `intake_files`: files in the institutions' and carriers' formats (MT, pacs, CBETF data
//!   items, TIN reports, PNR, TTAR trade records) converted to records, with refusals,
//!   duplicates and flags by location.
//! - `letters`: letters to requesters as PDF (the gate renders their text).
//! - `render`: times as the API and the CLI write them.
//! - `server`: the HTTP API (axum), problem+json errors, limits, the listener and TLS, and the
//!   OpenAPI document.
//! - `wire`: the wire contract: typed request and response bodies shared by the server and the
//!   CLI's client, with their schemas (utoipa).

pub mod cli;
pub mod client;
pub mod failure;
pub mod intake_files;
pub mod letters;
pub mod render;
pub mod server;
pub mod wire;
