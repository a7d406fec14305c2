//! How long records live. `plan` holds the pure rules: which cohorts a system's records
//! schedule lets go on a given day (approved schedules destroy; proposed ones only report).
//! `run` carries a plan out against a vault: checks the clock against the trusted time,
//! destroys what is due (held records survive in their hold cohorts), and writes a signed
//! disposition certificate.
//!
//! Rules never read the clock: `now` is an input everywhere.
//!
//! - `plan`: the due cohorts of a day, by the schedules (pure).
//! - `run`: a plan carried out against a vault, with its certificate.

pub mod plan;
pub mod run;
