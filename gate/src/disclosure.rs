//! The gate's releases outside the agency: disclosures on a legal basis, the accounting of
//! disclosures, designated authorities, notices, and the accounting's expiry.

use super::*;
use privacy::accounting::Accounting as _;
use privacy::annotations::Annotations as _;
use privacy::documents::Documents as _;

/// The longest name of a designated authority, in characters.
pub const MAX_AUTHORITY_NAME_CHARS: usize = 200;

/// The natures of a disclosure: through the vault, or made outside it and entered by hand.
pub const NATURES: [&str; 3] = ["electronic", "paper", "oral"];

impl Gate {
    /// Releases records outside the agency: each record is decided for the officer (its
    /// category and phase), then the legal basis (routine use, condition, consent, designated
    /// authority); the records are read and, in the same atomic batch, one accounting entry
    /// per record is written. Refusals are logged. Returns the package.
    pub fn disclose(
        &self,
        caller: &Caller,
        context: &RequestContext,
        input: &DisclosureInput,
    ) -> Result<Package, Refusal> {
        let named = usize::from(!input.records.is_empty())
            + usize::from(input.search.is_some())
            + usize::from(input.population.is_some());
        if input.records.len() > 1000 {
            return Err(Refusal::Invalid(
                "a disclosure names at most 1000 records".into(),
            ));
        }
        // A case, where one is given, is a case id even when the policy needs none: it goes
        // into the log and the accounting's evidence.
        if let Some(case) = &input.case_id {
            policy::validate_case_id(case).map_err(Refusal::Invalid)?;
        }
        // Every field's own form (400) before the rules that join fields (422).
        let listed: Vec<RecordId> = input
            .records
            .iter()
            .map(|id| id.parse())
            .collect::<Result<_, _>>()?;
        if !NATURES.contains(&input.nature.as_str()) {
            return Err(Refusal::Invalid(
                "the nature of a disclosure is `electronic` (through the vault), or `paper` or `oral` (made outside it and entered by hand)".into(),
            ));
        }
        if let Some(population) = &input.population {
            policy::statistics::Period::parse(&population.period).ok_or_else(|| {
                Refusal::Invalid("a population's period is `YYYY`, `YYYY-Qn` or `YYYY-MM`".into())
            })?;
        }
        // Which of the three is named joins fields: a rule the document cannot state (422).
        if named != 1 {
            return Err(Refusal::Unprocessable(
                "a disclosure names records, a search, or (a statistical release) a population: exactly one of them".into(),
            ));
        }
        let statistical = matches!(input.basis, Some(Basis::Condition(5)));
        if input.population.is_some() && !statistical {
            return Err(Refusal::Unprocessable(
                "a population is counted only by a statistical release (condition b5)".into(),
            ));
        }
        let ids: Vec<RecordId> = match (&input.search, &input.population) {
            (None, Some(population)) => self.population_of(caller, context, population, input)?,
            (None, None) => listed,
            (Some((system, key)), _) => {
                self.check_release_purpose(caller, context, system, input)?;
                let request = Request {
                    purpose: Some(&input.purpose),
                    case_id: input.case_id.as_deref(),
                    ..self.request(caller, Action::RecordDisclose, system)
                };
                let (access, _) = self.authorize(caller, context, &request)?;
                let found = self
                    .vault
                    .lookup(&access, &SystemId::new(system)?, key, self.now())?;
                let mut ids = Vec::with_capacity(found.len());
                for id in found {
                    if self
                        .placement(&id)?
                        .is_some_and(|placement| placement.searchable())
                    {
                        ids.push(id);
                    }
                }
                if ids.is_empty() {
                    return Err(Refusal::NotFound(
                        "the search found no record to release".into(),
                    ));
                }
                ids
            }
        };
        if ids.len() > 1000 && input.population.is_none() {
            return Err(Refusal::Unprocessable(
                "a disclosure releases at most 1000 records".into(),
            ));
        }
        let mut placements = Vec::with_capacity(ids.len());
        for id in &ids {
            placements.push(self.placement_or_unknown(id)?);
        }
        // Each record is decided for the officer before the rule that joins them: a caller
        // who may release none of them learns nothing of where they are kept.
        let system = placements[0].system.clone();
        self.check_release_purpose(caller, context, &system, input)?;
        let purpose = Some(input.purpose.as_str());
        let case_id = input.case_id.as_deref();
        let mut reads = Vec::with_capacity(ids.len());
        for placement in &placements {
            let request = Request {
                purpose,
                case_id,
                ..self.record_request(caller, Action::RecordDisclose, placement)
            };
            self.authorize(caller, context, &request)?;
            reads.push(Request {
                action: Action::RecordRead,
                ..request
            });
        }
        if placements
            .iter()
            .any(|placement| placement.system != system)
        {
            return Err(Refusal::Unprocessable(
                "one disclosure releases records of one system".into(),
            ));
        }
        let today = self.now().date_naive();
        let decided = self.policy.decide_disclosure(&Disclosure {
            system: &system,
            recipient_category: &input.recipient_category,
            recipient_name: &input.recipient_name,
            recipient_address: &input.recipient_address,
            purpose: &input.purpose,
            basis: input.basis.as_ref(),
            evidence: &input.evidence,
            accuracy_attested: input.accuracy_attested,
            today,
        });
        let mut decided = decided;
        if let (true, Some(Basis::DesignatedAuthority(name))) =
            (decided.decision.allowed, &input.basis)
        {
            // Only a registered designated authority that kept its conditions receives PNR
            // (paragraph 31: failing them "may make the Designated Authority ineligible"), and
            // the release goes to that authority. Neither refusal repeats the name or the
            // registered reason, which are typed, not codes.
            let registered = self
                .authorities()?
                .into_iter()
                .find(|entry| entry["system"] == system.as_str() && entry["name"] == name.as_str());
            let refusal = match registered {
                None => Some((
                    "designated-authority-unregistered",
                    format!("the authority named is not a registered designated authority of `{system}`"),
                )),
                Some(entry) if entry["eligible"] != true => Some((
                    "designated-authority-ineligible",
                    "the authority named was made ineligible to receive PNR (paragraph 31); its registration states why".to_owned(),
                )),
                Some(_) if input.recipient_name != *name => Some((
                    "designated-authority-recipient",
                    "a release to a designated authority names that authority as its recipient".to_owned(),
                )),
                Some(_) => None,
            };
            if let Some((rule, reason)) = refusal {
                decided.decision = Decision::deny(rule, reason);
            }
        }
        // A statistical release (b)(5) counts fields the notice marks statistical, over a
        // population (one category, one closed calendar period) no earlier release's overlaps,
        // with cells under the minimum suppressed.
        let mut dimensions = Vec::new();
        let mut counted = None;
        let _one_statistical_release = if decided.statistical {
            // It guards no data, so a panic while it was held leaves nothing to distrust.
            Some(
                self.statistics_writes
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner),
            )
        } else {
            None
        };
        if decided.decision.allowed && decided.statistical {
            let category = &placements[0].category;
            let checked = if placements
                .iter()
                .any(|placement| placement.category != *category)
            {
                Err(Decision::deny(
                    "statistics-category",
                    "a statistical release tabulates records of one category",
                ))
            } else {
                self.policy.statistical_dimensions(
                    &system,
                    category,
                    &input.statistics.tabulate,
                    input.statistics.min_cell,
                )
            };
            match checked {
                Ok(fields) => dimensions = fields,
                Err(decision) => decided.decision = decision,
            }
            // A table is what leaves: a (b)(5) release made on paper or orally would be records.
            if input.nature != "electronic" {
                decided.decision = Decision::deny(
                    "statistics-electronic",
                    "a statistical release is a table the vault computes: it is made electronically, never entered as a release of records on paper or orally",
                );
            }
        } else if decided.decision.allowed
            && (!input.statistics.tabulate.is_empty() || input.statistics.min_cell.is_some())
        {
            return Err(Refusal::Unprocessable(
                "`tabulate` and `min_cell` belong to a statistical release (condition b5)".into(),
            ));
        }
        if decided.decision.allowed && decided.statistical {
            match (&input.population, self.statistics_ledger()) {
                (None, _) => {
                    decided.decision = Decision::deny(
                        "statistics-population",
                        "a statistical release counts a population (one category of records collected in one closed calendar period), never records chosen one by one or by an individual's identifier",
                    );
                }
                (Some(_), Err(refusal)) => return Err(refusal),
                (Some(population), Ok(ledger)) => {
                    // Named from what the vault holds and the parsed period, never the
                    // request's text.
                    let asked = policy::statistics::Counted {
                        system: system.clone(),
                        category: placements[0].category.clone(),
                        period: policy::statistics::Period::parse(&population.period)
                            .map_or_else(|| population.period.clone(), |period| period.name()),
                        members: members_digest(&ids),
                        dimensions: dimensions.clone(),
                    };
                    match policy::statistics::check_ledger(&asked, &ledger, today) {
                        Ok(()) => counted = Some(asked),
                        Err(decision) => decided.decision = decision,
                    }
                }
            }
        }
        let access = self.access(
            caller,
            context,
            &decided.decision,
            &system,
            purpose,
            case_id,
        );
        if !decided.decision.allowed {
            self.log_denial(
                &access,
                Action::RecordDisclose.name(),
                self.system_code(&system),
                &decided.decision.reason,
            )?;
            return Err(Refusal::Denied {
                rule: decided.decision.rule,
                reason: decided.decision.reason,
            });
        }
        let mut package_bytes = [0u8; 12];
        vault::crypto::fill_random(&mut package_bytes)?;
        let package = format!("pkg-{}", hex::encode(package_bytes));
        let now = self.now();

