//! `recvault disclose` and `recvault accounting`: releases outside the agency on a legal
//! basis, through the server, and the accounting of disclosures about a subject.

use std::path::PathBuf;

use zeroize::Zeroizing;

use crate::cli::Failure;
use crate::client::{Client, ClientArgs};
use crate::wire;

/// Arguments of `recvault disclose`.
#[derive(Debug, clap::Args)]
#[command(group(clap::ArgGroup::new("basis").required(true).args(["routine_use", "condition", "consent", "designated_authority", "vital_interests", "legal_proceedings"])))]
#[command(group(clap::ArgGroup::new("released").required(true).args(["records", "population"])))]
pub struct DiscloseArgs {
    /// A record to release (repeat for several, all of one system).
    #[arg(long = "record", value_name = "ID")]
    records: Vec<String>,
    /// For a statistical release (b5) only: what it counts, `SYSTEM/CATEGORY/PERIOD` (one
    /// category's records collected in one closed period: `YYYY`, `YYYY-Qn` or `YYYY-MM`).
    #[arg(long, value_name = "SYSTEM/CATEGORY/PERIOD")]
    population: Option<String>,
    /// The recipient's name.
    #[arg(long, value_name = "NAME")]
    recipient_name: String,
    /// The recipient's address.
    #[arg(long, value_name = "ADDR")]
    recipient_address: String,
    /// The recipient's category: federal-agency, state-agency, local-agency, tribal-agency,
    /// territorial-agency, foreign-agency, international-organization, court, congress,
    /// contractor, former-employee, news-media, individual.
    #[arg(long, value_name = "CAT")]
    recipient_category: String,
    /// The release's purpose (a purpose code of the routine use or the system).
    #[arg(long, value_name = "CODE")]
    purpose: String,
    /// The case the release serves.
    #[arg(long = "case", value_name = "ID")]
    case_id: Option<String>,
    /// A routine use of the system, by letter.
    #[arg(long, value_name = "LETTER")]
    routine_use: Option<String>,
    /// A condition of 5 U.S.C. 552a(b): b1 to b11.
    #[arg(long, value_name = "bN")]
    condition: Option<String>,
    /// The evidence the condition needs (the written request, the justification, the court
    /// order): the vault records its SHA-256, not its contents.
    #[arg(long, value_name = "FILE")]
    evidence: Option<PathBuf>,
    /// (b)(7): the written request is signed by the head of the requesting agency.
    #[arg(long)]
    agency_head_request: bool,
    /// (b)(7): a field of the portion requested (`fields.amount`, `subject.name`); repeat.
    #[arg(long = "portion", value_name = "FIELD")]
    portion: Vec<String>,
    /// (b)(7): the law-enforcement activity.
    #[arg(long, value_name = "TEXT")]
    activity: Option<String>,
    /// The individual's written consent (its file; the vault records its SHA-256).
    #[arg(long, value_name = "FILE")]
    consent: Option<PathBuf>,
    /// PNR, Undertakings paragraph 29: a registered designated authority, by name (the
    /// recipient); with `--statute` and `--violation`.
    #[arg(long, value_name = "NAME")]
    designated_authority: Option<String>,
    /// Paragraph 30: the statute or regulation the designated authority enforces.
    #[arg(long, value_name = "TEXT")]
    statute: Option<String>,
    /// Paragraph 30: the indication of a violation or potential violation of law.
    #[arg(long, value_name = "TEXT")]
    violation: Option<String>,
    /// Consent: who gave it (the individual, a parent, a guardian).
    #[arg(long, value_name = "TEXT")]
    given_by: Option<String>,
    /// The date of the document on file (consent, request, order), YYYY-MM-DD.
    #[arg(long, value_name = "DATE")]
    dated: Option<String>,
    /// (b)(11): the court.
    #[arg(long, value_name = "TEXT")]
    court: Option<String>,
    /// (b)(11): the case's name and number.
    #[arg(long, value_name = "TEXT")]
    case_number: Option<String>,
    /// (b)(11): to whom the order or subpoena is returnable.
    #[arg(long, value_name = "TEXT")]
    returnable_to: Option<String>,
    /// The compulsory legal process the release answers, whatever the basis (1.22(f)):
    /// `subpoena`, `court-order`, `grand-jury-subpoena` or `ex-parte-order`. The individual's
    /// notice states the court, the case, the date and to whom returnable.
    #[arg(long, value_name = "KIND")]
    process: Option<String>,
    /// A grand-jury subpoena or ex parte order: the day it became a matter of public record,
    /// YYYY-MM-DD, if it has (the notice is due five days after).
    #[arg(long, value_name = "DATE")]
    public_on: Option<String>,
    /// (b)(7): who signed the written request.
    #[arg(long, value_name = "TEXT")]
    signer: Option<String>,
    /// (b)(7): the requesting agency.
    #[arg(long, value_name = "TEXT")]
    agency: Option<String>,
    /// (b)(8): the compelling circumstances affecting health or safety.
    #[arg(long, value_name = "TEXT")]
    circumstances: Option<String>,
    /// A routine use whose notice requires an approval (TTAR's R): who approved.
    #[arg(long, value_name = "TEXT")]
    approved_by: Option<String>,
    /// The approval's date, YYYY-MM-DD.
    #[arg(long, value_name = "DATE")]
    approved_on: Option<String>,
    /// The approval's reference.
    #[arg(long, value_name = "REF")]
    approval_reference: Option<String>,
    /// (b)(5): a field to count by (one the notice marks statistical; repeat, at most 3). The
    /// recipient gets a table of counts, never the records.
    #[arg(long = "tabulate", value_name = "FIELD")]
    tabulate: Vec<String>,
    /// (b)(5): a higher minimum count of a released cell than 10.
    #[arg(long, value_name = "N")]
    min_cell: Option<u32>,
    /// PNR, paragraph 34: to a relevant government authority for vital interests; with
    /// `--necessity`.
    #[arg(long)]
    vital_interests: bool,
    /// Paragraph 34: why the release is necessary to protect vital interests.
    #[arg(long, value_name = "TEXT")]
    necessity: Option<String>,
    /// PNR, paragraph 35: in criminal judicial proceedings or as required by law; with
    /// `--evidence` (the subpoena, order or law) and `--proceeding`.
    #[arg(long)]
    legal_proceedings: bool,
    /// Paragraph 35: the proceeding (court and case) or the law requiring the release.
    #[arg(long, value_name = "TEXT")]
    proceeding: Option<String>,
    /// Enter into the accounting a disclosure made outside the vault: `paper` or `oral`
    /// (1.25(b)). Nothing is released through the vault.
    #[arg(long, value_name = "NATURE")]
    outside: Option<String>,
    /// Attest that reasonable efforts were made to assure the records are accurate,
    /// complete, timely and relevant (required for any recipient but a federal agency).
    #[arg(long)]
    accuracy_attested: bool,
    #[command(flatten)]
    client: ClientArgs,
}

