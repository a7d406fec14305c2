//! The workspace's one integration-test binary.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test helpers fail the test with the reason"
)]

mod at_rest;
mod backup;
mod destruction;
mod disk_full;
mod log_attacks;
mod retention_run;
mod rollback;
mod tidy;
mod upgrade;
