//! A small XML reader for ISO 20022 messages: elements (namespace prefixes dropped, so any
//! prefix works), attributes, text with the five named entities and character references;
//! comments, processing instructions, the declaration and CDATA handled; no DTDs (refused, so
//! no entity expansion attacks). Iterative, with a depth limit, so hostile input cannot
//! overflow the stack; every error names its line.

/// An element: its local name, attributes (local names) and children, and its text.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Element {
    /// The local name (`BICFI` for `pacs:BICFI`).
    pub name: String,
    /// Attributes by local name.
    pub attributes: Vec<(String, String)>,
    /// Child elements in order.
    pub children: Vec<Element>,
    /// The text directly inside, trimmed.
    pub text: String,
    /// Where it is in the document: the byte offsets of its start tag's `<` and just after its
    /// end tag (what an element's raw text is cut from).
    pub span: (usize, usize),
}

impl Element {
    /// The first child named `name`.
    pub fn child(&self, name: &str) -> Option<&Element> {
        self.children.iter().find(|child| child.name == name)
    }

    /// Every child named `name`.
    pub fn children_named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Element> + 'a {
        self.children.iter().filter(move |child| child.name == name)
    }

    /// The element at a path of child names.
    pub fn at(&self, path: &[&str]) -> Option<&Element> {
        path.iter()
            .try_fold(self, |element, name| element.child(name))
    }

    /// The text at a path of child names, if not empty.
    pub fn text_at(&self, path: &[&str]) -> Option<&str> {
        self.at(path)
            .map(|element| element.text.as_str())
            .filter(|text| !text.is_empty())
    }

    /// An attribute's value.
    pub fn attribute(&self, name: &str) -> Option<&str> {
        self.attributes
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    }

    /// The first element named `name` at any depth, breadth first.
    pub fn find(&self, name: &str) -> Option<&Element> {
        let mut queue = std::collections::VecDeque::from([self]);
        while let Some(element) = queue.pop_front() {
            if element.name == name {
                return Some(element);
            }
            queue.extend(element.children.iter());
        }
        None
    }
}

/// How deep elements may nest.
const MAX_DEPTH: usize = 64;

fn local(name: &str) -> &str {
    name.rsplit(':').next().unwrap_or(name)
}

