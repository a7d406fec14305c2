//! What a caller may see of a record, as pure rules over names and facts: the phase a record is
//! in (by its schedule, its holds, whether a person read it, whether its cohort went to a
//! records center), whether its free text opens, which of its fields a Privacy Act response
//! keeps from a co-party, and what a projection releases (fields, subject parts, provenance
//! keys, annotations). The gate reads the facts from the vault and applies the answers to the
//! record; nothing here reads a store or a clock.

use chrono::{DateTime, Utc};

use crate::sorn::{Category, FieldKind, PhaseCondition, TRANSFERRED_PHASE};
use crate::{Action, Catalog, Decision, Policy, Request};

/// The phase of a record past its schedule (or of no known system): no grant names it.
pub const PAST_RETENTION_PHASE: &str = "past-retention";

/// The field in which senders flagged a PNR subject high risk before designations existed.
/// It is not CBP's act (seed 001 paragraph 5: the subject "has been identified by CBP as high
/// risk"): a view never shows it, and the vault carries it into a pending designation.
pub const LEGACY_HIGH_RISK_FIELD: &str = "high_risk";

/// Whether a legacy `high_risk` value flags its subject (`true`, in any case).
pub fn legacy_high_risk_flag(value: &str) -> bool {
    value.eq_ignore_ascii_case("true")
}

/// How a record is held.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Held {
    /// No hold.
    No,
    /// Under a hold (litigation, request, audit...).
    ByHold,
    /// Under a hold linking it to an enforcement record (seed 001 paragraph 15).
    ByEnforcementLink,
}

/// The phase a record is in, and whether records in it are searchable.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RecordPhase {
    /// The phase's name, as grants name it.
    pub name: String,
    /// Whether the phase's records are found by search.
    pub searchable: bool,
}

impl RecordPhase {
    /// The name a request carries for a record in `phase`: [`PAST_RETENTION_PHASE`] for none.
    pub fn name_of(phase: Option<&RecordPhase>) -> &str {
        phase.map_or(PAST_RETENTION_PHASE, |phase| phase.name.as_str())
    }
}

impl Catalog {
    /// The phase a record of `system` collected at `collected` is in on `now`. A conditional
    /// phase (PNR's deleted record file) holds only records that meet its condition (a person
    /// read it): the others are past retention. A held record keeps its last phase once its
    /// life has ended; one linked to an enforcement record stays in its last searchable phase
    /// (`held_phase_at`). A record its cohort's transfer package carries is at the records
    /// center ([`TRANSFERRED_PHASE`], searchable). `None`: past retention, or no schedule.
    ///
    /// `manually_accessed` and `transferred` are asked only when the answer depends on them
    /// (each is a read of the vault), and their errors are returned as they are.
    pub fn record_phase<E>(
        &self,
        system: &str,
        collected: DateTime<Utc>,
        now: DateTime<Utc>,
        held: Held,
        manually_accessed: impl FnOnce() -> Result<bool, E>,
        transferred: impl FnOnce() -> Result<bool, E>,
    ) -> Result<Option<RecordPhase>, E> {
        let phase = match held {
            Held::No => self.phase_at(system, collected, now),
            Held::ByHold => self.held_phase_at(system, collected, now, false),
            Held::ByEnforcementLink => self.held_phase_at(system, collected, now, true),
        };
        let Some(phase) = phase else {
            return Ok(None);
        };
        if phase.condition() == Some(PhaseCondition::ManuallyAccessed) && !manually_accessed()? {
            return Ok(None);
        }
        // Whatever hold it joined after its package was made: one held when the package was
        // made was never put in it.
        if transferred()? {
            return Ok(Some(RecordPhase {
                name: TRANSFERRED_PHASE.to_owned(),
                searchable: true,
            }));
        }
        Ok(Some(RecordPhase {
            name: phase.name.clone(),
            searchable: phase.searchable,
        }))
    }

    /// The category `category` as the notice of `system` describes it, if it does.
    fn notice_category(&self, system: &str, category: &str) -> Option<&Category> {
        self.system(system)
            .and_then(|system| system.sorn.category(category))
    }

