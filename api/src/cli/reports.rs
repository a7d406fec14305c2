//! `recvault reports`: the privacy office's yearly reports through the server, as privacy
//! staff or auditors: each system's Privacy Act and FOIA statistics, and the report to
//! Congress on complaints (seed 001 paragraph 42). A table by default, CSV or JSON on request.

use serde_json::Value;

use crate::cli::Failure;
use crate::client::{Client, ClientArgs};

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
    /// Print the server's JSON.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    client: ClientArgs,
}

/// A number the server's answer must have: a missing one is an answer the CLI cannot read,
/// not a zero.
fn count(value: &Value, name: &str) -> Result<u64, Failure> {
    value[name].as_u64().ok_or_else(|| {
        Failure::failed(format!(
            "the server's report has no number `{name}`: is the server of this version?"
        ))
    })
}

pub(crate) fn run(args: Args) -> Result<(), Failure> {
    let (path, report) = match &args.command {
        Command::Requests(report) => ("/v1/reports/requests", report),
        Command::Complaints(report) => ("/v1/reports/complaints", report),
    };
    let client = Client::new(&report.client)?;
    if report.csv {
        let body = client.get_bytes(&format!("{path}?year={}&format=csv", report.year))?;
        print!("{}", String::from_utf8_lossy(&body));
        return Ok(());
    }
    let answer = client.get(&format!("{path}?year={}", report.year))?;
    if report.json {
        println!("{answer}");
        return Ok(());
    }
    match args.command {
        Command::Requests(_) => {
            let systems = answer["systems"].as_array().ok_or_else(|| {
                Failure::failed("the server's report has no `systems`".to_owned())
            })?;
            println!(
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
            for row in systems {
                let days =
                    |name: &str| row[name].as_u64().map_or("-".to_owned(), |n| n.to_string());
                let exemptions: Vec<String> = row["exemptions"]
                    .as_object()
                    .map(|map| map.iter().map(|(code, n)| format!("{code} {n}")).collect())
                    .unwrap_or_default();
                println!(
                    "{:<20} {:>8} {:>9} {:>7} {:>7} {:>6} {:>6} {:>7} {:>7} {:>7} {:>10}  {}",
                    row["system"].as_str().unwrap_or("?"),
                    count(row, "received")?,
                    count(row, "processed")?,
                    count(row, "granted")?,
                    count(row, "partly_granted")?,
                    count(row, "denied")?,
                    days("median_days"),
                    days("longest_days"),
                    count(row, "pending")?,
                    count(row, "backlog")?,
                    gate::templates::dollars(count(row, "fees_cents")?),
                    exemptions.join(", ")
                );
            }
        }
        Command::Complaints(_) => {
            println!(
                "complaints received in {}: {}",
                report_year(&answer)?,
                count(&answer, "received")?
            );
            println!(
                "  through a data protection authority: {}",
                count(&answer, "through_authority")?
            );
            for (title, key) in [
                ("by substance", "by_substance"),
                ("by resolution", "by_resolution"),
            ] {
                println!("  {title}:");
                let map = answer[key].as_object().ok_or_else(|| {
                    Failure::failed(format!("the server's report has no `{key}`"))
                })?;
                for (name, n) in map {
                    println!("    {name:<36} {}", n.as_u64().unwrap_or(0));
                }
            }
            println!(
                "  referred by an authority to the Privacy Office: {}",
                count(&answer, "authority_referrals")?
            );
            println!(
                "  of them concluded late: {}",
                count(&answer, "referrals_concluded_late")?
            );
        }
    }
    Ok(())
}

fn report_year(answer: &Value) -> Result<i64, Failure> {
    answer["year"]
        .as_i64()
        .ok_or_else(|| Failure::failed("the server's report has no `year`".to_owned()))
}
