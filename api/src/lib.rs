//! The `recvault` application: the command-line interface over the vault, and the HTTP API. The only crate that knows command lines and HTTP.
//!
//! # Layout
//! - `cli`: the subcommands (`init`, `serve`, `ingest`, `search`, `disclose`, `requests`,
//!   `hold`, `retention`, `transfer`, `reports`, `audit`, `keys`, `accounts`, `backup`, `sorn`,
//!   `calendar`, `status`, `verify`), their arguments, output and exit codes.
//! - `client`: the CLI as a client of the server (address, token, problem documents).
//! - `gate`: the only way from the network to the vault: authentication, the policy decision
//!   and its logging, then the vault operation.
//! - `intake_files`: files in the institutions' and carriers' formats (MT, pacs, CBETF data
//!   items, TIN reports, PNR, TTAR trade records) converted to records, with refusals,
//!   duplicates and flags by location.
//! - `letters`: letters to requesters from editable templates, as text and as PDF.
//! - `lines`: JSON-lines input cut into validated batches (offline and served ingest alike),
//!   and a flight's PNR receipts checked against paragraph 14 and the carrier registry.
//! - `render`: JSON renderings of records, log entries and accounts.
//! - `server`: the HTTP API (axum), problem+json errors, limits, the listener and TLS.

// The OpenAPI document is one `json!` literal, deeper than the default macro recursion limit.
#![recursion_limit = "256"]

pub mod cli;
pub mod client;
pub mod gate;
pub mod intake_files;
pub mod letters;
pub mod lines;
pub mod render;
pub mod server;