/// Arguments of `recvault accounting`.
#[derive(Debug, clap::Args)]
pub struct AccountingArgs {
    /// The subject, `TYPE=VALUE` (passport=CC:NUMBER).
    #[arg(long, value_name = "TYPE=VALUE")]
    subject: String,
    /// Only what the individual is told (1.25(d)(2)).
    #[arg(long)]
    for_individual: bool,
    /// One JSON object per line.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    client: ClientArgs,
}

fn file_reference(path: &PathBuf) -> Result<String, Failure> {
    let bytes = Zeroizing::new(
        std::fs::read(path)
            .map_err(|err| Failure::failed(format!("reading `{}`: {err}", path.display())))?,
    );
    Ok(format!(
        "sha256:{}",
        hex::encode(vault::crypto::sha256(&bytes))
    ))
}

pub(crate) fn disclose(args: DiscloseArgs) -> Result<(), Failure> {
    let client = Client::new(&args.client)?;
    let evidence = args.evidence.as_ref().map(file_reference).transpose()?;
    // Exactly one basis is given: the `basis` argument group takes one.
    let basis = wire::ReleaseBasis {
        routine_use: args.routine_use,
        condition: args.condition,
        consent: args.consent.as_ref().map(file_reference).transpose()?,
        designated_authority: args.designated_authority,
        vital_interests: args.vital_interests,
        legal_proceedings: args.legal_proceedings,
        evidence,
        agency_head_request: args.agency_head_request,
        portion: args.portion,
        activity: args.activity,
        statute: args.statute,
        violation: args.violation,
        necessity: args.necessity,
        proceeding: args.proceeding,
        given_by: args.given_by,
        dated: args.dated,
        court: args.court,
        case_number: args.case_number,
        returnable_to: args.returnable_to,
        process: args.process,
        public_on: args.public_on,
        signer: args.signer,
        agency: args.agency,
        circumstances: args.circumstances,
        approved_by: args.approved_by,
        approved_on: args.approved_on,
        approval_reference: args.approval_reference,
        tabulate: args.tabulate,
        min_cell: args.min_cell,
    };
    let population = match args
        .population
        .as_deref()
        .map(|text| text.split('/').collect::<Vec<_>>())
    {
        None => None,
        Some(parts) if parts.len() == 3 => Some(wire::Population {
            system: parts[0].to_owned(),
            category: parts[1].to_owned(),
            period: parts[2].to_owned(),
        }),
        Some(_) => return Err(Failure::usage(
            "--population is SYSTEM/CATEGORY/PERIOD (for example fincen-cbetf/transmittal/2026-03)",
        )),
    };
    let disclosed = client.disclose(&wire::NewDisclosure {
        records: args.records,
        search: None,
        population,
        recipient: wire::Recipient {
            name: args.recipient_name,
            address: args.recipient_address,
            category: args.recipient_category,
        },
        purpose: args.purpose,
        case: args.case_id,
        basis,
        accuracy_attested: args.accuracy_attested,
        nature: Some(args.outside.unwrap_or_else(|| "electronic".to_owned())),
    })?;
    eprintln!(
        "recvault: released package {} under {}",
        disclosed.package, disclosed.basis
    );
    outln!("{}", crate::cli::json_line(&disclosed)?);
    Ok(())
}

