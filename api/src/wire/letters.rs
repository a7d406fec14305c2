//! Letters to requesters: the templates they are made from (the agency's or those shipped).

use super::*;

/// The kinds of letter a template is for.
pub(crate) fn template_kind_schema() -> Object {
    let mut schema = string_enum(&gate::templates::KINDS);
    schema.description = Some("the letter's kind".into());
    schema
}

fn template_source_schema() -> Object {
    string_enum(&["agency", "shipped"])
}

fn template_text_schema() -> Object {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .max_length(Some(gate::templates::MAX_TEMPLATE_BYTES))
        .description(Some(
            "the template (minijinja); besides the characters, at most 16 KiB of UTF-8, and it must render against sample facts (422 otherwise)",
        ))
        .build()
}

/// An agency's template (`POST /v1/letters/templates/{kind}`).
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewTemplate {
    /// Its text.
    #[schema(schema_with = template_text_schema)]
    pub text: String,
}

/// A template stored.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct TemplateStored {
    /// Always true.
    pub stored: bool,
}

/// A letter template in force.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct TemplateView {
    /// Its kind.
    #[schema(schema_with = template_kind_schema)]
    pub kind: String,
    /// `agency` (stored by the agency) or `shipped`.
    #[schema(schema_with = template_source_schema)]
    pub source: String,
    /// Its text.
    pub text: String,
}

/// Every letter template in force (`GET /v1/letters/templates`).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Templates {
    /// One per kind.
    pub templates: Vec<TemplateView>,
}

impl TemplateView {
    /// `template` as it is shown.
    pub fn of(template: &gate::Template) -> Self {
        TemplateView {
            kind: template.kind.clone(),
            source: template.source.to_owned(),
            text: template.text.clone(),
        }
    }
}
