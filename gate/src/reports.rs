//! The privacy office's yearly reports from the case files (issue 24 §2): each system's
//! Privacy Act and FOIA statistics, and the report to Congress on complaints (seed 001
//! paragraph 42). The counting is `policy::reports`; this reads the files, each read logged.

use policy::reports::{ComplaintReport, Filed, SystemYear};

use chrono::Datelike;

use super::requests::RequestFile;
use super::*;
use privacy::cases::Cases as _;

impl Gate {
    /// Every request file, read under `access` (each read logged).
    fn all_request_files(&self, access: &Access) -> Result<Vec<RequestFile>, Refusal> {
        self.vault
            .case_ids()?
            .iter()
            .map(|id| self.request_file(access, id))
            .collect()
    }

    /// The year asked: one that has begun (a report of the future counts nothing).
    fn report_year(&self, year: i32) -> Result<i32, Refusal> {
        let this_year = self.now().year();
        if !(1970..=9999).contains(&year) {
            Err(Refusal::Invalid("`year` is from 1970 to 9999".into()))
        } else if year > this_year {
            // A year to come depends on the day: 422.
            Err(Refusal::Unprocessable(format!(
                "`year` is from 1970 to {this_year}: a report counts a year begun"
            )))
        } else {
            Ok(year)
        }
    }

    /// Each system's requests in `year` (policy::reports::request_statistics).
    pub fn request_statistics(
        &self,
        caller: &Caller,
        context: &RequestContext,
        year: i32,
    ) -> Result<Vec<SystemYear>, Refusal> {
        let year = self.report_year(year)?;
        let access = self.authorize_vault(caller, context, Action::RequestsView)?;
        let files = self.all_request_files(&access)?;
        Ok(policy::reports::request_statistics(&filed(&files), year))
    }

    /// The complaints received in `year`, by substance and resolution (seed 001 paragraph 42).
    pub fn complaint_report(
        &self,
        caller: &Caller,
        context: &RequestContext,
        year: i32,
    ) -> Result<ComplaintReport, Refusal> {
        let year = self.report_year(year)?;
        let access = self.authorize_vault(caller, context, Action::RequestsView)?;
        let files = self.all_request_files(&access)?;
        Ok(policy::reports::complaints(&filed(&files), year))
    }
}

fn filed(files: &[RequestFile]) -> Vec<Filed<'_>> {
    files
        .iter()
        .map(|file| Filed {
            systems: &file.systems,
            case: &file.case,
            exemptions: &file.exemptions_applied,
            substance: file
                .complaint
                .as_ref()
                .map(|complaint| complaint.substance.as_str()),
            via_authority: file
                .complaint
                .as_ref()
                .is_some_and(|complaint| complaint.through_authority.is_some()),
        })
        .collect()
}
