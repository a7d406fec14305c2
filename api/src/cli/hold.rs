//! `recvault hold`: placing holds on records or on a subject, releasing them, and listing them,
//! through the server as a records officer.

use serde_json::{json, Value};

use crate::cli::Failure;
use crate::client::{Client, ClientArgs};

/// Arguments of `recvault hold`.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, clap::Subcommand)]
enum Command {
    /// Hold records, or every record of a subject (those stored later too), past their
    /// schedule until released.
    Place {
        /// A record id (repeat for more).
        #[arg(
            long = "record",
            value_name = "ID",
            required_unless_present = "subject"
        )]
        records: Vec<String>,
        /// A subject identifier, TYPE=VALUE (for example ssn=123-45-6789).
        #[arg(long, value_name = "TYPE=VALUE", conflicts_with = "records")]
        subject: Option<String>,
        /// The case or matter: a reference (a letter, then letters, digits, `-`, `_` and `.`, with
        /// at most two runs of digits of at most 6; never a person's name).
        #[arg(long)]
        reference: String,
        /// Why, in words.
        #[arg(long)]
        reason: String,
        /// `governance` (an authorized role may release it early) or `compliance` (nobody
        /// may release it before --until).
        #[arg(long)]
        kind: String,
        /// Retain until (YYYY-MM-DD); required for compliance holds.
        #[arg(long, value_name = "DATE")]
        until: Option<String>,
        /// `litigation`, `request` (a FOIA or Privacy Act request or appeal),
        /// `enforcement-link` or `declassification`.
        #[arg(long, default_value = "litigation")]
        purpose: String,
        /// A role besides the records officer that may find the held records (repeat).
        #[arg(long = "role", value_name = "ROLE")]
        roles: Vec<String>,
        #[command(flatten)]
        client: ClientArgs,
    },
    /// Release a hold (H-<n>).
    Release {
        /// The hold's id.
        id: String,
        /// Why.
        #[arg(long)]
        reason: String,
        #[command(flatten)]
        client: ClientArgs,
    },
    /// Every hold, active or released.
    List {
        /// One JSON object per line.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        client: ClientArgs,
    },
}

fn hold_line(hold: &Value) -> String {
    let text = |key: &str| hold[key].as_str().unwrap_or("").to_owned();
    let state = match hold["released"].as_object() {
        Some(release) => format!(
            "released {} by {}",
            release["at"].as_str().unwrap_or("").get(..10).unwrap_or(""),
            release["by"].as_str().unwrap_or("")
        ),
        None => "active".to_owned(),
    };
    format!(
        "{:<6} {:<20} {:<16} {:<10} until {:<10}  {} records  {}{}  {}",
        text("id"),
        text("reference"),
        text("purpose"),
        text("kind"),
        hold["until"]
            .as_str()
            .and_then(|u| u.get(..10))
            .unwrap_or("-"),
        hold["records"],
        state,
        hold["subject_type"]
            .as_str()
            .map(|kind| format!(" (subject by {kind})"))
            .unwrap_or_default(),
        text("reason"),
    )
}

pub(crate) fn run(args: Args) -> Result<(), Failure> {
    match args.command {
        Command::Place {
            records,
            subject,
            reference,
            reason,
            kind,
            until,
            purpose,
            roles,
            client,
        } => {
            let subject = subject
                .as_deref()
                .map(crate::cli::identifier_arg)
                .transpose()?;
            let answer = Client::new(&client)?.post(
                "/v1/holds",
                &json!({
                    "records": records,
                    "subject": subject,
                    "reference": reference,
                    "reason": reason,
                    "kind": kind,
                    "until": until,
                    "purpose": purpose,
                    "roles": roles,
                }),
            )?;
            println!(
                "hold {} placed: {} records held, {} moved to its cohort",
                answer["id"].as_str().unwrap_or(""),
                answer["records"],
                answer["moved"]
            );
        }
        Command::Release { id, reason, client } => {
            let path = format!("/v1/holds/{}/release", path_segment(&id));
            let answer = Client::new(&client)?.post(&path, &json!({"reason": reason}))?;
            if answer["returned"].is_null() {
                println!(
                    "hold {} released (a request's preservation whose requester's identity was never verified: no counts)",
                    answer["id"].as_str().unwrap_or("")
                );
            } else {
                println!(
                    "hold {} released: {} records back in their cohorts, {} still held by other holds, {} to be destroyed at the next run",
                    answer["id"].as_str().unwrap_or(""),
                    answer["returned"],
                    answer["still_held"],
                    answer["awaiting_destruction"]
                );
            }
        }
        Command::List { json, client } => {
            let answer = Client::new(&client)?.get("/v1/holds")?;
            let holds = answer["holds"].as_array().cloned().unwrap_or_default();
            for hold in &holds {
                if json {
                    println!("{hold}");
                } else {
                    println!("{}", hold_line(hold));
                }
            }
            if !json {
                println!("{} holds", holds.len());
            }
        }
    }
    Ok(())
}

/// Text as one path or query segment: only letters, digits and `-` pass unchanged.
pub(crate) fn path_segment(text: &str) -> String {
    text.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b == b'-' {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}
