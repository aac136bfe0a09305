#!/usr/bin/env python3
"""Writes a large tenant snapshot for the CLI pipeline benchmark (docs/benchmarks.md, "The CLI
in a pipeline"): 57,200 resources in ARM's shapes, made without any of pullpath's own
generators (`pullpath_sim::generate`, `core/benches/analysis.rs`), so the benchmark does not
measure only what pullpath's authors thought of.

Usage: python3 tests/bench/big_tenant.py OUT.json [SEED] [SCALE]

SCALE (default 1) multiplies every count: `cli/tests/analyze.rs` runs it at 0.01 as a smoke test.

Deterministic for a seed (Python's `random.Random`). Shapes: registries at 2025-11-01 (a fifth
in ABAC mode, some with the admin user on, some private), workspaces with compute clusters
(system- or user-assigned identities), attached AKS clusters with kubelet identities,
ContainerRegistry connections, user-assigned identities, and role assignments at registries,
resource groups and subscriptions (AcrPull, AcrPush, Reader, Contributor, Owner, the
repository roles with and without conditions).
"""

import json
import random
import sys
import uuid

ACR_PULL = "7f951dda-4ed3-4680-a7ca-43fe172d538d"
ACR_PUSH = "8311e382-0749-4cb8-b61a-304f252e45ec"
READER = "acdd72a7-3385-48ef-bd42-f606fba81ae7"
CONTRIBUTOR = "b24988ac-6180-42a0-ab88-20f7382dd24c"
OWNER = "8e3af657-a8ff-443c-a75c-2fe8c4bcb635"
REPO_READER = "b93aa761-3e63-49ed-ac28-beffa264f7ac"

SUBSCRIPTIONS = 20
GROUPS = 5
REGISTRIES = 1000
WORKSPACES = 200
COMPUTES_PER_WORKSPACE = 5
IDENTITIES = 2000
CLUSTERS = 50
CONNECTIONS = 200
TOTAL = 57200
TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47"


