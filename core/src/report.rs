//! Access rows as a report writes them: each explanation once, in a table, and every path
//! pointing into it. On a large tenant one role assignment's explanation is shared by
//! thousands of paths (see `access`); written out per path it was most of a 525 MB report.
//! Not here: the analysis itself, or how a report is framed (the CLI's formats).

use std::sync::Arc;

use serde::Serialize;

use crate::access::{AccessRow, IdentityKind, Level, Path, PathKind};
use crate::intent::RoleRef;
use crate::fast::FastMap;
use crate::id::ResourceId;
use crate::network::NetworkVerdict;

/// The explanations written so far, by text; each gets the next number.
#[derive(Debug, Default)]
pub struct Explanations<'a> {
    index: FastMap<&'a str, usize>,
    texts: Vec<&'a str>,
}

impl<'a> Explanations<'a> {
    /// The number of `text`, and whether it is new (not given a number before).
    pub fn number(&mut self, text: &'a str) -> (usize, bool) {
        if let Some(&n) = self.index.get(text) {
            return (n, false);
        }
        let n = self.texts.len();
        self.index.insert(text, n);
        self.texts.push(text);
        (n, true)
    }

    /// Every explanation, in number order.
    pub fn texts(&self) -> &[&'a str] {
        &self.texts
    }

    /// Numbers every explanation of `row` and returns the row as it is written with them.
    /// The new explanations (in number order) are appended to `new`.
    pub fn row(&mut self, row: &'a AccessRow, new: &mut Vec<(usize, &'a str)>) -> SharedRow<'a> {
        let via = row
            .via
            .iter()
            .map(|p| {
                let (n, fresh) = self.number(&p.explanation);
                if fresh {
                    new.push((n, &p.explanation));
                }
                SharedPath::new(p, n)
            })
            .collect();
        SharedRow {
            principal_id: &row.principal_id,
            identity: &row.identity,
            identity_kind: row.identity_kind,
            registry: &row.registry,
            pull: row.pull,
            push: row.push,
            expected_by: &row.expected_by,
            via,
            why_not: row.why_not.as_deref(),
            unverified: row.unverified.as_deref(),
            used: row.used,
            network: &row.network,
        }
    }
}

/// An [`AccessRow`], field for field, with each path's explanation a number in
/// [`Explanations`]. A test below keeps the two in step.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SharedRow<'a> {
    pub principal_id: &'a str,
    pub identity: &'a str,
    pub identity_kind: IdentityKind,
    pub registry: &'a ResourceId,
    pub pull: Level,
    pub push: Level,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    pub expected_by: &'a [ResourceId],
    pub via: Vec<SharedPath<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub why_not: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unverified: Option<&'a str>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub used: bool,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    pub network: &'a [NetworkVerdict],
}

/// A [`Path`], field for field, with its explanation a number.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SharedPath<'a> {
    pub kind: PathKind,
    pub works: bool,
    pub pull: Level,
    pub push: Level,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub assignment: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub role: Option<&'a RoleRef>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scope: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub operation: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pattern: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub condition: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub group: Option<&'a str>,
    /// The explanation's number in the report's table.
    pub explanation: usize,
}

impl<'a> SharedPath<'a> {
    fn new(p: &'a Path, explanation: usize) -> SharedPath<'a> {
        SharedPath {
            kind: p.kind,
            works: p.works,
            pull: p.pull,
            push: p.push,
            assignment: p.assignment.as_deref(),
            role: p.role.as_ref().map(Arc::as_ref),
            scope: p.scope.as_deref(),
            operation: p.operation.as_deref(),
            pattern: p.pattern.as_deref(),
            condition: p.condition.as_deref(),
            group: p.group.as_deref(),
            explanation,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    /// Written with numbers and the numbers put back, every row of the demo tenant reads as
    /// the row itself written whole: a field added to `AccessRow` or `Path` and not here
    /// fails this test.
    #[test]
    fn shared_rows_are_the_rows_with_numbers() {
        let (inv, _) = crate::snapshot::parse(crate::DEMO_TENANT).unwrap();
        let analysis = crate::analysis::analyze(&inv);
        let mut table = Explanations::default();
        let mut new = Vec::new();
        let shared: Vec<Value> = analysis.access.iter().map(|row| serde_json::to_value(table.row(row, &mut new)).unwrap()).collect();
        assert_eq!(new.len(), table.texts().len(), "each explanation is new exactly once");
        let paths: usize = analysis.access.iter().map(|r| r.via.len()).sum();
        assert!(table.texts().len() < paths, "{} explanations for {paths} paths: some are shared", table.texts().len());
        for (row, mut value) in analysis.access.iter().zip(shared) {
            for p in value["via"].as_array_mut().unwrap() {
                let n = p["explanation"].as_u64().unwrap() as usize;
                p["explanation"] = Value::String(table.texts()[n].to_string());
            }
            assert_eq!(value, serde_json::to_value(row).unwrap());
        }
    }
}
