//! Annotations: corrections, notations of dispute and statements of disagreement attached to
//! a record. Append-only: the original is never altered (seed 001 footnote 10, 31 CFR 1.27);
//! every read returns the record with them. Each is one of the record's attachments (the
//! kernel's `vault::Attachment`): sealed under a key derived from the record's data key, so it
//! lives and dies with the record (destroying the cohort shreds it), and stored beside the
//! record (its id and a sequence), so the record's purge removes it. This module says what one
//! says, and reads records and transfer packages with their annotations.

use chrono::{DateTime, Utc};
use model::{Record, RecordId};
use vault::codec::{Reader, Writer};
use vault::transfer::Manifest;
use vault::{Access, Attachment, Error, Result, Vault};

use crate::accounting::{decode_entry, notices_for, AccountingEntry, NoticeScope};

const ANNOTATION_VERSION: u8 = 1;
/// Longest annotation text.
pub const MAX_ANNOTATION_BYTES: usize = 16 * 1024;

/// What an annotation is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AnnotationKind {
    /// A correction: the portion is inaccurate and this is the proper value.
    Correction,
    /// A notation that the individual disputes the portion.
    Dispute,
    /// The individual's statement of disagreement (31 CFR 1.27).
    Disagreement,
}

impl AnnotationKind {
    /// Every kind.
    pub const ALL: [AnnotationKind; 3] = [
        AnnotationKind::Correction,
        AnnotationKind::Dispute,
        AnnotationKind::Disagreement,
    ];

    /// Its name in the API and the log.
    pub fn name(self) -> &'static str {
        match self {
            AnnotationKind::Correction => "correction",
            AnnotationKind::Dispute => "dispute",
            AnnotationKind::Disagreement => "statement-of-disagreement",
        }
    }

    /// The kind with this name.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|kind| kind.name() == name)
    }

    fn tag(self) -> u8 {
        match self {
            AnnotationKind::Correction => 1,
            AnnotationKind::Dispute => 2,
            AnnotationKind::Disagreement => 3,
        }
    }
}

/// One annotation of a record.
#[derive(Clone, PartialEq, Eq)]
pub struct Annotation {
    /// Its place among the record's annotations, from 1.
    pub seq: u32,
    /// What it is.
    pub kind: AnnotationKind,
    /// The portions of the record it concerns (`fields.amount`, `subject.1.name`, `record`).
    pub portions: Vec<String>,
    /// The correction or statement (may hold personal data: sealed).
    pub text: String,
    /// Who added it (the account).
    pub author: String,
    /// When (Unix ms).
    pub created_ms: i64,
}

impl std::fmt::Debug for Annotation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Annotation")
            .field("seq", &self.seq)
            .field("kind", &self.kind)
            .field("portions", &self.portions)
            .field("text", &"[redacted]")
            .finish_non_exhaustive()
    }
}

/// Whether `portion` names a part of a record: `record`, `fields.NAME`, `source.KEY` or
/// `subject.N.PART` (N the subject's place, from 1), each name a schema token. The grammar
/// keeps the log's copy of the portions free of anything a caller might type by mistake
/// (an SSN is not a portion).
pub fn check_portion(portion: &str) -> bool {
    let name = |token: &str| model::display_token(token) == format!("`{token}`");
    match portion.split('.').collect::<Vec<_>>().as_slice() {
        ["record"] => true,
        ["fields" | "source", key] => name(key),
        ["subject", place, part] => {
            (1..=3).contains(&place.len())
                && place.bytes().all(|b| b.is_ascii_digit())
                && !place.starts_with('0')
                && name(part)
        }
        _ => false,
    }
}

/// A transfer package opened, its attachments and accounting decoded.
#[derive(Debug)]
pub struct AnnotatedTransfer {
    /// Its manifest.
    pub manifest: Manifest,
    /// The records, with their annotations.
    pub records: Vec<(Record, Vec<Annotation>)>,
    /// The copy of their accounting.
    pub accounting: Vec<AccountingEntry>,
}

/// The annotations' operations on the vault.
pub trait Annotations {
    /// Appends an annotation to record `id`, logged as `annotate` with its kind and portions
    /// (never its text). When `notify_recipients` covers the record, the same batch holds a
    /// notice to every prior recipient in the record's accounting (552a(c)(4)). Returns its
    /// sequence number and the number of notices.
    #[allow(
        clippy::too_many_arguments,
        reason = "each is one part of the annotation or its context"
    )]
    fn annotate(
        &self,
        access: &Access,
        id: &RecordId,
        kind: AnnotationKind,
        portions: &[String],
        text: &str,
        notify_recipients: &NoticeScope,
        now: DateTime<Utc>,
    ) -> Result<(u32, usize)>;

    /// Reads one record for a person with its annotations (corrections, disputes, statements
    /// of disagreement), which every read must show: like [`Vault::read_by_person`].
    fn read_annotated(
        &self,
        access: &Access,
        id: &RecordId,
        now: DateTime<Utc>,
    ) -> Result<(Record, Vec<Annotation>)>;

    /// Opens a transfer package with the vault's keys ([`Vault::open_transfer`], logged), its
    /// records' annotations and its accounting decoded.
    fn open_annotated_transfer(
        &self,
        access: &Access,
        bytes: &[u8],
        now: DateTime<Utc>,
    ) -> Result<AnnotatedTransfer>;
}