def system_identity(principal_id):
    return {"type": "SystemAssigned", "principalId": principal_id, "tenantId": TENANT}


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    rnd = random.Random(int(sys.argv[2]) if len(sys.argv) > 2 else 20261203)
    scale = float(sys.argv[3]) if len(sys.argv) > 3 else 1.0
    n = lambda count: max(1, round(count * scale))
    registries_n, workspaces_n, identities_n, clusters_n, connections_n, total = (
        n(REGISTRIES), n(WORKSPACES), n(IDENTITIES), n(CLUSTERS), n(CONNECTIONS), n(TOTAL))
    guid = lambda: str(uuid.UUID(int=rnd.getrandbits(128), version=4))
    subs = [guid() for _ in range(SUBSCRIPTIONS)]
    group = lambda i: f"/subscriptions/{subs[i % SUBSCRIPTIONS]}/resourceGroups/rg-{i % (SUBSCRIPTIONS * GROUPS) // SUBSCRIPTIONS:02d}"
    out = []
    principals = []

    def principal():
        """A new principal id, remembered for the role assignments."""
        pid = guid()
        principals.append(pid)
        return pid

    registries = []
    for i in range(registries_n):
        rid = f"{group(i)}/providers/Microsoft.ContainerRegistry/registries/acr{i:04d}x"
        abac = rnd.random() < 0.2
        private = rnd.random() < 0.15
        registries.append(rid)
        out.append({
            "id": rid, "name": f"acr{i:04d}x", "type": "Microsoft.ContainerRegistry/registries", "location": "westeurope",
            "sku": {"name": "Premium" if private or abac else rnd.choice(["Basic", "Standard", "Premium"])},
            "tags": {"owner": f"team-{rnd.randrange(60)}", "costCenter": str(rnd.randrange(1000, 9999))},
            "properties": {
                "loginServer": f"acr{i:04d}x.azurecr.io", "adminUserEnabled": rnd.random() < 0.1,
                "anonymousPullEnabled": rnd.random() < 0.02, "provisioningState": "Succeeded",
                "publicNetworkAccess": "Disabled" if private else "Enabled",
                "networkRuleBypassOptions": rnd.choice(["AzureServices", "None"]),
                "roleAssignmentMode": "AbacRepositoryPermissions" if abac else "LegacyRegistryPermissions",
                "creationDate": "2025-06-01T10:00:00Z",
            },
        })

    identities = []
    for i in range(identities_n):
        iid = f"{group(i)}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-{i:04d}"
        pid = principal()
        identities.append((iid, pid))
        out.append({"id": iid, "name": f"id-{i:04d}", "type": "Microsoft.ManagedIdentity/userAssignedIdentities", "location": "westeurope",
                    "properties": {"principalId": pid, "clientId": guid(), "tenantId": TENANT}})

    clusters = []
    for i in range(clusters_n):
        cid = f"{group(i)}/providers/Microsoft.ContainerService/managedClusters/aks-{i:03d}"
        kubelet = principal()
        clusters.append(cid)
        out.append({"id": cid, "name": f"aks-{i:03d}", "type": "Microsoft.ContainerService/managedClusters", "location": "westeurope",
                    "identity": system_identity(guid()),
                    "properties": {"provisioningState": "Succeeded", "nodeResourceGroup": f"MC_aks-{i:03d}",
                                   "identityProfile": {"kubeletidentity": {"resourceId": f"/subscriptions/{subs[i % SUBSCRIPTIONS]}/resourceGroups/MC_aks-{i:03d}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/aks-{i:03d}-agentpool",
                                                                           "clientId": guid(), "objectId": kubelet}}}})

    workspaces = []
    for i in range(workspaces_n):
        wid = f"{group(i)}/providers/Microsoft.MachineLearningServices/workspaces/mlw-{i:03d}"
        workspaces.append(wid)
        out.append({"id": wid, "name": f"mlw-{i:03d}", "type": "Microsoft.MachineLearningServices/workspaces", "location": "westeurope", "kind": "Default",
                    "identity": system_identity(principal()),
                    "properties": {"containerRegistry": rnd.choice(registries), "provisioningState": "Succeeded",
                                   "description": f"Workspace {i} of the benchmark tenant"}})
        for c in range(COMPUTES_PER_WORKSPACE):
            comp = {"id": f"{wid}/computes/cluster-{c}", "name": f"cluster-{c}", "type": "Microsoft.MachineLearningServices/workspaces/computes", "location": "westeurope",
                    "properties": {"computeType": "AmlCompute", "provisioningState": "Succeeded", "createdOn": "2025-07-01T10:00:00Z"}}
            if c == COMPUTES_PER_WORKSPACE - 1 and i < clusters_n:
                comp["properties"] = {"computeType": "Kubernetes", "resourceId": clusters[i], "provisioningState": "Succeeded"}
            elif rnd.random() < 0.7:
                comp["identity"] = system_identity(principal())
            else:
                uai, pid = rnd.choice(identities)
                comp["identity"] = {"type": "UserAssigned", "userAssignedIdentities": {uai: {"principalId": pid, "clientId": guid()}}}
            out.append(comp)

    for i in range(connections_n):
        wid = workspaces[i % workspaces_n]
        uai, _ = rnd.choice(identities)
        out.append({"id": f"{wid}/connections/images-{i}", "name": f"images-{i}", "type": "Microsoft.MachineLearningServices/workspaces/connections",
                    "properties": {"category": "ContainerRegistry", "authType": "ManagedIdentity", "target": f"{rnd.choice(registries).rsplit('/', 1)[1]}.azurecr.io",
                                   "credentials": {"resourceId": uai, "clientId": guid()}}})

    people = [guid() for _ in range(n(1500))]
    everyone = principals + people
    while len(out) < total:
        n = guid()
        r = rnd.random()
        if r < 0.75:
            scope = rnd.choice(registries)
            role = rnd.choices([ACR_PULL, ACR_PUSH, REPO_READER, CONTRIBUTOR, OWNER, READER], [60, 10, 10, 8, 2, 10])[0]
        elif r < 0.95:
            scope = group(rnd.randrange(SUBSCRIPTIONS * GROUPS))
            role = rnd.choice([READER, CONTRIBUTOR, ACR_PULL])
        else:
            scope = f"/subscriptions/{rnd.choice(subs)}"
            role = rnd.choice([READER, CONTRIBUTOR, OWNER])
        props = {"roleDefinitionId": f"{scope.split('/resourceGroups')[0]}/providers/Microsoft.Authorization/roleDefinitions/{role}",
                 "principalId": rnd.choice(everyone), "principalType": "ServicePrincipal", "scope": scope}
        if role == REPO_READER and rnd.random() < 0.5:
            props["condition"] = f"((!(ActionMatches{{'Microsoft.ContainerRegistry/registries/repositories/content/read'}})) OR (@Request[Microsoft.ContainerRegistry/registries/repositories:name] StringStartsWithIgnoreCase 'team{rnd.randrange(50)}/'))"
            props["conditionVersion"] = "2.0"
        out.append({"id": f"{scope}/providers/Microsoft.Authorization/roleAssignments/{n}", "name": n, "type": "Microsoft.Authorization/roleAssignments", "properties": props})

    with open(sys.argv[1], "w") as f:
        json.dump({"resources": out}, f, indent=1)
    print(f"{len(out)} resources")


if __name__ == "__main__":
    main()
