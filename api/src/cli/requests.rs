//! `recvault requests`: Privacy Act requests through the server, as privacy staff: open one,
//! record the events of its case, show it, and list what is due.

use std::io::BufRead;

use serde_json::Value;
use zeroize::Zeroizing;

use crate::cli::Failure;
use crate::client::{Client, ClientArgs};
use crate::wire;

/// Arguments of `recvault requests`.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: Command,
}

// Parsed once per process: the size of the `event` variant's many options costs nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, clap::Subcommand)]
enum Command {
    /// Open a request; prints its id alone (or, with --json, the whole file).
    Open {
        /// notification, access, amendment, accounting, rectification or complaint.
        #[arg(long)]
        kind: String,
        /// The requester's name.
        #[arg(long)]
        requester: String,
        /// citizen, permanent-resident or other.
        #[arg(long, default_value = "citizen")]
        status: String,
        /// A parent or guardian acting for the individual.
        #[arg(long)]
        representative: Option<String>,
        /// An identifier the requester gave, TYPE=VALUE (repeat). Prefer --identifier-stdin.
        #[arg(
            long = "identifier",
            value_name = "TYPE=VALUE",
            required_unless_present = "identifier_stdin"
        )]
        identifiers: Vec<String>,
        /// Read the identifiers from standard input, one TYPE=VALUE per line.
        #[arg(long, conflicts_with = "identifiers")]
        identifier_stdin: bool,
        /// The systems named (repeat, or several after one --systems).
        #[arg(long, num_args = 1.., required = true)]
        systems: Vec<String>,
        /// The day it was received (YYYY-MM-DD; default today).
        #[arg(long, value_name = "YYYY-MM-DD")]
        received: Option<String>,
        /// A FOIA request's fee category: first-party (default), commercial,
        /// educational-or-scientific, news-media, other.
        #[arg(long)]
        fee_category: Option<String>,
        /// The most the requester agreed to pay, in cents (at least 2500).
        #[arg(long)]
        fee_limit_cents: Option<u32>,
        /// A complaint's substance: accuracy, access, use-or-sharing, retention,
        /// sensitive-data, security, other.
        #[arg(long)]
        substance: Option<String>,
        /// The data protection authority a complaint came through.
        #[arg(long, value_name = "NAME")]
        through_authority: Option<String>,
        /// The data subject's authorization of that authority is on file.
        #[arg(long)]
        authority_authorized: bool,
        /// Print the whole file as JSON.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        client: ClientArgs,
    },
    /// Record an event of a request's case.
    Event {
        /// The request's id.
        id: String,
        /// received, deficient, perfected, identity-verified, relationship-proven,
        /// acknowledged, extended, determined, appealed, appeal-acknowledged,
        /// appeal-determined, disagreement-filed, referred-to-chief-privacy-officer, closed; a
        /// complaint's cbp-answered, chief-privacy-officer-answered, dpa-referred,
        /// conclusions-reported.
        #[arg(long)]
        kind: String,
        /// The day (YYYY-MM-DD; default today).
        #[arg(long, value_name = "YYYY-MM-DD")]
        on: Option<String>,
        /// What is missing (deficient; repeat).
        #[arg(long)]
        missing: Vec<String>,
        /// How identity was verified (identity-verified): in-person-photo,
        /// in-person-two-documents, mail, notarized, perjury-statement.
        #[arg(long)]
        method: Option<String>,
        /// The evidence seen (identity-verified; repeat): photo-id,
        /// name-and-signature-document, signature, address, identifier-document,
        /// notarized-statement, perjury-statement.
        #[arg(long)]
        evidence: Vec<String>,
        /// A fact the requester gave that the system requires (identity-verified; repeat):
        /// full-name, current-address, date-of-birth, place-of-birth.
        #[arg(long)]
        fact: Vec<String>,
        /// The document proving a representative's authority (relationship-proven):
        /// birth-certificate, court-order.
        #[arg(long)]
        document: Option<String>,
        /// Why (extended, closed).
        #[arg(long)]
        reason: Option<String>,
        /// The promised date (extended).
        #[arg(long, value_name = "YYYY-MM-DD")]
        until: Option<String>,
        /// Who approved an extension of an appeal's decision (the agency head or a delegate).
        #[arg(long)]
        approved_by: Option<String>,
        /// granted, partly-granted or denied (determined, appeal-determined).
        #[arg(long)]
        outcome: Option<String>,
        /// The reasons of a refusal (determined, appeal-determined).
        #[arg(long)]
        reasons: Option<String>,
        /// The postmark or delivery date (appealed, disagreement-filed).
        #[arg(long, value_name = "YYYY-MM-DD")]
        postmarked: Option<String>,
        /// Whether the complaint was resolved (cbp-answered, chief-privacy-officer-answered).
        #[arg(long)]
        resolved: Option<bool>,
        /// The answer sent (cbp-answered, chief-privacy-officer-answered).
        #[arg(long)]
        answer: Option<String>,
        /// The referring data protection authority (dpa-referred).
        #[arg(long)]
        authority: Option<String>,
        /// The Privacy Office's conclusions (conclusions-reported).
        #[arg(long)]
        conclusions: Option<String>,
        /// The actions taken, `none` if none (conclusions-reported).
        #[arg(long)]
        actions: Option<String>,
        /// The unusual circumstance of a FOIA extension (extended): field-facilities,
        /// voluminous, consultation.
        #[arg(long)]
        circumstance: Option<String>,
        /// The percentage a fee reduction takes off, 1 to 99 (fee-waiver-determined,
        /// partly-granted).
        #[arg(long)]
        reduced_percent: Option<u8>,
        /// An amount in cents (fee-estimated, fees-paid).
        #[arg(long)]
        cents: Option<u64>,
        /// The date of a request for expedited processing (expedited-requested).
        #[arg(long, value_name = "YYYY-MM-DD")]
        dated: Option<String>,
        /// Whether expedited processing was granted (expedited-determined).
        #[arg(long)]
        granted: Option<bool>,
        #[command(flatten)]
        client: ClientArgs,
    },
    /// Record that a source's owner is consulted about releasing records (31 CFR 1.26(e));
    /// prints the consultation's id.
    Consult {
        /// The component or agency (a notice's source owner: dhs-cbp, commerce...).
        #[arg(long)]
        owner: String,
        /// A record it is about (repeat).
        #[arg(long = "record", required = true)]
        records: Vec<String>,
        /// The request that prompted it.
        #[arg(long)]
        request: String,
        #[command(flatten)]
        client: ClientArgs,
    },
    /// Record a consultation's answer: release, withhold or referred.
    ConsultationAnswer {
        /// The consultation's id (CN-1).
        id: String,
        /// release, withhold or referred.
        #[arg(long)]
        answer: String,
        /// The day it came (YYYY-MM-DD; default today).
        #[arg(long, value_name = "YYYY-MM-DD")]
        on: Option<String>,
        #[command(flatten)]
        client: ClientArgs,
    },
    /// Every consultation, one per line (id, owner, records, answer).
    Consultations {
        /// One JSON object per line.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        client: ClientArgs,
    },
    /// Make a letter from the request's case file and seal it there; prints its text.
    Letter {
        /// The request's id.
        id: String,
        /// acknowledgment, deficiency, delay, amendment-refusal or final-refusal.
        #[arg(long)]
        kind: String,
        /// The responsible official's name and title.
        #[arg(long)]
        official: String,
        #[command(flatten)]
        client: ClientArgs,
    },
    /// The letters of a request (number, kind, day, author, SHA-256), or with --number one
    /// letter's text, or its PDF written to --out.
    Letters {
        /// The request's id.
        id: String,
        /// The letter to read.
        #[arg(long)]
        number: Option<u32>,
        /// Write the letter as PDF to this file (with --number).
        #[arg(long, requires = "number")]
        out: Option<std::path::PathBuf>,
        #[command(flatten)]
        client: ClientArgs,
    },
    /// A request's file, history and deadlines.
    Show {
        /// The request's id.
        id: String,
        /// As JSON.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        client: ClientArgs,
    },
    /// What the agency owes soon, soonest first: deadlines not met that are overdue or fall
    /// due within `--within` working days (determinations given a delay notice wait for the
    /// date it promised).
    Due {
        /// The day to judge by (YYYY-MM-DD; default today).
        #[arg(long, value_name = "YYYY-MM-DD")]
        as_of: Option<String>,
        /// How many working days ahead to look (default 5, at most 65).
        #[arg(long, value_name = "DAYS")]
        within: Option<u32>,
        /// One JSON object per line.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        client: ClientArgs,
    },
}

