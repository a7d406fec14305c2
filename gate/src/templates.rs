//! Letters' templates: shipped in `gate/letters/`, each replaceable by the agency, rendered
//! with minijinja to text. The text depends only on the template and the facts given: no
//! clock, no random id, so the same facts give the same letter (a neither-confirm-nor-deny
//! letter reads the same whether or not a record exists). `recvault`'s `letters` lays the text
//! out as a PDF.

use std::collections::BTreeMap;

use minijinja::Environment;

/// Every template, by kind: `letterhead` is included by the others.
pub const KINDS: [&str; 9] = [
    "letterhead",
    "acknowledgment",
    "deficiency",
    "delay",
    "amendment-refusal",
    "final-refusal",
    "determination",
    "fee-notice",
    "referral",
];

/// The template shipped for `kind`.
pub fn shipped(kind: &str) -> Option<&'static str> {
    Some(match kind {
        "letterhead" => include_str!("../letters/letterhead.txt"),
        "acknowledgment" => include_str!("../letters/acknowledgment.txt"),
        "deficiency" => include_str!("../letters/deficiency.txt"),
        "delay" => include_str!("../letters/delay.txt"),
        "amendment-refusal" => include_str!("../letters/amendment-refusal.txt"),
        "final-refusal" => include_str!("../letters/final-refusal.txt"),
        "determination" => include_str!("../letters/determination.txt"),
        "fee-notice" => include_str!("../letters/fee-notice.txt"),
        "referral" => include_str!("../letters/referral.txt"),
        _ => return None,
    })
}

/// The largest template the agency may store.
pub const MAX_TEMPLATE_BYTES: usize = 16 * 1024;

/// Renders `kind` with `facts` from the shipped templates, each replaced by the agency's
/// (`agency`, by kind) where it has one. The reason if a template does not render.
pub fn render(
    agency: &BTreeMap<String, String>,
    kind: &str,
    facts: &serde_json::Value,
) -> Result<String, String> {
    let mut environment = Environment::new();
    for name in KINDS {
        let source = agency
            .get(name)
            .cloned()
            .or_else(|| shipped(name).map(str::to_owned))
            .ok_or_else(|| format!("no template `{name}`"))?;
        environment
            .add_template_owned(name.to_owned(), source)
            .map_err(|err| format!("the `{name}` template does not parse: {err}"))?;
    }
    let template = environment
        .get_template(kind)
        .map_err(|_| format!("there is no letter `{kind}`"))?;
    let text = template
        .render(minijinja::value::Serde(facts))
        .map_err(|err| format!("the `{kind}` letter does not render: {err}"))?;
    Ok(text.trim_end().to_owned() + "\n")
}

/// Whether `source` may replace the template of `kind`: a known kind, at most
/// [`MAX_TEMPLATE_BYTES`], and it renders against sample facts with the others.
pub fn check(kind: &str, source: &str) -> Result<(), String> {
    if !KINDS.contains(&kind) {
        return Err(format!("letters are {}", KINDS.join(", ")));
    }
    if source.len() > MAX_TEMPLATE_BYTES {
        return Err(format!("a template is at most {MAX_TEMPLATE_BYTES} bytes"));
    }
    let agency = BTreeMap::from([(kind.to_owned(), source.to_owned())]);
    let sample = serde_json::json!({
        "agency": "Agency", "systems": "System", "today": "2026-01-01", "requester": "Name",
        "kind": "access", "request": "PA-2026-000001", "received": "2026-01-01",
        "official": "Official", "missing": ["item"], "reason": "reason", "until": "2026-01-02",
        "reasons": "reasons", "appeal_by": "2026-02-05", "appeals_to": "office",
        "statement_by": "2026-02-05", "route_title": "Privacy Act", "outcome": "denied",
        "answers": ["answer"], "fee": "Fee: none.", "foia": false, "exemptions": "none",
        "due": "2026-02-01", "due_rule": "rule", "estimate": "$30.00", "limit": "$25.00",
        "prepay": false, "referred_to": "another agency",
    });
    for name in KINDS {
        render(&agency, name, &sample)?;
    }
    Ok(())
}

/// `cents` as dollars, as letters print amounts: `$30.00`.
pub fn dollars(cents: u64) -> String {
    format!("${}.{:02}", cents / 100, cents % 100)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn agency_templates_replace_the_shipped_ones_and_broken_ones_are_refused() {
        let facts = serde_json::json!({"agency": "Agency", "request": "PA-1", "missing": ["a signature"], "official": "J. Smith"});
        let shipped_text = render(&BTreeMap::new(), "deficiency", &facts).unwrap();
        assert!(shipped_text.contains("  - a signature"), "{shipped_text}");
        let mine = BTreeMap::from([("letterhead".to_owned(), "OUR LETTERHEAD".to_owned())]);
        assert!(render(&mine, "deficiency", &facts)
            .unwrap()
            .starts_with("OUR LETTERHEAD"));
        assert!(check("deficiency", "{% if %}").is_err());
        assert!(check("no-such-letter", "text").is_err());
        assert!(check("delay", "We write about {{ request }}.").is_ok());
    }
}
