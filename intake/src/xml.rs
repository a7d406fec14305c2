//! The XML reader for ISO 20022 messages, on quick-xml's pull parser: a tree of elements
//! (namespace prefixes dropped, so any prefix works), attributes, text with the five named
//! entities and character references, CDATA; comments, processing instructions and the
//! declaration skipped. Document type declarations are refused (so no entity of the document's
//! own, and no expansion attack), as is any entity but the five; elements nest at most 64 deep,
//! and the tree is built without recursion, so hostile input cannot overflow the stack. Every
//! error names its line and says what is wrong in our words, never the document's text.

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

fn local(name: &str) -> Result<String, String> {
    if name.is_empty()
        || !name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b':' | b'_' | b'-' | b'.'))
    {
        return Err("an element name is malformed".into());
    }
    Ok(name.rsplit(':').next().unwrap_or(name).to_owned())
}

/// What quick-xml found wrong, in our words (its own messages may quote the document).
fn describe(err: &quick_xml::Error) -> String {
    use quick_xml::errors::{IllFormedError, SyntaxError};
    match err {
        quick_xml::Error::Syntax(syntax) => match syntax {
            SyntaxError::InvalidBangMarkup => "a `<!` that is no comment or CDATA section",
            SyntaxError::UnclosedPI | SyntaxError::UnclosedXmlDecl => {
                "a processing instruction is not closed"
            }
            SyntaxError::UnclosedComment => "a comment is not closed",
            SyntaxError::UnclosedDoctype => "document type declarations are not accepted",
            SyntaxError::UnclosedCData => "a CDATA section is not closed",
            SyntaxError::UnclosedTag
            | SyntaxError::UnclosedSingleQuotedAttributeValue
            | SyntaxError::UnclosedDoubleQuotedAttributeValue => "a tag is not closed",
        }
        .to_owned(),
        quick_xml::Error::IllFormed(ill) => match ill {
            IllFormedError::UnmatchedEndTag(_) => "a closing tag with nothing open",
            IllFormedError::MismatchedEndTag { .. } => "a closing tag closes another element",
            IllFormedError::MissingEndTag(_) => "an element is not closed",
            IllFormedError::DoubleHyphenInComment => "a comment holds `--`",
            _ => "the XML declaration is malformed",
        }
        .to_owned(),
        quick_xml::Error::InvalidAttr(_) => {
            "an attribute is malformed (each is `name=\"value\"`)".into()
        }
        quick_xml::Error::Escape(_) => "an unknown entity or character reference".into(),
        quick_xml::Error::Encoding(_) => "the document is not UTF-8".into(),
        quick_xml::Error::Io(_) | quick_xml::Error::Namespace(_) => {
            "the document could not be read".into()
        }
    }
}

/// The character an entity or character reference stands for: the five named entities and
/// numeric references only.
fn reference(name: &quick_xml::events::BytesRef<'_>) -> Result<char, String> {
    let unknown = || "an unknown entity or character reference".to_owned();
    if let Some(ch) = name.resolve_char_ref().map_err(|_| unknown())? {
        return Ok(ch);
    }
    quick_xml::escape::resolve_predefined_entity(name)
        .and_then(|resolved| resolved.chars().next())
        .ok_or_else(unknown)
}

/// Parses a document into its root element. Errors are `(line, reason)`.
pub fn parse(text: &str) -> Result<Element, (usize, String)> {
    use quick_xml::events::Event;
    let line_of = |offset: usize| {
        let offset = offset.min(text.len());
        text.as_bytes()[..offset]
            .iter()
            .filter(|b| **b == b'\n')
            .count()
            + 1
    };
    let mut reader = quick_xml::Reader::from_str(text);
    // End names are checked here, so the message is ours; text is kept as written (trimmed
    // when its element ends).
    reader.config_mut().check_end_names = false;
    let mut stack: Vec<Element> = Vec::new();
    // The open elements' names as written (prefix and all): a closing tag matches the whole.
    let mut open_names: Vec<String> = Vec::new();
    let mut root: Option<Element> = None;
    loop {
        let start = usize::try_from(reader.buffer_position()).unwrap_or(usize::MAX);
        let event = reader.read_event().map_err(|err| {
            let at = usize::try_from(reader.error_position()).unwrap_or(usize::MAX);
            (line_of(at), describe(&err))
        })?;
        let end = usize::try_from(reader.buffer_position()).unwrap_or(usize::MAX);
        let fail = |reason: &str| (line_of(start), reason.to_owned());
        let empty = matches!(event, Event::Empty(_));
        match event {
            Event::Start(tag) | Event::Empty(tag) => {
                let mut element = Element {
                    name: local(tag.name().as_ref()).map_err(|reason| fail(&reason))?,
                    span: (start, end),
                    ..Element::default()
                };
                for attribute in tag.attributes() {
                    let attribute = attribute.map_err(|err| fail(&describe(&err.into())))?;
                    let key: &str = attribute.key.as_ref();
                    if key.starts_with("xmlns") {
                        continue;
                    }
                    let key = local(key).map_err(|_| fail("an attribute name is malformed"))?;
                    let value = attribute
                        .normalized_value(quick_xml::XmlVersion::Implicit1_0)
                        .map_err(|_| fail("an unknown entity or character reference"))?;
                    element.attributes.push((key, value.into_owned()));
                }
                if stack.len() >= MAX_DEPTH {
                    return Err(fail(&format!("elements nest deeper than {MAX_DEPTH}")));
                }
                if empty {
                    finish(element, &mut stack, &mut root).map_err(|reason| fail(&reason))?;
                } else {
                    stack.push(element);
                    open_names.push(tag.name().as_ref().to_owned());
                }
            }
            Event::End(tag) => {
                let mut element = stack
                    .pop()
                    .ok_or_else(|| fail("a closing tag with nothing open"))?;
                element.span.1 = end;
                let name = local(tag.name().as_ref()).map_err(|reason| fail(&reason))?;
                let opened_as = open_names.pop().unwrap_or_default();
                if element.name != name {
                    return Err(fail(&format!(
                        "`</{}>` closes `<{}>`",
                        crate::token(&name),
                        crate::token(&element.name)
                    )));
                }
                if opened_as.as_str() != tag.name().as_ref() {
                    // The same local name under another prefix: shown whole, each part only if
                    // it is a plain token.
                    let shown = |name: &str| {
                        name.split(':')
                            .map(crate::token)
                            .collect::<Vec<_>>()
                            .join(":")
                    };
                    return Err(fail(&format!(
                        "`</{}>` closes `<{}>`",
                        shown(tag.name().as_ref()),
                        shown(&opened_as)
                    )));
                }
                finish(element, &mut stack, &mut root).map_err(|reason| fail(&reason))?;
            }
            Event::Text(piece) => {
                let piece: &str = &piece;
                match stack.last_mut() {
                    Some(current) => current.text.push_str(piece),
                    None if piece.trim().is_empty() => {}
                    None => return Err(fail("text outside the root element")),
                }
            }
            Event::GeneralRef(name) => {
                let ch = reference(&name).map_err(|reason| fail(&reason))?;
                stack
                    .last_mut()
                    .ok_or_else(|| fail("text outside the root element"))?
                    .text
                    .push(ch);
            }
            Event::CData(data) => {
                let data: &str = &data;
                stack
                    .last_mut()
                    .ok_or_else(|| fail("CDATA outside the root element"))?
                    .text
                    .push_str(data);
            }
            Event::DocType(_) => {
                return Err(fail("document type declarations are not accepted"));
            }
            Event::Comment(_) | Event::Decl(_) | Event::PI(_) => {}
            Event::Eof => break,
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
