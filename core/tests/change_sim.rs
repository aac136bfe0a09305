//! The parts of a change (`change/`) on the demo tenant: the permission preflight (what each
//! operation needs, the check, the simulator's answer) and its words (stages, outcome, intents).
//! (Integration tests: the simulator is its own crate, which core's unit tests cannot use.)

/// What the tests of `preflight` and `words` both build on: the demo tenant, its registry and
/// two intents.
mod fixtures {
    use pullpath_core::arm::PrincipalType;
    use pullpath_core::id::ResourceId;
    use pullpath_core::intent::{Intent, RoleRef};
    use pullpath_core::inventory::Inventory;
    use pullpath_sim::Sim;

    pub const SUB: &str = "/subscriptions/11111111-1111-1111-1111-111111111111";

    pub fn id(s: &str) -> ResourceId {
        ResourceId::parse(&format!("{SUB}{s}")).unwrap()
    }

    pub fn acr() -> ResourceId {
        id("/resourceGroups/rg-ml-prod/providers/Microsoft.ContainerRegistry/registries/acrmlprod")
    }

    pub fn demo() -> Inventory {
        Inventory::from_resources(Sim::demo().tenant_resources().cloned()).0
    }

    pub fn grant() -> Intent {
        Intent::GrantRole { principal_id: "00000000-0000-0000-0000-0000000000aa".into(), principal_type: PrincipalType::ServicePrincipal, role: RoleRef::acr_pull(), scope: acr() }
    }

    /// Flips acrmlprod's admin user, whatever the demo has.
    pub fn admin_toggle() -> Intent {
        let on = demo().registries.iter().find(|r| r.id == acr()).unwrap().properties.admin_user_enabled;
        Intent::SetAdminUser { registry: acr(), enabled: !on }
    }
}

mod preflight {
    use pullpath_core::arm::Permission;
    use pullpath_core::change::preflight::*;
    use pullpath_core::intent::Intent;
    use pullpath_core::plan::plan;
    use pullpath_core::request::{self, Response};
    use pullpath_core::arm::ErrorResponse;
    use pullpath_core::ResourceId;
    use pullpath_sim::Sim;

    use super::fixtures::*;

    fn perm(actions: &[&str], not_actions: &[&str]) -> Permission {
        Permission { actions: actions.iter().map(|s| s.to_string()).collect(), not_actions: not_actions.iter().map(|s| s.to_string()).collect(), ..Default::default() }
    }

    #[test]
    fn a_grant_needs_role_assignment_write_at_the_registry() {
        let (p, _) = plan(&demo(), &[grant(), admin_toggle()]);
        let reqs: Vec<Requirement> = p.operations.iter().flat_map(|op| requirements(op, &p)).collect();
        let admin = p.operations.iter().position(|o| matches!(o.intent, Intent::SetAdminUser { .. })).unwrap();
        assert!(reqs.contains(&Requirement { scope: acr(), action: "Microsoft.Authorization/roleAssignments/write".into() }), "{reqs:?}");
        assert_eq!(requirements(&p.operations[admin], &p), vec![Requirement { scope: acr(), action: "Microsoft.ContainerRegistry/registries/write".into() }]);
        assert_eq!(scopes(&p), vec![acr()]);
    }

    #[test]
    fn a_revoke_needs_delete() {
        let inv = demo();
        let ra = inv.role_assignments.iter().find(|ra| ra.scope() == acr()).unwrap().id.clone();
        let (p, _) = plan(&inv, &[Intent::RevokeRoleAssignment { assignment: ra }]);
        assert_eq!(requirements(&p.operations[0], &p)[0].action, "Microsoft.Authorization/roleAssignments/delete");
    }

    #[test]
    fn check_names_what_is_missing_and_gates_apply() {
        let (p, _) = plan(&demo(), &[grant(), admin_toggle()]);
        let contributor = vec![perm(&["*"], &["Microsoft.Authorization/*/Write", "Microsoft.Authorization/*/Delete"])];
        let v = check(&p, &[(acr(), Ok(contributor))]);
        let grant_op = p.operations.iter().position(|o| matches!(o.intent, Intent::GrantRole { .. })).unwrap();
        assert_eq!(v[grant_op], Verdict::Denied { missing: vec![Requirement { scope: acr(), action: "Microsoft.Authorization/roleAssignments/write".into() }] });
        assert_eq!(v[1 - grant_op], Verdict::Allowed);
        assert_eq!(gate(&v), Gate::Closed);

        let owner = check(&p, &[(acr(), Ok(vec![perm(&["*"], &[])]))]);
        assert_eq!(gate(&owner), Gate::Open);

        let failed = check(&p, &[(acr(), Err("HTTP 500".into()))]);
        assert!(matches!(&failed[0], Verdict::Unknown { reason } if reason.contains("HTTP 500")));
        assert_eq!(gate(&failed), Gate::Uncertain);
        assert!(matches!(check(&p, &[])[0], Verdict::Unknown { .. }));
    }

