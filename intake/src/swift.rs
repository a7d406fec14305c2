//! SWIFT FIN messages (MT 103, MT 202 COV) as reporting institutions send them: one message in
//! block form, or an RJE file of several separated by `$`, with acknowledgments
//! (`{1:F21...}`) and service headers around them. Parsing is total: any input gives messages
//! or precise errors, never a panic, and one bad message does not lose the others.
//!
//! Layout (SWIFT FIN): `{1:F01<LT address 12><session 4><sequence 6>}` basic header;
//! `{2:I<type 3><receiver LT 12><priority>...}` (input, as the sender sent it) or
//! `{2:O<type 3><input time 4><MIR: date 6, sender LT 12, session 4, sequence 6><output date
//! 6><output time 4><priority>}` (output, as the receiver got it); `{3:{108:...}{121:UETR}...}`;
//! `{4:\r\n:TAG:value\r\n...-}` the text block; `{5:...}` trailers.

use chrono::NaiveDate;

use crate::ParseError;

/// Whether the message was sent or received by the institution whose file it is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Direction {
    /// An input message: the institution sent it (block 2 `I`).
    Sent,
    /// An output message: the institution received it (block 2 `O`).
    Received,
}

/// A party named by an option of fields 50, 52, 56, 57 or 59: an account, a BIC, a name and
/// address lines (as given; structured options keep their line numbers in the text).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Party {
    /// The field's tag with its option (`50K`, `59`, `57A`).
    pub tag: String,
    /// The account (the first line's `/...`), if any.
    pub account: Option<String>,
    /// The BIC (options A), if any.
    pub bic: Option<String>,
    /// The name (the first line after the account).
    pub name: Option<String>,
    /// The remaining lines.
    pub address: Vec<String>,
}

/// Field 32A: value date, currency and amount.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ValueDateAmount {
    /// The value date.
    pub date: NaiveDate,
    /// The ISO 4217 currency.
    pub currency: String,
    /// The amount in minor units of two decimals (`3700,` is 370000).
    pub amount_cents: i64,
}

/// One FIN message, parsed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MtMessage {
    /// Its type (`103`, `202`).
    pub message_type: String,
    /// Whether it is `COV` (block 3 field 119), for MT 202 cover payments.
    pub cover: bool,
    /// Sent or received, from block 2.
    pub direction: Direction,
    /// The sending institution's BIC (11 characters).
    pub sender_bic: String,
    /// The receiving institution's BIC (11 characters).
    pub receiver_bic: String,
    /// The day the institution received it (block 2's output date), for a received message.
    pub received_on: Option<NaiveDate>,
    /// The unique end-to-end transaction reference (block 3 field 121), if any.
    pub uetr: Option<String>,
    /// Field 20: the sender's reference.
    pub reference: String,
    /// Field 32A.
    pub value: ValueDateAmount,
    /// Field 33B: the instructed currency and amount, if any.
    pub instructed: Option<(String, i64)>,
    /// Field 50a: the transmittor (ordering customer).
    pub ordering_customer: Option<Party>,
    /// Field 52a: the ordering institution.
    pub ordering_institution: Option<Party>,
    /// Field 56a: the intermediary.
    pub intermediary: Option<Party>,
    /// Field 57a: the account with institution.
    pub account_with_institution: Option<Party>,
    /// Field 59a: the recipient (beneficiary customer).
    pub beneficiary: Option<Party>,
    /// Field 70, remittance information.
    pub remittance: Option<String>,
    /// Field 72, sender to receiver information.
    pub sender_to_receiver: Option<String>,
    /// Every field of block 4 in order, as (tag, value).
    pub fields: Vec<(String, String)>,
    /// The message as received, from its basic header to its last block (what the vault keeps
    /// as the raw message).
    pub raw: String,
}

