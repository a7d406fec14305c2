//! The casbin enforcer behind the gate: the embedded model and rules, loaded once, and one
//! call that returns whether a request is allowed and by which rule. The only module that
//! names `casbin`; nothing casbin-typed leaves it.

use std::collections::HashMap;
use std::future::Future;
use std::pin::pin;
use std::sync::RwLock;
use std::task::{Context, Poll, Waker};

use casbin::{CoreApi, DefaultModel, Enforcer, StringAdapter};

use crate::Error;

/// The model: request and row shapes and the matcher.
pub(crate) const MODEL: &str = include_str!("model.conf");
/// The rules: one row per allowed (role, organization, action, system, purpose).
pub(crate) const RULES: &str = include_str!("rules.csv");

/// A loaded casbin enforcer, and the answers it has given. casbin evaluates its matcher over
/// every row (over a hundred microseconds with the shipped files); the rows never change
/// after loading and requests repeat a few thousand combinations, so each answer is kept.
pub(crate) struct Rules {
    enforcer: Enforcer,
    answers: RwLock<HashMap<[String; 7], Option<String>>>,
}

/// Most answers kept; past it the table starts again (it holds codes, never values).
const MAX_ANSWERS: usize = 100_000;

/// The longest part of a request the answer cache keeps (codes and ids are shorter).
const MAX_CACHED_PART: usize = 64;

impl Rules {
    /// Loads the model and the rules.
    pub(crate) fn load(model: &str, rules: &str) -> Result<Self, Error> {
        // casbin's loading API is async, but an in-memory model and string adapter never
        // wait on anything: run the future to completion here rather than pull in a runtime.
        let rules: String = rules
            .lines()
            .filter(|line| !line.trim_start().starts_with('#'))
            .collect::<Vec<_>>()
            .join("\n");
        let enforcer = poll_once(async {
            let model = DefaultModel::from_str(model).await?;
            Enforcer::new(model, StringAdapter::new(rules)).await
        })
        .ok_or_else(|| Error::Load("the policy loader would block".into()))?
        .map_err(|err| Error::Load(err.to_string()))?;
        Ok(Rules {
            enforcer,
            answers: RwLock::new(HashMap::new()),
        })
    }

    /// The rule id of the row that allows `request` (role, organization, action, system,
    /// category, phase, purpose), or `None` when no row does.
    pub(crate) fn allowing_rule(&self, request: [&str; 7]) -> Result<Option<String>, Error> {
        let key = request.map(str::to_owned);
        if let Some(answer) = self
            .answers
            .read()
            .ok()
            .and_then(|answers| answers.get(&key).cloned())
        {
            return Ok(answer);
        }
        let answer = self.evaluate(&key)?;
        // Only short, validated inputs are remembered (the gate passes known codes), so the
        // cache stays small whatever a caller sends.
        if key.iter().any(|part| part.len() > MAX_CACHED_PART) {
            return Ok(answer);
        }
        if let Ok(mut answers) = self.answers.write() {
            if answers.len() >= MAX_ANSWERS {
                answers.clear();
            }
            answers.insert(key, answer.clone());
        }
        Ok(answer)
    }

    /// Asks casbin (errors are never remembered: they deny, and the next request asks again).
    fn evaluate(&self, request: &[String; 7]) -> Result<Option<String>, Error> {
        let request: Vec<String> = request.to_vec();
        let (allowed, explain) = self
            .enforcer
            .enforce_ex(request)
            .map_err(|err| Error::Evaluate(err.to_string()))?;
        if !allowed {
            return Ok(None);
        }
        // A row is (role, organization, action, system, category, phase, purpose, rule).
        let rule = explain
            .first()
            .and_then(|row| row.get(7))
            .filter(|rule| !rule.is_empty())
            .ok_or_else(|| Error::Evaluate("an allowing row has no rule id".into()))?;
        Ok(Some(rule.clone()))
    }

    /// How many answers the cache holds.
    pub(crate) fn cached(&self) -> usize {
        self.answers.read().map_or(0, |answers| answers.len())
    }

    /// Every rule id, in file order.
    pub(crate) fn rule_ids(&self) -> Vec<String> {
        casbin::MgmtApi::get_policy(&self.enforcer)
            .into_iter()
            .filter_map(|row| row.get(7).cloned())
            .collect()
    }
}

/// Polls `future` once; `None` if it is not ready (it would need a runtime to finish).
fn poll_once<F: Future>(future: F) -> Option<F::Output> {
    let mut future = pin!(future);
    match future
        .as_mut()
        .poll(&mut Context::from_waker(Waker::noop()))
    {
        Poll::Ready(output) => Some(output),
        Poll::Pending => None,
    }
}
