//! The systems of records the gate knows, loaded from SORN files: owners, the organizations
//! with direct access, purpose codes, categories with their subject roles and fields, and the
//! casbin rows their grants become.

use crate::sorn::{Sorn, SornError};

/// The pseudo-system of the vault's own actions (administration, audit).
pub const VAULT_SYSTEM: &str = "vault";

/// A system of records.
#[derive(Clone, Debug)]
pub struct System {
    /// Its id (`fincen-cbetf`).
    pub id: String,
    /// The organization that owns it.
    pub owner: String,
    /// Organizations whose staff read it directly.
    pub direct_access: Vec<String>,
    /// The purpose codes a search or read may declare.
    pub purposes: Vec<String>,
    /// The notice, as loaded.
    pub sorn: Sorn,
}

/// The systems of records.
#[derive(Clone, Debug, Default)]
pub struct Catalog {
    systems: Vec<System>,
}

/// What a record to be stored says about its shape, for [`Catalog::check_record`].
#[derive(Clone, Copy, Debug)]
pub struct RecordShape<'a> {
    /// Its system.
    pub system: &'a str,
    /// Its category.
    pub category: &'a str,
    /// Its subjects' roles.
    pub subject_roles: &'a [&'a str],
    /// Its field names.
    pub fields: &'a [&'a str],
    /// The source system it names (`source.system`), if any.
    pub source_system: Option<&'a str>,
}

impl System {
    /// What `role` sees of this system's records, if it sees less than whole records: its
    /// fields (bare names, `subject.name`, `subject.<identifier>`) and the provenance keys
    /// its projection lets out, as `source.<key>` (none unless the SORN file lists them).
    pub fn projection(&self, role: &str) -> Option<Vec<String>> {
        self.sorn
            .projections
            .iter()
            .map(|projection| projection.get_ref())
            .find(|projection| projection.role == role)
            .map(crate::sorn::Projection::released)
    }

    /// `purpose` if the system knows it (one of its purposes, or one a grant, a routine use or
    /// its designated-authority rules name, or one of the 552a(b) conditions' occasions),
    /// otherwise [`crate::NOT_A_CODE`]: what reaches the rules and the access log, and the only
    /// purposes a release may state.
    pub fn known_purpose<'a>(&self, purpose: &'a str) -> &'a str {
        let listed = |purposes: &[String]| purposes.iter().any(|known| known == purpose);
        let sorn = &self.sorn;
        let known = listed(&self.purposes)
            || sorn
                .grants
                .iter()
                .any(|grant| listed(&grant.get_ref().purposes))
            || sorn.routine_uses.iter().any(|use_| {
                let use_ = use_.get_ref();
                listed(&use_.purposes)
                    || use_.amended.iter().any(|version| listed(&version.purposes))
            })
            || listed(&sorn.disclosure.designated_authority_purposes)
            || crate::disclosure::CONDITION_PURPOSES.contains(&purpose);
        if known {
            purpose
        } else {
            crate::NOT_A_CODE
        }
    }
}

impl Catalog {
    /// The systems of the SORN files shipped with recvault.
    pub fn builtin() -> Result<Self, Vec<SornError>> {
        let texts: Vec<(String, String)> = crate::sorn::BUILTIN
            .iter()
            .map(|(file, text)| ((*file).to_owned(), (*text).to_owned()))
            .collect();
        Self::from_texts(&texts)
    }

