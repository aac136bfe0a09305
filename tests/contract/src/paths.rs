//! Swagger path templates and matching request paths against them.
//!
//! Literal segments compare case-insensitively because ARM does (the permissions operations
//! write `resourcegroups`, everything else `resourceGroups`). A few parameters stand for a
//! run of segments rather than one: those marked `x-ms-skip-url-encoding` whose value is
//! itself a path (`{scope}`, `{roleAssignmentId}`, `{roleId}`, `{resourceUri}`, and
//! `{parentResourcePath}`, which may also be empty).
//!
//! Not here: checking parameter values (the crate root does that with the spec's constraints).

use std::collections::HashMap;

use serde_json::Value;

/// Parameters whose value is a path of one or more segments.
const PATH_VALUED: [&str; 4] = ["scope", "roleAssignmentId", "roleId", "resourceUri"];
/// A path-valued parameter that may be empty (a top-level resource has no parent path).
const MAYBE_EMPTY: &str = "parentResourcePath";

#[derive(Debug, Clone, PartialEq, Eq)]
enum Seg {
    Literal(String),
    /// `{name}`; `min` is the least number of segments it takes, `multi` whether it may take more.
    Param { name: String, min: usize, multi: bool },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Template {
    segs: Vec<Seg>,
}

impl Template {
    pub(crate) fn parse(template: &str, parameters: &[Value]) -> Template {
        // `x-ms-paths` keys carry a dummy query to make them unique: `/{roleId}?disambiguation_dummy`.
        let path = template.split('?').next().unwrap_or(template);
        let skip_encoding = |name: &str| {
            parameters.iter().any(|p| p.get("name").and_then(Value::as_str) == Some(name) && p.get("x-ms-skip-url-encoding").and_then(Value::as_bool) == Some(true))
        };
        let segs = path
            .split('/')
            .filter(|s| !s.is_empty())
            .map(|s| match s.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
                Some(name) if name == MAYBE_EMPTY => Seg::Param { name: name.into(), min: 0, multi: true },
                Some(name) if PATH_VALUED.contains(&name) && skip_encoding(name) => Seg::Param { name: name.into(), min: 1, multi: true },
                Some(name) => Seg::Param { name: name.into(), min: 1, multi: false },
                None => Seg::Literal(s.to_string()),
            })
            .collect();
        Template { segs }
    }

    /// More literal segments is more specific; among equals, fewer path-valued parameters.
    pub(crate) fn specificity(&self) -> (usize, std::cmp::Reverse<usize>) {
        let literals = self.segs.iter().filter(|s| matches!(s, Seg::Literal(_))).count();
        let multi = self.segs.iter().filter(|s| matches!(s, Seg::Param { multi: true, .. })).count();
        (literals, std::cmp::Reverse(multi))
    }

    pub(crate) fn is_multi(&self, name: &str) -> bool {
        self.segs.iter().any(|s| matches!(s, Seg::Param { name: n, multi: true, .. } if n == name))
    }

    /// The parameter values when `path` matches, joined with `/` for path-valued ones.
    pub(crate) fn matches(&self, path: &str) -> Option<HashMap<String, String>> {
        let rest = path.strip_prefix('/')?;
        let parts: Vec<&str> = if rest.is_empty() { Vec::new() } else { rest.split('/').collect() };
        if parts.iter().any(|p| p.is_empty()) {
            return None;
        }
        let mut captures = HashMap::new();
        match_from(&self.segs, &parts, &mut captures).then_some(captures)
    }
}

fn match_from(segs: &[Seg], parts: &[&str], captures: &mut HashMap<String, String>) -> bool {
    let Some((first, rest)) = segs.split_first() else { return parts.is_empty() };
    match first {
        Seg::Literal(l) => parts.first().is_some_and(|p| p.eq_ignore_ascii_case(l)) && match_from(rest, &parts[1..], captures),
        Seg::Param { name, min, multi: false } => {
            *min <= parts.len() && !parts.is_empty() && {
                captures.insert(name.clone(), parts[0].to_string());
                match_from(rest, &parts[1..], captures)
            }
        }
        Seg::Param { name, min, multi: true } => {
            // Longest first, so `{scope}` in `/{scope}/providers/X/y` takes everything up to
            // the last `providers`, as ARM reads it.
            for take in (*min..=parts.len()).rev() {
                if id_shape_ok(name, &parts[..take]) && match_from(rest, &parts[take..], captures) {
                    captures.insert(name.clone(), parts[..take].join("/"));
                    return true;
                }
            }
            false
        }
    }
}

/// Parameters that are whole ids of one type (`PUT /{roleAssignmentId}`) would otherwise
/// match any path at all; their descriptions say what they must look like, so check that.
fn id_shape_ok(name: &str, parts: &[&str]) -> bool {
    let tail = |ty: &str| {
        parts.len() >= 4 && {
            let t = &parts[parts.len() - 4..parts.len() - 1];
            t[0].eq_ignore_ascii_case("providers") && t[1].eq_ignore_ascii_case("Microsoft.Authorization") && t[2].eq_ignore_ascii_case(ty)
        }
    };
    match name {
        "roleAssignmentId" => tail("roleAssignments"),
        "roleId" => tail("roleDefinitions"),
        _ => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(template: &str) -> Template {
        let params: Vec<Value> = PATH_VALUED.iter().map(|n| serde_json::json!({"name": n, "x-ms-skip-url-encoding": true})).collect();
        Template::parse(template, &params)
    }

    #[test]
    fn scope_takes_up_to_the_last_providers() {
        let m = t("/{scope}/providers/Microsoft.Authorization/roleAssignments/{roleAssignmentName}")
            .matches("/subscriptions/s/resourceGroups/rg/providers/Microsoft.ContainerRegistry/registries/r/providers/Microsoft.Authorization/roleAssignments/n")
            .unwrap();
        assert_eq!(m["scope"], "subscriptions/s/resourceGroups/rg/providers/Microsoft.ContainerRegistry/registries/r");
        assert_eq!(m["roleAssignmentName"], "n");
    }

    #[test]
    fn literals_ignore_case_and_must_all_match() {
        let tpl = t("/subscriptions/{subscriptionId}/resourcegroups/{resourceGroupName}/providers/Microsoft.Authorization/permissions");
        assert!(tpl.matches("/subscriptions/s/resourceGroups/rg/providers/Microsoft.Authorization/permissions").is_some());
        assert!(tpl.matches("/subscriptions/s/resourceGroups/rg/providers/Microsoft.Authorization/permission").is_none());
        assert!(tpl.matches("/subscriptions/s/resourceGroups/rg/providers/Microsoft.Authorization/permissions/x").is_none());
        assert!(tpl.matches("/subscriptions//resourceGroups/rg/providers/Microsoft.Authorization/permissions").is_none());
    }

    #[test]
    fn parent_resource_path_may_be_empty() {
        let tpl = t("/subscriptions/{s}/resourcegroups/{rg}/providers/{ns}/{parentResourcePath}/{resourceType}/{resourceName}/providers/Microsoft.Authorization/permissions");
        let top = tpl.matches("/subscriptions/s/resourceGroups/rg/providers/Microsoft.ContainerRegistry/registries/r/providers/Microsoft.Authorization/permissions").unwrap();
        assert_eq!(top["parentResourcePath"], "");
        let child = tpl.matches("/subscriptions/s/resourceGroups/rg/providers/Microsoft.MachineLearningServices/workspaces/w/computes/c/providers/Microsoft.Authorization/permissions").unwrap();
        assert_eq!(child["parentResourcePath"], "workspaces/w");
        assert_eq!(child["resourceType"], "computes");
    }
}
