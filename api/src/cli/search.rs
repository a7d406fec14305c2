//! `recvault search` and `recvault get`: an analyst's retrieval through the server, each with
//! a purpose code and a case id. Records come out as JSON lines; no match prints nothing.

use std::io::BufRead;

use zeroize::Zeroizing;

use crate::cli::{identifier_arg, json_line, Failure};
use crate::client::{Client, ClientArgs};
use crate::wire;

/// Arguments of `recvault search`.
#[derive(Debug, clap::Args)]
pub struct SearchArgs {
    /// The system of records (`fincen-cbetf`).
    #[arg(long)]
    system: String,
    /// What to search by, `TYPE=VALUE`: ssn, tin, alien_id, account, dob, importer_exporter_id,
    /// broker_id, manufacturer_id, address, phone, email, name, or passport=CC:NUMBER (issuing
    /// country first). Visible in `ps` and shell history: prefer
    /// --identifier-stdin for anything sensitive.
    #[arg(
        long,
        value_name = "TYPE=VALUE",
        conflicts_with = "identifier_stdin",
        required_unless_present = "identifier_stdin"
    )]
    identifier: Option<String>,
    /// Read `TYPE=VALUE` from the first line of standard input instead.
    #[arg(long)]
    identifier_stdin: bool,
    /// The purpose code (one of the system's purposes, `investigation`).
    #[arg(long)]
    purpose: String,
    /// The case id the search serves (letters, digits and dashes).
    #[arg(long = "case", value_name = "ID")]
    case_id: String,
    /// Most records to return (1 to 1000).
    #[arg(long, default_value = "100", value_name = "N")]
    limit: usize,
    #[command(flatten)]
    client: ClientArgs,
}

/// Arguments of `recvault get`.
#[derive(Debug, clap::Args)]
pub struct GetArgs {
    /// The record's id.
    id: String,
    /// The purpose code.
    #[arg(long)]
    purpose: String,
    /// The case id the read serves.
    #[arg(long = "case", value_name = "ID")]
    case_id: String,
    /// Print the raw message the record came from (as received, exactly), not the record.
    #[arg(long)]
    raw: bool,
    #[command(flatten)]
    client: ClientArgs,
}

pub(crate) fn search(args: SearchArgs) -> Result<(), Failure> {
    let client = Client::new(&args.client)?;
    let text = match &args.identifier {
        Some(text) => Zeroizing::new(text.clone()),
        None => {
            let mut line = Zeroizing::new(String::new());
            std::io::stdin()
                .lock()
                .read_line(&mut line)
                .map_err(|err| Failure::failed(format!("reading standard input: {err}")))?;
            Zeroizing::new(line.trim_end_matches(['\r', '\n']).to_owned())
        }
    };
    let found = client.search(&wire::Search {
        identifier: identifier_arg(&text)?,
        system: args.system,
        purpose: Some(args.purpose),
        case: Some(args.case_id),
        limit: Some(args.limit),
    })?;
    for record in &found.records {
        outln!("{}", json_line(record)?);
    }
    if found.truncated {
        eprintln!(
            "recvault: {} records match; only the first {} were read (narrow the search, or raise --limit up to 1000)",
            found.found, args.limit
        );
    }
    Ok(())
}

pub(crate) fn get(args: GetArgs) -> Result<(), Failure> {
    let client = Client::new(&args.client)?;
    for (what, value) in [
        ("id", &args.id),
        ("purpose", &args.purpose),
        ("case", &args.case_id),
    ] {
        if !value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'.')
        {
            return Err(Failure::failed(format!(
                "the {what} may hold only letters, digits, `-`, `_` and `.`"
            )));
        }
    }
    if args.raw {
        // The message exactly as received, line ends included.
        let raw = client.raw_message(&args.id, &args.purpose, &args.case_id)?;
        out!("{}", raw.message);
    } else {
        let record = client.record(&args.id, &args.purpose, &args.case_id)?;
        outln!("{}", json_line(&record)?);
    }
    Ok(())
}