        let released: Vec<(Record, Vec<Annotation>)> = if decided.accounted {
            let records = ids
                .iter()
                .map(|id| (*id, self.keep_accounting_until(&system, id, now)))
                .collect();
            self.vault.disclose(
                &access,
                &Release {
                    records,
                    nature: if dimensions.is_empty() || input.nature != "electronic" {
                        input.nature.clone()
                    } else {
                        // What the recipient received (1.25(a)(1): the nature of the
                        // disclosure): the table's fields and its minimum cell.
                        format!(
                            "statistical table of counts by {}, cells under {} suppressed",
                            dimensions.join(", "),
                            input
                                .statistics
                                .min_cell
                                .unwrap_or(policy::statistics::MIN_CELL)
                        )
                    },
                    purpose: input.purpose.clone(),
                    basis: input
                        .basis
                        .as_ref()
                        .map(Basis::describe)
                        .unwrap_or_default(),
                    recipient_name: input.recipient_name.clone(),
                    recipient_address: input.recipient_address.clone(),
                    recipient_category: input.recipient_category.clone(),
                    package: package.clone(),
                    withheld_from_individual: decided.withheld_from_individual,
                    individual_notice: decided.notice.as_ref().map(|notice| {
                        (
                            notice.kind.to_owned(),
                            notice.due.map(|due| due.to_string()).unwrap_or_default(),
                        )
                    }),
                    notice_scope: notice_scope(&decided.notice_exempt),
                    // The ledger's entry, in the release's own batch.
                    document: counted
                        .as_ref()
                        .map(|counted| ledger_entry(counted, &package)),
                    evidence: evidence_json(&decided.evidence),
                    notice_content: notice_content(
                        &decided,
                        input,
                        &placements[0].category,
                        &system,
                        today,
                    ),
                },
                now,
            )?
        } else {
            // A FOIA release (b)(2) is not accounted (1.25(c)); each read is still logged.
            ids.iter()
                .map(|id| self.vault.read_annotated(&access, id, now))
                .collect::<Result<_, _>>()?
        };
        // (e)(8) exempted: the notice the basis calls for is not made for the records the claim
        // covers, and the log names them and says why; the package announces the notice only if
        // it was made for at least one record.
        let exempt: Vec<RecordId> = released
            .iter()
            .filter(|(record, _)| {
                decided
                    .notice_exempt
                    .covers(record.contents.source_system())
            })
            .map(|(record, _)| record.id)
            .collect();
        if exempt.len() == released.len() {
            decided.notice = None;
        }
        if let (Some(suppressed), false) = (&decided.notice_suppressed, exempt.is_empty()) {
            self.vault
                .record_listing(&access, "notice.suppressed", exempt, suppressed, now)?;
        }
        // A disclosure made outside the vault (orally, on paper) is entered by hand for its
        // accounting (1.25(b)): the vault releases nothing itself.
        let mut table = None;
        let records = if input.nature != "electronic" {
            Vec::new()
        } else if !dimensions.is_empty() {
            // 1.24(a)(5): "in a form that is not individually identifiable": the counts only.
            let rows = released.iter().map(|(record, _)| {
                let values = dimensions
                    .iter()
                    .map(|field| record.contents.fields.get(field).map(String::as_str))
                    .collect::<Vec<_>>();
                (values, person_of(record))
            });
            table = Some(policy::statistics::tabulate(
                &dimensions,
                rows,
                input
                    .statistics
                    .min_cell
                    .unwrap_or(policy::statistics::MIN_CELL),
            ));
            Vec::new()
        } else {
            released
                .into_iter()
                .zip(&reads)
                .map(|((record, annotations), read)| {
                    let mut viewed =
                        self.view(&access, read, &decided.decision, record, annotations)?;
                    keep_bookkeeping_in(&mut viewed);
                    Ok::<_, Refusal>(viewed)
                })
                .collect::<Result<_, _>>()?
        };
        Ok(Package {
            id: package,
            basis: input
                .basis
                .as_ref()
                .map(Basis::describe)
                .unwrap_or_default(),
            records,
            table,
            conditions: decided.conditions,
            accounted: decided.accounted,
            notice: decided.notice,
        })
    }

    /// Counts, once per system whose notice lists its record sources, the records stored
    /// before it did (naming no source): the notice's claims cover them, since they are not
    /// shown to come from a source that gives access or amendment (seed 000). The count and
    /// their ids are logged (`sources.unknown`) so privacy staff know which records keep the
    /// exemption for want of a source; each record read is logged.
    pub(super) fn count_records_without_source(&self) -> Result<(), Refusal> {
        let access = Access::offline("recvault-migration", "administration");
        let now = self.now();
        let done = self.vault.documents(super::designations::MIGRATIONS)?;
        for system in self.policy.catalog().systems() {
            if system.sorn.sources.is_empty() {
                continue;
            }
            let marker = format!("record-sources-{}.json", system.id);
            if done.iter().any(|(name, _)| *name == marker) {
                continue;
            }
            let (mut read, mut unnamed) = (0usize, Vec::new());
            self.for_each_record(
                &access,
                |stored, _| stored.as_str() == system.id,
                |record| {
                    read += 1;
                    if record.contents.source_system().is_none() {
                        unnamed.push(record.id);
                    }
                    Ok(())
                },
            )?;
            let summary = format!(
                "{read} records of `{}` read; {} name no source system: its claims of exemption cover them (not shown to come from a source that gives access or amendment)",
                system.id,
                unnamed.len()
            );
            // The listing before the marker: a crash between them logs it again at the next
            // start rather than never.
            self.vault.record_listing(
                &access,
                "sources.unknown",
                unnamed.clone(),
                &summary,
                now,
            )?;
            self.vault.put_document(
                &access,
                super::designations::MIGRATIONS,
                &marker,
                serde_json::json!({"done": crate::rfc3339(now.timestamp_millis()), "read": read, "unnamed": unnamed.len()})
                    .to_string()
                    .as_bytes(),
                ("config.documents", format!("migrations: {marker}")),
                now,
            )?;
        }
        Ok(())
    }

    /// The records of a statistical release's population: the category's records collected in
    /// the period, in a phase that lets them out, each decided for the officer below. The
    /// lookup is authorized like a search of the system.
    fn population_of(
        &self,
        caller: &Caller,
        context: &RequestContext,
        population: &Population,
        input: &DisclosureInput,
    ) -> Result<Vec<RecordId>, Refusal> {
        self.check_release_purpose(caller, context, &population.system, input)?;
        let request = Request {
            purpose: Some(&input.purpose),
            case_id: input.case_id.as_deref(),
            ..self.request(caller, Action::RecordDisclose, &population.system)
        };
        let (access, _) = self.authorize(caller, context, &request)?;
        let period = policy::statistics::Period::parse(&population.period).ok_or_else(|| {
            Refusal::Invalid("a population's period is `YYYY`, `YYYY-Qn` or `YYYY-MM`".into())
        })?;
        let partition = self
            .vault
            .partitions()?
            .into_iter()
            .find(|(_, system, category)| {
                system.as_str() == population.system && *category == population.category
            })
            .map(|(partition, _, _)| partition);
        // Ids sort by partition, then collection time (UTC): only the period's range is read.
        let millis = |day: NaiveDate| {
            day.and_hms_opt(0, 0, 0)
                .map_or(0, |at| at.and_utc().timestamp_millis())
        };
        let candidates = match partition {
            Some(partition) => self.vault.record_ids_collected_in(
                partition,
                millis(period.start),
                millis(period.end),
                policy::statistics::MAX_POPULATION + 1,
            )?,
            None => Vec::new(),
        };
        let too_many = candidates.len() > policy::statistics::MAX_POPULATION;
        let mut ids = Vec::new();
        if !too_many {
            for id in candidates {
                if self
                    .placement(&id)?
                    .is_some_and(|placement| placement.searchable())
                {
                    ids.push(id);
                }
            }
        }
        // The lookup is logged like a search's, in counts: what an officer learned of the
        // population, even when nothing is released.
        self.vault.record_listing(
            &access,
            "statistics.population",
            Vec::new(),
            &format!(
                "{} records of one category collected in {}",
                if too_many {
                    format!("over {}", policy::statistics::MAX_POPULATION)
                } else {
                    ids.len().to_string()
                },
                period.name()
            ),
            self.now(),
        )?;
        if too_many {
            return Err(Refusal::Unprocessable(format!(
                "a statistical release counts at most {} records: count a shorter period",
                policy::statistics::MAX_POPULATION
            )));
        }
        if ids.is_empty() {
            return Err(Refusal::NotFound(
                "the population has no record to count".into(),
            ));
        }
        Ok(ids)
    }

    /// The populations counted by statistical releases so far (the signed ledger).
    fn statistics_ledger(&self) -> Result<Vec<policy::statistics::Counted>, Refusal> {
        self.vault
            .documents(STATISTICS_LEDGER)?
            .into_iter()
            .map(|(_, bytes)| {
                let entry: serde_json::Value = serde_json::from_slice(&bytes).map_err(|_| {
                    Refusal::Internal(
                        "the statistics ledger holds a document that is not JSON".into(),
                    )
                })?;
                let text = |name: &str| {
                    entry[name]
                        .as_str()
                        .filter(|text| !text.is_empty())
                        .map(str::to_owned)
                        .ok_or_else(|| {
                            Refusal::internal(format!(
                                "a statistics ledger entry lacks its `{name}`"
                            ))
                        })
                };
                // An entry from before the ledger kept the fields has none: it matches no
                // request, so its period is counted again by no fields at all.
                let dimensions = match &entry["dimensions"] {
                    serde_json::Value::Null => Vec::new(),
                    serde_json::Value::Array(fields) => fields
                        .iter()
                        .map(|field| field.as_str().map(str::to_owned))
                        .collect::<Option<Vec<String>>>()
                        .ok_or_else(|| {
                            Refusal::Internal(
                                "a statistics ledger entry's `dimensions` are not field names"
                                    .into(),
                            )
                        })?,
                    _ => {
                        return Err(Refusal::Internal(
                            "a statistics ledger entry's `dimensions` are not a list".into(),
                        ))
                    }
                };
                let period = text("period")?;
                if policy::statistics::Period::parse(&period).is_none() {
                    return Err(Refusal::Internal(
                        "a statistics ledger entry's period is not a period".into(),
                    ));
                }
                Ok(policy::statistics::Counted {
                    system: text("system")?,
                    category: text("category")?,
                    period,
                    members: text("members")?,
                    dimensions,
                })
            })
            .collect()
    }

    /// A release states a purpose its system's notice names (a purpose of the system, of a
    /// grant, of a routine use or of its designated-authority rules): the purpose goes into
    /// the accounting and the recipient's conditions, so it must be a code, never whatever a
    /// caller typed. Anything else is refused (403, `purpose-unknown`), logged without it.
    fn check_release_purpose(
        &self,
        caller: &Caller,
        context: &RequestContext,
        system: &str,
        input: &DisclosureInput,
    ) -> Result<(), Refusal> {
        let known = self
            .policy
            .catalog()
            .system(system)
            .is_some_and(|found| found.known_purpose(&input.purpose) != policy::NOT_A_CODE);
        if known {
            return Ok(());
        }
        let attempt = Attempt {
            action: Action::RecordDisclose.name(),
            system,
            purpose: Some(&input.purpose),
            case_id: input.case_id.as_deref(),
        };
        Err(self.deny(
            caller,
            context,
            &attempt,
            "purpose-unknown",
            "the purpose given is not one the system's notice names",
        ))
    }

    /// The year from which the accounting entry of a release of `id` today may be destroyed:
    /// after five years from the disclosure or the life of the record, whichever is longer
    /// (31 CFR 1.25(a)(2)).
    pub(super) fn keep_accounting_until(
        &self,
        system: &str,
        id: &RecordId,
        now: DateTime<Utc>,
    ) -> u16 {
        let five_years = now
            .checked_add_months(chrono::Months::new(60))
            .unwrap_or(now);
        let life = DateTime::<Utc>::from_timestamp_millis(id.collected_at_millis())
            .and_then(|collected| self.policy.catalog().life_end(system, collected))
            .unwrap_or(five_years);
        let until = five_years.max(life);
        u16::try_from(chrono::Datelike::year(&until) + 1).unwrap_or(u16::MAX)
    }

    /// The accounting of disclosures about the subject `key`: everything for privacy staff;
    /// for the individual (`for_individual`), without (b)(7) disclosures and without systems
    /// exempt from 552a(c)(3) (31 CFR 1.25(d)(2)).
    pub fn accounting(
        &self,
        caller: &Caller,
        context: &RequestContext,
        key: &SearchKey,
        for_individual: bool,
    ) -> Result<Vec<AccountingEntry>, Refusal> {
        // Decided for the caller before the rule about the identifier is applied.
        let access = self.authorize_vault(caller, context, Action::AccountingSearch)?;
        if for_individual {
            let personal =
                matches!(key, SearchKey::Identifier(identifier) if identifier.kind.is_personal());
            if !personal {
                return Err(Refusal::Unprocessable(
                    "the accounting given to an individual is found by an identifier of theirs alone: `ssn`, `tin`, `passport` or `alien_id` (a name, a date of birth, an address or an account may be another person's too)".into(),
                ));
            }
            return self.individuals_view(&access, key, &HashSet::new());
        }
        Ok(self.vault.accounting_for(&access, key, self.now())?)
    }

    /// The accounting of disclosures about the subject `key` as the individual may see it:
    /// nothing withheld from them, and nothing of a system exempt from 552a(c)(3), except, for
    /// a notice that exempts by source, the disclosures of `released` (records already going
    /// to the individual because their source gives access or amendment, seed 000).
    pub(super) fn accounting_for_individual(
        &self,
        caller: &Caller,
        context: &RequestContext,
        key: &SearchKey,
        released: &HashSet<RecordId>,
    ) -> Result<Vec<AccountingEntry>, Refusal> {
        let access = self.authorize_vault(caller, context, Action::AccountingSearch)?;
        self.individuals_view(&access, key, released)
    }

    /// [`Gate::accounting_for_individual`], the caller decided already.
    fn individuals_view(
        &self,
        access: &Access,
        key: &SearchKey,
        released: &HashSet<RecordId>,
    ) -> Result<Vec<AccountingEntry>, Refusal> {
        let entries = self.vault.accounting_for(access, key, self.now())?;
        let catalog = self.policy.catalog();
        Ok(entries
            .into_iter()
            .filter(|entry| !entry.withheld_from_individual)
            .filter(|entry| {
                let Some(system) = catalog.system(&entry.system) else {
                    return false;
                };
                let exempt = system
                    .sorn
                    .exemptions
                    .claims
                    .iter()
                    .any(|claim| claim.from.iter().any(|from| from == "552a(c)(3)"));
                !exempt || (!system.sorn.sources.is_empty() && released.contains(&entry.record))
            })
            .collect())
    }

    /// The designated authorities of `system` (PNR): name, address, eligible, reason.
    fn authorities(&self) -> Result<Vec<serde_json::Value>, Refusal> {
        self.vault
            .documents(AUTHORITIES)?
            .into_iter()
            .map(|(_, bytes)| {
                serde_json::from_slice(&bytes)
                    .map_err(|_| Refusal::Internal("a designated authority is not JSON".into()))
            })
            .collect()
    }

    /// Registers a designated authority of `system` (or changes its address, or its
    /// eligibility with the reason), as one logged change of the registry. Decided as a
    /// release of the system (the owner's disclosure officers).
    #[allow(
        clippy::too_many_arguments,
        reason = "each is one field of the registration"
    )]
    pub fn register_authority(
        &self,
        caller: &Caller,
        context: &RequestContext,
        system: &str,
        name: &str,
        address: &str,
        eligible: bool,
        reason: &str,
    ) -> Result<(), Refusal> {
        let request = self.request(caller, Action::RecordDisclose, system);
        let (access, _) = self.authorize(caller, context, &request)?;
        if name.trim().is_empty()
            || name.chars().count() > MAX_AUTHORITY_NAME_CHARS
            || address.trim().is_empty()
        {
            return Err(Refusal::Invalid(
                "a designated authority has a name (at most 200 characters) and an address".into(),
            ));
        }
        let takes = self
            .policy
            .catalog()
            .system(system)
            .is_some_and(|known| known.sorn.disclosure.designated_authorities);
        if !takes {
            return Err(Refusal::Unprocessable(format!(
                "`{system}` does not release to designated authorities"
            )));
        }
        let mut registry = self.authorities()?;
        registry.retain(|entry| !(entry["system"] == system && entry["name"] == name));
        registry.push(serde_json::json!({
            "system": system, "name": name, "address": address,
            "eligible": eligible, "reason": reason,
        }));
        let documents: Vec<(String, Vec<u8>)> = registry
            .iter()
            .enumerate()
            .map(|(n, entry)| {
                (
                    format!("authority-{n:05}.json"),
                    entry.to_string().into_bytes(),
                )
            })
            .collect();
        Ok(self
            .vault
            .replace_documents(&access, AUTHORITIES, &documents, self.now())?)
    }

    /// The designated authorities, for the disclosure office.
    pub fn list_authorities(
        &self,
        caller: &Caller,
        context: &RequestContext,
        system: &str,
    ) -> Result<Vec<serde_json::Value>, Refusal> {
        let request = self.request(caller, Action::RecordDisclose, system);
        let (access, _) = self.authorize(caller, context, &request)?;
        let listed: Vec<serde_json::Value> = self
            .authorities()?
            .into_iter()
            .filter(|entry| entry["system"] == system)
            .collect();
        self.vault.record_listing(
            &access,
            "designated-authorities.list",
            Vec::new(),
            &format!("{} designated authorities of `{system}`", listed.len()),
            self.now(),
        )?;
        Ok(listed)
    }

    /// Destroys the accounting years that are due, with a signed certificate each.
    pub fn expire_accounting(
        &self,
        caller: &Caller,
        context: &RequestContext,
    ) -> Result<Vec<privacy::accounting::AccountingCertificate>, Refusal> {
        let access = self.authorize_vault(caller, context, Action::AccountingExpire)?;
        Ok(self.vault.expire_accounting(&access, self.now())?)
    }

    /// The notices to prior recipients of corrected or disputed records, pending and sent.
    pub fn notices(
        &self,
        caller: &Caller,
        context: &RequestContext,
    ) -> Result<Vec<privacy::accounting::Notice>, Refusal> {
        let access = self.authorize_vault(caller, context, Action::AccountingSearch)?;
        Ok(self.vault.notices(&access, self.now())?)
    }

    /// Records that a notice was sent, once: a notice to the individual only once it states
    /// what its rule requires (1.22(f), (g)). Returns the notice's id as stored.
    pub fn notice_sent(
        &self,
        caller: &Caller,
        context: &RequestContext,
        id: &str,
    ) -> Result<String, Refusal> {
        let access = self.authorize_vault(caller, context, Action::AccountingSearch)?;
        let now = self.now();
        let notice = self.notice(&access, id, now)?;
        if notice.sent_ms.is_some() {
            return Err(Refusal::Conflict("this notice was sent already".into()));
        }
        if let Some(missing) = missing_from_notice(&notice) {
            return Err(Refusal::Conflict(format!(
                "this notice cannot be marked sent until it states `{missing}` (31 CFR 1.22(f), (g))"
            )));
        }
        // A grand-jury subpoena or ex parte order may be secret until it is a matter of public
        // record: its notice waits for that day (1.22(f)).
        let waiting = notice.due.is_none()
            && process_of(&notice)
                .is_some_and(|process| policy::disclosure::due_from_public_record(&process));
        if waiting {
            return Err(Refusal::Conflict(
                "a notice of a grand-jury subpoena or ex parte order goes out once the process is a matter of public record: record that day first (31 CFR 1.22(f))".into(),
            ));
        }
        self.vault.mark_notice_sent(&access, &notice.id, now)?;
        Ok(notice.id)
    }

    /// The notice `id` (its hexadecimal digits in either case), or `NotFound`: every check
    /// reads the notice the vault would change, so no spelling of its id skips one.
    fn notice(
        &self,
        access: &Access,
        id: &str,
        now: DateTime<Utc>,
    ) -> Result<privacy::accounting::Notice, Refusal> {
        // The id's form is the document's (400); a well-formed id nobody holds is 404.
        if !hex::decode(id).is_ok_and(|key| vault::keyspace::is_notice_key(&key)) {
            return Err(Refusal::Invalid(
                "a notice's id is 22 hexadecimal digits".into(),
            ));
        }
        self.vault
            .notices(access, now)?
            .into_iter()
            .find(|notice| notice.id.eq_ignore_ascii_case(id))
            .ok_or_else(|| Refusal::NotFound("no such notice".into()))
    }

    /// Records the day the grand-jury subpoena or ex parte order a notice of legal process
    /// tells of became a matter of public record; the notice is then due five days after
    /// (1.22(f)). Returns the due date. Refused (409) for any other notice, or once recorded.
    pub fn notice_public(
        &self,
        caller: &Caller,
        context: &RequestContext,
        id: &str,
        public_on: NaiveDate,
    ) -> Result<NaiveDate, Refusal> {
        let access = self.authorize_vault(caller, context, Action::AccountingSearch)?;
        let now = self.now();
        let notice = self.notice(&access, id, now)?;
        if public_on > now.date_naive() {
            return Err(Refusal::Unprocessable(
                "the day it became a matter of public record is not in the future".into(),
            ));
        }
        let from_public = process_of(&notice)
            .is_some_and(|process| policy::disclosure::due_from_public_record(&process));
        if !from_public || notice.due.is_some() {
            return Err(Refusal::Conflict(
                "only a notice of a grand-jury subpoena or ex parte order without its due date is due from the day it became a matter of public record (31 CFR 1.22(f))".into(),
            ));
        }
        let due = policy::disclosure::legal_process_due_after_public(public_on)
            .ok_or_else(|| Refusal::Unprocessable("that day is out of range".into()))?;
        self.vault.record_notice_public(
            &access,
            &notice.id,
            &public_on.to_string(),
            &due.to_string(),
            now,
        )?;
        Ok(due)
    }
}

