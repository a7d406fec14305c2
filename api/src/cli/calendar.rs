//! `recvault calendar`: the legal calendar (5 U.S.C. 6103): due dates counted in days
//! excluding Saturdays, Sundays and legal public holidays, and each year's holidays.

use chrono::NaiveDate;
use policy::calendar::{add_calendar_days, add_working_days, holidays};

use crate::cli::Failure;

/// Arguments of `recvault calendar`.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, clap::Subcommand)]
enum Command {
    /// The due date N days after a date, excluding Saturdays, Sundays and legal public
    /// holidays (the day of the event not counted), as in 31 CFR 1.26(g) and 1.27.
    BusinessDays {
        /// The day of the event (YYYY-MM-DD).
        #[arg(long, value_name = "DATE")]
        from: NaiveDate,
        /// How many such days.
        #[arg(long, value_name = "N")]
        days: u32,
    },
    /// The due date N calendar days after a date (the day of the event not counted).
    CalendarDays {
        /// The day of the event (YYYY-MM-DD).
        #[arg(long, value_name = "DATE")]
        from: NaiveDate,
        /// How many days.
        #[arg(long, value_name = "N")]
        days: u32,
    },
    /// The legal public holidays observed in a year.
    Holidays {
        /// The year.
        #[arg(long, value_name = "YYYY")]
        year: i32,
    },
}

pub(crate) fn run(args: Args) -> Result<(), Failure> {
    match args.command {
        Command::BusinessDays { from, days } => {
            let due = add_working_days(from, days)
                .ok_or_else(|| Failure::failed("the due date is beyond the calendar"))?;
            outln!("{due}");
        }
        Command::CalendarDays { from, days } => {
            let due = add_calendar_days(from, days)
                .ok_or_else(|| Failure::failed("the due date is beyond the calendar"))?;
            outln!("{due}");
        }
        Command::Holidays { year } => {
            if !(1900..=9000).contains(&year) {
                return Err(Failure::usage("the year must be 1900 to 9000"));
            }
            for (date, name) in holidays(year) {
                outln!("{date} {} {name}", date.format("%a"));
            }
        }
    }
    Ok(())
}
