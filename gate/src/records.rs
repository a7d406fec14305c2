//! The gate's operations on records: search, read, annotate, and a partner's search (every
//! result a disclosure).

use super::*;
use privacy::accounting::Accounting as _;
use privacy::annotations::Annotations as _;

impl Gate {
    /// Searches `system` for records with `key`, for `purpose` under `case_id`, reading at most
    /// `limit` of them (oldest first). The search is decided first; then each record found is
    /// decided on its own category and retention phase, and read only if allowed (records in
    /// a phase that leaves the indexes are never results). The lookup (with how many it
    /// found) and every record read are logged.
    #[allow(
        clippy::too_many_arguments,
        reason = "each is one field of the request"
    )]
    pub fn search(
        &self,
        caller: &Caller,
        context: &RequestContext,
        system: &str,
        purpose: Option<&str>,
        case_id: Option<&str>,
        key: &SearchKey,
        limit: usize,
    ) -> Result<SearchResult, Refusal> {
        let request = Request {
            purpose,
            case_id,
            ..self.request(caller, Action::RecordSearch, system)
        };
        let (access, _) = self.authorize(caller, context, &request)?;
        self.check_retrievable(caller, context, system, purpose, case_id, key)?;
        let system_id = SystemId::new(system)?;
        let now = self.now();
        // Records whose free text holds the identifier are found too, without the text being
        // shown (seed 001 paragraph 5); what a record is about is its subjects.
        let mut ids = self
            .vault
            .lookup_with_free_text(&access, &system_id, key, now)?;
        // Held records whose index period has ended are found through their holds' own
        // indexes, by the roles those holds name.
        let holds = self.holds_naming(caller)?;
        if !holds.is_empty() {
            for (id, _) in self
                .vault
                .lookup_held_with_free_text(&access, key, &holds, now)?
            {
                if self.vault.system_of(&id)? == system_id {
                    ids.push(id);
                }
            }
            ids.sort();
            ids.dedup();
        }
        let mut result = SearchResult {
            found: ids.len(),
            ..SearchResult::default()
        };
        for id in ids {
            if result.records.len() >= limit {
                break;
            }
            let Some(Placement {
                category,
                phase:
                    Some(RecordPhase {
                        name: phase,
                        searchable: true,
                    }),
                ..
            }) = self.placement(&id)?
            else {
                result.found -= 1; // past its schedule, or out of the indexes: not a result
                continue;
            };
            let read = Request {
                action: Action::RecordRead,
                category: Some(&category),
                phase: Some(&phase),
                ..request
            };
            let decision = self.policy.decide(&read);
            if !decision.allowed {
                result.withheld += 1;
                continue;
            }
            let access = self.access(caller, context, &decision, read.system, purpose, case_id);
            match self.vault.read_annotated(&access, &id, now) {
                Ok((record, annotations)) => {
                    result.records.push(self.view(
                        &access,
                        &read,
                        &decision,
                        record,
                        annotations,
                    )?);
                }
                // Destroyed between the lookup and the read: not a result any more.
                Err(vault::Error::NotFound(_)) => result.found -= 1,
                Err(err) => return Err(err.into()),
            }
        }
        Ok(result)
    }

    /// Reads one record, deciding on its system, category and retention phase (known from
    /// its id) before touching it.
    pub fn read(
        &self,
        caller: &Caller,
        context: &RequestContext,
        id: &str,
        purpose: Option<&str>,
        case_id: Option<&str>,
    ) -> Result<Viewed, Refusal> {
        let id: RecordId = id.parse()?;
        // An id of no system is decided on an unknown system, so the refusal is logged.
        let placement = self.placement_or_unknown(&id)?;
        let read = self.decided_read(caller, context, &id, &placement, purpose, case_id)?;
        self.view(
            &read.access,
            &read.request,
            &read.decision,
            read.record,
            read.annotations,
        )
    }

    /// Decides a read of the record `id` (on its system, category and phase, from
    /// `placement`), then reads it as a person reads (marked, with its annotations).
    fn decided_read<'a>(
        &self,
        caller: &'a Caller,
        context: &RequestContext,
        id: &RecordId,
        placement: &'a Placement,
        purpose: Option<&'a str>,
        case_id: Option<&'a str>,
    ) -> Result<DecidedRead<'a>, Refusal> {
        self.refuse_raw_by_id(caller, context, placement, purpose, case_id)?;
        let request = Request {
            purpose,
            case_id,
            ..self.record_request(caller, Action::RecordRead, placement)
        };
        let (access, decision) = self.authorize(caller, context, &request)?;
        let (record, annotations) = self.vault.read_annotated(&access, id, self.now())?;
        Ok(DecidedRead {
            access,
            request,
            decision,
            record,
            annotations,
        })
    }

    /// The raw message a record came from, for a caller who may read the whole record (its
    /// free text, no projection): the message holds every field. The record's read and the
    /// raw message's are both logged. Returns the raw record's id and the message.
    pub fn read_raw(
        &self,
        caller: &Caller,
        context: &RequestContext,
        id: &str,
        purpose: Option<&str>,
        case_id: Option<&str>,
    ) -> Result<(RecordId, zeroize::Zeroizing<String>), Refusal> {
        let id: RecordId = id.parse()?;
        let placement = self.placement_or_unknown(&id)?;
        self.refuse_raw_by_id(caller, context, &placement, purpose, case_id)?;
        let request = Request {
            purpose,
            case_id,
            ..self.record_request(caller, Action::RecordRead, &placement)
        };
        let (access, decision) = self.authorize(caller, context, &request)?;
        // Decided before anything is decrypted or marked read: the raw message holds every
        // field, so only a caller who may read all of them (free text on its own right, not
        // through a high-risk designation; no projection) sees it. A record whose free text
        // only a designation opens (PNR) has its raw message refused.
        if let Err(rule) = self.policy.raw_message(&request, &decision) {
            let attempt = Attempt {
                action: "record.read-raw",
                system: &placement.system,
                purpose,
                case_id,
            };
            return Err(self.deny(
                caller,
                context,
                &attempt,
                &rule,
                "the raw message holds every field of the record, free text included: it is shown only to a caller who may read the whole record",
            ));
        }
        let now = self.now();
        let (record, _) = self.vault.read_annotated(&access, &id, now)?;
        let raw_id = model::raw_record_of(&record.contents).ok_or_else(|| {
            Refusal::NotFound(
                "this record keeps no raw message (only records from institutions' files do)"
                    .into(),
            )
        })?;
        let raw = match self.vault.read(&access, &raw_id, now) {
            Ok(raw) => raw,
            Err(vault::Error::NotFound(_)) => {
                return Err(Refusal::NotFound(
                    "the raw message was destroyed under its raw-input schedule".into(),
                ))
            }
            Err(err) => return Err(err.into()),
        };
        let mut raw = raw;
        let message = raw
            .contents
            .fields
            .remove(model::RAW_MESSAGE_FIELD)
            .ok_or_else(|| Refusal::Internal("a raw record without its message".into()))?;
        Ok((raw_id, zeroize::Zeroizing::new(message)))
    }

    /// Appends an annotation (a correction, a notation of dispute, a statement of
    /// disagreement) to a record, deciding on its category and phase first. The original is
    /// never altered; every later read shows the annotation. Returns its sequence number and
    /// how many notices to prior recipients it queued.
    #[allow(
        clippy::too_many_arguments,
        reason = "each is one field of the request"
    )]
    pub fn annotate(
        &self,
        caller: &Caller,
        context: &RequestContext,
        id: &str,
        kind: &str,
        portions: &[String],
        text: &str,
        purpose: Option<&str>,
    ) -> Result<(u32, usize), Refusal> {
        let id: RecordId = id.parse()?;
        let kind = AnnotationKind::from_name(kind).ok_or_else(|| {
            Refusal::Invalid(
                "an annotation's kind is `correction`, `dispute` or `statement-of-disagreement`"
                    .into(),
            )
        })?;
        let placement = self.placement_or_unknown(&id)?;
        let request = Request {
            purpose,
            ..self.record_request(caller, Action::RecordAnnotate, &placement)
        };
        let (access, _) = self.authorize(caller, context, &request)?;
        // The API's schema holds the text to MAX_ANNOTATION_BYTES characters, the vault to as
        // many bytes of UTF-8: a request the schema allows (portions well-formed, text not
        // blank and within the characters) but past the bytes breaks a rule no schema states
        // (422). Anything else the vault refuses is malformed (400).
        let max = privacy::annotations::MAX_ANNOTATION_BYTES;
        if text.len() > max
            && text.chars().count() <= max
            && !text.trim().is_empty()
            && !portions.is_empty()
            && portions
                .iter()
                .all(|portion| privacy::annotations::check_portion(portion))
        {
            return Err(Refusal::Unprocessable(format!(
                "an annotation's text is at most {max} bytes of UTF-8"
            )));
        }
        // Prior recipients are told of corrections and disputes unless the notice exempts the
        // record from it under (j) (PNR always tells the designated authorities, seed 001
        // paragraph 39); TTAR's claim covers only the records of sources that give individuals
        // no access or amendment (seed 000), so the others' recipients are told.
        let notify = match self.policy.catalog().system(&placement.system) {
            None => privacy::accounting::NoticeScope::NoRecord,
            Some(system) if *system.sorn.exemptions.correction_notices.get_ref() => {
                privacy::accounting::NoticeScope::Every
            }
            Some(system) => {
                super::disclosure::notice_scope(&system.sorn.exempt_portion("552a(c)(4)"))
            }
        };
        Ok(self
            .vault
            .annotate(&access, &id, kind, portions, text, &notify, self.now())?)
    }

    /// A search by a partner outside the agency (Foreign DARTTS): allowed only to the
    /// organizations and role the system's projection names, and every record it returns is a
    /// disclosure under the projection's routine use, with its accounting entry, showing only
    /// the projected fields.
    #[allow(
        clippy::too_many_arguments,
        reason = "each is one field of the request"
    )]
    pub fn partner_search(
        &self,
        caller: &Caller,
        context: &RequestContext,
        system: &str,
        purpose: &str,
        case_id: Option<&str>,
        key: &SearchKey,
        limit: usize,
    ) -> Result<SearchResult, Refusal> {
        let request = Request {
            purpose: Some(purpose),
            case_id,
            ..self.request(caller, Action::RecordSearch, system)
        };
        let partner = self.policy.catalog().system(system).and_then(|known| {
            known
                .sorn
                .projections
                .iter()
                .map(|p| p.get_ref())
                .find(|projection| {
                    projection.role == caller.account.role
                        && projection
                            .organizations
                            .contains(&caller.account.organization)
                        && projection.routine_use.is_some()
                })
        });
        let today = self.now().date_naive();
        let decision = match partner {
            None => Decision::deny(
                "no-partner-access",
                format!(
                    "the role `{}` of `{}` does not search `{}` as a partner",
                    caller.account.role,
                    caller.account.organization,
                    self.system_code(system)
                ),
            ),
            Some(projection) => match self.policy.vetting_denial(&request.vetting) {
                Some(denial) => denial,
                None => {
                    // A use whose version in effect sets a condition (an approval per
                    // release) cannot be a partner's standing basis for searching.
                    let mut decided = match self.policy.routine_use_in_effect(
                        system,
                        projection.routine_use.as_deref().unwrap_or_default(),
                        projection.recipient_category.as_deref().unwrap_or_default(),
                        purpose,
                        today,
                    ) {
                        Ok((rule, None)) => Decision {
                            allowed: true,
                            rule,
                            reason: String::new(),
                            projection: None,
                        },
                        Ok((_, Some(_))) => Decision::deny(
                            "routine-use-condition-missing",
                            "the projection's routine use requires a condition met release by release; a partner search cannot meet it",
                        ),
                        Err(denial) => denial,
                    };
                    decided.projection = Some(projection.released());
                    decided
                }
            },
        };
        let access = self.access(caller, context, &decision, system, Some(purpose), case_id);
        if !decision.allowed {
            self.log_denial(
                &access,
                Action::RecordSearch.name(),
                self.system_code(system),
                &decision.reason,
            )?;
            return Err(Refusal::Denied {
                rule: decision.rule,
                reason: decision.reason,
            });
        }
        let (letter, category) = partner
            .map(|projection| {
                (
                    projection.routine_use.clone().unwrap_or_default(),
                    projection.recipient_category.clone().unwrap_or_default(),
                )
            })
            .unwrap_or_default();
        self.check_retrievable(caller, context, system, Some(purpose), case_id, key)?;
        let system_id = SystemId::new(system)?;
        let now = self.now();
        let ids = self.vault.lookup(&access, &system_id, key, now)?;
        let mut result = SearchResult::default();
        let mut chosen = Vec::new();
        for id in ids {
            if self
                .placement(&id)?
                .is_some_and(|placement| placement.searchable())
            {
                result.found += 1;
                if chosen.len() < limit {
                    chosen.push((id, self.keep_accounting_until(system, &id, now)));
                }
            }
        }
        if chosen.is_empty() {
            return Ok(result);
        }
        let mut package_bytes = [0u8; 12];
        vault::crypto::fill_random(&mut package_bytes)?;
        let released = self.vault.disclose(
            &access,
            &Release {
                records: chosen,
                nature: "electronic".into(),
                purpose: purpose.to_owned(),
                basis: format!("routine use {letter}"),
                recipient_name: format!(
                    "{} (account {})",
                    caller.account.organization, caller.account.name
                ),
                recipient_address: caller.account.organization.clone(),
                recipient_category: category,
                package: format!("pkg-{}", hex::encode(package_bytes)),
                withheld_from_individual: false,
                individual_notice: None,
                notice_scope: Default::default(),
                document: None,
                // A routine use needs no evidence beyond the letter the basis names.
                evidence: "{}".into(),
                notice_content: String::new(),
            },
            now,
        )?;
        for (record, annotations) in released {
            result
                .records
                .push(self.view(&access, &request, &decision, record, annotations)?);
        }
        Ok(result)
    }

    /// A system is searched only by what its notice says (its retrievability); any other
    /// search is refused and logged (`not-retrievable`).
    fn check_retrievable(
        &self,
        caller: &Caller,
        context: &RequestContext,
        system: &str,
        purpose: Option<&str>,
        case_id: Option<&str>,
        key: &SearchKey,
    ) -> Result<(), Refusal> {
        let by = match key {
            SearchKey::Identifier(identifier) => identifier.kind.name(),
            SearchKey::Name(_) => "name",
        };
        let retrievable = self.policy.catalog().system(system).is_some_and(|known| {
            known
                .sorn
                .retrieved_by
                .get_ref()
                .iter()
                .any(|key| key == by)
        });
        if retrievable {
            return Ok(());
        }
        let reason = format!("`{system}` is not retrieved by `{by}` (its notice's retrievability)");
        let attempt = Attempt {
            action: Action::RecordSearch.name(),
            system,
            purpose,
            case_id,
        };
        Err(self.deny(caller, context, &attempt, "not-retrievable", &reason))
    }
}

impl Gate {
    /// A raw record is read through the record made from it, under that record's rules: its
    /// own id is refused (404, logged).
    fn refuse_raw_by_id(
        &self,
        caller: &Caller,
        context: &RequestContext,
        placement: &Placement,
        purpose: Option<&str>,
        case_id: Option<&str>,
    ) -> Result<(), Refusal> {
        if placement.category != model::RAW_CATEGORY {
            return Ok(());
        }
        let reason =
            "a raw message is read through the record made from it: GET /v1/records/{id}/raw";
        let attempt = Attempt {
            action: Action::RecordRead.name(),
            system: &placement.system,
            purpose,
            case_id,
        };
        match self.deny(caller, context, &attempt, "raw-by-id", reason) {
            Refusal::Denied { .. } => Err(Refusal::NotFound(reason.into())),
            log_down => Err(log_down),
        }
    }
}

/// A read decided and done: what it was decided as, the decision, and the record with its
/// annotations.
struct DecidedRead<'a> {
    access: Access,
    request: Request<'a>,
    decision: Decision,
    record: Record,
    annotations: Vec<Annotation>,
}