impl Annotations for Vault {
    fn annotate(
        &self,
        access: &Access,
        id: &RecordId,
        kind: AnnotationKind,
        portions: &[String],
        text: &str,
        notify_recipients: &NoticeScope,
        now: DateTime<Utc>,
    ) -> Result<(u32, usize)> {
        let mut change = self.change(access, "annotate", now)?;
        if portions.is_empty() || !portions.iter().all(|portion| check_portion(portion)) {
            return Err(Error::Invalid(
                "an annotation names the portions it concerns: `record`, `fields.NAME`, `source.KEY`, `subject.N.name` or `subject.N.IDENTIFIER`".into(),
            ));
        }
        if text.trim().is_empty() || text.len() > MAX_ANNOTATION_BYTES {
            return Err(Error::Invalid(format!(
                "an annotation's text is 1 to {MAX_ANNOTATION_BYTES} bytes"
            )));
        }
        let mut plain = Writer(zeroize::Zeroizing::new(Vec::new()));
        plain.u8(ANNOTATION_VERSION);
        plain.u8(kind.tag());
        plain.u32(portions.len() as u32);
        for portion in portions {
            plain.str(portion);
        }
        plain.str(text);
        plain.str(&access.principal);
        plain.i64(now.timestamp_millis());
        let seq = change.attach(id, &plain.0)?;
        let notify = match notify_recipients {
            NoticeScope::Every => true,
            NoticeScope::NoRecord => false,
            // Opened here only to read its source; nothing of it leaves.
            scope => {
                let record = change.open_record(id)?;
                scope.covers(change.record_source_system(record)?)
            }
        };
        let notices = if notify {
            notices_for(&mut change, id, seq, kind.name(), now)?
        } else {
            0
        };
        change.set_outcome(format!(
            "{} #{seq} of {}; {notices} notices to prior recipients",
            kind.name(),
            portions.join(", ")
        ));
        change.commit()?;
        Ok((seq, notices))
    }

    fn read_annotated(
        &self,
        access: &Access,
        id: &RecordId,
        now: DateTime<Utc>,
    ) -> Result<(Record, Vec<Annotation>)> {
        let (record, attachments) = self.read_attached(access, id, now)?;
        Ok((record, decode_annotations(&attachments)?))
    }

    fn open_annotated_transfer(
        &self,
        access: &Access,
        bytes: &[u8],
        now: DateTime<Utc>,
    ) -> Result<AnnotatedTransfer> {
        let opened = self.open_transfer(access, bytes, now)?;
        let records = opened
            .records
            .into_iter()
            .map(|(record, attachments)| Ok((record, decode_annotations(&attachments)?)))
            .collect::<Result<_>>()?;
        let accounting = opened
            .accounting
            .iter()
            .map(|(key, plain)| decode_entry(key, plain))
            .collect::<Result<_>>()?;
        Ok(AnnotatedTransfer {
            manifest: opened.manifest,
            records,
            accounting,
        })
    }
}

/// The annotations a record's attachments hold, oldest first.
pub(crate) fn decode_annotations(attachments: &[Attachment]) -> Result<Vec<Annotation>> {
    attachments
        .iter()
        .map(|attachment| decode_annotation(attachment.seq, &attachment.contents))
        .collect()
}

/// Annotation `seq` from its attachment's contents.
fn decode_annotation(seq: u32, plain: &[u8]) -> Result<Annotation> {
    let mut reader = Reader::new(plain, "annotation");
    if reader.u8()? != ANNOTATION_VERSION {
        return Err(Error::UnsupportedVersion {
            what: "annotation",
            version: ANNOTATION_VERSION,
        });
    }
    let kind = match reader.u8()? {
        1 => AnnotationKind::Correction,
        2 => AnnotationKind::Dispute,
        3 => AnnotationKind::Disagreement,
        _ => return Err(Error::corrupt("annotation", "unknown kind")),
    };
    let n = reader.u32()? as usize;
    let mut portions = Vec::with_capacity(n.min(64));
    for _ in 0..n {
        portions.push(reader.string()?);
    }
    let annotation = Annotation {
        seq,
        kind,
        portions,
        text: reader.string()?,
        author: reader.string()?,
        created_ms: reader.i64()?,
    };
    reader.finish()?;
    Ok(annotation)
}

#[cfg(test)]
mod tests;
