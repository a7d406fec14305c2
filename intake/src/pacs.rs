//! ISO 20022 credit transfers: pacs.008 (a customer credit transfer) and pacs.009 (a financial
//! institution credit transfer; COV when it carries the underlying customer transfer), with or
//! without the business application header and the SWIFT envelope, with any namespace
//! prefixes. Each transaction (`CdtTrfTxInf`) is answered on its own.

use chrono::NaiveDate;

use crate::swift::Party;
use crate::xml::{self, Element};
use crate::ParseError;

/// The customer side of a transfer: debtor and creditor with their accounts and agents.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Customers {
    /// The debtor (the transmittor).
    pub debtor: Option<Party>,
    /// The debtor's agent's BIC.
    pub debtor_agent: Option<String>,
    /// The creditor (the recipient).
    pub creditor: Option<Party>,
    /// The creditor's agent's BIC.
    pub creditor_agent: Option<String>,
}

/// One credit transfer transaction.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PacsTransfer {
    /// The message definition (`pacs.008.001.08`), from the header or the namespace.
    pub message_definition: String,
    /// Whether it is a pacs.009 cover payment (it carries the underlying customer transfer).
    pub cover: bool,
    /// The business application header's sender and receiver BICs, if there is a header.
    pub header_from: Option<String>,
    /// The header's receiver.
    pub header_to: Option<String>,
    /// The instructing agent's BIC.
    pub instructing_agent: Option<String>,
    /// The instructed agent's BIC.
    pub instructed_agent: Option<String>,
    /// Intermediary agents' BICs, in order.
    pub intermediaries: Vec<String>,
    /// The UETR.
    pub uetr: Option<String>,
    /// The end-to-end id.
    pub end_to_end_id: Option<String>,
    /// The instruction id.
    pub instruction_id: Option<String>,
    /// The interbank settlement amount in cents.
    pub amount_cents: i64,
    /// Its currency.
    pub currency: String,
    /// The interbank settlement date.
    pub settlement_date: Option<NaiveDate>,
    /// The parties: for pacs.008 the customers; for pacs.009 the institutions as debtor and
    /// creditor (their BICs).
    pub parties: Customers,
    /// For a cover payment, the underlying customer credit transfer.
    pub underlying: Option<Customers>,
    /// The raw message this transfer came from: the whole document when it holds one
    /// transaction; else the header, the group header and this transaction's element, each as
    /// the document has them, one per line (so a file of many transactions is not kept whole
    /// for each).
    pub raw: String,
}

/// Parses one document; each transaction gives a transfer or an error located by its
/// position (`transaction N`) or the document's line.
pub fn parse(text: &str) -> Vec<Result<PacsTransfer, ParseError>> {
    let root = match xml::parse(text) {
        Ok(root) => root,
        Err((line, reason)) => {
            return vec![Err(ParseError {
                location: format!("line {line}"),
                reason,
            })]
        }
    };
    let header = root.find("AppHdr");
    let header_bic = |side: &str| {
        header
            .and_then(|header| header.at(&[side, "FIId", "FinInstnId", "BICFI"]))
            .map(|element| element.text.clone())
    };
    let (body, cover_kind) = match (root.find("FIToFICstmrCdtTrf"), root.find("FICdtTrf")) {
        (Some(body), _) => (body, false),
        (None, Some(body)) => (body, true),
        (None, None) => {
            return vec![Err(ParseError {
                location: "document".into(),
                reason: "neither a pacs.008 (FIToFICstmrCdtTrf) nor a pacs.009 (FICdtTrf)".into(),
            })]
        }
    };
    let definition = header
        .and_then(|header| header.text_at(&["MsgDefIdr"]))
        .map(str::to_owned)
        .unwrap_or_else(|| if cover_kind { "pacs.009" } else { "pacs.008" }.to_owned());
    let transactions: Vec<&Element> = body.children_named("CdtTrfTxInf").collect();
    let cut = |element: &Element| text.get(element.span.0..element.span.1).unwrap_or("");
    let shared: Vec<&str> = [header, body.child("GrpHdr")]
        .into_iter()
        .flatten()
        .map(cut)
        .collect();
    let whole = transactions.len() == 1;
    let raw_of = |transaction: &Element| {
        if whole {
            text.to_owned()
        } else {
            let mut parts = shared.clone();
            parts.push(cut(transaction));
            parts.join("\n")
        }
    };
    if transactions.is_empty() {
        return vec![Err(ParseError {
            location: "document".into(),
            reason: "no credit transfer transaction (CdtTrfTxInf)".into(),
        })];
    }
    transactions
        .into_iter()
        .enumerate()
        .map(|(index, transaction)| {
            transfer(
                transaction,
                &definition,
                cover_kind,
                header_bic("Fr"),
                header_bic("To"),
            )
            .map(|mut transfer| {
                transfer.raw = raw_of(transaction);
                transfer
            })
            .map_err(|(element, reason)| ParseError {
                location: match element {
                    Some(element) => format!("transaction {}, {element}", index + 1),
                    None => format!("transaction {}", index + 1),
                },
                reason,
            })
        })
        .collect()
}