    /// The systems of SORN files given as (file name, text). Every problem of every file is
    /// returned; a system id given twice is one.
    pub fn from_texts(files: &[(String, String)]) -> Result<Self, Vec<SornError>> {
        let mut errors = Vec::new();
        let mut systems: Vec<System> = Vec::new();
        for (file, text) in files {
            match Sorn::parse(file, text) {
                Err(mut found) => errors.append(&mut found),
                Ok(sorn) => {
                    let id = sorn.id.get_ref().clone();
                    if systems.iter().any(|system| system.id == id) {
                        errors.push(SornError {
                            file: file.clone(),
                            line: None,
                            message: format!("system `{id}` is defined twice"),
                        });
                        continue;
                    }
                    systems.push(System {
                        owner: sorn.ownership.owner.get_ref().clone(),
                        direct_access: sorn.ownership.direct_access.get_ref().clone(),
                        purposes: sorn.purpose_codes(),
                        id,
                        sorn,
                    });
                }
            }
        }
        if errors.is_empty() {
            Ok(Catalog { systems })
        } else {
            Err(errors)
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

    /// Checks a record against its system's notice: the category is one of the system's, every
    /// subject role is one the category has, and every field is one it declares. The message
    /// names codes only, never values.
    pub fn check_record(&self, shape: &RecordShape<'_>) -> Result<(), String> {
        let system = self.system(shape.system).ok_or_else(|| {
            format!(
                "the gate knows no system of records `{}`",
                crate::code(shape.system)
            )
        })?;
        let category = system.sorn.category(shape.category).ok_or_else(|| {
            let known: Vec<&str> = system
                .sorn
                .categories
                .iter()
                .map(|category| category.get_ref().id.as_str())
                .collect();
            format!(
                "`{}` is not a category of `{}` (its categories: {})",
                crate::code(shape.category),
                system.id,
                known.join(", ")
            )
        })?;
        for role in shape.subject_roles {
            if !category.subject_roles.iter().any(|known| known == role) {
                return Err(format!(
                    "subject role `{}` is not one of category `{}` (its roles: {})",
                    crate::code(role),
                    category.id,
                    category.subject_roles.join(", ")
                ));
            }
        }
        // The notice's record sources decide which records its exemptions cover (seed 000), so
        // a record of a system that lists them names one.
        let sources: Vec<&str> = system
            .sorn
            .sources
            .iter()
            .map(|source| source.get_ref().code.as_str())
            .collect();
        match (shape.source_system, sources.is_empty()) {
            (None, false) => {
                return Err(format!(
                    "a record of `{}` names its source system in `source.system` (one of: {}): its exemptions cover only the records of sources that give individuals no access or amendment",
                    system.id,
                    sources.join(", ")
                ))
            }
            (Some(source), false) if !sources.contains(&source) => {
                return Err(format!(
                    "`{}` in `source.system` is not a source of `{}` (its sources: {})",
                    crate::code(source),
                    system.id,
                    sources.join(", ")
                ))
            }
            (Some(_), true) => {
                return Err(format!(
                    "`source.system` names a source system, and the notice of `{}` lists none",
                    system.id
                ))
            }
            _ => {}
        }
        for field in shape.fields {
            // Seed 001 paragraph 5: the subject "has been identified by CBP as high risk": a
            // designation CBP makes, never a value a sender puts in (even where an older copy
            // of the notice still lists the field).
            if category.free_text_requires_high_risk
                && *field == crate::view::LEGACY_HIGH_RISK_FIELD
            {
                return Err(format!(
                    "field `high_risk` is refused: a subject of a `{}` record is high risk only when CBP designates it (seed 001 paragraph 5), through a designation, never at intake",
                    category.id
                ));
            }
            if !category.fields.iter().any(|known| known.name == *field) {
                return Err(format!(
                    "field `{}` is not one of category `{}`",
                    crate::code(field),
                    category.id
                ));
            }
        }
        Ok(())
    }

    /// The casbin rows the systems' grants become: one per organization with direct access,
    /// action, phase and purpose (any category). Ingest is allowed to the owner's `ingest`
    /// accounts. Each row ends with its rule id, `<system>/<role>/<action>`.
    pub fn rule_rows(&self) -> Vec<[String; 8]> {
        let mut rows = Vec::new();
        for system in &self.systems {
            rows.push([
                "ingest".to_owned(),
                system.owner.clone(),
                "record.ingest".to_owned(),
                system.id.clone(),
                "*".to_owned(),
                "*".to_owned(),
                "intake".to_owned(),
                format!("{}/ingest/ingest", system.id),
            ]);
            for grant in system.sorn.grants.iter().map(|grant| grant.get_ref()) {
                let purposes = if grant.purposes.is_empty() {
                    vec!["*".to_owned()]
                } else {
                    grant.purposes.clone()
                };
                for action in &grant.actions {
                    let Some(action_name) = crate::Action::from_sorn(action) else {
                        continue;
                    };
                    for org in &system.direct_access {
                        for phase in &grant.phases {
                            for purpose in &purposes {
                                rows.push([
                                    grant.role.clone(),
                                    org.clone(),
                                    action_name.name().to_owned(),
                                    system.id.clone(),
                                    "*".to_owned(),
                                    phase.clone(),
                                    purpose.clone(),
                                    format!("{}/{}/{action}", system.id, grant.role),
                                ]);
                            }
                        }
                    }
                }
            }
        }
        rows
    }

    /// The value of free-text field `field` of a `category` record of `system` without the
    /// notice's sensitive codes and terms, or `None` when there is nothing to remove (or the
    /// field is not free text).
    pub fn filter_sensitive(
        &self,
        system: &str,
        category: &str,
        field: &str,
        value: &str,
    ) -> Option<String> {
        let sorn = &self.system(system)?.sorn;
        let is_free_text = sorn.category(category)?.fields.iter().any(|known| {
            known.name == field && known.field_kind() == crate::sorn::FieldKind::FreeText
        });
        if !is_free_text {
            return None;
        }
        sorn.sensitive_filter.apply(value)
    }

    /// A raw message of `system` with what its sensitive-data filter names removed (`None` if
    /// nothing was). Applied to the message's text as a whole: a format that knows its free
    /// text (PNR) filters that before handing the message in.
    pub fn filter_raw(&self, system: &str, raw: &str) -> Option<String> {
        self.system(system)?.sorn.sensitive_filter.apply(raw)
    }

    /// The records schedule in force for `system`.
    pub fn records_schedule(&self, system: &str) -> Option<&crate::sorn::Schedule> {
        self.system(system)?
            .sorn
            .schedules
            .iter()
            .map(|schedule| schedule.get_ref())
            .find(|schedule| schedule.artefact == "records" && schedule.in_force)
    }

    /// When the last phase of a record of `system` collected at `collected` ends under the
    /// records schedule in force: the end of its life.
    pub fn life_end(
        &self,
        system: &str,
        collected: chrono::DateTime<chrono::Utc>,
    ) -> Option<chrono::DateTime<chrono::Utc>> {
        self.records_schedule(system)?
            .phases
            .last()?
            .ends_after
            .after(collected)
    }

    /// The retention phase of a record of `system` collected at `collected` on `now`, under
    /// the system's records schedule in force; `None` once its last phase has ended (it is
    /// due for destruction).
    pub fn phase_at(
        &self,
        system: &str,
        collected: chrono::DateTime<chrono::Utc>,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Option<&crate::sorn::Phase> {
        self.records_schedule(system)?.phases.iter().find(|phase| {
            phase
                .ends_after
                .after(collected)
                .is_some_and(|ends| now < ends)
        })
    }

    /// The phase a held record of `system` is in on `now`: its phase by age, or, once its
    /// life has ended, its last phase (a hold keeps a record as it was, never wider). A record
    /// linked to an enforcement record stays in its last searchable phase instead of moving
    /// to an unsearchable one or ending (seed 001 paragraph 15).
    pub fn held_phase_at(
        &self,
        system: &str,
        collected: chrono::DateTime<chrono::Utc>,
        now: chrono::DateTime<chrono::Utc>,
        enforcement_link: bool,
    ) -> Option<&crate::sorn::Phase> {
        let schedule = self.records_schedule(system)?;
        let by_age = self.phase_at(system, collected, now);
        if enforcement_link && by_age.is_none_or(|phase| !phase.searchable) {
            return schedule.phases.iter().rev().find(|phase| phase.searchable);
        }
        by_age.or_else(|| schedule.phases.last())
    }
}
