//! The gate's hold operations: placing a hold on records or on a subject, releasing it, and
//! listing holds. Records officers place and release holds (the vault refuses to release a
//! compliance hold before its date, whoever asks); auditors may list them.

use vault::{
    Hold, HoldMode, HoldPurpose, HoldSpec, HoldSummary, HoldTarget, PlacedHold, ReleasedHold,
};

use super::*;

/// A hold as asked for over the API.
#[derive(Debug)]
pub struct HoldRequest {
    /// Record ids (exclusive with `subject`).
    pub records: Vec<String>,
    /// A subject identifier (exclusive with `records`).
    pub subject: Option<SearchKey>,
    /// The case or matter.
    pub reference: String,
    /// Why, in words.
    pub reason: String,
    /// `litigation`, `request`, `enforcement-link` or `declassification`.
    pub purpose: String,
    /// `governance` or `compliance`.
    pub mode: String,
    /// Retain until (required for compliance).
    pub until: Option<DateTime<Utc>>,
    /// Roles besides the records officer that may find the held records.
    pub roles: Vec<String>,
}

impl Gate {
    /// Places a hold.
    pub fn place_hold(
        &self,
        caller: &Caller,
        context: &RequestContext,
        request: HoldRequest,
    ) -> Result<PlacedHold, Refusal> {
        let access = self.authorize_vault(caller, context, Action::HoldsPlace)?;
        // The reference is logged with the hold: it must be a reference, never an identifier.
        if !policy::codes::is_reference(&request.reference) {
            return Err(Refusal::Invalid(format!(
                "a hold reference must be a reference to its case or matter: 1 to {} letters, digits, \
                 dashes, dots and underscores, starting with a letter, with at most {} runs of digits \
                 of at most {} each",
                policy::codes::MAX_REFERENCE_LEN,
                policy::codes::MAX_DIGIT_RUNS,
                policy::codes::MAX_DIGIT_RUN
            )));
        }
        if request
            .roles
            .iter()
            .any(|role| !policy::ROLES.contains(&role.as_str()))
        {
            return Err(Refusal::Invalid(format!(
                "a hold names roles the vault knows: {}",
                policy::ROLES.join(", ")
            )));
        }
        let purpose = HoldPurpose::from_name(&request.purpose).ok_or_else(|| {
            Refusal::Invalid(format!(
                "unknown hold purpose `{}`; purposes are litigation, request, enforcement-link, declassification",
                policy::code(&request.purpose)
            ))
        })?;
        let mode = HoldMode::from_name(&request.mode).ok_or_else(|| {
            Refusal::Invalid(format!(
                "unknown hold kind `{}`; kinds are governance, compliance",
                policy::code(&request.mode)
            ))
        })?;
        // What breaks the document (400) is refused before what only a rule joining fields
        // or reading the day refuses (422).
        let ids: Vec<RecordId> = request
            .records
            .iter()
            .map(|id| id.parse())
            .collect::<Result<_, _>>()?;
        if matches!(request.subject, Some(SearchKey::Name(_))) {
            return Err(Refusal::Invalid(
                "a subject hold needs an identifier, not a name".into(),
            ));
        }
        // The vault checks these too; here they are the caller's to fix, not a malformed body.
        match (mode, request.until) {
            (HoldMode::Compliance, None) => {
                return Err(Refusal::Unprocessable(
                    "a compliance hold needs a retain-until date (`until`)".into(),
                ))
            }
            (_, Some(until)) if until <= self.now() => {
                return Err(Refusal::Unprocessable(
                    "a hold's retain-until date must be in the future".into(),
                ))
            }
            _ => {}
        }
        let spec = HoldSpec {
            until: request.until,
            roles: request.roles,
            ..HoldSpec::new(&request.reference, &request.reason, purpose, mode)
        };
        let target = match (&request.subject, ids.is_empty()) {
            (Some(SearchKey::Identifier(identifier)), true) => HoldTarget::Subject(identifier),
            (None, false) => HoldTarget::Records(&ids),
            _ => {
                return Err(Refusal::Unprocessable(
                    "a hold is placed on `records` or on a `subject`, exactly one".into(),
                ))
            }
        };
        Ok(self.vault.place_hold(&access, &spec, target, self.now())?)
    }

