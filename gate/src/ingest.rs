//! The gate's streamed ingest: deciding it, claiming its stream key, and running it batch by
//! batch with each line's system decided and its shape checked.

use super::*;

impl Gate {
    /// Starts an ingest for `caller`: decides that it may ingest into some system, claims the
    /// stream key (an idempotency key: a retry skips the lines a previous run stored) and
    /// reads the stream's progress. Nothing of the input has been read yet.
    pub fn begin_ingest(
        self: &Arc<Self>,
        caller: &Caller,
        context: &RequestContext,
        stream_key: Option<&str>,
    ) -> Result<IngestPlan, Refusal> {
        let Some(rule) = self.ingest_rule(caller) else {
            let decision = Decision::deny(
                "no-rule",
                format!(
                    "no rule allows the role `{}` of `{}` to record.ingest on any system",
                    caller.account.role, caller.account.organization
                ),
            );
            let access = self.access(caller, context, &decision, "", Some("intake"), None);
            self.log_denial(&access, Action::RecordIngest.name(), "", &decision.reason)?;
            return Err(Refusal::Denied {
                rule: decision.rule,
                reason: decision.reason,
            });
        };
        // Refused before anything is read: the client learns at once (HTTP 507), not after
        // streaming its file.
        self.vault.check_disk_reserve()?;
        let stream = match stream_key {
            Some(key) => {
                if key.is_empty() || key.len() > 200 || key.chars().any(char::is_control) {
                    return Err(Refusal::Invalid(
                        "an idempotency key is 1 to 200 printable characters".into(),
                    ));
                }
                // Keys are per account: two accounts cannot resume (or block) each other.
                let name = format!("{}\0{key}", caller.account.name).into_bytes();
                let mut running = self
                    .streams
                    .lock()
                    .map_err(|_| Refusal::Internal("stream table lock poisoned".into()))?;
                if !running.insert(name.clone()) {
                    return Err(Refusal::Conflict(
                        "an ingest with this idempotency key is running; retry when it ends".into(),
                    ));
                }
                Some((StreamKey::new(&name), name))
            }
            None => None,
        };
        let mut plan = IngestPlan {
            gate: Arc::clone(self),
            caller: caller.clone(),
            context: context.clone(),
            rule,
            stream,
            skip: 0,
        };
        if let Some((key, _)) = &plan.stream {
            plan.skip = self.vault.ingest_progress(key)?;
        }
        Ok(plan)
    }

    /// The rule that lets `caller` ingest: the allowing rule of the first system it may
    /// ingest into (lines for other systems are rejected, and their denials logged apart).
    fn ingest_rule(&self, caller: &Caller) -> Option<String> {
        self.policy
            .catalog()
            .systems()
            .iter()
            .map(|system| self.decide_ingest(caller, &system.id))
            .find(|decision| decision.allowed)
            .map(|decision| decision.rule)
    }

    fn decide_ingest(&self, caller: &Caller, system: &str) -> Decision {
        self.policy
            .decide(&self.request(caller, Action::RecordIngest, system))
    }
}

/// An ingest the gate has allowed: holds the claim on its stream key until it ends.
pub struct IngestPlan {
    gate: Arc<Gate>,
    caller: Caller,
    context: RequestContext,
    rule: String,
    stream: Option<(StreamKey, Vec<u8>)>,
    skip: u64,
}

impl std::fmt::Debug for IngestPlan {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IngestPlan")
            .field("caller", &self.caller.account.name)
            .field("skip", &self.skip)
            .finish_non_exhaustive()
    }
}

impl IngestPlan {
    /// Lines a previous run of this stream stored (skipped unread).
    pub fn skipped_through_line(&self) -> u64 {
        self.skip
    }

