//! Findings at scale: grouped by rule, then by subscription, then by resource group, with counts
//! by severity and fixes at every level, after a filter. A large tenant has tens of thousands
//! of findings; a person reads the groups first and opens only the part they act on. The web
//! app's Findings tab and the CLI's text report both start from this.
//!
//! Not here: what a finding is (`findings`), drawing it (web `pages/findings`).

use crate::findings::{Finding, Severity};
use crate::intent::Intent;
use crate::rbac::FastMap;

/// Which findings to count.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Filter {
    /// Indexed by [`severity_index`]: high, medium, low, info.
    pub severities: [bool; 4],
    /// Kept when the rule id, the message or the resource id contains it (ASCII letters
    /// compared without case); empty keeps all.
    pub text: String,
    /// Only findings with at least one automatic fix.
    pub fixable_only: bool,
}

impl Default for Filter {
    fn default() -> Filter {
        Filter { severities: [true; 4], text: String::new(), fixable_only: false }
    }
}

impl Filter {
    pub fn keeps(&self, f: &Finding) -> bool {
        if !self.severities[severity_index(f.severity)] || (self.fixable_only && f.fixes.is_empty()) {
            return false;
        }
        let needle = self.text.trim();
        needle.is_empty() || [f.id.as_str(), f.message.as_str(), f.resource.as_str()].iter().any(|h| contains_ignore_ascii_case(h, needle))
    }
}

/// The severities most severe first, as the filter and the counts index them.
pub const SEVERITIES: [Severity; 4] = [Severity::High, Severity::Medium, Severity::Low, Severity::Info];

pub fn severity_index(s: Severity) -> usize {
    match s {
        Severity::High => 0,
        Severity::Medium => 1,
        Severity::Low => 2,
        Severity::Info => 3,
    }
}

fn contains_ignore_ascii_case(hay: &str, needle: &str) -> bool {
    let (h, n) = (hay.as_bytes(), needle.as_bytes());
    n.len() <= h.len() && h.windows(n.len()).any(|w| w.eq_ignore_ascii_case(n))
}

/// How many findings, by severity, and how many of them have an automatic fix.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Counts {
    pub total: usize,
    /// Indexed like [`SEVERITIES`].
    pub by_severity: [usize; 4],
    pub fixable: usize,
}

impl Counts {
    fn add(&mut self, f: &Finding) {
        self.total += 1;
        self.by_severity[severity_index(f.severity)] += 1;
        self.fixable += usize::from(!f.fixes.is_empty());
    }

    /// The most severe severity counted (`Info` when none).
    pub fn worst(&self) -> Severity {
        SEVERITIES.iter().zip(self.by_severity).find(|(_, n)| *n > 0).map(|(s, _)| *s).unwrap_or(Severity::Info)
    }

    /// "3 high, 1 low": the non-zero severities, most severe first.
    pub fn in_words(&self) -> String {
        let parts: Vec<String> = SEVERITIES.iter().zip(self.by_severity).filter(|(_, n)| *n > 0).map(|(s, n)| format!("{n} {}", s.as_str())).collect();
        parts.join(", ")
    }
}

/// One resource group's findings of one rule (or those at a subscription itself, or above any
/// subscription: `resource_group` is then `None`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Place {
    pub resource_group: Option<String>,
    pub counts: Counts,
    /// Indexes into the findings given to [`summarise`], in their order (most severe first).
    pub findings: Vec<usize>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubscriptionGroup {
    /// The subscription id, or `None` for findings above any subscription (management groups,
    /// the tenant root).
    pub subscription: Option<String>,
    /// Its display name, where the inventory has one.
    pub name: Option<String>,
    pub counts: Counts,
    pub places: Vec<Place>,
}