/// Decodes entity and character references.
fn unescape(text: &str) -> Result<String, String> {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find('&') {
        out.push_str(&rest[..at]);
        let after = &rest[at + 1..];
        let end = after.find(';').ok_or("an `&` without `;`")?;
        let name = &after[..end];
        let decoded = match name {
            "lt" => '<',
            "gt" => '>',
            "amp" => '&',
            "quot" => '"',
            "apos" => '\'',
            _ => {
                let code = if let Some(hex) = name.strip_prefix("#x") {
                    u32::from_str_radix(hex, 16).ok()
                } else if let Some(decimal) = name.strip_prefix('#') {
                    decimal.parse().ok()
                } else {
                    None
                };
                code.and_then(char::from_u32)
                    .ok_or("an unknown entity or character reference")?
            }
        };
        out.push(decoded);
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

/// Parses a document into its root element. Errors are `(line, reason)`.
pub fn parse(text: &str) -> Result<Element, (usize, String)> {
    let line_of = |offset: usize| text[..offset].matches('\n').count() + 1;
    let mut stack: Vec<Element> = Vec::new();
    let mut root: Option<Element> = None;
    let mut at = 0;
    while at < text.len() {
        let Some(open) = text[at..].find('<').map(|offset| at + offset) else {
            if !text[at..].trim().is_empty() && stack.is_empty() {
                return Err((line_of(at), "text outside the root element".into()));
            }
            break;
        };
        if let Some(current) = stack.last_mut() {
            let piece =
                unescape(&text[at..open]).map_err(|reason| (line_of(at), reason.to_owned()))?;
            current.text.push_str(&piece);
        } else if !text[at..open].trim().is_empty() {
            return Err((line_of(at), "text outside the root element".into()));
        }
        let rest = &text[open..];
        let skip_to = |end: &str, what: &str| -> Result<usize, (usize, String)> {
            rest.find(end)
                .map(|offset| open + offset + end.len())
                .ok_or_else(|| (line_of(open), format!("{what} is not closed")))
        };
        if rest.starts_with("<!--") {
            at = skip_to("-->", "a comment")?;
            continue;
        }
        if rest.starts_with("<?") {
            at = skip_to("?>", "a processing instruction")?;
            continue;
        }
        if rest.starts_with("<![CDATA[") {
            let end = skip_to("]]>", "a CDATA section")?;
            let current = stack
                .last_mut()
                .ok_or_else(|| (line_of(open), "CDATA outside the root element".to_owned()))?;
            current.text.push_str(&text[open + 9..end - 3]);
            at = end;
            continue;
        }
        if rest.starts_with("<!") {
            return Err((
                line_of(open),
                "document type declarations are not accepted".into(),
            ));
        }
        let close = rest
            .find('>')
            .ok_or_else(|| (line_of(open), "a tag is not closed".to_owned()))?;
        let tag = &rest[1..close];
        at = open + close + 1;
        if let Some(name) = tag.strip_prefix('/') {
            let mut element = stack
                .pop()
                .ok_or_else(|| (line_of(open), "a closing tag with nothing open".to_owned()))?;
            element.span.1 = at;
            if element.name != local(name.trim()) {
                return Err((
                    line_of(open),
                    format!(
                        "`</{}>` closes `<{}>`",
                        crate::token(local(name.trim())),
                        crate::token(&element.name)
                    ),
                ));
            }
            finish(element, &mut stack, &mut root).map_err(|reason| (line_of(open), reason))?;
            continue;
        }
        let self_closing = tag.ends_with('/');
        let tag = tag.trim_end_matches('/');
        let name_end = tag.find(|c: char| c.is_whitespace()).unwrap_or(tag.len());
        let name = &tag[..name_end];
        if name.is_empty()
            || !name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b':' | b'_' | b'-' | b'.'))
        {
            return Err((line_of(open), "an element name is malformed".into()));
        }
        let mut element = Element {
            name: local(name).to_owned(),
            span: (open, at),
            ..Element::default()
        };
        let mut attributes = tag[name_end..].trim();
        while !attributes.is_empty() {
            let (key, after) = attributes
                .split_once('=')
                .ok_or_else(|| (line_of(open), "an attribute has no value".to_owned()))?;
            let after = after.trim_start();
            let quote = after
                .chars()
                .next()
                .filter(|c| *c == '"' || *c == '\'')
                .ok_or_else(|| {
                    (
                        line_of(open),
                        "an attribute's value is not quoted".to_owned(),
                    )
                })?;
            let value_end = after[1..].find(quote).ok_or_else(|| {
                (
                    line_of(open),
                    "an attribute's value is not closed".to_owned(),
                )
            })?;
            let value = unescape(&after[1..1 + value_end])
                .map_err(|reason| (line_of(open), reason.to_owned()))?;
            let key = key.trim();
            if !key.starts_with("xmlns") {
                element.attributes.push((local(key).to_owned(), value));
            }
            attributes = after[value_end + 2..].trim_start();
        }
        if stack.len() >= MAX_DEPTH {
            return Err((
                line_of(open),
                format!("elements nest deeper than {MAX_DEPTH}"),
            ));
        }
        if self_closing {
            finish(element, &mut stack, &mut root).map_err(|reason| (line_of(open), reason))?;
        } else {
            stack.push(element);
        }
    }
    if let Some(open) = stack.last() {
        return Err((
            line_of(text.len()),
            format!("`<{}>` is not closed", crate::token(&open.name)),
        ));
    }
    root.ok_or_else(|| (1, "no root element".into()))
}

/// Attaches a finished element to its parent, or makes it the root.
fn finish(
    mut element: Element,
    stack: &mut [Element],
    root: &mut Option<Element>,
) -> Result<(), String> {
    element.text = element.text.trim().to_owned();
    match stack.last_mut() {
        Some(parent) => parent.children.push(element),
        None if root.is_none() => *root = Some(element),
        None => return Err("a second root element".into()),
    }
    Ok(())
}
