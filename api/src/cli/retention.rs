//! `recvault retention`: what the schedules would do (`plan`), running them now (`run`,
//! through the server, as a records officer), its `status` (trusted time, compaction), and the
//! disposition certificates.

use crate::cli::Failure;
use crate::client::{Client, ClientArgs};
use crate::wire;

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

fn due_line(due: &wire::DueCohort) -> String {
    let day = |at: &str| at.get(..10).unwrap_or(at).to_owned();
    format!(
        "cohort {:>6}  {}/{} collected {} to {}  {} under {} ({}), life ended {}",
        due.cohort,
        due.system,
        due.category,
        day(&due.collected_from),
        day(&due.collected_to),
        if due.destroy {
            "DESTROY"
        } else {
            "report only"
        },
        due.schedule,
        due.status,
        day(&due.life_ended),
    )
}

pub(crate) fn run(args: Args) -> Result<(), Failure> {
    match args.command {
        Command::Plan {
            as_of,
            json,
            client,
        } => {
            let plan = Client::new(&client)?.retention_plan(&wire::PlanFor { as_of })?;
            for item in &plan.due {
                if json {
                    outln!("{}", crate::cli::json_line(item)?);
                } else {
                    outln!("{}", due_line(&item.due));
                    if let Some(phase) = &item.due.defer_to {
                        outln!("    first: records read by a person move to the {phase} phase");
                    }
                    for kept in &item.kept_by {
                        match kept.records {
                            Some(records) => {
                                outln!("    kept: {records} records by {}", kept.keeper)
                            }
                            None => outln!(
                                "    kept: by {} (a request's preservation, not counted)",
                                kept.keeper
                            ),
                        }
                    }
                }
            }
            if !json {
                outln!("{} cohorts due", plan.due.len());
                for phase in &plan.phases {
                    outln!(
                        "{}: {} cohorts in {}",
                        phase.system,
                        phase.cohorts,
                        phase.phase
                    );
                }
            }
        }
        Command::Approve { client } => {
            let approval = Client::new(&client)?.approve_retention_run()?;
            outln!(
                "approval {} of a run of {} records in {} cohorts (plan sha256:{}), usable once until {}",
                approval.id,
                approval.records,
                approval.cohorts,
                approval.plan_sha256,
                approval.expires
            );
        }
        Command::Run {
            confirm_clock,
            approval,
            client,
        } => {
            let done = Client::new(&client)?.retention_run(&wire::RunNow {
                confirm_clock,
                approval,
            })?;
            for item in &done.destroyed {
                match item.held {
                    Some(held) => outln!(
                        "destroyed: {} ({} records, {held} held kept)",
                        due_line(&item.due),
                        item.records
                    ),
                    None => outln!(
                        "destroyed: {} ({} records; held records kept, a request's preservation among them, not counted)",
                        due_line(&item.due),
                        item.records
                    ),
                }
            }
            for item in &done.reported {
                outln!("reported: {}", due_line(item));
            }
            match &done.certificate {
                Some(certificate) => {
                    outln!("certificate {} signed and kept", certificate.name)
                }
                None => outln!("nothing was due"),
            }
        }
        Command::Status { client } => {
            let status = Client::new(&client)?.retention_status()?;
            outln!(
                "trusted time: {}",
                status
                    .trusted_time
                    .as_deref()
                    .unwrap_or("none (no run yet)")
            );
            if status.interrupted_run {
                outln!("an interrupted run awaits the next run, which will finish and certify it");
            }
            let compaction = &status.compaction;
            outln!(
                "compaction: {} ({} of {} columns{}{})",
                compaction.state,
                compaction.columns_done,
                compaction.columns,
                compaction
                    .started
                    .as_deref()
                    .map(|at| format!(", started {at}"))
                    .unwrap_or_default(),
                compaction
                    .finished
                    .as_deref()
                    .map(|at| format!(", finished {at}"))
                    .unwrap_or_default(),
            );
        }
        Command::Certificates { json, client } => {
            for certificate in Client::new(&client)?.retention_certificates()?.certificates {
                if json {
                    outln!("{}", crate::cli::json_line(&certificate)?);
                } else {
                    outln!(
                        "== certificate {} (signature {})",
                        certificate.name,
                        certificate.signature
                    );
                    out!("{}", certificate.text);
                }
            }
        }
    }
    Ok(())
}
