//! The systems of records the gate knows, with their owners and purpose codes. Built in until
//! the systems-of-records issue loads them from SORN files.

/// The pseudo-system of the vault's own actions (administration, audit).
pub const VAULT_SYSTEM: &str = "vault";

/// A system of records.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct System {
    /// Its id (`fincen-cbetf`).
    pub id: String,
    /// The organization that owns it: its staff have need-to-know access.
    pub owner: String,
    /// The purpose codes a search or read may declare.
    pub purposes: Vec<String>,
}

/// The systems of records.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Catalog {
    systems: Vec<System>,
}

impl Catalog {
    /// The one system known before SORN files: FinCEN's cross-border electronic funds
    /// transfer reports, owned by `treasury-fincen`, with the purpose code `investigation`.
    pub fn builtin() -> Self {
        Catalog {
            systems: vec![System {
                id: "fincen-cbetf".into(),
                owner: "treasury-fincen".into(),
                purposes: vec!["investigation".into()],
            }],
        }
    }

    /// The system `id`, if known.
    pub fn system(&self, id: &str) -> Option<&System> {
        self.systems.iter().find(|system| system.id == id)
    }

    /// Every system.
    pub fn systems(&self) -> &[System] {
        &self.systems
    }
}