impl SubscriptionGroup {
    /// "subscription ml-prod (1111…)", "subscription 1111…", or "above any subscription". A
    /// display name that already holds the id is not followed by it again.
    pub fn label(&self) -> String {
        match (&self.subscription, &self.name) {
            (Some(id), Some(name)) if name.contains(id.as_str()) => name.clone(),
            (Some(id), Some(name)) => format!("subscription {name} ({id})"),
            (Some(id), None) => format!("subscription {id}"),
            (None, _) => "above any subscription".into(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleGroup {
    /// The stable finding id (`compute-cannot-pull-workspace-registry`).
    pub rule: String,
    pub counts: Counts,
    pub subscriptions: Vec<SubscriptionGroup>,
}

impl RuleGroup {
    /// Every finding of the rule, subscription by subscription, resource group by group.
    pub fn findings(&self) -> impl Iterator<Item = usize> + '_ {
        self.subscriptions.iter().flat_map(|s| s.places.iter().flat_map(|p| p.findings.iter().copied()))
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Summary {
    /// What the filter kept.
    pub counts: Counts,
    /// Before the filter, so a filtered view can say "12 of 20,618".
    pub unfiltered: Counts,
    /// Most severe rule first, then the largest, then by id.
    pub rules: Vec<RuleGroup>,
}

/// Groups `findings` (kept by `filter`) by rule, subscription and resource group. Groups are
/// ordered most severe first, then largest first, then by name, so the same tenant always reads
/// the same way. `subscription_name` gives a subscription id's display name where known.
pub fn summarise(findings: &[Finding], filter: &Filter, subscription_name: &dyn Fn(&str) -> Option<String>) -> Summary {
    let mut summary = Summary::default();
    // rule -> subscription (lowercase) -> resource group (lowercase) -> place
    let mut rules: FastMap<&str, (Counts, FastMap<Option<String>, (Option<String>, Counts, FastMap<Option<String>, Place>)>)> = FastMap::default();
    for (i, f) in findings.iter().enumerate() {
        summary.unfiltered.add(f);
        if !filter.keeps(f) {
            continue;
        }
        summary.counts.add(f);
        let sub = f.resource.subscription_id();
        let rg = f.resource.resource_group_name();
        let (rule_counts, subs) = rules.entry(f.id.as_str()).or_default();
        rule_counts.add(f);
        let (_, sub_counts, places) = subs.entry(sub.map(str::to_ascii_lowercase)).or_insert_with(|| (sub.map(str::to_string), Counts::default(), FastMap::default()));
        sub_counts.add(f);
        let place = places.entry(rg.map(str::to_ascii_lowercase)).or_insert_with(|| Place { resource_group: rg.map(str::to_string), counts: Counts::default(), findings: Vec::new() });
        place.counts.add(f);
        place.findings.push(i);
    }
    summary.rules = rules
        .into_iter()
        .map(|(rule, (counts, subs))| {
            let mut subscriptions: Vec<SubscriptionGroup> = subs
                .into_values()
                .map(|(subscription, counts, places)| {
                    let mut places: Vec<Place> = places.into_values().collect();
                    crate::sort::sort_by(&mut places, |a, b| order(&a.counts, &b.counts).then_with(|| a.resource_group.as_deref().map(str::to_ascii_lowercase).cmp(&b.resource_group.as_deref().map(str::to_ascii_lowercase))));
                    let name = subscription.as_deref().and_then(subscription_name);
                    SubscriptionGroup { subscription, name, counts, places }
                })
                .collect();
            crate::sort::sort_by(&mut subscriptions, |a, b| order(&a.counts, &b.counts).then_with(|| a.label().to_ascii_lowercase().cmp(&b.label().to_ascii_lowercase())));
            RuleGroup { rule: rule.to_string(), counts, subscriptions }
        })
        .collect();
    crate::sort::sort_by(&mut summary.rules, |a, b| order(&a.counts, &b.counts).then_with(|| a.rule.cmp(&b.rule)));
    summary
}

/// Most severe first, then the larger.
fn order(a: &Counts, b: &Counts) -> std::cmp::Ordering {
    b.worst().cmp(&a.worst()).then_with(|| b.total.cmp(&a.total))
}

/// The fixes of these findings, each once, in the findings' order: what "Fix" on a group adds.
/// Linear in the fixes (a set of those seen): a large tenant's "Fix all" has tens of thousands.
pub fn fixes(findings: &[Finding], indexes: impl IntoIterator<Item = usize>) -> Vec<Intent> {
    let mut seen: crate::rbac::FastSet<&Intent> = crate::rbac::FastSet::default();
    let mut out: Vec<Intent> = Vec::new();
    for i in indexes {
        for fix in findings.get(i).map(|f| f.fixes.as_slice()).unwrap_or_default() {
            if seen.insert(fix) {
                out.push(fix.clone());
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::id::ResourceId;
    use crate::intent::Intent;

    fn finding(rule: &str, severity: Severity, resource: &str, fixes: Vec<Intent>) -> Finding {
        Finding { id: rule.into(), severity, resource: ResourceId::parse(resource).unwrap(), message: format!("{rule} on {resource}"), nodes: vec![], fixes, unverified: None, choices: Vec::new() }
    }

    const A: &str = "/subscriptions/aaaaaaaa-0000-0000-0000-000000000001";
    const B: &str = "/subscriptions/bbbbbbbb-0000-0000-0000-000000000002";

    fn reg(sub: &str, rg: &str, name: &str) -> String {
        format!("{sub}/resourceGroups/{rg}/providers/Microsoft.ContainerRegistry/registries/{name}")
    }

    fn admin(sub: &str, rg: &str, name: &str) -> Intent {
        Intent::SetAdminUser { registry: ResourceId::parse(&reg(sub, rg, name)).unwrap(), enabled: false }
    }

    fn tenant() -> Vec<Finding> {
        vec![
            finding("acr-admin-user-enabled", Severity::High, &reg(A, "rg-1", "acr1"), vec![admin(A, "rg-1", "acr1")]),
            finding("acr-admin-user-enabled", Severity::High, &reg(A, "RG-1", "acr2"), vec![admin(A, "rg-1", "acr2")]),
            finding("acr-admin-user-enabled", Severity::High, &reg(B, "rg-9", "acr3"), vec![admin(B, "rg-9", "acr3")]),
            finding("broad-role-for-pull", Severity::Medium, &reg(A, "rg-2", "acr4"), vec![]),
            finding("broad-role-for-pull", Severity::Low, "/providers/Microsoft.Management/managementGroups/mg-1", vec![]),
            finding("compute-without-identity", Severity::High, &format!("{B}/resourceGroups/rg-9/providers/Microsoft.MachineLearningServices/workspaces/w/computes/c"), vec![]),
        ]
    }

    fn names(id: &str) -> Option<String> {
        (id == "aaaaaaaa-0000-0000-0000-000000000001").then(|| "ml-prod".to_string())
    }

    #[test]
    fn a_display_name_holding_the_id_is_not_followed_by_it_again() {
        let g = SubscriptionGroup { subscription: Some("1111".into()), name: Some("Subscription 1111".into()), counts: Counts::default(), places: vec![] };
        assert_eq!(g.label(), "Subscription 1111");
    }

    #[test]
    fn groups_by_rule_then_subscription_then_resource_group_most_severe_and_largest_first() {
        let s = summarise(&tenant(), &Filter::default(), &names);
        let rules: Vec<(&str, usize)> = s.rules.iter().map(|r| (r.rule.as_str(), r.counts.total)).collect();
        assert_eq!(rules, [("acr-admin-user-enabled", 3), ("compute-without-identity", 1), ("broad-role-for-pull", 2)]);
        let admin = &s.rules[0];
        let subs: Vec<String> = admin.subscriptions.iter().map(|g| g.label()).collect();
        assert_eq!(subs, ["subscription ml-prod (aaaaaaaa-0000-0000-0000-000000000001)", "subscription bbbbbbbb-0000-0000-0000-000000000002"]);
        // Resource groups compare without case, as ARM's names do; the first spelling is shown.
        assert_eq!(admin.subscriptions[0].places.len(), 1);
        assert_eq!(admin.subscriptions[0].places[0].resource_group.as_deref(), Some("rg-1"));
        assert_eq!(admin.subscriptions[0].places[0].findings, [0, 1]);
        assert_eq!(admin.findings().collect::<Vec<_>>(), [0, 1, 2]);
        let broad = &s.rules[2];
        assert_eq!(broad.counts.worst(), Severity::Medium);
        assert_eq!(broad.counts.in_words(), "1 medium, 1 low");
        assert!(broad.subscriptions.iter().any(|g| g.subscription.is_none() && g.label() == "above any subscription"));
        assert_eq!(s.counts.total, 6);
        assert_eq!(s.counts.fixable, 3);
    }

    #[test]
    fn the_filter_keeps_severities_text_and_fixable_and_says_what_it_left() {
        let f = Filter { severities: [true, false, false, false], ..Filter::default() };
        let s = summarise(&tenant(), &f, &names);
        assert_eq!((s.counts.total, s.unfiltered.total), (4, 6));
        let f = Filter { text: "ACR3".into(), ..Filter::default() };
        assert_eq!(summarise(&tenant(), &f, &names).counts.total, 1);
        let f = Filter { text: "  compute-without ".into(), ..Filter::default() };
        assert_eq!(summarise(&tenant(), &f, &names).rules.len(), 1);
        let f = Filter { fixable_only: true, ..Filter::default() };
        let s = summarise(&tenant(), &f, &names);
        assert_eq!(s.rules.iter().map(|r| r.rule.as_str()).collect::<Vec<_>>(), ["acr-admin-user-enabled"]);
        let f = Filter { text: "nothing like this".into(), ..Filter::default() };
        assert!(summarise(&tenant(), &f, &names).rules.is_empty());
    }

    #[test]
    fn a_groups_fixes_are_each_listed_once() {
        let mut t = tenant();
        t.push(finding("acr-admin-user-enabled", Severity::High, &reg(A, "rg-1", "acr1"), vec![admin(A, "rg-1", "acr1")]));
        let s = summarise(&t, &Filter::default(), &names);
        let all = fixes(&t, s.rules[0].findings());
        assert_eq!(all.len(), 3, "acr1's disable is asked for twice and planned once");
        assert_eq!(all[0], admin(A, "rg-1", "acr1"));
    }
}
