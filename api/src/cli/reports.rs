//! `recvault reports`: the privacy office's yearly reports through the server, as privacy
//! staff or auditors: each system's Privacy Act and FOIA statistics, and the report to
//! Congress on complaints (seed 001 paragraph 42). A table by default, CSV or JSON on request.

use crate::cli::{json_line, Failure};
use crate::client::{Client, ClientArgs};
use crate::wire;

/// Arguments of `recvault reports`.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, clap::Subcommand)]
enum Command {
    /// Each system's requests in a year: received, processed, outcomes, exemptions,
    /// median and longest working days, pending, backlog, fees.
    Requests(ReportArgs),
    /// The complaints received in a year, by substance and resolution.
    Complaints(ReportArgs),
}

#[derive(Debug, clap::Args)]
struct ReportArgs {
    /// The calendar year.
    #[arg(long)]
    year: i32,
    /// Print CSV (as the server makes it).
    #[arg(long, conflicts_with = "json")]
    csv: bool,
    /// Print the report as JSON (the fields this client reads).
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    client: ClientArgs,
}

pub(crate) fn run(args: Args) -> Result<(), Failure> {
    let (path, report) = match &args.command {
        Command::Requests(report) => ("/v1/reports/requests", report),
        Command::Complaints(report) => ("/v1/reports/complaints", report),
    };
    let client = Client::new(&report.client)?;
    if report.csv {
        let body = client.get_bytes(&format!("{path}?year={}&format=csv", report.year))?;
        out!("{}", String::from_utf8_lossy(&body));
        return Ok(());
    }
    match &args.command {
        Command::Requests(report) => {
            let statistics = client.request_statistics(report.year)?;
            if report.json {
                outln!("{}", json_line(&statistics)?);
            } else {
                print_requests(&statistics);
            }
        }
        Command::Complaints(report) => {
            let complaints = client.complaint_report(report.year)?;
            if report.json {
                outln!("{}", json_line(&complaints)?);
            } else {
                print_complaints(&complaints);
            }
        }
    }
    Ok(())
}

/// Each system's row of the year.
fn print_requests(statistics: &wire::RequestStatistics) {
    outln!(
        "{:<20} {:>8} {:>9} {:>7} {:>7} {:>6} {:>6} {:>7} {:>7} {:>7} {:>10}  exemptions",
        "system",
        "received",
        "processed",
        "granted",
        "partly",
        "denied",
        "median",
        "longest",
        "pending",
        "backlog",
        "fees"
    );
    for row in &statistics.systems {
        let days = |days: Option<u32>| days.map_or("-".to_owned(), |n| n.to_string());
        let exemptions: Vec<String> = row
            .exemptions
            .iter()
            .map(|(code, n)| format!("{code} {n}"))
            .collect();
        outln!(
            "{:<20} {:>8} {:>9} {:>7} {:>7} {:>6} {:>6} {:>7} {:>7} {:>7} {:>10}  {}",
            row.system,
            row.received,
            row.processed,
            row.granted,
            row.partly_granted,
            row.denied,
            days(row.median_days),
            days(row.longest_days),
            row.pending,
            row.backlog,
            gate::templates::dollars(row.fees_cents),
            exemptions.join(", ")
        );
    }
}

/// The year's complaints, by substance and resolution (seed 001 paragraph 42).
fn print_complaints(report: &wire::ComplaintReportView) {
    outln!(
        "complaints received in {}: {}",
        report.year,
        report.received
    );
    outln!(
        "  through a data protection authority: {}",
        report.through_authority
    );
    for (title, counts) in [
        ("by substance", &report.by_substance),
        ("by resolution", &report.by_resolution),
    ] {
        outln!("  {title}:");
        for (name, n) in counts {
            outln!("    {name:<36} {n}");
        }
    }
    outln!(
        "  referred by an authority to the Privacy Office: {}",
        report.authority_referrals
    );
    outln!(
        "  of them concluded late: {}",
        report.referrals_concluded_late
    );
}