fn print_file(file: &wire::RequestFileView) {
    outln!(
        "{}  {} request by {} ({}), {} route",
        file.id,
        file.case.kind,
        file.requester,
        file.status,
        file.case.route,
    );
    for procedure in &file.procedures {
        outln!("  procedures: {procedure}");
    }
    for event in &file.case.events {
        outln!("  {}  {:<22} by {}", event.on, event.kind, event.by);
    }
    for deadline in &file.deadlines {
        outln!(
            "  due {}  {:<34} {}",
            deadline.due,
            deadline.what,
            deadline.state
        );
    }
}

pub(crate) fn run(args: Args) -> Result<(), Failure> {
    match args.command {
        Command::Open {
            kind,
            requester,
            status,
            representative,
            identifiers,
            identifier_stdin,
            systems,
            received,
            fee_category,
            fee_limit_cents,
            substance,
            through_authority,
            authority_authorized,
            json,
            client,
        } => {
            let texts: Vec<Zeroizing<String>> = if identifier_stdin {
                std::io::stdin()
                    .lock()
                    .lines()
                    .map(|line| line.map(Zeroizing::new))
                    .collect::<Result<_, _>>()
                    .map_err(|err| Failure::failed(format!("reading standard input: {err}")))?
            } else {
                identifiers.into_iter().map(Zeroizing::new).collect()
            };
            let identifiers = texts
                .iter()
                .filter(|text| !text.trim().is_empty())
                .map(|text| crate::cli::identifier_arg(text.trim()))
                .collect::<Result<Vec<_>, _>>()?;
            let systems: Vec<String> = systems
                .iter()
                .flat_map(|system| system.split(','))
                .map(str::to_owned)
                .collect();
            let file = Client::new(&client)?.open_request(&wire::NewRequest {
                kind,
                requester,
                status: Some(status),
                representative,
                identifiers,
                systems,
                received,
                fee_category,
                fee_limit_cents,
                substance,
                through_authority,
                authority_authorized,
            })?;
            if json {
                outln!("{}", crate::cli::json_line(&file)?);
            } else {
                outln!("{}", file.id);
            }
        }
        Command::Event {
            id,
            kind,
            on,
            missing,
            method,
            evidence,
            fact,
            document,
            reason,
            until,
            approved_by,
            outcome,
            reasons,
            postmarked,
            resolved,
            answer,
            authority,
            conclusions,
            actions,
            circumstance,
            reduced_percent,
            cents,
            dated,
            granted,
            client,
        } => {
            let mut fields = serde_json::Map::new();
            let mut put = |name: &str, value: Value| {
                fields.insert(name.to_owned(), value);
            };
            if let Some(resolved) = resolved {
                put("resolved", Value::from(resolved));
            }
            if let Some(granted) = granted {
                put("granted", Value::from(granted));
            }
            if let Some(reduced_percent) = reduced_percent {
                put("reduced_percent", Value::from(reduced_percent));
            }
            if let Some(cents) = cents {
                put("cents", Value::from(cents));
            }
            let texts = [
                ("method", method),
                ("document", document),
                ("reason", reason),
                ("until", until),
                ("approved_by", approved_by),
                ("outcome", outcome),
                ("reasons", reasons),
                ("postmarked", postmarked),
                ("answer", answer),
                ("authority", authority),
                ("conclusions", conclusions),
                ("actions", actions),
                ("circumstance", circumstance),
                ("dated", dated),
            ];
            for (name, value) in texts {
                if let Some(value) = value {
                    put(name, Value::from(value));
                }
            }
            for (name, values) in [
                ("missing", missing),
                ("evidence", evidence),
                ("facts", fact),
            ] {
                if !values.is_empty() {
                    put(name, Value::from(values));
                }
            }
            let file =
                Client::new(&client)?.request_event(&id, &wire::NewEvent { kind, on, fields })?;
            print_file(&file);
        }
        Command::Consult {
            owner,
            records,
            request,
            client,
        } => {
            let consultation = Client::new(&client)?.open_consultation(&wire::NewConsultation {
                owner,
                records,
                request,
            })?;
            outln!("{}", consultation.id);
        }
        Command::ConsultationAnswer {
            id,
            answer,
            on,
            client,
        } => {
            let answered = Client::new(&client)?
                .answer_consultation(&id, &wire::ConsultationReply { answer, on })?;
            outln!(
                "{} answered {} on {}",
                answered.id,
                answered.answer.as_deref().unwrap_or("(no answer)"),
                answered.answered_on.as_deref().unwrap_or("(no day)")
            );
        }
        Command::Consultations { json, client } => {
            let all = Client::new(&client)?.consultations()?;
            for item in &all.consultations {
                if json {
                    outln!("{}", crate::cli::json_line(item)?);
                } else {
                    outln!(
                        "{}  {}  {} records  {}",
                        item.id,
                        item.owner,
                        item.records.len(),
                        item.answer.as_deref().unwrap_or("(no answer yet)")
                    );
                }
            }
        }
        Command::Letter {
            id,
            kind,
            official,
            client,
        } => {
            let letter =
                Client::new(&client)?.make_letter(&id, &wire::NewLetter { kind, official })?;
            out!("{}", letter.text);
        }
        Command::Letters {
            id,
            number,
            out,
            client,
        } => {
            let client = Client::new(&client)?;
            match (number, out) {
                (None, _) => {
                    for letter in client.letters(&id)?.letters {
                        outln!(
                            "{:>3}  {:<18} {}  {}  sha256:{}",
                            letter.n,
                            letter.kind,
                            letter.on,
                            letter.by,
                            letter.sha256
                        );
                    }
                }
                (Some(n), None) => {
                    let text = client.letter(&id, n, false)?;
                    out!("{}", String::from_utf8_lossy(&text));
                }
                (Some(n), Some(file)) => {
                    let pdf = client.letter(&id, n, true)?;
                    std::fs::write(&file, &pdf).map_err(|err| {
                        Failure::failed(format!("writing {}: {err}", file.display()))
                    })?;
                    outln!("{} bytes of PDF written to {}", pdf.len(), file.display());
                }
            }
        }
        Command::Show { id, json, client } => {
            let file = Client::new(&client)?.request(&id)?;
            if json {
                outln!("{}", crate::cli::json_line(&file)?);
            } else {
                print_file(&file);
            }
        }
        Command::Due {
            as_of,
            within,
            json,
            client,
        } => {
            let due = Client::new(&client)?.requests_due(as_of.as_deref(), within)?;
            for item in &due.due {
                if json {
                    outln!("{}", crate::cli::json_line(item)?);
                } else {
                    outln!(
                        "{}  {:<8} {}  {}",
                        item.deadline.due,
                        item.deadline.state,
                        item.request,
                        item.deadline.what,
                    );
                }
            }
            if !json {
                outln!("{} deadlines due or overdue", due.due.len());
            }
        }
    }
    Ok(())
}