    /// Reads `input` (lines, or a converted file's records) to its end, committing batches of
    /// `batch_size` records; each line names its system, which the gate decides on (once per
    /// system; a denied system's lines are rejected and the denial logged). `on_commit` hears of each durable batch with the last
    /// line it covers. Errors stop the run and are in the summary: everything through
    /// `committed_through_line` is stored, nothing after it.
    pub fn run(
        self,
        input: crate::lines::Input<impl BufRead>,
        batch_size: usize,
        mut on_commit: impl FnMut(u64),
    ) -> IngestSummary {
        let gate = &self.gate;
        let now = gate.now();
        let decisions: HashMap<String, Decision> = gate
            .policy
            .catalog()
            .systems()
            .iter()
            .map(|system| {
                (
                    system.id.clone(),
                    gate.decide_ingest(&self.caller, &system.id),
                )
            })
            .collect();
        let seen: Arc<Mutex<HashMap<String, Decision>>> = Arc::default();
        let admit: crate::lines::Admit = {
            let seen = Arc::clone(&seen);
            let policy = Arc::clone(&gate.policy);
            let mut receipts = crate::lines::FlightReceipts::new(Arc::clone(&gate.vault), now);
            Box::new(move |record: &mut model::RecordContents| {
                let system = record.system.as_str();
                let decision = decisions.get(system).cloned().unwrap_or_else(|| {
                    Decision::deny(
                        "system-unknown",
                        format!("the gate knows no system of records `{system}`"),
                    )
                });
                let verdict = if decision.allowed {
                    Ok(())
                } else {
                    Err(format!("{} (rule `{}`)", decision.reason, decision.rule))
                };
                if let Ok(mut seen) = seen.lock() {
                    seen.entry(system.to_owned()).or_insert(decision);
                }
                verdict
                    .and_then(|()| crate::lines::admit_record(policy.catalog(), record))
                    .and_then(|()| receipts.check(record))
            })
        };
        let mut lines = LineBatches::of(input, batch_size, now)
            .skipping_through(self.skip)
            .admitting(admit);
        let access = gate.access(
            &self.caller,
            &self.context,
            &Decision {
                allowed: true,
                rule: self.rule.clone(),
                reason: String::new(),
                projection: None,
            },
            "",
            Some("intake"),
            None,
        );
        let mut summary = IngestSummary {
            skipped_through_line: self.skip,
            committed_through_line: self.skip,
            ..IngestSummary::default()
        };
        let batch_lines = lines.batch_lines();
        let batches = std::iter::from_fn(|| lines.next_batch());
        // A duplicate or a disagreement is named to the filer only by the line of this file it
        // repeats: the first line reporting a transfer is answered as accepted whether the
        // vault stored it or linked it to another filer's report, so a receipt reads the same
        // either way and ingest is no oracle for what others reported. (Each line's transfer
        // is keyed by the id it was stored or linked as.)
        let mut first_line: HashMap<RecordId, u64> = HashMap::new();
        let commit = |through_line: u64, ingested: vault::Ingested| {
            summary.committed_through_line = through_line;
            let lines = batch_lines.take(through_line);
            let line_of = |position: usize| lines.get(position).copied().unwrap_or(through_line);
            for (position, id) in ingested.ids.iter().enumerate() {
                let line = line_of(position);
                match first_line.get(id) {
                    Some(first) if ingested.duplicates.contains(&position) => {
                        summary.duplicates.push((line, *first));
                    }
                    _ => {
                        summary.ingested += 1;
                        first_line.entry(*id).or_insert(line);
                    }
                }
            }
            for (position, earlier) in ingested.conflicting.iter().zip(&ingested.conflicts_with) {
                if !earlier.is_empty() && earlier.iter().all(|id| first_line.contains_key(id)) {
                    summary
                        .conflicting
                        .push((line_of(*position), ingested.ids[*position]));
                }
            }
            on_commit(through_line);
        };
        let outcome = match &self.stream {
            Some((key, _)) => gate
                .vault
                .ingest_stream_resumable(&access, now, key, batches, commit),
            None => gate.vault.ingest_stream(&access, now, batches, commit),
        };
        summary.lines = lines.line_no;
        summary.rejected = std::mem::take(&mut lines.rejected);
        if let Err(err) = outcome {
            summary.stopped = Some(match err {
                err @ vault::Error::LogInDoubt(_) => Refusal::Unavailable {
                    reason: format!(
                        "in doubt after line {}: the store did not confirm the next batch in \
                         time, and it may still be stored; re-send the same input: the retry \
                         waits for that batch's outcome, so each line is stored once",
                        summary.committed_through_line
                    ),
                    cause: Some(Internal::of(&err)),
                },
                other => other.into(),
            });
        } else if let Some(err) = lines.read_error.take() {
            summary.stopped = Some(Refusal::Invalid(format!(
                "reading the input stopped after line {}: {err}",
                lines.line_no
            )));
        } else {
            // Every line was read and either stored or rejected.
            summary.committed_through_line = summary.lines.max(self.skip);
        }
        let denied: Vec<(String, Decision)> = seen
            .lock()
            .map(|seen| {
                seen.iter()
                    .filter(|(_, decision)| !decision.allowed)
                    .map(|(system, decision)| (system.clone(), decision.clone()))
                    .collect()
            })
            .unwrap_or_default();
        for (system, decision) in denied {
            let access = gate.access(
                &self.caller,
                &self.context,
                &decision,
                &system,
                Some("intake"),
                None,
            );
            let logged = gate.log_denial(
                &access,
                Action::RecordIngest.name(),
                gate.system_code(&system),
                &decision.reason,
            );
            if let (Err(refusal), None) = (logged, &summary.stopped) {
                summary.stopped = Some(refusal);
            }
        }
        summary
    }
}

impl Drop for IngestPlan {
    fn drop(&mut self) {
        if let Some((_, name)) = &self.stream {
            if let Ok(mut running) = self.gate.streams.lock() {
                running.remove(name);
            }
        }
    }
}