/// Splits an RJE file (or one message) into its FIN messages and parses each. Acknowledgments
/// and service messages (`{1:F21...}`) are skipped. Locations are `message N` (1-based, counting
/// user messages) with the field when known.
pub fn parse_file(text: &str) -> Vec<Result<MtMessage, ParseError>> {
    let mut out = Vec::new();
    let mut number = 0;
    for chunk in text.split('$') {
        let mut rest =
            chunk.trim_matches(|c: char| c.is_whitespace() || c == '\u{3}' || c == '\u{1}');
        if rest.is_empty() {
            continue;
        }
        // Acknowledgment wrappers come before the message they acknowledge, in the same chunk.
        while rest.starts_with("{1:F21") {
            match skip_acknowledgment(rest) {
                Some(after) => rest = after.trim_start(),
                None => break,
            }
        }
        if rest.is_empty() {
            continue;
        }
        number += 1;
        out.push(parse_message(rest).map_err(|(field, reason)| ParseError {
            location: match field {
                Some(field) => format!("message {number}, field {field}"),
                None => format!("message {number}"),
            },
            reason,
        }));
    }
    out
}

/// Skips a `{1:F21...}{4:{177:...}{451:...}}` acknowledgment; `None` if it is malformed.
fn skip_acknowledgment(text: &str) -> Option<&str> {
    let (_, after_basic) = block(text, '1')?;
    let (_, after_text) = block(after_basic.trim_start(), '4')?;
    Some(after_text)
}

/// The content of block `id` at the start of `text` (braces balanced) and what follows.
fn block(text: &str, id: char) -> Option<(&str, &str)> {
    let rest = text
        .strip_prefix('{')?
        .strip_prefix(id)?
        .strip_prefix(':')?;
    let mut depth = 1;
    for (at, c) in rest.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => {
                depth -= 1;
                if depth == 0 {
                    return Some((&rest[..at], &rest[at + 1..]));
                }
            }
            _ => {}
        }
    }
    None
}

type Failure = (Option<String>, String);

fn fail(reason: impl Into<String>) -> Failure {
    (None, reason.into())
}

fn field_fail(tag: &str, reason: impl Into<String>) -> Failure {
    (Some(tag.to_owned()), reason.into())
}

/// A BIC from a 12-character LT address: BIC8, a terminal code, a branch.
fn bic_of_lt(lt: &str) -> Option<String> {
    let valid = lt.len() == 12
        && lt
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit());
    valid.then(|| format!("{}{}", &lt[..8], &lt[9..]))
}