/// The document kind of the statistical releases' ledger (one signed document per population
/// counted: system, category, period, the digest of its members, the package).
const STATISTICS_LEDGER: &str = "statistics-ledger";

/// The provenance keys that are CBP's or the vault's own bookkeeping, never a recipient's: the
/// ground and case of a pull earlier than 72 hours before departure (seed 001 paragraph 14: CBP's
/// record of advance information that persons of specific concern may be travelling, a
/// law-enforcement reference), and the keys the vault counts receipts and scans free text by.
const BOOKKEEPING_SOURCE_KEYS: [&str; 4] = [
    "early_access",
    "early_case",
    vault::RECEIPT_KEY_SOURCE,
    vault::scan::SCAN_SOURCE,
];

/// Takes the bookkeeping keys out of a disclosed record, silently: naming them withheld would
/// tell the recipient that advance information about a traveller was on file.
fn keep_bookkeeping_in(viewed: &mut Viewed) {
    viewed
        .record
        .contents
        .source
        .retain(|key, _| !BOOKKEEPING_SOURCE_KEYS.contains(&key.as_str()));
    viewed.withheld.retain(|name| {
        name.strip_prefix("source.")
            .is_none_or(|key| !BOOKKEEPING_SOURCE_KEYS.contains(&key))
    });
}

