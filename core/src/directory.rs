//! Microsoft Graph directory objects (users, groups, service principals) exactly as Graph
//! returns them, and what analysis reads from them: a principal's name and kind, and which
//! principals are members of a group, transitively, through which groups.
//!
//! The wire shape is Graph's: `@odata.type` (`#microsoft.graph.user`, `…group`,
//! `…servicePrincipal`), `id`, `displayName`, for service principals `appId` and
//! `servicePrincipalType`, and on a group the optional `transitiveMembers` list "Get a list of
//! the group's members. […] This operation is transitive and returns a flat list of all nested
//! members." (https://learn.microsoft.com/graph/api/group-list-transitivemembers). Graph may
//! return an object with "only the @odata.type property for the object type and the id"
//! when the caller may not read more, so every other field is optional and unknown fields are
//! ignored.
//!
//! Not here: reading them from Graph (`scan`, `directory_request`), what membership grants
//! (`access`).

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use crate::diagnostic::Diagnostic;
use crate::fast::{FastMap, FastSet};

/// One directory object as Graph returns it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DirectoryObject {
    #[serde(rename = "@odata.type")]
    pub odata_type: String,
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_principal_name: Option<String>,
    /// Service principals: the application (client) id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub app_id: Option<String>,
    /// Service principals: `Application`, `ManagedIdentity`, `Legacy`, `SocialIdp`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_principal_type: Option<String>,
    /// Groups: every member, nested ones included, as `GET /groups/{id}/transitiveMembers`
    /// returns them. `None`: not read (members unknown), which is not the same as empty.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transitive_members: Option<Vec<DirectoryObject>>,
}

/// What a directory object is, read from its `@odata.type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DirectoryKind {
    User,
    Group,
    ServicePrincipal,
    /// Devices, contacts, applications: nothing pullpath evaluates.
    Other,
}

/// The `@odata.type` of a directory object of this kind.
pub const USER_TYPE: &str = "#microsoft.graph.user";
pub const GROUP_TYPE: &str = "#microsoft.graph.group";
pub const SERVICE_PRINCIPAL_TYPE: &str = "#microsoft.graph.servicePrincipal";

impl DirectoryObject {
    pub fn kind(&self) -> DirectoryKind {
        let t = self.odata_type.as_str();
        if t.eq_ignore_ascii_case(USER_TYPE) {
            DirectoryKind::User
        } else if t.eq_ignore_ascii_case(GROUP_TYPE) {
            DirectoryKind::Group
        } else if t.eq_ignore_ascii_case(SERVICE_PRINCIPAL_TYPE) {
            DirectoryKind::ServicePrincipal
        } else {
            DirectoryKind::Other
        }
    }

    /// The name Graph gives it, when it gave one that is not blank.
    pub fn name(&self) -> Option<&str> {
        self.display_name.as_deref().map(str::trim).filter(|n| !n.is_empty())
    }

    /// A managed identity's service principal (`servicePrincipalType: ManagedIdentity`).
    pub fn is_managed_identity(&self) -> bool {
        self.service_principal_type.as_deref().is_some_and(|t| t.eq_ignore_ascii_case("ManagedIdentity"))
    }

    /// The object without its member list: how it stands inside another group's list.
    pub fn without_members(&self) -> DirectoryObject {
        DirectoryObject { transitive_members: None, ..self.clone() }
    }
}

/// Nested groups are followed at most this deep when a membership chain is worded; Graph
/// forbids nothing pullpath knows of here, so a snapshot with a cycle must not hang analysis.
const MAX_CHAIN: usize = 8;

/// The directory objects of an inventory, indexed: by lowercase id, groups' transitive
/// members, and the groups each principal is a transitive member of.
#[derive(Debug, Default)]
pub struct Directory<'a> {
    by_id: FastMap<String, &'a DirectoryObject>,
    /// Group (lowercase id) → its transitive members (lowercase ids), when known.
    members: FastMap<String, FastSet<String>>,
    /// Service principal by lowercase app id.
    by_app_id: FastMap<String, &'a DirectoryObject>,
}

impl<'a> Directory<'a> {
    /// Indexes `objects`. The first copy of an id that carries a name, and the first member
    /// list of a group, are kept; a second, different member list is a diagnostic.
    pub fn new(objects: &'a [DirectoryObject]) -> (Directory<'a>, Vec<Diagnostic>) {
        let mut dir = Directory::default();
        let mut diags = Vec::new();
        let add = |o: &'a DirectoryObject, by_id: &mut FastMap<String, &'a DirectoryObject>| {
            let key = o.id.to_ascii_lowercase();
            match by_id.get(&key) {
                Some(old) if old.name().is_some() || o.name().is_none() => {}
                _ => {
                    by_id.insert(key, o);
                }
            }
        };
        for o in objects {
            if o.id.trim().is_empty() {
                continue;
            }
            add(o, &mut dir.by_id);
            if let Some(members) = &o.transitive_members {
                for m in members {
                    if !m.id.trim().is_empty() {
                        add(m, &mut dir.by_id);
                    }
                }
                if o.kind() == DirectoryKind::Group {
                    let key = o.id.to_ascii_lowercase();
                    let set: FastSet<String> = members.iter().map(|m| m.id.to_ascii_lowercase()).filter(|m| !m.is_empty() && *m != key).collect();
                    match dir.members.get(&key) {
                        Some(old) if *old != set => diags.push(Diagnostic {
                            at: o.id.clone(),
                            message: "this group appears twice with different transitiveMembers; using the first list (the file mixes reads of different moments)".into(),
                        }),
                        Some(_) => {}
                        None => {
                            dir.members.insert(key, set);
                        }
                    }
                }
            }
        }
        for o in dir.by_id.values() {
            if let (DirectoryKind::ServicePrincipal, Some(app)) = (o.kind(), &o.app_id) {
                dir.by_app_id.entry(app.to_ascii_lowercase()).or_insert(o);
            }
        }
        (dir, diags)
    }

