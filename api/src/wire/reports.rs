//! The privacy office's yearly reports: each system's requests, and the complaints (PNR).

use std::collections::BTreeMap;

use super::*;

/// One system's Privacy Act and FOIA requests in a year (`policy::reports::SystemYear`).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SystemYearView {
    /// The system.
    pub system: String,
    /// The year.
    pub year: i32,
    /// Requests received.
    pub received: u32,
    /// Requests processed.
    pub processed: u32,
    /// Determinations granting in full.
    pub granted: u32,
    /// Determinations granting in part.
    pub partly_granted: u32,
    /// Determinations refusing.
    pub denied: u32,
    /// Requests determined in the year that applied each exemption, by the exemption's code.
    pub exemptions: BTreeMap<String, u32>,
    /// Median working days from receipt to processing.
    pub median_days: Option<u32>,
    /// Longest.
    pub longest_days: Option<u32>,
    /// Pending at the year's end.
    pub pending: u32,
    /// Pending at the year's end past their determination's due date.
    pub backlog: u32,
    /// Fees paid in the year, in cents.
    pub fees_cents: u64,
}

impl SystemYearView {
    /// `row` as the report shows it.
    pub fn of(row: &policy::reports::SystemYear) -> Self {
        SystemYearView {
            system: row.system.clone(),
            year: row.year,
            received: row.received,
            processed: row.processed,
            granted: row.granted,
            partly_granted: row.partly_granted,
            denied: row.denied,
            exemptions: row.exemptions.clone(),
            median_days: row.median_days,
            longest_days: row.longest_days,
            pending: row.pending,
            backlog: row.backlog,
            fees_cents: row.fees_cents,
        }
    }
}

/// Each system's requests of a year (`GET /v1/reports/requests`).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct RequestStatistics {
    /// The year.
    pub year: i32,
    /// One row per system that had a request received, processed or pending in it.
    pub systems: Vec<SystemYearView>,
}

/// The complaints received in a year (`GET /v1/reports/complaints`;
/// `policy::reports::ComplaintReport`).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ComplaintReportView {
    /// The year.
    pub year: i32,
    /// Complaints received.
    pub received: u32,
    /// Of them, through a data protection authority.
    pub through_authority: u32,
    /// By substance.
    pub by_substance: BTreeMap<String, u32>,
    /// By resolution at the year's end.
    pub by_resolution: BTreeMap<String, u32>,
    /// Referred by an authority to the Privacy Office (paragraph 42).
    pub authority_referrals: u32,
    /// Of those, whose conclusions went out later than the expedited time.
    pub referrals_concluded_late: u32,
}

impl ComplaintReportView {
    /// `report` as it is shown.
    pub fn of(report: &policy::reports::ComplaintReport) -> Self {
        ComplaintReportView {
            year: report.year,
            received: report.received,
            through_authority: report.through_authority,
            by_substance: report.by_substance.clone(),
            by_resolution: report.by_resolution.clone(),
            authority_referrals: report.authority_referrals,
            referrals_concluded_late: report.referrals_concluded_late,
        }
    }
}