/// A statistical release's entry in the ledger (kind, name, bytes): what was counted (system,
/// category, period, the members' digest, the fields) and the package, never a count.
fn ledger_entry(counted: &policy::statistics::Counted, package: &str) -> (String, String, Vec<u8>) {
    let entry = serde_json::json!({
        "system": counted.system,
        "category": counted.category,
        "period": counted.period,
        "members": counted.members,
        "dimensions": counted.dimensions,
        "package": package,
    });
    (
        STATISTICS_LEDGER.to_owned(),
        format!("{}.{}.{}", counted.system, counted.category, counted.period),
        entry.to_string().into_bytes(),
    )
}

/// A digest of the ids of the records counted (sorted): the same period over the same records
/// has the same digest.
fn members_digest(ids: &[RecordId]) -> String {
    let mut sorted: Vec<&RecordId> = ids.iter().collect();
    sorted.sort();
    let bytes: Vec<u8> = sorted
        .iter()
        .flat_map(|id| id.as_bytes().to_vec())
        .collect();
    format!("sha256:{}", hex::encode(vault::crypto::sha256(&bytes)))
}

/// Which released or corrected records get a notice, from the records a claim of exemption
/// from it covers (by their source systems).
pub(super) fn notice_scope(
    exempt: &policy::sorn::ExemptPortion,
) -> privacy::accounting::NoticeScope {
    use policy::sorn::ExemptPortion;
    use privacy::accounting::NoticeScope;
    match exempt {
        ExemptPortion::Nothing => NoticeScope::Every,
        ExemptPortion::Whole { .. } => NoticeScope::NoRecord,
        ExemptPortion::UnlessFrom { sources, .. } => NoticeScope::FromSources(sources.clone()),
    }
}