    #[test]
    fn the_simulator_answers_the_permission_check() {
        let mut sim = Sim::demo();
        let (p, _) = plan(&demo(), &[grant()]);
        let answers: Vec<_> = scopes(&p).into_iter().map(|s| {
            let r = sim.handle(&request::list_permissions(&s));
            (s, parse_permissions(&r))
        }).collect();
        assert_eq!(gate(&check(&p, &answers)), Gate::Open);
        sim.forbidden.push(ResourceId::resource_group("11111111-1111-1111-1111-111111111111", "rg-ml-prod").unwrap());
        let answers: Vec<_> = scopes(&p).into_iter().map(|s| {
            let r = sim.handle(&request::list_permissions(&s));
            (s, parse_permissions(&r))
        }).collect();
        assert_eq!(gate(&check(&p, &answers)), Gate::Closed);
        let err = parse_permissions(&Response::json(403, &ErrorResponse::new("AuthorizationFailed", "no"))).unwrap_err();
        assert!(err.contains("403 AuthorizationFailed: no"), "{err}");
    }
}

mod words {
    use std::time::Duration;

    use pullpath_core::apply::{Apply, ApplyConfig, OpStatus, Outcome};
    use pullpath_core::arm::{ErrorResponse, PrincipalType};
    use pullpath_core::change::words::*;
    use pullpath_core::intent::{Intent, RoleRef};
    use pullpath_core::plan::plan;
    use pullpath_core::request::{Method, Response};
    use pullpath_sim::{drive, Sim};

    use super::fixtures::*;

    #[test]
    fn stages_follow_the_engine() {
        let inv = demo();
        let (p, _) = plan(&inv, &[grant(), admin_toggle()]);
        let mut sim = Sim::demo();
        let mut a = Apply::new(p.clone(), ApplyConfig { origin: pullpath_sim::DEFAULT_ORIGIN.into(), ..Default::default() });
        assert!(a.statuses().iter().enumerate().all(|(i, s)| stage(i, s, a.journal()).0 == Stage::Pending));
        drive(&mut a, Duration::ZERO, 1000, |r| Ok(sim.handle(r))).unwrap();
        assert!(a.statuses().iter().enumerate().all(|(i, s)| stage(i, s, a.journal()).0 == Stage::Done), "{:?}", a.statuses());
        assert_eq!(outcome_text(a.outcome().unwrap(), &p), "Every change was applied and verified.");

        // The admin-user write fails for good: the grant written before it is undone.
        let mut sim = Sim::demo();
        let mut a = Apply::new(p.clone(), ApplyConfig { origin: pullpath_sim::DEFAULT_ORIGIN.into(), max_attempts: 2, ..Default::default() });
        drive(&mut a, Duration::ZERO, 1000, |r| {
            if r.method == Method::Patch {
                Ok(Response::json(500, &ErrorResponse::new("InternalServerError", "boom")))
            } else {
                Ok(sim.handle(r))
            }
        })
        .unwrap();
        let stages: Vec<Stage> = a.statuses().iter().enumerate().map(|(i, s)| stage(i, s, a.journal()).0).collect();
        assert!(stages.contains(&Stage::Failed), "{stages:?}");
        let text = outcome_text(a.outcome().unwrap(), &p);
        assert!(text.contains("failed") && text.contains("undone"), "{text}");
        assert!(!text.contains(".."), "{text}");
        let dotted = Outcome::RolledBack { operation: 0, reason: "ARM said no.".into() };
        assert!(outcome_text(&dotted, &p).ends_with("failed: ARM said no. Everything already written was undone."), "{}", outcome_text(&dotted, &p));
        assert!(a.statuses().iter().all(|s| !matches!(s, OpStatus::Done)), "{:?}", a.statuses());
    }

    #[test]
    fn intents_read_as_sentences_with_identity_labels() {
        let inv = demo();
        let analysis = pullpath_core::analysis::analyze(&inv);
        let known = analysis.identities.iter().find(|i| i.label != i.principal_id).unwrap();
        let g = Intent::GrantRole { principal_id: known.principal_id.to_uppercase(), principal_type: PrincipalType::ServicePrincipal, role: RoleRef::acr_pull(), scope: acr() };
        assert_eq!(describe_intent(&g, &inv, &analysis.identities), format!("Grant AcrPull on acrmlprod to {}", known.label));
        assert_eq!(describe_intent(&grant(), &inv, &analysis.identities), "Grant AcrPull on acrmlprod to principal 00000000-0000-0000-0000-0000000000aa");
        let ra = inv.role_assignments.iter().find(|ra| ra.scope() == acr()).unwrap();
        let text = describe_intent(&Intent::RevokeRoleAssignment { assignment: ra.id.clone() }, &inv, &analysis.identities);
        assert!(text.starts_with("Remove ") && text.contains(" on acrmlprod from "), "{text}");
        assert_eq!(describe_intent(&Intent::SetAdminUser { registry: acr(), enabled: false }, &inv, &[]), "Disable the admin user of acrmlprod");
    }
}
