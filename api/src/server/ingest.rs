//! `POST /v1/ingest`: a JSON-lines body streamed into the vault and committed batch by batch.
//! The response is streamed too (`application/x-ndjson`): one line per durable batch,
//! `{"committed_through_line": N}`, then a summary line. A client that loses the connection
//! knows how far it got; re-sending with the same `Idempotency-Key` skips what was stored.
//!
//! The body is bridged to a blocking thread (where the gate parses, seals and commits) through
//! a small bounded channel, so a slow disk slows the upload instead of filling memory.
//!
//! With `?format=mt|pacs|cbetf-csv|cbetf-jsonl|ttar-csv` the body is an institution's file: it
//! is read whole (within the body limit), converted in memory (`intake_files`), and its records
//! go through the same ingest; the summary adds the receipt by location.

use std::convert::Infallible;
use std::io::{self, BufReader, Read};
use std::sync::Arc;

use crate::wire;
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::Response;
use futures_util::StreamExt;
use serde::Deserialize;
use tokio::sync::mpsc;

use crate::server::handlers::QueryParams;
use crate::server::{blocking, AppState, Authed, Limits, Problem};
use gate::lines::Input;
use gate::{IngestSummary, Refusal};

/// The header naming a resumable stream.
pub const IDEMPOTENCY_KEY: &str = "idempotency-key";
/// Largest batch a request may ask for.
const MAX_BATCH: usize = 10_000;

/// Options of an ingest.
#[derive(Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub(crate) struct IngestParams {
    /// Records per committed batch (default: the server's, 1000).
    #[param(minimum = 1, maximum = 10000)]
    #[serde(default, deserialize_with = "crate::server::handlers::whole_or_none")]
    batch_size: Option<usize>,
    /// The body's format (the schema says more).
    #[param(schema_with = crate::wire::ingest_format_schema)]
    format: Option<String>,
    /// The reporting institution's BIC, for an institution's file (a TIN report needs it: 422
    /// without).
    reporter: Option<String>,
    /// The reporting institution's kind (the schema says more).
    #[param(schema_with = crate::wire::reporter_type_schema)]
    reporter_type: Option<String>,
    /// The filing date (the schema says more).
    #[param(schema_with = crate::wire::filed_on_schema)]
    filed_on: Option<String>,
}