fn parse_message(text: &str) -> Result<MtMessage, Failure> {
    let (basic, rest) = block(text, '1').ok_or_else(|| fail("no basic header block {1:...}"))?;
    let own_lt = basic
        .get(3..15)
        .filter(|_| basic.starts_with("F01"))
        .ok_or_else(|| fail("the basic header is not `F01` with a 12-character LT address"))?;
    let own =
        bic_of_lt(own_lt).ok_or_else(|| fail("the basic header's LT address is malformed"))?;
    let (application, rest) =
        block(rest.trim_start(), '2').ok_or_else(|| fail("no application header block {2:...}"))?;
    let mut received_on = None;
    let (direction, message_type, other) = if let Some(input) = application.strip_prefix('I') {
        let message_type = input
            .get(..3)
            .ok_or_else(|| fail("block 2 has no message type"))?;
        let receiver = input
            .get(3..15)
            .and_then(bic_of_lt)
            .ok_or_else(|| fail("block 2's receiver address is malformed"))?;
        (Direction::Sent, message_type, receiver)
    } else if let Some(output) = application.strip_prefix('O') {
        let message_type = output
            .get(..3)
            .ok_or_else(|| fail("block 2 has no message type"))?;
        // Input time (4), then the MIR: date (6), the sender's LT address (12)...
        let sender = output
            .get(13..25)
            .and_then(bic_of_lt)
            .ok_or_else(|| fail("block 2's message input reference is malformed"))?;
        // After the MIR (28 characters) comes the output date, YYMMDD.
        received_on = output.get(35..41).and_then(yymmdd);
        (Direction::Received, message_type, sender)
    } else {
        return Err(fail("block 2 is neither input (`I`) nor output (`O`)"));
    };
    if !message_type.bytes().all(|b| b.is_ascii_digit()) {
        return Err(fail("the message type is not three digits"));
    }
    let (sender_bic, receiver_bic) = match direction {
        Direction::Sent => (own, other),
        Direction::Received => (other, own),
    };
    let mut rest = rest.trim_start();
    let mut uetr = None;
    let mut cover = false;
    if rest.starts_with("{3:") {
        let (user, after) = block(rest, '3').ok_or_else(|| fail("block 3 is not closed"))?;
        let mut fields = user;
        while let Some(inner) = fields.strip_prefix('{') {
            let end = inner
                .find('}')
                .ok_or_else(|| fail("a block 3 field is not closed"))?;
            let (tag, value) = inner[..end]
                .split_once(':')
                .ok_or_else(|| fail("a block 3 field has no tag"))?;
            match tag {
                "121" => uetr = Some(value.to_owned()),
                "119" => cover = value == "COV",
                _ => {}
            }
            fields = &inner[end + 1..];
        }
        rest = after.trim_start();
    }
    let (body, _) = block(rest, '4').ok_or_else(|| fail("no text block {4:...-}"))?;
    let body = body
        .trim_end()
        .strip_suffix('-')
        .ok_or_else(|| fail("the text block does not end with `-`"))?;
    let fields = text_fields(body)?;
    let get = |tag: &str| {
        fields
            .iter()
            .find(|(t, _)| t == tag)
            .map(|(_, v)| v.as_str())
    };
    let reference = get("20")
        .ok_or_else(|| field_fail("20", "the sender's reference is missing"))?
        .trim()
        .to_owned();
    if reference.is_empty() || reference.len() > 16 {
        return Err(field_fail(
            "20",
            "the sender's reference must be 1 to 16 characters",
        ));
    }
    let value = value_date_amount(
        get("32A")
            .ok_or_else(|| field_fail("32A", "the value date, currency and amount are missing"))?,
    )
    .map_err(|reason| field_fail("32A", reason))?;
    let instructed = match get("33B") {
        Some(text) => Some(currency_amount(text).map_err(|reason| field_fail("33B", reason))?),
        None => None,
    };
    let party = |prefix: &str| -> Result<Option<Party>, Failure> {
        let Some((tag, text)) = fields.iter().find(|(tag, _)| tag.starts_with(prefix)) else {
            return Ok(None);
        };
        Ok(Some(
            parse_party(tag, text).map_err(|reason| field_fail(tag, reason))?,
        ))
    };
    let ordering_customer = party("50")?;
    let beneficiary = party("59")?;
    if message_type == "103" && (ordering_customer.is_none() || beneficiary.is_none()) {
        return Err(fail(
            "an MT 103 names its ordering customer (50a) and its beneficiary (59a)",
        ));
    }
    Ok(MtMessage {
        raw: text.to_owned(),
        message_type: message_type.to_owned(),
        cover,
        direction,
        sender_bic,
        receiver_bic,
        received_on,
        uetr,
        reference,
        value,
        instructed,
        ordering_customer,
        ordering_institution: party("52")?,
        intermediary: party("56")?,
        account_with_institution: party("57")?,
        beneficiary,
        remittance: get("70").map(str::to_owned),
        sender_to_receiver: get("72").map(str::to_owned),
        fields,
    })
}

/// The fields of a text block: each starts at a line beginning with `:TAG:`; later lines
/// that do not are its continuation.
fn text_fields(body: &str) -> Result<Vec<(String, String)>, Failure> {
    let mut fields: Vec<(String, String)> = Vec::new();
    for line in body.lines() {
        let line = line.trim_end_matches('\r');
        if line.is_empty() {
            continue;
        }
        let tagged = line
            .strip_prefix(':')
            .and_then(|rest| rest.split_once(':'))
            .filter(|(tag, _)| {
                (2..=3).contains(&tag.len())
                    && tag.bytes().take(2).all(|b| b.is_ascii_digit())
                    && tag.bytes().skip(2).all(|b| b.is_ascii_uppercase())
            });
        match tagged {
            Some((tag, value)) => fields.push((tag.to_owned(), value.to_owned())),
            None => match fields.last_mut() {
                Some((_, value)) => {
                    value.push('\n');
                    value.push_str(line);
                }
                None => return Err(fail("the text block does not start with a field")),
            },
        }
    }
    if fields.is_empty() {
        return Err(fail("the text block has no fields"));
    }
    Ok(fields)
}