    /// Releases hold `id` (`H-<n>`), with what it returned (none for a request's preservation
    /// whose requester's identity was never verified).
    pub fn release_hold(
        &self,
        caller: &Caller,
        context: &RequestContext,
        id: &str,
        reason: &str,
    ) -> Result<(Hold, Option<ReleasedHold>), Refusal> {
        let access = self.authorize_vault(caller, context, Action::HoldsRelease)?;
        let id = hold_id(id)?;
        let hold = self.vault.hold(id)?;
        self.check_request_hold_release(&access, &hold)?;
        // A request's preservation whose requester was never verified counts nothing.
        let counts = self.hold_shows_records(&access, &hold)?;
        let released = self.vault.release_hold(&access, id, reason, self.now())?;
        Ok((self.vault.hold(id)?, counts.then_some(released)))
    }

    /// Every hold, with how many records each holds as far as it may be shown
    /// ([`Gate::hold_count_shown`]: a request's preservation before the requester's identity is
    /// verified shows the count found at receipt).
    pub fn holds(
        &self,
        caller: &Caller,
        context: &RequestContext,
    ) -> Result<Vec<(Hold, Option<u64>)>, Refusal> {
        let access = self.authorize_vault(caller, context, Action::HoldsList)?;
        let holds = self
            .vault
            .holds()?
            .into_iter()
            .map(|HoldSummary { hold, records }| {
                let shown = self.hold_count_shown(&access, &hold, records)?;
                Ok((hold, shown))
            })
            .collect::<Result<Vec<_>, Refusal>>()?;
        self.log_listing(
            &access,
            Action::HoldsList,
            Vec::new(),
            &format!("{} holds", holds.len()),
        )?;
        Ok(holds)
    }

    /// The records of hold `id` (ids only, nothing decrypted).
    pub fn hold_records(
        &self,
        caller: &Caller,
        context: &RequestContext,
        id: &str,
    ) -> Result<(Hold, Vec<RecordId>), Refusal> {
        let access = self.authorize_vault(caller, context, Action::HoldsList)?;
        let id = hold_id(id)?;
        let (hold, records) = (self.vault.hold(id)?, self.vault.hold_records(id)?);
        if !self.hold_shows_records(&access, &hold)? {
            let count = self
                .hold_count_shown(&access, &hold, records.len() as u64)?
                .map_or_else(String::new, |count| {
                    format!(" ({count} records found at receipt)")
                });
            let reason = format!(
                "hold H-{id} preserves request {}: it shows a count only{count} until the requester's identity is verified",
                hold.spec.reference,
            );
            let denied = Access {
                rule: "identity-not-verified".into(),
                ..access
            };
            self.log_denial(&denied, Action::HoldsList.name(), VAULT_SYSTEM, &reason)?;
            return Err(Refusal::Denied {
                rule: "identity-not-verified".into(),
                reason,
            });
        }
        self.log_listing(
            &access,
            Action::HoldsList,
            records.clone(),
            &format!("the {} records of hold H-{id}", records.len()),
        )?;
        Ok((hold, records))
    }

    /// The held records with an identifier, found through the indexes of the active holds
    /// that name the caller's role (the records officer: every hold); ids and holds only.
    /// The lookup is logged with the records it found.
    pub fn search_held(
        &self,
        caller: &Caller,
        context: &RequestContext,
        key: &SearchKey,
    ) -> Result<Vec<(RecordId, String)>, Refusal> {
        let access = self.authorize_vault(caller, context, Action::HoldsList)?;
        let holds = self.holds_naming(caller)?;
        Ok(self
            .vault
            .lookup_held(&access, key, &holds, self.now())?
            .into_iter()
            .map(|(id, hold)| (id, format!("H-{hold}")))
            .collect())
    }

    /// The active holds that let `caller` find their records through their own indexes. A
    /// request's preservation is not one of them: what it holds is found through the request,
    /// once the requester's identity is verified.
    pub(super) fn holds_naming(&self, caller: &Caller) -> Result<Vec<u32>, Refusal> {
        let mut out = Vec::new();
        for hold in self.vault.active_holds()? {
            if hold.names_role(caller.role()) && !self.preserves_a_request(&hold)? {
                out.push(hold.id);
            }
        }
        Ok(out)
    }
}

/// A hold's id from `H-<number>`; a number longer than a reference's runs of digits is no
/// hold's (and is not repeated: it may be an identifier typed in the wrong place).
pub fn hold_id(text: &str) -> Result<u32, Refusal> {
    policy::codes::is_reference(text)
        .then(|| vault::parse_hold_id(text))
        .flatten()
        .ok_or_else(|| Refusal::Invalid("a hold id is `H-<number>`".into()))
}