/// Load JSON lines (docs/import-format.md), or an institution's file, committed and synced
/// batch by batch (role `ingest`). The answer streams one line per durable batch,
/// `{"committed_through_line": N}`, then a summary line with `done`, `committed_through_line`,
/// `lines`, `ingested`, `rejected` (line and reason) and, if the run stopped early, `error` (a
/// problem). Re-sending the same input with the same Idempotency-Key skips what was stored.
#[utoipa::path(
    post,
    path = "/v1/ingest",
    tag = "ingest",
    params(
        ("Idempotency-Key" = Option<String>, Header, nullable = false, pattern = "^[!-~](?:[ -~]*[!-~])?$", max_length = 200, description = "names the input (for a file: its hash): 1 to 200 printable ASCII characters; a retry with the same key resumes after the last stored line"),
        IngestParams,
    ),
    request_body(content = Option<serde_json::Value>, content_type = "application/x-ndjson", description = "the records, one JSON object a line, or the institution's file; none is an empty input"),
    responses(
        (status = 200, description = "JSON lines, each an `IngestLine`: a progress line after each committed batch, then the summary (with an institution's file, its `receipt`)", body = crate::wire::IngestLine, content_type = "application/x-ndjson"),
        (status = 400, description = "a parameter that is not the schema's", body = crate::wire::Problem, content_type = "application/problem+json"),
        (status = 403, description = super::handlers::DENIED, body = crate::wire::Problem, content_type = "application/problem+json"),
        (status = 409, description = "an ingest with this idempotency key is running", body = crate::wire::Problem, content_type = "application/problem+json"),
        (status = 422, description = "a TIN report without its reporter, or from a money transmitter; a filing date in the future", body = crate::wire::Problem, content_type = "application/problem+json"),
        (status = 429, description = "too many failed authentications from this address, or other institutions' files are being converted", body = crate::wire::Problem, content_type = "application/problem+json"),
        (status = 507, description = "the data directory's free space is under the reserve: ingest is refused before anything is stored", body = crate::wire::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub(crate) async fn ingest(
    State(state): State<AppState>,
    authed: Authed,
    headers: HeaderMap,
    QueryParams(params): QueryParams<IngestParams>,
    body: Body,
) -> Result<Response, Problem> {
    let batch_size = params.batch_size.unwrap_or(state.limits.ingest_batch);
    if batch_size == 0 || batch_size > MAX_BATCH {
        return Err(Problem::invalid(format!(
            "batch_size must be 1 to {MAX_BATCH}"
        )));
    }
    // The options are checked whenever given, as the document states them, though only an
    // institution's file uses them.
    let reporter_type = match params.reporter_type.as_deref() {
        None | Some("bank") => intake::cbetf_map::ReporterType::Bank,
        Some("money-transmitter") => intake::cbetf_map::ReporterType::MoneyTransmitter,
        Some(_) => {
            return Err(Problem::invalid(
                "reporter_type is `bank` or `money-transmitter`",
            ))
        }
    };
    let today = state.gate.today();
    let filed_on = match params.filed_on.as_deref() {
        Some(text) => super::handlers::date(text, "filed_on")?,
        None => today,
    };
    let filing = match params.format.as_deref() {
        None | Some("jsonl") => None,
        Some(format) => {
            if !crate::intake_files::FORMATS.contains(&format) {
                return Err(Problem::invalid(format!(
                    "unknown format; formats are {}",
                    crate::intake_files::FORMATS.join(", ")
                )));
            }
            // The day and the joined fields are rules the document cannot state (422).
            if filed_on > today {
                return Err(
                    Refusal::Unprocessable("filed_on cannot be in the future".into()).into(),
                );
            }
            let filing = intake::cbetf_map::Filing {
                reporter: params.reporter.clone(),
                reporter_type,
                filed_on,
                business_days: policy::calendar::add_working_days,
            };
            crate::intake_files::check_filing(format, &filing)
                .map_err(|reason| Problem::from(Refusal::Unprocessable(reason)))?;
            Some((format.to_owned(), filing))
        }
    };
    let stream_key = match headers.get(IDEMPOTENCY_KEY) {
        None => None,
        Some(value) => Some(
            value
                .to_str()
                .map_err(|_| Problem::invalid("the Idempotency-Key header must be ASCII"))?
                .to_owned(),
        ),
    };
    // Decide, claim the stream key and read its progress before any of the body is read, so
    // a denial or a conflict is a plain problem response.
    let gate = Arc::clone(&state.gate);
    let plan = blocking(state.limits.operation, move || {
        gate.begin_ingest(&authed.caller, &authed.context, stream_key.as_deref())
    })
    .await?;

    // An institution's file is converted whole, so it is read whole first, up to its own cap
    // (413 beyond it, before anything is stored); JSON lines are streamed.
    // At most a few files are read and converted at once, so the memory they take is
    // bounded for the server, not only per request.
    let (upload, body, converting) = match &filing {
        Some(_) => {
            let permit = Arc::clone(&state.converting)
                .try_acquire_owned()
                .map_err(|_| {
                    Problem::new(
                        StatusCode::TOO_MANY_REQUESTS,
                        "rate-limited",
                        "other institutions' files are being converted; retry in a minute",
                    )
                })?;
            (
                Some(read_upload(body, &headers, &state.limits).await?),
                Body::empty(),
                Some(permit),
            )
        }
        None => (None, body, None),
    };
    let (chunks_tx, chunks_rx) = mpsc::channel::<io::Result<Bytes>>(8);
    let (lines_tx, lines_rx) = mpsc::unbounded_channel::<Bytes>();
    tokio::spawn(feed_body(
        body,
        chunks_tx,
        state.limits.ingest_body_bytes,
        state.limits.ingest_idle,
    ));
    let progress_tx = lines_tx.clone();
    // The request's span, carried onto the blocking thread (tokio does not), so what the
    // ingest logs (an internal error that stopped it) is under the request's id.
    let span = tracing::Span::current();
    tokio::task::spawn_blocking(move || {
        let _in_request = span.enter();
        // Held until the file's conversion and ingest end.
        let _converting = converting;
        let body = ChannelReader {
            chunks: chunks_rx,
            current: Bytes::new(),
        };
        let progress = |through_line| {
            let line = wire::IngestProgress {
                committed_through_line: through_line,
            };
            let _ = progress_tx.send(ndjson_line(&line));
        };
        let Some((format, filing)) = filing else {
            let summary = plan.run(
                Input::Lines(BufReader::with_capacity(1 << 20, body)),
                batch_size,
                progress,
            );
            log_stopped(&summary);
            let _ = lines_tx.send(ndjson_line(&summary_line(&summary)));
            return;
        };
        // An institution's file: read whole under its cap, converted in memory.
        let raw = upload.unwrap_or_default();
        let converted = std::str::from_utf8(&raw)
            .map_err(|_| Refusal::Invalid("the file is not UTF-8 text".into()))
            .and_then(|text| {
                crate::intake_files::convert(&format, text, &filing).map_err(Refusal::Invalid)
            });
        let last = match converted {
            Err(refusal) => summary_line(&IngestSummary::from(refusal)),
            Ok(mut conversion) => {
                let records = std::mem::take(&mut conversion.records);
                let summary = plan.run(Input::records(records), batch_size, progress);
                log_stopped(&summary);
                wire::IngestSummary {
                    receipt: Some(
                        conversion.receipt(&format, &crate::intake_files::Stored::from(&summary)),
                    ),
                    ..summary_line(&summary)
                }
            }
        };
        let _ = lines_tx.send(ndjson_line(&last));
    });

    let stream = futures_util::stream::unfold(lines_rx, |mut lines| async move {
        lines
            .recv()
            .await
            .map(|line| (Ok::<_, Infallible>(line), lines))
    });
    let mut response = Response::new(Body::from_stream(stream));
    *response.status_mut() = StatusCode::OK;
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/x-ndjson"),
    );
    Ok(response)
}

/// Logs the internal error that stopped an ingest, or the vault's reason it became unavailable
/// (a batch in doubt), if one did: its answer is a stream whose head passed the request-id
/// middleware before the error happened, so the middleware never sees it (the caller is
/// pointed to the log under the request's id all the same).
pub(super) fn log_stopped(summary: &IngestSummary) {
    if let Some(
        Refusal::Internal(internal)
        | Refusal::Unavailable {
            cause: Some(internal),
            ..
        },
    ) = &summary.stopped
    {
        super::problem::log_internal(internal);
    }
}

/// The last line of an ingest response (an institution's file adds its receipt).
fn summary_line(summary: &IngestSummary) -> wire::IngestSummary {
    wire::IngestSummary {
        done: summary.stopped.is_none(),
        committed_through_line: summary.committed_through_line,
        skipped_through_line: summary.skipped_through_line,
        lines: summary.lines,
        ingested: summary.ingested,
        rejected: summary
            .rejected
            .iter()
            .map(|rejected| wire::RejectedLine {
                line: rejected.line,
                reason: rejected.reason.clone(),
            })
            .collect(),
        duplicates: summary
            .duplicates
            .iter()
            .map(|&(line, first_line)| wire::DuplicateLine { line, first_line })
            .collect(),
        conflicting: summary
            .conflicting
            .iter()
            .map(|(line, record)| wire::ConflictingLine {
                line: *line,
                record: record.to_string(),
            })
            .collect(),
        error: summary
            .stopped
            .as_ref()
            .map(|refusal| Problem::from(refusal.clone()).wire()),
        receipt: None,
    }
}

/// One line of the streamed answer. The wire types serialize without fail (no maps with
/// non-string keys, no floats); should one ever not, the line is a problem document and the
/// cause goes to the server's log here (mid-stream, no middleware sees it).
fn ndjson_line(line: &impl serde::Serialize) -> Bytes {
    let text = serde_json::to_string(line).unwrap_or_else(|err| {
        let refusal = Refusal::internal_because("writing a line of the ingest's answer", &err);
        if let Refusal::Internal(internal) = &refusal {
            super::problem::log_internal(internal);
        }
        Problem::from(refusal).body().to_string()
    });
    Bytes::from(format!("{text}\n"))
}

/// Reads an institution's file whole, refusing it with 413 as soon as it is larger than the
/// cap (at once when its `Content-Length` says so), so a caller cannot make the server hold
/// more than the cap. Chunks are appended to a buffer whose old copies are wiped as it grows.
async fn read_upload(
    body: Body,
    headers: &HeaderMap,
    limits: &Limits,
) -> Result<zeroize::Zeroizing<Vec<u8>>, Problem> {
    let cap = limits.converted_upload_bytes;
    let too_large = || {
        Problem::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "upload-too-large",
            format!(
                "an institution's file is read whole to convert it, up to {} MiB (`serve \
                 --max-upload-mib`); send larger ones in parts",
                cap >> 20
            ),
        )
    };
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.parse::<u64>().ok());
    if declared.is_some_and(|length| length > cap) {
        return Err(too_large());
    }
    // Nothing is reserved on the caller's word: the buffer grows with what arrives.
    let mut raw = zeroize::Zeroizing::new(Vec::new());
    let mut stream = body.into_data_stream();
    loop {
        let chunk = match tokio::time::timeout(limits.ingest_idle, stream.next()).await {
            Err(_) => {
                return Err(Problem::invalid(format!(
                    "the upload stopped: no data for {} s",
                    limits.ingest_idle.as_secs()
                )))
            }
            Ok(None) => return Ok(raw),
            Ok(Some(Err(_))) => return Err(Problem::invalid("the upload was cut")),
            Ok(Some(Ok(chunk))) => chunk,
        };
        if (raw.len() + chunk.len()) as u64 > cap {
            return Err(too_large());
        }
        if raw.len() + chunk.len() > raw.capacity() {
            // Grow by hand so the old buffer is wiped, not left to the allocator.
            let mut grown = zeroize::Zeroizing::new(Vec::with_capacity(
                (raw.capacity() * 2)
                    .max(raw.len() + chunk.len())
                    .min(cap as usize),
            ));
            grown.extend_from_slice(&raw);
            raw = grown;
        }
        raw.extend_from_slice(&chunk);
    }
}