type Failure = (Option<&'static str>, String);

fn bic(element: Option<&Element>) -> Option<String> {
    element
        .and_then(|agent| agent.text_at(&["FinInstnId", "BICFI"]))
        .map(str::to_owned)
}

/// A party from a debtor or creditor element and its account element.
fn party(tag: &str, element: Option<&Element>, account: Option<&Element>) -> Option<Party> {
    let element = element?;
    let account = account.and_then(|account| {
        account
            .text_at(&["Id", "IBAN"])
            .or_else(|| account.text_at(&["Id", "Othr", "Id"]))
            .map(str::to_owned)
    });
    let address = element
        .child("PstlAdr")
        .map(|address| {
            address
                .children
                .iter()
                .filter(|line| !line.text.is_empty())
                .map(|line| line.text.clone())
                .collect()
        })
        .unwrap_or_default();
    Some(Party {
        tag: tag.to_owned(),
        account,
        bic: element.text_at(&["FinInstnId", "BICFI"]).map(str::to_owned),
        name: element.text_at(&["Nm"]).map(str::to_owned),
        address,
    })
}

fn customers(element: &Element) -> Customers {
    Customers {
        debtor: party("Dbtr", element.child("Dbtr"), element.child("DbtrAcct")),
        debtor_agent: bic(element.child("DbtrAgt")),
        creditor: party("Cdtr", element.child("Cdtr"), element.child("CdtrAcct")),
        creditor_agent: bic(element.child("CdtrAgt")),
    }
}

fn transfer(
    transaction: &Element,
    definition: &str,
    cover_kind: bool,
    header_from: Option<String>,
    header_to: Option<String>,
) -> Result<PacsTransfer, Failure> {
    let amount = transaction.child("IntrBkSttlmAmt").ok_or((
        Some("IntrBkSttlmAmt"),
        "the settlement amount is missing".to_owned(),
    ))?;
    let currency = amount
        .attribute("Ccy")
        .filter(|c| c.len() == 3 && c.bytes().all(|b| b.is_ascii_uppercase()))
        .ok_or((
            Some("IntrBkSttlmAmt"),
            "the currency (Ccy) is not three capital letters".to_owned(),
        ))?
        .to_owned();
    // An ISO 20022 amount has a decimal point; up to two decimals for the currencies reported.
    let amount_cents = crate::decimal_cents(&amount.text).ok_or((
        Some("IntrBkSttlmAmt"),
        "the amount is digits with at most two decimals after a point".to_owned(),
    ))?;
    let settlement_date = match transaction.text_at(&["IntrBkSttlmDt"]) {
        Some(date) => Some(NaiveDate::parse_from_str(date, "%Y-%m-%d").map_err(|_| {
            (
                Some("IntrBkSttlmDt"),
                "the settlement date is YYYY-MM-DD".to_owned(),
            )
        })?),
        None => None,
    };
    let underlying = transaction.child("UndrlygCstmrCdtTrf").map(customers);
    let parties = customers(transaction);
    if !cover_kind && (parties.debtor.is_none() || parties.creditor.is_none()) {
        return Err((None, "a pacs.008 names its debtor and its creditor".into()));
    }
    let intermediaries = ["IntrmyAgt1", "IntrmyAgt2", "IntrmyAgt3"]
        .iter()
        .filter_map(|name| bic(transaction.child(name)))
        .collect();
    Ok(PacsTransfer {
        message_definition: definition.to_owned(),
        cover: cover_kind && underlying.is_some(),
        header_from,
        header_to,
        instructing_agent: bic(transaction.child("InstgAgt")),
        instructed_agent: bic(transaction.child("InstdAgt")),
        intermediaries,
        uetr: transaction.text_at(&["PmtId", "UETR"]).map(str::to_owned),
        end_to_end_id: transaction
            .text_at(&["PmtId", "EndToEndId"])
            .map(str::to_owned),
        instruction_id: transaction
            .text_at(&["PmtId", "InstrId"])
            .map(str::to_owned),
        amount_cents,
        currency,
        settlement_date,
        parties,
        underlying,
        raw: String::new(),
    })
}

#[cfg(test)]
mod tests;