    pub fn is_empty(&self) -> bool {
        self.by_id.is_empty()
    }

    /// The object with this id (any case).
    pub fn get(&self, id: &str) -> Option<&'a DirectoryObject> {
        self.by_id.get(&id.to_ascii_lowercase()).copied()
    }

    /// The service principal of an application (client) id.
    pub fn by_app_id(&self, app_id: &str) -> Option<&'a DirectoryObject> {
        self.by_app_id.get(&app_id.to_ascii_lowercase()).copied()
    }

    /// The transitive members of a group (lowercase ids), when its list was read.
    pub fn members(&self, group: &str) -> Option<&FastSet<String>> {
        self.members.get(&group.to_ascii_lowercase())
    }

    /// Every object id the directory names, lowercase, sorted.
    pub fn ids(&self) -> BTreeSet<&str> {
        self.by_id.keys().map(String::as_str).collect()
    }

    /// The groups between `group` and its transitive member `member`, outermost first: a group
    /// `h` is on the way when it is in `group`'s list and its own list (when read) holds
    /// `member`. The most specific such group is taken at each step (the one with the fewest
    /// members), so the chain ends at the group `member` is most directly in. Empty when
    /// `member` is a member of no nested group pullpath knows the members of.
    pub fn chain(&self, group: &str, member: &str) -> Vec<String> {
        let member = member.to_ascii_lowercase();
        let mut chain = Vec::new();
        let mut at = group.to_ascii_lowercase();
        let mut visited: FastSet<String> = FastSet::default();
        visited.insert(at.clone());
        while chain.len() < MAX_CHAIN {
            let Some(members) = self.members.get(&at) else { break };
            let next = members
                .iter()
                .filter(|h| **h != member && !visited.contains(*h))
                .filter_map(|h| self.members.get(h).filter(|m| m.contains(&member)).map(|m| (m.len(), h)))
                .min();
            let Some((_, h)) = next else { break };
            visited.insert(h.clone());
            chain.push(h.clone());
            at = h.clone();
        }
        chain
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(v: serde_json::Value) -> Vec<DirectoryObject> {
        serde_json::from_value(v).unwrap()
    }

    /// The shapes of Graph's own examples read as they are: `getByIds`
    /// (https://learn.microsoft.com/graph/api/directoryobject-getbyids, the response example's
    /// `"@odata.type": "#microsoft.graph.user"`, `"accountEnabled"`, `"displayName"`) and an
    /// object with limited information (only `@odata.type` and `id`).
    #[test]
    fn reads_graph_shapes() {
        let objects = parse(serde_json::json!([
            {"@odata.type": "#microsoft.graph.user", "id": "84b80893-8749-40a3-97b7-68513b600544", "accountEnabled": true, "displayName": "Trevor Jones"},
            {"@odata.type": "#microsoft.graph.servicePrincipal", "id": "s1", "displayName": null, "appId": "A1", "servicePrincipalType": "ManagedIdentity"},
            {"@odata.type": "#microsoft.graph.device", "id": "d1"},
        ]));
        assert_eq!(objects[0].kind(), DirectoryKind::User);
        assert_eq!(objects[0].name(), Some("Trevor Jones"));
        assert_eq!(objects[1].name(), None);
        assert!(objects[1].is_managed_identity());
        assert_eq!(objects[2].kind(), DirectoryKind::Other);
        let (dir, diags) = Directory::new(&objects);
        assert!(diags.is_empty());
        assert_eq!(dir.by_app_id("a1").map(|o| o.id.as_str()), Some("s1"));
        assert_eq!(dir.get("84B80893-8749-40A3-97B7-68513B600544").and_then(|o| o.name()), Some("Trevor Jones"));
    }

    #[test]
    fn chains_name_the_nested_groups_and_stop_on_cycles() {
        let objects = parse(serde_json::json!([
            {"@odata.type": "#microsoft.graph.group", "id": "outer", "displayName": "ml-image-pullers", "transitiveMembers": [
                {"@odata.type": "#microsoft.graph.group", "id": "inner", "displayName": "platform-identities"},
                {"@odata.type": "#microsoft.graph.servicePrincipal", "id": "mi", "displayName": "cpu-cluster"},
                {"@odata.type": "#microsoft.graph.user", "id": "u", "displayName": "Dana"},
            ]},
            {"@odata.type": "#microsoft.graph.group", "id": "inner", "displayName": "platform-identities", "transitiveMembers": [
                {"@odata.type": "#microsoft.graph.servicePrincipal", "id": "mi"},
                {"@odata.type": "#microsoft.graph.group", "id": "outer"},
            ]},
        ]));
        let (dir, _) = Directory::new(&objects);
        assert_eq!(dir.chain("outer", "mi"), vec!["inner".to_string()]);
        assert!(dir.chain("outer", "u").is_empty());
        // inner lists outer as a member (a cycle): the walk still ends, after one step.
        assert_eq!(dir.chain("inner", "mi"), vec!["outer".to_string()]);
        assert_eq!(dir.get("mi").and_then(|o| o.name()), Some("cpu-cluster"));
    }
}
