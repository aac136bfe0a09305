//! Which Azure behaviours pullpath's answers rest on, and whether a source settles each: the
//! product's side of the truth corpus (`core/tests/truth/**`).
//!
//! Each entry is keyed by its truth case's id (the case's path under `core/tests/truth`
//! without `.json`) and carries the case's source URL (or spec file), or `None` when no
//! source settles it. Code that shows an answer resting on such a behaviour appends
//! [`note`] for it, so the user reads "unverified" rather than a guess presented as fact. The
//! truth harness checks that this table and the corpus agree (same ids, same sources, every
//! unverified case listed here).
//!
//! Not here: the behaviours themselves (`access`, `rbac`, `findings`), or the corpus.

/// One behaviour an answer relies on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Behaviour {
    /// The truth case's id, e.g. `findings/workspace-key-vault-contributor-taken-on-trust`.
    pub id: &'static str,
    /// The case's source URL or spec file; `None`: unverified.
    pub source: Option<&'static str>,
}

/// The behaviours answers consult. Only those whose text must change with their status are
/// listed; the corpus itself holds many more.
pub static BEHAVIOURS: &[Behaviour] = &[
    Behaviour { id: KEY_VAULT_CONTRIBUTOR_ON_TRUST, source: None },
    Behaviour { id: UNKNOWN_HIERARCHY_NOT_ASSUMED, source: None },
    Behaviour { id: BASE_IMAGE_THROUGH_CONNECTION, source: None },
    Behaviour { id: DEPLOYMENT_IMAGE_BY_ENDPOINT_IDENTITY, source: None },
    Behaviour { id: KUBERNETES_DEPLOYMENT_BY_ENDPOINT_IDENTITY, source: None },
    Behaviour { id: COMPUTE_DEFAULT_IDENTITY, source: None },
    Behaviour { id: PEERING_MUST_BE_CONNECTED, source: None },
    Behaviour { id: SECURE_EGRESS_OTHER_REGISTRY, source: None },
];

/// A built environment's base image on another registry is pulled through a workspace
/// connection (category ContainerRegistry) naming a user-assigned identity that can pull
/// there and that the workspace identity may assign (`findings::demand`).
pub const BASE_IMAGE_THROUGH_CONNECTION: &str = "demand/build-pulls-base-image-through-connection";

/// An online deployment's image on a registry other than the workspace's is pulled with the
/// endpoint's identity (`findings::demand`).
pub const DEPLOYMENT_IMAGE_BY_ENDPOINT_IDENTITY: &str = "demand/deployment-image-pulled-by-endpoint-identity";
/// A compute with several user-assigned identities pulls with "the first" of them; the data
/// does not say which that is, so a finding where another one can pull is unverified.
pub const COMPUTE_DEFAULT_IDENTITY: &str = "workloads/compute-pulls-with-its-default-identity";
/// A Kubernetes online deployment's image is judged on its endpoint's identity (Azure ML
/// infers with it), not the attached compute's or the cluster kubelet's.
pub const KUBERNETES_DEPLOYMENT_BY_ENDPOINT_IDENTITY: &str = "demand/kubernetes-deployment-image-pulled-by-endpoint-identity";

/// A workspace identity with Contributor on its key vault is taken to have the access policy
/// Azure ML also needs there with the access-policy model: pullpath does not read vaults.
pub const KEY_VAULT_CONTRIBUTOR_ON_TRUST: &str = "findings/workspace-key-vault-contributor-taken-on-trust";

/// Where nothing says which management groups a subscription sits below, an assignment at a
/// management group is not counted there (rather than assumed to reach everywhere).
pub const UNKNOWN_HIERARCHY_NOT_ASSUMED: &str = "hierarchy/unknown-hierarchy-is-not-assumed";

/// A peered virtual network reaches a private endpoint only while its peering's
/// `peeringState` is `Connected`: the spec says only "The status of the virtual network
/// peering.", and the Microsoft sentence found says "peered VNets" without a state.
pub const PEERING_MUST_BE_CONNECTED: &str = "network/peering-must-be-connected";

/// A managed online deployment created with `egressPublicNetworkAccess: Disabled` (legacy
/// network isolation) cannot pull from a registry other than its workspace's: Microsoft lists
/// the three private endpoints its managed network gets (workspace, storage, the workspace's
/// registry) and says the flag secures image downloads "with a private endpoint", but not in
/// so many words that every other registry is out of reach.
pub const SECURE_EGRESS_OTHER_REGISTRY: &str = "network/secure-egress-other-registry-blocked";

/// The entry for a behaviour id.
pub fn behaviour(id: &str) -> Option<&'static Behaviour> {
    BEHAVIOURS.iter().find(|b| b.id == id)
}

/// Whether a source settles the behaviour (unknown ids count as unverified).
pub fn is_verified(id: &str) -> bool {
    behaviour(id).is_some_and(|b| b.source.is_some())
}

/// Text to append to an answer that rests on `id`: empty when a source settles it,
/// ` (unverified: …)` otherwise.
pub fn note(id: &str) -> &'static str {
    if is_verified(id) {
        ""
    } else {
        " (unverified: no Microsoft source or data in the snapshot settles this)"
    }
}

/// The behaviour's id when no source settles it (for [`crate::findings::Finding::unverified`]).
pub fn unverified(id: &str) -> Option<String> {
    (!is_verified(id)).then(|| id.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unverified_answers_say_so() {
        assert!(!is_verified(KEY_VAULT_CONTRIBUTOR_ON_TRUST));
        assert!(note(UNKNOWN_HIERARCHY_NOT_ASSUMED).contains("unverified"));
        assert!(note(KEY_VAULT_CONTRIBUTOR_ON_TRUST).contains("unverified"));
        assert!(note("no/such/case").contains("unverified"));
        let ids: std::collections::HashSet<&str> = BEHAVIOURS.iter().map(|b| b.id).collect();
        assert_eq!(ids.len(), BEHAVIOURS.len(), "ids are unique");
    }
}
