//! `recvault retention`: what the schedules would do (`plan`), running them now (`run`,
//! through the server, as a records officer), its `status` (trusted time, compaction), and the
//! disposition certificates.

use serde_json::{json, Value};

use crate::cli::Failure;
use crate::client::{Client, ClientArgs};

/// Arguments of `recvault retention`.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, clap::Subcommand)]
enum Command {
    /// Per system and cohort, what would be destroyed (approved schedule in force) or only
    /// reported (proposed schedule) on a day; changes nothing.
    Plan {
        /// The day to plan for (YYYY-MM-DD; default: today).
        #[arg(long, value_name = "DATE")]
        as_of: Option<String>,
        /// One JSON object per line.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        client: ClientArgs,
    },
    /// Run the schedules now, with the server's clock (nothing can make it destroy early).
    Run {
        /// Confirm a clock that jumped forward from the last run's time.
        #[arg(long)]
        confirm_clock: bool,
        /// A second records officer's approval of this plan (`retention approve`), for a run
        /// larger than one officer may make alone.
        #[arg(long, value_name = "ID")]
        approval: Option<String>,
        #[command(flatten)]
        client: ClientArgs,
    },
    /// Approve, as a second records officer and from your own session, the run the plan shows
    /// now: prints a single-use approval id, bound to this plan and valid for an hour, which
    /// the officer who runs passes with `retention run --approval`.
    Approve {
        #[command(flatten)]
        client: ClientArgs,
    },
    /// The trusted time, an interrupted run awaiting the next, and the background
    /// compaction's progress after a destruction.
    Status {
        #[command(flatten)]
        client: ClientArgs,
    },
    /// The signed disposition certificates.
    Certificates {
        /// One JSON object per line.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        client: ClientArgs,
    },
}

fn due_line(due: &Value) -> String {
    format!(
        "cohort {:>6}  {}/{} collected {} to {}  {} under {} ({}), life ended {}",
        due["cohort"],
        due["system"].as_str().unwrap_or(""),
        due["category"].as_str().unwrap_or(""),
        due["collected_from"]
            .as_str()
            .unwrap_or("")
            .get(..10)
            .unwrap_or(""),
        due["collected_to"]
            .as_str()
            .unwrap_or("")
            .get(..10)
            .unwrap_or(""),
        if due["destroy"].as_bool() == Some(true) {
            "DESTROY"
        } else {
            "report only"
        },
        due["schedule"].as_str().unwrap_or(""),
        due["status"].as_str().unwrap_or(""),
        due["life_ended"]
            .as_str()
            .unwrap_or("")
            .get(..10)
            .unwrap_or(""),
    )
}

pub(crate) fn run(args: Args) -> Result<(), Failure> {
    match args.command {
        Command::Plan {
            as_of,
            json,
            client,
        } => {
            let answer =
                Client::new(&client)?.post("/v1/retention/plan", &json!({"as_of": as_of}))?;
            let due = answer["due"].as_array().cloned().unwrap_or_default();
            for item in &due {
                if json {
                    println!("{item}");
                } else {
                    println!("{}", due_line(item));
                    if let Some(phase) = item["defer_to"].as_str() {
                        println!("    first: records read by a person move to the {phase} phase");
                    }
                    for kept in item["kept_by"].as_array().into_iter().flatten() {
                        let keeper = kept["keeper"].as_str().unwrap_or("");
                        match kept["records"].as_u64() {
                            Some(records) => println!("    kept: {records} records by {keeper}"),
                            None => println!(
                                "    kept: by {keeper} (a request's preservation, not counted)"
                            ),
                        }
                    }
                }
            }
            if !json {
                println!("{} cohorts due", due.len());
                for phase in answer["phases"].as_array().into_iter().flatten() {
                    println!(
                        "{}: {} cohorts in {}",
                        phase["system"].as_str().unwrap_or(""),
                        phase["cohorts"],
                        phase["phase"].as_str().unwrap_or("")
                    );
                }
            }
        }
        Command::Approve { client } => {
            let answer = Client::new(&client)?.post("/v1/retention/approvals", &json!({}))?;
            let field = |name: &str| {
                answer[name]
                    .as_str()
                    .map(str::to_owned)
                    .or_else(|| answer[name].as_u64().map(|n| n.to_string()))
                    .ok_or_else(|| Failure::failed(format!("the server's answer has no `{name}`")))
            };
            println!(
                "approval {} of a run of {} records in {} cohorts (plan sha256:{}), usable once until {}",
                field("id")?,
                field("records")?,
                field("cohorts")?,
                field("plan_sha256")?,
                field("expires")?
            );
        }
        Command::Run {
            confirm_clock,
            approval,
            client,
        } => {
            let answer = Client::new(&client)?.post(
                "/v1/retention/run",
                &json!({"confirm_clock": confirm_clock, "approval": approval}),
            )?;
            for item in answer["destroyed"].as_array().into_iter().flatten() {
                match item["held"].as_u64() {
                    Some(held) => println!(
                        "destroyed: {} ({} records, {held} held kept)",
                        due_line(item),
                        item["records"]
                    ),
                    None => println!(
                        "destroyed: {} ({} records; held records kept, a request's preservation among them, not counted)",
                        due_line(item),
                        item["records"]
                    ),
                }
            }
            for item in answer["reported"].as_array().into_iter().flatten() {
                println!("reported: {}", due_line(item));
            }
            match answer["certificate"]["name"].as_str() {
                Some(name) => println!("certificate {name} signed and kept"),
                None => println!("nothing was due"),
            }
        }
        Command::Status { client } => {
            let answer = Client::new(&client)?.get("/v1/retention/status")?;
            println!(
                "trusted time: {}",
                answer["trusted_time"]
                    .as_str()
                    .unwrap_or("none (no run yet)")
            );
            if answer["interrupted_run"].as_bool() == Some(true) {
                println!(
                    "an interrupted run awaits the next run, which will finish and certify it"
                );
            }
            let compaction = &answer["compaction"];
            println!(
                "compaction: {} ({} of {} columns{}{})",
                compaction["state"].as_str().unwrap_or(""),
                compaction["columns_done"],
                compaction["columns"],
                compaction["started"]
                    .as_str()
                    .map(|at| format!(", started {at}"))
                    .unwrap_or_default(),
                compaction["finished"]
                    .as_str()
                    .map(|at| format!(", finished {at}"))
                    .unwrap_or_default(),
            );
        }
        Command::Certificates { json, client } => {
            let answer = Client::new(&client)?.get("/v1/retention/certificates")?;
            for certificate in answer["certificates"].as_array().into_iter().flatten() {
                if json {
                    println!("{certificate}");
                } else {
                    println!(
                        "== certificate {} (signature {})",
                        certificate["name"].as_str().unwrap_or(""),
                        certificate["signature"].as_str().unwrap_or("")
                    );
                    print!("{}", certificate["text"].as_str().unwrap_or(""));
                }
            }
        }
    }
    Ok(())
}