/// A SWIFT date, `YYMMDD`: years 80 to 99 are the 1980s and 1990s, the rest this century.
fn yymmdd(date: &str) -> Option<NaiveDate> {
    if date.len() != 6 || !date.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let (year, month, day) = (
        date[..2].parse::<i32>().ok()?,
        date[2..4].parse::<u32>().ok()?,
        date[4..6].parse::<u32>().ok()?,
    );
    NaiveDate::from_ymd_opt(
        if year >= 80 { 1900 + year } else { 2000 + year },
        month,
        day,
    )
}

/// `YYMMDD` then currency and amount (`190425USD3700,`).
fn value_date_amount(text: &str) -> Result<ValueDateAmount, String> {
    let date = text
        .get(..6)
        .and_then(yymmdd)
        .ok_or("the value date is not a date (YYMMDD)")?;
    let (currency, amount_cents) = currency_amount(&text[6..])?;
    Ok(ValueDateAmount {
        date,
        currency,
        amount_cents,
    })
}

/// A currency and an amount with a decimal comma (`USD1417,8`).
fn currency_amount(text: &str) -> Result<(String, i64), String> {
    let currency = text
        .get(..3)
        .filter(|c| c.bytes().all(|b| b.is_ascii_uppercase()))
        .ok_or("the currency is not three letters")?;
    let amount = text[3..].trim();
    let (whole, fraction) = amount
        .split_once(',')
        .ok_or("the amount has no decimal comma")?;
    let digits = |part: &str| !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit());
    if !digits(whole)
        || !(fraction.is_empty() || digits(fraction))
        || fraction.len() > 2
        || whole.len() > 13
    {
        return Err(
            "the amount is not digits with a decimal comma and at most two decimals".into(),
        );
    }
    let whole: i64 = whole.parse().map_err(|_| "the amount is too large")?;
    let fraction: i64 = format!("{fraction:0<2}")
        .parse()
        .map_err(|_| "bad decimals")?;
    let cents = whole
        .checked_mul(100)
        .and_then(|cents| cents.checked_add(fraction))
        .ok_or("the amount is too large")?;
    Ok((currency.to_owned(), cents))
}

/// A party field: an optional `/account` line, then a BIC (option A) or name and address.
fn parse_party(tag: &str, text: &str) -> Result<Party, String> {
    let mut lines = text.lines().map(|line| line.trim_end_matches('\r'));
    let mut party = Party {
        tag: tag.to_owned(),
        ..Party::default()
    };
    let mut first = lines.next().unwrap_or("");
    if let Some(account) = first.strip_prefix('/') {
        party.account = Some(account.to_owned());
        first = lines.next().unwrap_or("");
    }
    if tag.ends_with('A') {
        let bic = first.trim();
        let valid = (bic.len() == 8 || bic.len() == 11)
            && bic
                .bytes()
                .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit());
        if !valid {
            return Err("option A names a BIC of 8 or 11 letters and digits".into());
        }
        party.bic = Some(bic.to_owned());
    } else if !first.trim().is_empty() {
        party.name = Some(first.trim().to_owned());
    }
    party.address = lines
        .filter(|line| !line.trim().is_empty())
        .map(|line| line.trim().to_owned())
        .collect();
    if party.account.is_none() && party.bic.is_none() && party.name.is_none() {
        return Err("the party names neither an account, a BIC nor a name".into());
    }
    Ok(party)
}

#[cfg(test)]
mod tests;