/// The legal process a notice to the individual tells of, from its content.
fn process_of(notice: &privacy::accounting::Notice) -> Option<String> {
    let content: serde_json::Value = serde_json::from_str(notice.content.as_deref()?).ok()?;
    content["process"].as_str().map(str::to_owned)
}

/// Who a record is about, for counting people rather than records: its subjects' identifiers
/// in their indexed forms (or names), sorted; never leaves the gate.
fn person_of(record: &Record) -> String {
    let mut keys: Vec<String> = record
        .contents
        .subjects
        .iter()
        .flat_map(|subject| {
            let identifiers: Vec<String> = subject
                .identifiers
                .iter()
                .map(|identifier| {
                    format!(
                        "{}:{}",
                        identifier.kind.name(),
                        model::normalize::identifier(identifier)
                    )
                })
                .collect();
            if identifiers.is_empty() {
                subject
                    .name
                    .iter()
                    .map(|name| model::normalize::name(name))
                    .collect()
            } else {
                identifiers
            }
        })
        .collect();
    keys.sort();
    keys.join("|")
}

/// The evidence of a release's basis as its accounting entries seal it (JSON): each element
/// the policy named for the basis (and for a routine use's condition), all of them given.
fn evidence_json(evidence: &[(&'static str, String)]) -> String {
    let object: serde_json::Map<String, serde_json::Value> = evidence
        .iter()
        .map(|(name, value)| ((*name).to_owned(), serde_json::json!(value)))
        .collect();
    serde_json::Value::Object(object).to_string()
}

/// What a notice to the individual states (JSON, sealed with it): for (b)(8), "the nature of
/// the information disclosed, the person or agency to whom it was disclosed, the date of
/// disclosure, and the compelling circumstances" (1.22(g)); for compulsory legal process, the
/// case, the court, the date and authority to which it is returnable, and the information
/// sought and provided (1.22(f)). Empty when the release makes no such notice.
fn notice_content(
    decided: &policy::disclosure::DisclosureDecision,
    input: &DisclosureInput,
    category: &str,
    system: &str,
    today: NaiveDate,
) -> String {
    if decided.notice.is_none() {
        return String::new();
    }
    let element = |name: &str| {
        decided
            .evidence
            .iter()
            .find(|(key, _)| *key == name)
            .map(|(_, value)| value.clone())
    };
    let provided = match &decided.portion {
        Some(portion) => format!("{category} records of {system}: {}", portion.join(", ")),
        None => format!("{category} records of {system}, whole"),
    };
    let mut content = serde_json::json!({
        "nature": provided,
        "recipient": format!("{}, {}", input.recipient_name, input.recipient_address),
        "date": today.to_string(),
    });
    match &input.basis {
        Some(Basis::Condition(8)) => {
            content["circumstances"] = serde_json::json!(element("circumstances"));
        }
        Some(_) => {
            content["information_sought"] = serde_json::json!(input.purpose);
            for name in [
                "process",
                "court",
                "case_number",
                "dated",
                "returnable_to",
                "proceeding",
                "public_on",
            ] {
                if let Some(value) = element(name) {
                    content[name] = serde_json::json!(value);
                }
            }
        }
        None => {}
    }
    content.to_string()
}

/// The first thing a notice to the individual must state and does not (`None` for a complete
/// one, a notice to a prior recipient, or one made before notices carried their content).
fn missing_from_notice(notice: &privacy::accounting::Notice) -> Option<&'static str> {
    let content: serde_json::Value = serde_json::from_str(notice.content.as_deref()?).ok()?;
    let given = |name: &str| {
        content[name]
            .as_str()
            .is_some_and(|value| !value.trim().is_empty())
    };
    let required: &[&'static str] = if notice.kind.contains("(b)(8)") {
        &["nature", "recipient", "date", "circumstances"]
    } else if given("proceeding") {
        &[
            "nature",
            "recipient",
            "date",
            "information_sought",
            "proceeding",
        ]
    } else if content["process"] == "ex-parte-order" || content["process"] == "court-order" {
        // "the date of and court issuing the ex parte order, the name and number of the case"
        &[
            "nature",
            "date",
            "information_sought",
            "court",
            "dated",
            "case_number",
        ]
    } else {
        // "the date and authority to which the subpoena is, or was returnable"
        &[
            "nature",
            "date",
            "information_sought",
            "court",
            "case_number",
            "returnable_to",
        ]
    };
    required.iter().copied().find(|name| !given(name))
}

#[cfg(test)]
mod tests {
    use super::missing_from_notice;

    fn notice(kind: &str, content: serde_json::Value) -> privacy::accounting::Notice {
        privacy::accounting::Notice {
            id: "n".into(),
            record: model::RecordId::from_bytes([0; 16]),
            annotation: 0,
            kind: kind.into(),
            recipient_name: "the individual".into(),
            recipient_address: "last known address".into(),
            recipient_category: "individual".into(),
            package: "pkg".into(),
            created_ms: 0,
            due: None,
            sent_ms: None,
            public_on: None,
            content: Some(content.to_string()),
            assigned_to: Some("officer".into()),
        }
    }

    /// 1.22(g): the (b)(8) notice states "the nature of the information disclosed, the person
    /// or agency to whom it was disclosed, the date of disclosure, and the compelling
    /// circumstances"; 1.22(f): the legal process notice, the case, the court, and to whom it is
    /// returnable. A notice lacking one is not marked sent.
    #[test]
    fn a_notice_is_sent_only_once_it_states_what_its_rule_requires() {
        let b8 =
            "notification of a (b)(8) disclosure to the individual's last known address (1.22(g))";
        let process = "notice of compulsory legal process to the individual (1.22(f))";
        let full_b8 = serde_json::json!({"nature": "x", "recipient": "y", "date": "2026-11-24", "circumstances": "z"});
        let full_process = serde_json::json!({"nature": "x", "recipient": "y", "date": "2026-11-24", "information_sought": "litigation", "court": "c", "case_number": "n", "returnable_to": "r"});
        #[rustfmt::skip]
        let table: Vec<(&str, &str, serde_json::Value, Option<&str>)> = vec![
            ("(b)(8), complete", b8, full_b8.clone(), None),
            ("(b)(8), no circumstances", b8, serde_json::json!({"nature": "x", "recipient": "y", "date": "2026-11-24", "circumstances": " "}), Some("circumstances")),
            ("legal process, complete", process, full_process.clone(), None),
            ("legal process, no court", process, serde_json::json!({"nature": "x", "date": "2026-11-24", "information_sought": "litigation", "case_number": "n", "returnable_to": "r"}), Some("court")),
            ("an ex parte order, no returnable_to needed", process, serde_json::json!({"nature": "x", "date": "2026-11-24", "information_sought": "litigation", "process": "ex-parte-order", "court": "c", "dated": "2026-11-20", "case_number": "n"}), None),
            ("an ex parte order, no date", process, serde_json::json!({"nature": "x", "date": "2026-11-24", "information_sought": "litigation", "process": "ex-parte-order", "court": "c", "case_number": "n"}), Some("dated")),
            ("a grand-jury subpoena, no returnable_to", process, serde_json::json!({"nature": "x", "date": "2026-11-24", "information_sought": "litigation", "process": "grand-jury-subpoena", "court": "c", "case_number": "n"}), Some("returnable_to")),
            ("paragraph 35, its proceeding", process, serde_json::json!({"nature": "x", "recipient": "y", "date": "2026-11-24", "information_sought": "counterterrorism", "proceeding": "United States v. Doe"}), None),
        ];
        for (what, kind, content, missing) in table {
            assert_eq!(
                missing_from_notice(&notice(kind, content)),
                missing,
                "{what}"
            );
        }
    }
}