    /// The free-text fields of `category` of `system` (its SORN file's `free-text` kind).
    pub fn free_text_fields(&self, system: &str, category: &str) -> Vec<String> {
        self.notice_category(system, category)
            .map(|category| {
                category
                    .fields
                    .iter()
                    .filter(|field| field.field_kind() == FieldKind::FreeText)
                    .map(|field| field.name.clone())
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Whether a person reads the free text of `category` of `system` only for a subject CBP
    /// designated high risk (seed 001 paragraph 5). A category the notice does not name is
    /// gated, as [`Policy::decide`] gates it: fail closed.
    pub fn free_text_gated(&self, system: &str, category: &str) -> bool {
        self.notice_category(system, category)
            .is_none_or(|category| category.free_text_requires_high_risk)
    }

    /// Whether the notice of `system` names `category` as one whose free text is read only for
    /// a subject designated high risk: what the gate's one-time migration of senders' flags
    /// reads. Unlike [`Catalog::free_text_gated`] a category the notice does not name (a raw
    /// message's `raw-input`, a category since dropped) is not: choosing what to read, the
    /// safe answer is no.
    pub fn notice_gates_free_text(&self, system: &str, category: &str) -> bool {
        self.notice_category(system, category)
            .is_some_and(|category| category.free_text_requires_high_risk)
    }

    /// Whether `system` takes high-risk designations: some category of its notice gates its
    /// free text on one.
    pub fn takes_designations(&self, system: &str) -> bool {
        self.system(system).is_some_and(|system| {
            system
                .sorn
                .categories
                .iter()
                .any(|category| category.get_ref().free_text_requires_high_risk)
        })
    }

    /// Which of `fields` (a record's field names) a Privacy Act response withholds when the
    /// record names another party besides the requester: free text; identifying numbers and
    /// sensitive data (by their kind in the notice); and contact and payment details
    /// (`address`, `email`, `telephone`, `payment`, `frequent_flyer`, `other_names`...), which
    /// the notice does not tie to one party (a per-party field list in the SORN would be
    /// exact). The free-text fields come first, then the others in the order given.
    pub fn withheld_from_co_party<'a>(
        &self,
        system: &str,
        category: &str,
        fields: impl IntoIterator<Item = &'a str>,
    ) -> Vec<String> {
        const CONTACT: [&str; 7] = [
            "address",
            "email",
            "telephone",
            "phone",
            "payment",
            "frequent_flyer",
            "names",
        ];
        let mut withheld = self.free_text_fields(system, category);
        let known = self.notice_category(system, category);
        for name in fields {
            let kind = known
                .and_then(|category| category.fields.iter().find(|field| field.name == name))
                .map(crate::sorn::Field::field_kind);
            let identifying = matches!(kind, Some(FieldKind::Identifier | FieldKind::Sensitive));
            if identifying || CONTACT.iter().any(|part| name.contains(part)) {
                withheld.push(name.to_owned());
            }
        }
        withheld
    }
}

/// Whether a record's free text opens to a request, before any designation is looked up.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FreeText {
    /// It opens.
    Open,
    /// It opens only if a subject of the record is designated high risk by CBP now (seed 001
    /// paragraph 5): the gate looks the designations up (a logged probe) only then.
    IfDesignatedHighRisk,
    /// It stays closed.
    Closed,
}

impl Policy {
    /// Whether the free text of the record `request` concerns opens: the policy's decision of
    /// reading it, without and then with a high-risk designation.
    pub fn free_text(&self, request: &Request<'_>) -> FreeText {
        let opens = |high_risk| {
            self.decide(&Request {
                action: Action::RecordReadFreeText,
                high_risk,
                ..*request
            })
            .allowed
        };
        if opens(false) {
            FreeText::Open
        } else if opens(true) {
            FreeText::IfDesignatedHighRisk
        } else {
            FreeText::Closed
        }
    }
}

impl Policy {
    /// Whether the caller of `request` (a read, decided as `read`) may read the record's raw
    /// message, which holds every field: only a caller who may read the whole record, its free
    /// text on its own right (not through a high-risk designation) and under no projection.
    /// The rule that refuses it otherwise.
    pub fn raw_message(&self, request: &Request<'_>, read: &Decision) -> Result<(), String> {
        let free_text = self.decide(&Request {
            action: Action::RecordReadFreeText,
            high_risk: false,
            ..*request
        });
        if !free_text.allowed {
            return Err(free_text.rule);
        }
        if read.projection.is_some() {
            return Err(RAW_UNDER_PROJECTION.to_owned());
        }
        Ok(())
    }
}

/// The rule that refuses a raw message to a caller who reads its record under a projection.
pub const RAW_UNDER_PROJECTION: &str = "raw-under-projection";

/// A projection: the names of what a decision releases of a record. A SORN's field set
/// names fields bare; a (b)(7) portion names `fields.NAME`; both name subject parts
/// `subject.name` or `subject.KIND` and provenance keys `source.KEY`.
#[derive(Clone, Copy, Debug)]
pub struct Projection<'a>(pub &'a [String]);

impl Projection<'_> {
    fn names(&self, name: &str) -> bool {
        self.0.iter().any(|named| named == name)
    }

    /// Whether the field `name` is released.
    pub fn keeps_field(&self, name: &str) -> bool {
        self.names(name) || self.names(&format!("fields.{name}"))
    }

    /// Whether subjects' names are released.
    pub fn keeps_subject_name(&self) -> bool {
        self.names(SUBJECT_NAME)
    }

    /// Whether subjects' identifiers of `kind` are released.
    pub fn keeps_identifier(&self, kind: &str) -> bool {
        self.names(&identifier_part(kind))
    }

    /// Whether the provenance key `key` is released.
    pub fn keeps_source(&self, key: &str) -> bool {
        self.names(&source_part(key))
    }
}

/// What a view calls subjects' names when it withholds them.
pub const SUBJECT_NAME: &str = "subject.name";

/// What a view calls subjects' identifiers of `kind` when it withholds them.
pub fn identifier_part(kind: &str) -> String {
    format!("subject.{kind}")
}

/// What a view calls the provenance key `key` when it withholds it.
pub fn source_part(key: &str) -> String {
    format!("source.{key}")
}

/// Whether an annotation's `portion` (`record`, `fields.NAME`, `subject.N.PART`, `source.KEY`)
/// lies inside what is released: nothing `withheld` (the view's names: a bare field,
/// `subject.PART`, `source.KEY`) names it, and under a projection the projection names it.
/// A note on the whole `record` may restate anything in it: it goes only with all of it.
pub fn portion_released(
    portion: &str,
    projection: Option<Projection<'_>>,
    withheld: &[String],
) -> bool {
    // What the view calls the portion: `subject.2.name` is the `subject.name` part.
    let named = match portion.split('.').collect::<Vec<_>>().as_slice() {
        ["fields", name] => (*name).to_owned(),
        ["subject", _, part] => format!("subject.{part}"),
        _ => portion.to_owned(),
    };
    if withheld.contains(&named) {
        return false;
    }
    if portion == "record" {
        return withheld.is_empty() && projection.is_none();
    }
    let Some(projection) = projection else {
        return true;
    };
    projection.keeps_field(&named) || projection.names(portion)
}

#[cfg(test)]
mod tests;