/// Moves the request body into the channel, enforcing the size limit and the idle timeout.
/// A body that ends badly ends the channel with an error, never a clean end: a cut upload
/// must not look like a complete last line.
async fn feed_body(
    body: Body,
    chunks: mpsc::Sender<io::Result<Bytes>>,
    max_bytes: u64,
    idle: std::time::Duration,
) {
    let mut stream = body.into_data_stream();
    let mut total: u64 = 0;
    loop {
        let next = match tokio::time::timeout(idle, stream.next()).await {
            Err(_) => Some(Err(io::Error::new(
                io::ErrorKind::TimedOut,
                format!("no data for {} s", idle.as_secs()),
            ))),
            Ok(None) => None,
            Ok(Some(Err(err))) => Some(Err(io::Error::other(format!("the upload was cut: {err}")))),
            Ok(Some(Ok(chunk))) => {
                total += chunk.len() as u64;
                if total > max_bytes {
                    Some(Err(io::Error::other(format!(
                        "the body is larger than {max_bytes} bytes"
                    ))))
                } else {
                    Some(Ok(chunk))
                }
            }
        };
        let Some(next) = next else {
            return; // dropping the sender is the clean end
        };
        let failed = next.is_err();
        if chunks.send(next).await.is_err() || failed {
            return;
        }
    }
}

/// The request body as a blocking reader, fed by [`feed_body`].
struct ChannelReader {
    chunks: mpsc::Receiver<io::Result<Bytes>>,
    current: Bytes,
}

impl Read for ChannelReader {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        while self.current.is_empty() {
            match self.chunks.blocking_recv() {
                None => return Ok(0),
                Some(Err(err)) => return Err(err),
                Some(Ok(chunk)) => self.current = chunk,
            }
        }
        let n = out.len().min(self.current.len());
        out[..n].copy_from_slice(&self.current[..n]);
        let _ = self.current.split_to(n);
        Ok(n)
    }
}
