//! The Privacy Act domain, on the storage kernel (`vault`): what the Act and Treasury's rules
//! make an agency keep beside its records, written only through the kernel's transaction
//! (`vault::Change`), whose typed methods seal or sign what is stored (or write an empty index
//! entry, a notice's mark, a counter) and commit it with its access-log entry. The kernel
//! stores these values without knowing what they mean.
//!
//! # Layout
//! - `accounts`: the served vault's accounts (role, organization, vetting), signed.
//! - `cases`: Privacy Act request case files and high-risk designations, sealed under the
//!   accounting's year keys, with the identifiers of whom they are about blind-indexed.
//!
//! Each module adds its operations to [`vault::Vault`] through a trait of its own
//! ([`accounts::Accounts`], [`cases::Cases`]): bring the trait into scope to call them.

pub mod accounts;
pub mod cases;
