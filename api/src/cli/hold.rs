//! `recvault hold`: placing holds on records or on a subject, releasing them, and listing them,
//! through the server as a records officer.

use crate::cli::Failure;
use crate::client::{Client, ClientArgs};
use crate::wire;

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

fn hold_line(hold: &wire::HoldView) -> String {
    let day = |at: &str| at.get(..10).unwrap_or(at).to_owned();
    let state = match &hold.released {
        Some(release) => format!("released {} by {}", day(&release.at), release.by),
        None => "active".to_owned(),
    };
    format!(
        "{:<6} {:<20} {:<16} {:<10} until {:<10}  {} records  {}{}  {}",
        hold.id,
        hold.reference,
        hold.purpose,
        hold.kind,
        hold.until.as_deref().map_or_else(|| "-".to_owned(), day),
        // A request's preservation shows no count until the requester's identity is verified.
        hold.records
            .map_or_else(|| "(not shown)".to_owned(), |count| count.to_string()),
        state,
        hold.subject_type
            .as_deref()
            .map(|kind| format!(" (subject by {kind})"))
            .unwrap_or_default(),
        hold.reason,
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
            let placed = Client::new(&client)?.place_hold(&wire::NewHold {
                records,
                subject,
                reference,
                reason,
                purpose: Some(purpose),
                kind,
                until,
                roles,
            })?;
            outln!(
                "hold {} placed: {} records held, {} moved to its cohort",
                placed.hold.id,
                placed
                    .hold
                    .records
                    .map_or_else(|| "(not shown)".to_owned(), |count| count.to_string()),
                placed.moved
            );
        }
        Command::Release { id, reason, client } => {
            let released =
                Client::new(&client)?.release_hold(&id, &wire::HoldRelease { reason })?;
            match (
                released.returned,
                released.still_held,
                released.awaiting_destruction,
            ) {
                (Some(returned), Some(still_held), Some(awaiting)) => outln!(
                    "hold {} released: {returned} records back in their cohorts, {still_held} still held by other holds, {awaiting} to be destroyed at the next run",
                    released.hold.id
                ),
                _ => outln!(
                    "hold {} released (a request's preservation whose requester's identity was never verified: no counts)",
                    released.hold.id
                ),
            }
        }
        Command::List { json, client } => {
            let holds = Client::new(&client)?.holds()?.holds;
            for hold in &holds {
                if json {
                    outln!("{}", crate::cli::json_line(hold)?);
                } else {
                    outln!("{}", hold_line(hold));
                }
            }
            if !json {
                outln!("{} holds", holds.len());
            }
        }
    }
    Ok(())
}
