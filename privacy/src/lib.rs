//! The Privacy Act domain, on the storage kernel (`vault`): what the Act and Treasury's rules
//! make an agency keep beside its records, written only through the kernel's transaction
//! (`vault::Change`), whose typed methods seal or sign what is stored (or write an empty index
//! entry, a notice's mark, a counter) and commit it with its access-log entry. The kernel
//! stores these values without knowing what they mean.
//!
//! # Layout
//! - `accounting`: the accounting of disclosures (552a(c), 31 CFR 1.25): releases, written in
//!   the release's own batch, sealed under keys of their own that outlive the records, found
//!   by the subject, carried while the record lives, destroyed by year; notices to the
//!   individual and to prior recipients.
//! - `annotations`: corrections, disputes and statements of disagreement, append-only, sealed
//!   as the record's attachments; reads of records and transfer packages with them.
//! - `accounts`: the served vault's accounts (role, organization, vetting), signed.
//! - `cases`: Privacy Act request case files and high-risk designations, sealed under the
//!   accounting's year keys, with the identifiers of whom they are about blind-indexed.
//! - `documents`: signed configuration documents (SORN files, registries, templates, ledgers).
//!
//! Each module adds its operations to [`vault::Vault`] through a trait of its own
//! ([`accounting::Accounting`], [`annotations::Annotations`], [`accounts::Accounts`],
//! [`cases::Cases`], [`documents::Documents`]): bring the trait into scope to call them.

pub mod accounting;
pub mod accounts;
pub mod annotations;
pub mod cases;
pub mod documents;