pub(crate) fn accounting(args: AccountingArgs) -> Result<(), Failure> {
    let client = Client::new(&args.client)?;
    let identifier = crate::cli::identifier_arg(&args.subject)?;
    let entries = client
        .accounting(&wire::AccountingSearch {
            identifier,
            for_individual: args.for_individual,
        })?
        .entries;
    // The staff view has every field the individual's leaves out: one missing is an answer this
    // client cannot read, never a blank.
    let staff = |text: &Option<String>, field: &str| {
        text.clone().ok_or_else(|| {
            Failure::failed(format!(
                "the server's accounting entry has no `{field}`: are the server and this client the same version?"
            ))
        })
    };
    for entry in &entries {
        if args.json {
            outln!("{}", crate::cli::json_line(entry)?);
        } else if args.for_individual {
            // What the individual is shown (552a(c)(1)): date, nature, purpose, recipient.
            outln!(
                "{}  {}  for {}  to {}, {}",
                entry.date,
                entry.nature,
                entry.purpose,
                entry.recipient.name,
                entry.recipient.address
            );
        } else {
            outln!(
                "{}  record {}  {}  to {} ({}), {}  for {}  package {}",
                entry.date,
                staff(&entry.record, "record")?,
                staff(&entry.basis, "basis")?,
                entry.recipient.name,
                staff(&entry.recipient.category, "recipient.category")?,
                entry.recipient.address,
                entry.purpose,
                staff(&entry.package, "package")?
            );
        }
    }
    if !args.json {
        outln!("{} entries", entries.len());
    }
    Ok(())
}
