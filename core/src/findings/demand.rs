//! Pull demand (a part of `findings`; `analysis` puts it together with `access`): the images the tenant's workloads actually pull, the registry each comes
//! from, and whether the pull will work.
//!
//! Read from the environment versions and online deployments the scan lists (`arm::
//! environment`, `scan_demand.rs`). Each demanded pull is an image reference, its login server
//! (`registry_login::normalise_login`) and the registry with that login server anywhere in
//! the inventory (other subscriptions included). A login server of Azure Container Registry
//! that no registry in the inventory has is *outside the scan* (another tenant, or a
//! registry the user cannot read) and said so in a diagnostic; other registries (Docker Hub,
//! `mcr.microsoft.com`) are not judged.
//!
//! How each pull is judged (sources in the truth corpus, `core/tests/truth/demand/**`):
//! - a **built** environment version (a build context or a conda file): Azure ML builds the
//!   image on the workspace's registry, and a base image from another registry needs a
//!   workspace connection of category ContainerRegistry naming a user-assigned identity that
//!   can pull from it, which the workspace identity may assign (Managed Identity Operator);
//! - an environment version **used as it is**: each compute cluster or instance of the
//!   workspace pulls it with its own identity;
//! - an **online deployment**: its endpoint's identity pulls the image of the environment
//!   the deployment names (a Kubernetes deployment's too: inferencing uses the endpoint's
//!   identity, not the attached compute's);
//! - a **job** (the newest the scan read of each workspace) that runs an environment used as
//!   it is: the compute it ran on (`computeId`) pulls the image with its own identity. Its
//!   finding names the job and replaces the environment's own finding for that compute.
//!
//! Pulls from the workspace's own registry are left to the rules that already judge them
//! (`findings`: computes, endpoints). Who can pull comes from `access`' rows: this module
//! adds the pulls it needs as [`Expectation`]s (so rows exist, with their "why not"), and
//! never evaluates a role itself — except "may assign this identity", which `findings`
//! already decides through `rbac` for connections.
//!
//! The 2024-10-01 `EnvironmentVersion` has no registry identity of its own (the SDK v1
//! `RegistryIdentity`), so no such override is read.
//!
//! Not here: reading (`scan`), planning the fixes (`plan`).

use crate::access::{AccessRow, Context, ExpectReason, Expectation, Level};
use crate::arm::{Compute, Connection, EnvironmentVersion, Job, OnlineDeployment, OnlineEndpoint, PrincipalType, Workspace};
use crate::catalog::{ops, Plane};
use super::{grant, ids, pull_role, workspace_principal, Choice, Finding, Severity};
use crate::id::ResourceId;
use crate::intent::{Intent, RoleRef};
use crate::inventory::Diagnostic;
use crate::rbac::{FastMap, FastSet};
use crate::registry_login::normalise_login;

/// Where an image's registry is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// A registry in the inventory (index into `Context::registries`).
    Registry(usize),
    /// An Azure container registry login server no registry in the inventory has.
    OutsideScan(String),
    /// Any other registry (Docker Hub, `mcr.microsoft.com`, ...): not judged.
    Other(String),
}

/// What an image is pulled for, and so who pulls it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Use<'a> {
    /// The base image of an image Azure ML builds on the workspace's registry.
    Build,
    /// The image itself, pulled by the workspace's computes.
    AsIs,
    /// The image an online deployment runs, pulled by its endpoint's identity.
    Deployment { deployment: &'a OnlineDeployment, endpoint: &'a OnlineEndpoint },
    /// The image a job runs as it is, pulled by the compute it ran on (`None`: serverless, or a
    /// compute not in the scan, said in a diagnostic).
    Job { job: &'a Job, compute: Option<&'a Compute> },
}

/// Who really pulls from a registry in the scan, as plain data for the views (the detail panel
/// lists them for a registry): one per demanded pull whose image is on that registry.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UsedBy {
    pub registry: ResourceId,
    /// The environment version whose image it is.
    pub environment: ResourceId,
    pub image: String,
    pub by: UsedFor,
}

/// What [`UsedBy`]'s image is pulled for.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase", tag = "kind")]
pub enum UsedFor {
    /// The base image of the environment's image build (ACR Tasks on the workspace registry).
    Build,
    /// Pulled as is by the workspace's computes.
    AsIs,
    /// Run by an online deployment, pulled by its endpoint's identity.
    Deployment { deployment: ResourceId },
    /// Run as is by a job, pulled by the compute it ran on.
    Job {
        job: ResourceId,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        compute: Option<ResourceId>,
    },
}

impl UsedBy {
    /// In words: "environment train-env:3 of workspace mlw is built on acr.azurecr.io/base:1".
    pub fn describe(&self) -> String {
        let owner = self.environment.parent().and_then(|c| c.parent()).map(|w| w.name().to_string()).unwrap_or_default();
        let env = match in_ml_registry(&self.environment) {
            true => format!("{} of Azure ML registry {owner}", environment_label(&self.environment)),
            false => format!("{} of workspace {owner}", environment_label(&self.environment)),
        };
        match &self.by {
            UsedFor::Build => format!("environment {env} is built on {}", self.image),
            UsedFor::AsIs => format!("environment {env} runs {} as is on its workspace's computes", self.image),
            UsedFor::Deployment { deployment } => {
                let endpoint = deployment.parent().map(|p| p.name().to_string()).unwrap_or_default();
                format!("deployment {} of endpoint {endpoint} runs {} (environment {env})", deployment.name(), self.image)
            }
            UsedFor::Job { job, compute } => match compute {
                Some(c) => format!("job {} ran {} as is on compute {} (environment {env})", job.name(), self.image, c.name()),
                None => format!("job {} ran {} as is (environment {env})", job.name(), self.image),
            },
        }
    }
}

/// The pulls of `demand` from registries in the scan, by registry then environment.
pub fn used_by(ctx: &Context<'_>, demand: &Demand<'_>) -> Vec<UsedBy> {
    let mut out: Vec<UsedBy> = demand
        .pulls
        .iter()
        .filter_map(|p| {
            let Source::Registry(r) = p.source else { return None };
            let by = match p.what {
                Use::Build => UsedFor::Build,
                Use::AsIs => UsedFor::AsIs,
                Use::Deployment { deployment, .. } => UsedFor::Deployment { deployment: deployment.id.clone() },
                Use::Job { job, compute } => UsedFor::Job { job: job.id.clone(), compute: compute.map(|c| c.id.clone()) },
            };
            Some(UsedBy { registry: ctx.registries[r].id.clone(), environment: p.environment.id.clone(), image: p.image.to_string(), by })
        })
        .collect();
    crate::sort::sort_by(&mut out, |a, b| (a.registry.key(), a.environment.key(), &a.image).cmp(&(b.registry.key(), b.environment.key(), &b.image)));
    out
}

/// One demanded pull.
#[derive(Debug, Clone)]
pub struct Pull<'a> {
    pub environment: &'a EnvironmentVersion,
    pub workspace: &'a Workspace,
    pub image: &'a str,
    pub source: Source,
    pub what: Use<'a>,
}

/// Every demanded pull of an inventory, with what could not be followed.
#[derive(Debug, Clone, Default)]
pub struct Demand<'a> {
    pub pulls: Vec<Pull<'a>>,
    pub diagnostics: Vec<Diagnostic>,
}

/// The login server of an image reference (`acr.azurecr.io/team/app:1` → `acr.azurecr.io`);
/// `docker.io` when the reference names no registry (`python:3.11`, `library/python`), as
/// Docker reads it: the first component is a registry only if it has a `.` or a `:`, or is
/// `localhost`.
pub fn login_server(image: &str) -> &str {
    let image = image.trim();
    match image.split_once('/') {
        Some((first, _)) if first.contains('.') || first.contains(':') || first == "localhost" => first,
        _ => "docker.io",
    }
}

/// Azure Container Registry's login-server domains (public cloud, Azure China, Azure
/// Government).
const ACR_DOMAINS: [&str; 3] = [".azurecr.io", ".azurecr.cn", ".azurecr.us"];

/// Where `image`'s registry is.
pub fn source(ctx: &Context<'_>, image: &str) -> Source {
    let login = normalise_login(login_server(image));
    match ctx.registry_by_login_server(&login) {
        Some(i) => Source::Registry(i),
        None if ACR_DOMAINS.iter().any(|d| login.ends_with(d)) => Source::OutsideScan(login),
        None => Source::Other(login),
    }
}

/// `env:version` for humans, from an environment version's id.
pub fn environment_label(version: &ResourceId) -> String {
    let env = version.parent().map(|p| p.name().to_string()).unwrap_or_default();
    format!("{env}:{}", version.name())
}

/// Every demanded pull: each environment version read (built or as is) and each online
/// deployment's environment.
pub fn pulls<'a>(ctx: &Context<'a>) -> Demand<'a> {
    let inv = ctx.inv;
    let mut out = Demand::default();
    let workspaces: FastMap<&str, &Workspace> = inv.workspaces.iter().map(|w| (w.id.key(), w)).collect();
    let versions: FastMap<&str, &EnvironmentVersion> = inv.environment_versions.iter().map(|v| (v.id.key(), v)).collect();
    let endpoints: FastMap<&str, &OnlineEndpoint> = inv.online_endpoints.iter().map(|e| (e.id.key(), e)).collect();
    let push = |out: &mut Demand<'a>, environment: &'a EnvironmentVersion, workspace: &'a Workspace, what: Use<'a>| {
        let Some(image) = environment.properties.image.as_deref().map(str::trim).filter(|i| !i.is_empty()) else { return };
        let source = source(ctx, image);
        if let Source::OutsideScan(login) = &source {
            let who = match what {
                Use::Build => "its image build",
                Use::AsIs => "the workspace's computes",
                Use::Deployment { .. } => "the endpoint",
                Use::Job { .. } => "the job's compute",
            };
            let at = match what {
                Use::Deployment { deployment, .. } => deployment.id.to_string(),
                Use::Job { job, .. } => job.id.to_string(),
                _ => environment.id.to_string(),
            };
            out.diagnostics.push(Diagnostic {
                at,
                message: format!("the image {image} of environment {} is on {login}, a registry outside the scan (not in the subscriptions read, or not readable), so whether {who} can pull it is not checked", environment_label(&environment.id)),
            });
        }
        out.pulls.push(Pull { environment, workspace, image, source, what });
    };
    for v in &inv.environment_versions {
        let Some(ws) = v.id.parent().and_then(|e| e.parent()).and_then(|w| workspaces.get(w.key()).copied()) else { continue };
        if v.properties.is_archived == Some(true) {
            continue;
        }
        push(&mut out, v, ws, if v.is_built() { Use::Build } else { Use::AsIs });
    }
    for d in &inv.online_deployments {
        let Some(ep_id) = d.id.parent() else { continue };
        let Some(endpoint) = endpoints.get(ep_id.key()).copied() else { continue };
        let Some(ws) = ep_id.parent().and_then(|w| workspaces.get(w.key()).copied()) else { continue };
        let Some(named) = d.properties.environment_id.as_deref().map(str::trim).filter(|e| !e.is_empty()) else { continue };
        match named_environment(inv, &versions, ws, named) {
            // A built image is on the workspace's registry, which the endpoint rules judge, or
            // for an Azure ML registry's environment on that registry's own.
            Ok(v) if v.is_built() => {
                if in_ml_registry(&v.id) {
                    out.diagnostics.push(Diagnostic { at: d.id.to_string(), message: format!("deployment {} runs environment {}, built in its Azure Machine Learning registry: no source found says which identity pulls an image from a registry's own container registry, so that pull is not checked", d.id.name(), environment_label(&v.id)) });
                }
            }
            Ok(v) if on_own_registry(ctx, v) => out.diagnostics.push(Diagnostic { at: d.id.to_string(), message: own_registry_words(&format!("deployment {}", d.id.name()), v) }),
            Ok(v) => {
                push(&mut out, v, ws, Use::Deployment { deployment: d, endpoint });
            }
            Err(why) => out.diagnostics.push(Diagnostic { at: d.id.to_string(), message: format!("the deployment's environment {named:?} {why}, so whether its endpoint can pull its image is not checked") }),
        }
    }
    let computes: FastMap<&str, &Compute> = inv.computes.iter().map(|c| (c.id.key(), c)).collect();
    for job in &inv.jobs {
        let Some(ws) = job.id.parent().and_then(|w| workspaces.get(w.key()).copied()) else { continue };
        if job.properties.is_archived == Some(true) {
            continue;
        }
        // A pipeline's steps are untyped in the spec: no environment to follow.
        let Some(named) = job.environment() else { continue };
        let v = match named_environment(inv, &versions, ws, named) {
            Ok(v) => v,
            Err(why) => {
                out.diagnostics.push(Diagnostic { at: job.id.to_string(), message: format!("job {}'s environment {named:?} {why}, so whether its compute can pull its image is not checked", job.label()) });
                continue;
            }
        };
        // A built environment's image is built into the workspace's registry, which the
        // compute rules already judge; only an image run as it is comes from elsewhere.
        if v.is_built() || v.properties.image.as_deref().is_none_or(|i| i.trim().is_empty()) {
            if v.is_built() && in_ml_registry(&v.id) {
                out.diagnostics.push(Diagnostic { at: job.id.to_string(), message: format!("job {} runs environment {}, built in its Azure Machine Learning registry: no source found says which identity pulls an image from a registry's own container registry, so that pull is not checked", job.label(), environment_label(&v.id)) });
            }
            continue;
        }
        if on_own_registry(ctx, v) {
            out.diagnostics.push(Diagnostic { at: job.id.to_string(), message: own_registry_words(&format!("job {}", job.label()), v) });
            continue;
        }
        let compute = job.properties.compute_id.as_deref().map(str::trim).filter(|c| !c.is_empty()).and_then(|c| ResourceId::parse(c).ok()).and_then(|c| computes.get(c.key()).copied());
        let before = out.pulls.len();
        push(&mut out, v, ws, Use::Job { job, compute });
        let judged = out.pulls.get(before).and_then(|p| judged_registry(ctx, p)).is_some();
        if judged {
            let image = v.properties.image.as_deref().unwrap_or_default().trim();
            let why = match (job.properties.compute_id.as_deref().map(str::trim).filter(|c| !c.is_empty()), compute) {
                (_, Some(c)) if !c.properties.compute_type.has_own_identity() => Some(format!("it ran on compute {}, which does not pull with an identity of its own, so who pulled {image} is not checked", c.id.name())),
                (_, Some(_)) => None,
                (None, None) => Some(format!("it names no compute (serverless compute), and no source found says which identity serverless compute pulls {image} with, so that pull is not checked")),
                (Some(c), None) => Some(format!("its compute {} is not in the scan (deleted, or not readable), so whether it can pull {image} is not checked", ResourceId::parse(c).map(|c| c.name().to_string()).unwrap_or_else(|_| c.to_string()))),
            };
            if let Some(why) = why {
                out.diagnostics.push(Diagnostic { at: job.id.to_string(), message: format!("job {} runs environment {} as it is: {why}", job.label(), environment_label(&v.id)) });
            }
        }
    }
    out
}

/// The environment version a deployment's or job's `environmentId` names: an ARM id, or an
/// asset id of the workspace (`azureml:name:version`, `azureml:name@latest`).
fn named_environment<'a>(inv: &'a crate::inventory::Inventory, versions: &FastMap<&str, &'a EnvironmentVersion>, ws: &Workspace, named: &str) -> Result<&'a EnvironmentVersion, String> {
    let not_read = || "is not among the environment versions read (the scan reads the newest few of each environment)".to_string();
    if named.starts_with('/') {
        let id = ResourceId::parse(named).map_err(|e| format!("is not an ARM id ({e})"))?;
        return versions.get(id.key()).copied().ok_or_else(not_read);
    }
    if let Some(rest) = named.strip_prefix("azureml://registries/") {
        return registry_environment(inv, rest);
    }
    let Some(asset) = named.strip_prefix("azureml:").filter(|a| !a.starts_with("//")) else {
        return Err("is in a form pullpath does not read".into());
    };
    if let Some(name) = asset.strip_suffix("@latest") {
        let env = ws.id.as_str().to_string() + "/environments/" + name;
        let env = ResourceId::parse(&env).map_err(|e| e.to_string())?;
        let created = |v: &&EnvironmentVersion| v.system_data.as_ref().and_then(|s| s.created_at.clone()).unwrap_or_default();
        return inv.environment_versions.iter().filter(|v| v.id.parent().as_ref() == Some(&env)).max_by_key(created).ok_or_else(not_read);
    }
    let (name, version) = asset.split_once(':').ok_or_else(|| "names no version".to_string())?;
    let id = ResourceId::parse(&format!("{}/environments/{name}/versions/{version}", ws.id)).map_err(|e| e.to_string())?;
    versions.get(id.key()).copied().ok_or_else(not_read)
}

/// An Azure ML registry's environment version, named after `azureml://registries/` as
/// `{registry}/environments/{name}/versions/{version}`: the version the scan read of the
/// registry of that name (registry names are unique in a tenant's scan as ids are not known
/// from the asset id).
fn registry_environment<'a>(inv: &'a crate::inventory::Inventory, rest: &str) -> Result<&'a EnvironmentVersion, String> {
    let parts: Vec<&str> = rest.split('/').collect();
    let [registry, "environments", name, "versions", version] = parts[..] else {
        return Err("is in an Azure Machine Learning registry in a form pullpath does not read (only .../environments/{name}/versions/{version})".into());
    };
    if !inv.ml_registries.iter().any(|r| r.id.name().eq_ignore_ascii_case(registry)) {
        return Err(format!("is in Azure Machine Learning registry {registry}, which is not in the scan (in a subscription not read, another tenant's, or not readable)"));
    }
    inv.environment_versions
        .iter()
        .find(|v| {
            let env = v.id.parent();
            let reg = env.as_ref().and_then(|e| e.parent());
            v.id.is_type(REGISTRY_ENVIRONMENT_VERSION) && v.id.name() == version && env.is_some_and(|e| e.name() == name) && reg.is_some_and(|r| r.name().eq_ignore_ascii_case(registry))
        })
        .ok_or_else(|| format!("is not among the environment versions read of Azure Machine Learning registry {registry} (the scan reads the newest few of each environment)"))
}

/// Whether `v` is an Azure ML registry's environment whose image is on one of the container
/// registries that registry created: who pulls from those is not sourced, so not judged.
fn on_own_registry(ctx: &Context<'_>, v: &EnvironmentVersion) -> bool {
    let Some(owner) = v.id.parent().and_then(|e| e.parent()).filter(|_| in_ml_registry(&v.id)) else { return false };
    let Some(image) = v.properties.image.as_deref() else { return false };
    let Source::Registry(r) = source(ctx, image) else { return false };
    ctx.inv.ml_registries.iter().filter(|m| m.id == owner).flat_map(|m| m.container_registries()).any(|acr| acr == ctx.registries[r].id)
}

fn own_registry_words(who: &str, v: &EnvironmentVersion) -> String {
    format!(
        "{who} runs environment {} of Azure ML registry {}, whose image is on the container registry that registry created: no source found says which identity pulls from it, so that pull is not checked",
        environment_label(&v.id),
        v.id.parent().and_then(|e| e.parent()).map(|r| r.name().to_string()).unwrap_or_default()
    )
}

const REGISTRY_ENVIRONMENT_VERSION: &str = "Microsoft.MachineLearningServices/registries/environments/versions";

/// Whether an environment version belongs to an Azure ML registry (not to a workspace).
pub fn in_ml_registry(version: &ResourceId) -> bool {
    version.is_type(REGISTRY_ENVIRONMENT_VERSION)
}

/// The registry a pull is judged on here: one in the inventory that is not the workspace's.
fn judged_registry(ctx: &Context<'_>, pull: &Pull<'_>) -> Option<usize> {
    let Source::Registry(r) = pull.source else { return None };
    let own = pull.workspace.properties.container_registry.as_ref().and_then(|w| ctx.registry(w));
    (own != Some(r)).then_some(r)
}

/// The computes of a workspace that pull with their own identity, with their principals.
fn pulling_computes<'a>(ctx: &Context<'a>, ws: &Workspace) -> Vec<(&'a crate::arm::Compute, Vec<String>)> {
    ctx.inv
        .computes
        .iter()
        .filter(|c| c.properties.compute_type.has_own_identity() && c.id.parent().as_ref() == Some(&ws.id))
        .map(|c| (c, compute_pullers(ctx, c)))
        .filter(|(_, p)| !p.is_empty())
        .collect()
}

/// The principals a compute pulls images as: its default identity, "the system-assigned
/// managed identity or the first user-assigned managed identity" (truth
/// `workloads/compute-system-identity-is-its-default`). With no system-assigned identity,
/// every user-assigned one, since which is first is not in the data (a finding where another
/// can pull is unverified: `truth::COMPUTE_DEFAULT_IDENTITY`).
fn compute_pullers(ctx: &Context<'_>, c: &Compute) -> Vec<String> {
    match c.identity.as_ref().and_then(|m| m.principal_id.as_deref()) {
        Some(system) => vec![system.to_ascii_lowercase()],
        None => crate::access::msi_principals(ctx.inv, c.identity.as_ref()),
    }
}

/// The principals of one compute (`compute_pullers`) that cannot pull from registry `r`,
/// each with why and what leaves it unverified: with several user-assigned identities of
/// which another can pull, which one is the default (`truth::COMPUTE_DEFAULT_IDENTITY`).
/// The words say so in the `why`.
fn failing(ctx: &Context<'_>, rows: &FastMap<(String, String), &AccessRow>, r: usize, principals: Vec<String>) -> Vec<(String, String, Option<String>)> {
    let answers: Vec<(String, (bool, String, Option<String>))> = principals.into_iter().map(|p| (can_pull(ctx, rows, r, &p), p)).map(|(a, p)| (p, a)).collect();
    let pulling: Vec<String> = answers.iter().filter(|(_, a)| a.0).map(|(p, _)| ctx.identity(p).label.clone()).collect();
    let default = (answers.len() > 1 && !pulling.is_empty()).then(|| crate::truth::unverified(crate::truth::COMPUTE_DEFAULT_IDENTITY)).flatten();
    let note = match default {
        Some(_) => format!(" (its other user-assigned identities {} can pull there; Azure ML pulls with the default one, the first user-assigned identity, and which one is first is not in the data)", pulling.join(", ")),
        None => String::new(),
    };
    answers.into_iter().filter(|(_, a)| !a.0).map(|(p, (_, why, unverified))| (p, format!("{why}{note}"), unverified.or_else(|| default.clone()))).collect()
}

/// The (registry key, lowercase principal) pairs a demanded pull really pulls as: a
/// workspace's computes for an image used as is, an endpoint's identity for a deployment's
/// image, and for a build the user-assigned identity each of the workspace's ContainerRegistry
/// connections to the base image's registry names. The matrix's "only pulls actually used"
/// keeps these.
pub fn pullers(ctx: &Context<'_>, demand: &Demand<'_>) -> FastSet<(String, String)> {
    let mut out = FastSet::default();
    for pull in &demand.pulls {
        let Source::Registry(r) = pull.source else { continue };
        let reg = &ctx.registries[r];
        let key = reg.id.key().to_string();
        let mut add = |p: String| {
            out.insert((key.clone(), p.to_ascii_lowercase()));
        };
        match pull.what {
            Use::AsIs => pulling_computes(ctx, pull.workspace).into_iter().flat_map(|(_, p)| p).for_each(&mut add),
            Use::Deployment { endpoint, .. } => deployment_pullers(ctx, endpoint).into_iter().for_each(&mut add),
            Use::Job { compute, .. } => job_principals(ctx, compute).into_iter().flat_map(|(_, p)| p).for_each(&mut add),
            Use::Build => {
                let Some(login) = reg.login_server.as_deref().map(normalise_login) else { continue };
                registry_connections(ctx, pull.workspace, &login).filter(|c| c.is_managed_identity()).filter_map(|c| connection_principal(ctx, c)).for_each(&mut add);
            }
        }
    }
    out
}

/// The pulls `access` must answer for: computes and endpoints on registries other than the
/// workspace's. (A build's pull is its connection's, which `access` expects already.)
pub fn expectations(ctx: &Context<'_>, demand: &Demand<'_>) -> Vec<Expectation> {
    let mut out = Vec::new();
    for pull in &demand.pulls {
        let Some(registry) = judged_registry(ctx, pull) else { continue };
        match pull.what {
            Use::Build => {}
            Use::AsIs => {
                for (c, principals) in pulling_computes(ctx, pull.workspace) {
                    out.extend(principals.into_iter().map(|principal_id| Expectation { principal_id, registry, subject: c.id.clone(), reason: ExpectReason::Demand }));
                }
            }
            Use::Deployment { endpoint, .. } => {
                out.extend(deployment_pullers(ctx, endpoint).into_iter().map(|principal_id| Expectation { principal_id, registry, subject: endpoint.id.clone(), reason: ExpectReason::Demand }));
            }
            Use::Job { compute, .. } => {
                if let Some((c, principals)) = job_principals(ctx, compute) {
                    out.extend(principals.into_iter().map(|principal_id| Expectation { principal_id, registry, subject: c.id.clone(), reason: ExpectReason::Demand }));
                }
            }
        }
    }
    out
}

/// Who pulls a deployment's image: its endpoint's identity, for a Kubernetes deployment too:
/// "For Training purposes (Machine Learning Jobs), the identity that is used is the one
/// assigned to the Kubernetes Cluster Compute. However, in the case of inferencing (Managed
/// Online Endpoints), the identity that is used is the one assigned to the endpoint."
/// (https://learn.microsoft.com/azure/machine-learning/how-to-identity-based-service-authentication,
/// Kubernetes Cluster Compute).
fn deployment_pullers(ctx: &Context<'_>, endpoint: &OnlineEndpoint) -> Vec<String> {
    crate::access::msi_principals(ctx.inv, endpoint.identity.as_ref())
}

/// The compute a job ran on with its principals, when it pulls with an identity of its own.
fn job_principals<'a>(ctx: &Context<'a>, compute: Option<&'a Compute>) -> Option<(&'a Compute, Vec<String>)> {
    let c = compute.filter(|c| c.properties.compute_type.has_own_identity())?;
    let principals = compute_pullers(ctx, c);
    (!principals.is_empty()).then_some((c, principals))
}

/// The access rows on the registries the demand pulls from, by (registry key, principal).
fn rows_by_pair<'r>(ctx: &Context<'_>, demand: &Demand<'_>, rows: &'r [AccessRow]) -> FastMap<(String, String), &'r AccessRow> {
    let wanted: FastSet<&str> = demand.pulls.iter().filter_map(|p| judged_registry(ctx, p)).map(|r| ctx.registries[r].id.key()).collect();
    rows.iter().filter(|r| wanted.contains(r.registry.key())).map(|r| ((r.registry.key().to_string(), r.principal_id.to_string()), r)).collect()
}

/// Whether `principal` can pull from registry `r`, and if not why.
fn can_pull(ctx: &Context<'_>, rows: &FastMap<(String, String), &AccessRow>, r: usize, principal: &str) -> (bool, String, Option<String>) {
    match rows.get(&(ctx.registries[r].id.key().to_string(), principal.to_ascii_lowercase())) {
        Some(row) => (row.pull != Level::No, row.why_not.clone().unwrap_or_default(), row.unverified.clone()),
        None => (false, format!("no role assignment of this principal grants {} on it", ops::PULL), None),
    }
}

/// Findings for the demanded pulls that will not work.
pub fn findings(ctx: &Context<'_>, demand: &Demand<'_>, rows: &[AccessRow], out: &mut Vec<Finding>) {
    if demand.pulls.is_empty() {
        return;
    }
    let rows = rows_by_pair(ctx, demand, rows);
    // (environment version, compute) pairs a job's finding speaks for: the environment's own
    // finding leaves them out, so one failing pull is reported once, with the job that shows it.
    let by_jobs: FastSet<(&str, &str)> = demand
        .pulls
        .iter()
        .filter(|p| judged_registry(ctx, p).is_some())
        .filter_map(|p| match p.what {
            Use::Job { compute, .. } => job_principals(ctx, compute).map(|(c, _)| (p.environment.id.key(), c.id.key())),
            _ => None,
        })
        .collect();
    // Several jobs that run the same environment on the same compute: one finding, the newest job.
    let mut reported: FastSet<(&str, &str)> = FastSet::default();
    let mut jobs: Vec<&Pull<'_>> = demand.pulls.iter().filter(|p| matches!(p.what, Use::Job { .. })).collect();
    jobs.sort_by(|a, b| job_created(b).cmp(job_created(a)));
    for pull in demand.pulls.iter().filter(|p| !matches!(p.what, Use::Job { .. })).chain(jobs) {
        let Some(r) = judged_registry(ctx, pull) else { continue };
        match pull.what {
            Use::Build => build(ctx, &rows, pull, r, out),
            Use::AsIs => as_is(ctx, &rows, pull, r, &by_jobs, out),
            Use::Deployment { deployment, endpoint } => deployed(ctx, &rows, pull, r, deployment, endpoint, out),
            Use::Job { job, compute } => {
                let Some((c, principals)) = job_principals(ctx, compute) else { continue };
                if reported.insert((pull.environment.id.key(), c.id.key())) {
                    ran(ctx, &rows, pull, r, job, c, principals, demand.pulls.iter().filter(|p| matches!(p.what, Use::Job { compute: Some(o), .. } if o.id == c.id) && p.environment.id == pull.environment.id).count(), out);
                }
            }
        }
    }
}

/// A job's `systemData.createdAt` (empty when not given), for newest first.
fn job_created<'a>(pull: &Pull<'a>) -> &'a str {
    match pull.what {
        Use::Job { job, .. } => job.system_data.as_ref().and_then(|s| s.created_at.as_deref()).unwrap_or_default(),
        _ => "",
    }
}

/// A job that runs an image as it is on a compute that cannot pull it. `jobs` counts the
/// jobs read that run the same environment on the same compute (this one included).
#[allow(clippy::too_many_arguments)]
fn ran(ctx: &Context<'_>, rows: &FastMap<(String, String), &AccessRow>, pull: &Pull<'_>, r: usize, job: &Job, c: &Compute, principals: Vec<String>, jobs: usize, out: &mut Vec<Finding>) {
    let reg = &ctx.registries[r];
    for (p, why, unverified) in failing(ctx, rows, r, principals) {
        let identity = ctx.identity(&p);
        let role = pull_role(reg);
        let status = job.properties.status.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(|s| format!(" (status {s})")).unwrap_or_default();
        let others = match jobs {
            0 | 1 => String::new(),
            2 => ", as does 1 other job read".to_string(),
            n => format!(", as do {} other jobs read", n - 1),
        };
        out.push(Finding {
            id: ids::JOB_IMAGE_CANNOT_PULL.into(),
            severity: Severity::High,
            resource: job.id.clone(),
            message: format!(
                "Job {} of workspace {}{status} runs environment {} as it is on compute {}{others}, so the compute pulls image {} from {} with its identity {}, which cannot pull there: {why}. Grant it {} on {}.",
                job.label(),
                pull.workspace.id.name(),
                environment_label(&pull.environment.id),
                c.id.name(),
                pull.image,
                reg.name,
                identity.label,
                role.name,
                reg.name
            ),
            nodes: vec![job.id.to_string(), pull.environment.id.to_string(), c.id.to_string(), p.clone(), reg.id.to_string()],
            fixes: identity.kind.principal_type().map(|t| vec![grant(&p, t, role, &reg.id)]).unwrap_or_default(),
            choices: Vec::new(),
            unverified,
        });
    }
}

fn as_is(ctx: &Context<'_>, rows: &FastMap<(String, String), &AccessRow>, pull: &Pull<'_>, r: usize, by_jobs: &FastSet<(&str, &str)>, out: &mut Vec<Finding>) {
    let reg = &ctx.registries[r];
    for (c, principals) in pulling_computes(ctx, pull.workspace) {
        if by_jobs.contains(&(pull.environment.id.key(), c.id.key())) {
            continue;
        }
        for (p, why, unverified) in failing(ctx, rows, r, principals) {
            let identity = ctx.identity(&p);
            let role = pull_role(reg);
            out.push(Finding {
                id: ids::COMPUTE_CANNOT_PULL_ENVIRONMENT_IMAGE.into(),
                severity: Severity::High,
                resource: pull.environment.id.clone(),
                message: format!(
                    "Environment {} runs image {} as it is, so compute {} of workspace {} pulls it from {} with its identity {}, which cannot pull there: {why}. Grant it {} on {}.",
                    environment_label(&pull.environment.id),
                    pull.image,
                    c.id.name(),
                    pull.workspace.id.name(),
                    reg.name,
                    identity.label,
                    role.name,
                    reg.name
                ),
                nodes: vec![pull.environment.id.to_string(), c.id.to_string(), p.clone(), reg.id.to_string()],
                fixes: identity.kind.principal_type().map(|t| vec![grant(&p, t, role, &reg.id)]).unwrap_or_default(),
                choices: Vec::new(),
                unverified,
            });
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn deployed(ctx: &Context<'_>, rows: &FastMap<(String, String), &AccessRow>, pull: &Pull<'_>, r: usize, deployment: &OnlineDeployment, endpoint: &OnlineEndpoint, out: &mut Vec<Finding>) {
    let reg = &ctx.registries[r];
    let behaviour = match deployment.properties.endpoint_compute_type {
        crate::arm::EndpointComputeType::Kubernetes => crate::truth::KUBERNETES_DEPLOYMENT_BY_ENDPOINT_IDENTITY,
        _ => crate::truth::DEPLOYMENT_IMAGE_BY_ENDPOINT_IDENTITY,
    };
    for p in deployment_pullers(ctx, endpoint) {
        let (ok, why, unverified) = can_pull(ctx, rows, r, &p);
        if ok {
            continue;
        }
        let identity = ctx.identity(&p);
        let role = pull_role(reg);
        out.push(Finding {
            id: ids::DEPLOYMENT_IMAGE_CANNOT_PULL.into(),
            severity: Severity::High,
            resource: deployment.id.clone(),
            message: format!(
                "Deployment {} of online endpoint {} runs environment {}, whose image {} is on {}; the endpoint pulls it as {}{}, which cannot pull there: {why}. Grant it {} on {}.",
                deployment.id.name(),
                endpoint.id.name(),
                environment_label(&pull.environment.id),
                pull.image,
                reg.name,
                identity.label,
                crate::truth::note(behaviour),
                role.name,
                reg.name
            ),
            nodes: vec![deployment.id.to_string(), endpoint.id.to_string(), p.clone(), reg.id.to_string(), pull.environment.id.to_string()],
            fixes: identity.kind.principal_type().map(|t| vec![grant(&p, t, role, &reg.id)]).unwrap_or_default(),
            choices: Vec::new(),
            unverified: unverified.or_else(|| crate::truth::unverified(behaviour)),
        });
    }
}

/// What one connection lacks for a build to pull through it (empty: nothing).
struct ConnectionCheck {
    missing: Vec<String>,
    fixes: Vec<Intent>,
    nodes: Vec<String>,
    unverified: Option<String>,
}

/// The workspace's ContainerRegistry connections to the registry at `login` (a normalised login
/// server): what a build of the workspace pulls a base image on that registry through.
fn registry_connections<'a>(ctx: &Context<'a>, ws: &'a Workspace, login: &'a str) -> impl Iterator<Item = &'a Connection> + 'a {
    ctx.inv.connections.iter().filter(move |c| c.id.parent().as_ref() == Some(&ws.id) && c.is_container_registry() && c.properties.target.as_deref().map(normalise_login).as_deref() == Some(login))
}

/// The principal a connection acts as: its user-assigned identity's (`credentials.resourceId`).
fn connection_principal(ctx: &Context<'_>, conn: &Connection) -> Option<String> {
    crate::access::uai_principal(ctx.inv, None, conn.properties.credentials.as_ref()?.resource_id.as_ref()?)
}

fn check_connection(ctx: &Context<'_>, rows: &FastMap<(String, String), &AccessRow>, ws: &Workspace, conn: &Connection, r: usize) -> ConnectionCheck {
    let reg = &ctx.registries[r];
    let mut check = ConnectionCheck { missing: Vec::new(), fixes: Vec::new(), nodes: vec![conn.id.to_string()], unverified: None };
    if !conn.is_managed_identity() {
        check.missing.push(format!("connection {} authenticates with {:?}, not a managed identity, which pullpath cannot check", conn.id.name(), conn.properties.auth_type));
        return check;
    }
    let Some(uai) = conn.properties.credentials.as_ref().and_then(|c| c.resource_id.clone()) else {
        check.missing.push(format!("connection {} names no user-assigned identity (credentials.resourceId)", conn.id.name()));
        return check;
    };
    check.nodes.push(uai.to_string());
    let Some(principal) = crate::access::uai_principal(ctx.inv, None, &uai) else {
        check.missing.push(format!("its identity {} is not in the scan (or has no principalId), so its pull cannot be checked", uai.name()));
        return check;
    };
    check.nodes.push(principal.clone());
    let (pulls, why, unverified) = can_pull(ctx, rows, r, &principal);
    check.unverified = unverified;
    if !pulls {
        let role = pull_role(reg);
        check.missing.push(format!("its identity {} cannot pull from {}: {why}", uai.name(), reg.name));
        check.fixes.push(grant(&principal, PrincipalType::ServicePrincipal, role, &reg.id));
    }
    match workspace_principal(ctx, ws) {
        Some(w) if ctx.index.grant(&ctx.roles, &w, &uai, Plane::Control, ops::ASSIGN_IDENTITY).is_some() => {}
        Some(w) => {
            check.missing.push(format!("the workspace identity {} lacks Managed Identity Operator on {} (nothing grants it {})", ctx.identity(&w).label, uai.name(), ops::ASSIGN_IDENTITY));
            check.fixes.push(grant(&w, PrincipalType::ServicePrincipal, RoleRef::managed_identity_operator(), &uai));
            check.nodes.push(w);
        }
        None => check.missing.push("the workspace has no identity pullpath can see to assign it".into()),
    }
    check
}

fn build(ctx: &Context<'_>, rows: &FastMap<(String, String), &AccessRow>, pull: &Pull<'_>, r: usize, out: &mut Vec<Finding>) {
    let reg = &ctx.registries[r];
    let Some(login) = reg.login_server.as_deref().map(normalise_login) else { return };
    let ws = pull.workspace;
    let conns: Vec<&Connection> = registry_connections(ctx, ws, &login).collect();
    let checks: Vec<ConnectionCheck> = conns.iter().map(|c| check_connection(ctx, rows, ws, c, r)).collect();
    if checks.iter().any(|c| c.missing.is_empty()) {
        return;
    }
    let env = environment_label(&pull.environment.id);
    let ws_registry = ws.properties.container_registry.as_ref().map(|w| w.name().to_string()).unwrap_or_else(|| "(not created yet)".into());
    let mut nodes = vec![pull.environment.id.to_string(), ws.id.to_string(), reg.id.to_string()];
    let mut choices = Vec::new();
    let (message, fixes, unverified) = match checks.into_iter().next() {
        None => {
            let connection = connection_name(ctx, ws, &reg.name);
            let existing = candidates(ctx, rows, ws, r, &connection);
            let fresh = new_identity(ctx, ws, r, &connection);
            let role = pull_role(reg).name;
            let advice = match (existing.first(), &fresh) {
                (None, Some(p)) => format!(
                    "No user-assigned identity fits (none builds for this workspace, pulls from {} or sits in its resource group): the fix creates identity {} in resource group {} ({}), grants it {role} on {}, grants the workspace identity Managed Identity Operator on it, and creates connection {} to {login} naming it.",
                    reg.name,
                    p.id.name(),
                    p.id.resource_group_name().unwrap_or_default(),
                    ws.location,
                    reg.name,
                    connection
                ),
                (Some(p), _) => format!(
                    "The fix picks the user-assigned identity {} ({}): it grants what it lacks of {role} on {} and Managed Identity Operator on it for the workspace identity, and creates connection {} to {login} naming it; choose another identity, or a new one, with the finding's identity picker if this one should not pull from {}.",
                    p.id.name(),
                    p.why,
                    reg.name,
                    connection,
                    reg.name
                ),
                (None, None) => format!(
                    "No user-assigned identity fits and pullpath cannot create one (the workspace's location is not known): create one, grant it {role} on {}, grant the workspace identity Managed Identity Operator on it, and add a workspace connection (category ContainerRegistry, authType ManagedIdentity) to {login} naming it.",
                    reg.name
                ),
            };
            let ways: Vec<Picked> = existing.into_iter().chain(fresh).collect();
            if let Some(p) = ways.first() {
                nodes.push(p.id.to_string());
            }
            let fixes = ways.first().map(|p| p.fixes.clone()).unwrap_or_default();
            if ways.len() > 1 {
                choices = ways.into_iter().map(|p| Choice { label: format!("{} ({})", p.id.name(), p.why), fixes: p.fixes }).collect();
            }
            (
                format!(
                    "Environment {env} is built on base image {} from {}, but workspace {} has no ContainerRegistry connection to {login}: the build runs on the workspace registry {ws_registry} and has no identity to pull the base image with. {advice}",
                    pull.image,
                    reg.name,
                    ws.id.name()
                ),
                fixes,
                None,
            )
        }
        Some(check) => {
            nodes.extend(check.nodes);
            (
                format!(
                    "Environment {env} is built on base image {} from {} through workspace {}'s connection to {login}, but {}. {}",
                    pull.image,
                    reg.name,
                    ws.id.name(),
                    check.missing.join("; and "),
                    if check.fixes.is_empty() { "Fix the connection so it names a user-assigned identity." } else { "Grant what is missing." }
                ),
                check.fixes,
                check.unverified,
            )
        }
    };
    // The SDK v1 `RegistryIdentity` (an environment's own identity for its base image
    // registry) overrides the connection, but the 2024-10-01 EnvironmentVersion has no such
    // property, so ARM never says whether one is set: said, not assumed.
    let message = format!(
        "{message}{} An environment made with the v1 SDK may name its own registry identity (RegistryIdentity), which overrides the connection; ARM does not return it, so if this one does, that identity is what must pull.",
        crate::truth::note(crate::truth::BASE_IMAGE_THROUGH_CONNECTION)
    );
    let unverified = unverified.or_else(|| crate::truth::unverified(crate::truth::BASE_IMAGE_THROUGH_CONNECTION));
    out.push(Finding { choices, id: ids::ENVIRONMENT_BASE_IMAGE_UNREACHABLE.into(), severity: Severity::High, resource: pull.environment.id.clone(), message, nodes, fixes, unverified });
}

/// A user-assigned identity a new connection can name (an existing one or one to create),
/// and the fixes that make it work.
struct Picked {
    id: ResourceId,
    why: String,
    fixes: Vec<Intent>,
}

/// How many existing identities a finding offers to build with, besides a new one.
const MAX_CHOICES: usize = 5;

/// The identities a missing connection could name, most fitting first: one the workspace's
/// other ContainerRegistry connections already build with, one that already pulls from the
/// base registry, one in the workspace's resource group (each needs its principal and client
/// id known). Ties go to the lowest id, so the order is stable. At most [`MAX_CHOICES`].
fn candidates(ctx: &Context<'_>, rows: &FastMap<(String, String), &AccessRow>, ws: &Workspace, r: usize, connection: &str) -> Vec<Picked> {
    let reg = &ctx.registries[r];
    let building: FastSet<&str> = ctx
        .inv
        .connections
        .iter()
        .filter(|c| c.id.parent().as_ref() == Some(&ws.id) && c.is_container_registry() && c.is_managed_identity())
        .filter_map(|c| c.properties.credentials.as_ref()?.resource_id.as_ref().map(|u| u.key()))
        .collect();
    let group = |id: &ResourceId| Some((id.subscription_id()?.to_ascii_lowercase(), id.resource_group_name()?.to_ascii_lowercase()));
    let ws_group = group(&ws.id);
    let rank = |u: &crate::arm::UserAssignedIdentity, principal: &str| -> Option<(u8, String)> {
        if building.contains(u.id.key()) {
            Some((0, format!("the identity workspace {}'s other registry connections build with", ws.id.name())))
        } else if can_pull(ctx, rows, r, principal).0 {
            Some((1, format!("it already pulls from {}", reg.name)))
        } else if ws_group.is_some() && group(&u.id) == ws_group {
            Some((2, format!("it is in workspace {}'s resource group", ws.id.name())))
        } else {
            None
        }
    };
    let mut ranked: Vec<(u8, &crate::arm::UserAssignedIdentity, String, String, String)> = ctx
        .inv
        .identities
        .iter()
        .filter_map(|u| Some((u, u.properties.principal_id.clone()?.to_ascii_lowercase(), u.properties.client_id.clone()?)))
        .filter_map(|(u, p, c)| rank(u, &p).map(|(n, why)| (n, u, p, c, why)))
        .collect();
    ranked.sort_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1.id.cmp(&b.1.id)));
    ranked
        .into_iter()
        .take(MAX_CHOICES)
        .map(|(_, u, principal, client_id, why)| {
            let mut fixes = Vec::new();
            if !can_pull(ctx, rows, r, &principal).0 {
                fixes.push(grant(&principal, PrincipalType::ServicePrincipal, pull_role(reg), &reg.id));
            }
            if let Some(w) = workspace_principal(ctx, ws) {
                if ctx.index.grant(&ctx.roles, &w, &u.id, Plane::Control, ops::ASSIGN_IDENTITY).is_none() {
                    fixes.push(grant(&w, PrincipalType::ServicePrincipal, RoleRef::managed_identity_operator(), &u.id));
                }
            }
            fixes.push(connect(ws, reg, connection, &u.id, client_id));
            Picked { id: u.id.clone(), why, fixes }
        })
        .collect()
}

/// A new user-assigned identity for the build, in the workspace's resource group and region
/// (`None` when the workspace's location or resource group is not known): create it, grant
/// it pull on the base registry, grant the workspace identity Managed Identity Operator on
/// it, and create the connection naming it. The grants and the connection take the new
/// identity's ids from the step that creates it (`plan`, `apply`).
fn new_identity(ctx: &Context<'_>, ws: &Workspace, r: usize, connection: &str) -> Option<Picked> {
    let reg = &ctx.registries[r];
    let location = ws.location.trim();
    if location.is_empty() {
        return None;
    }
    let group = ResourceId::resource_group(ws.id.subscription_id()?, ws.id.resource_group_name()?).ok()?;
    let stem = crate::intent::build_identity_name(ws.id.name(), &reg.name);
    let taken = |id: &ResourceId| ctx.inv.identities.iter().any(|u| &u.id == id);
    let id = (0..100)
        .filter_map(|i| group.provider("Microsoft.ManagedIdentity", "userAssignedIdentities", &if i == 0 { stem.clone() } else { format!("{stem}-{i}") }).ok())
        .find(|id| !taken(id))?;
    let mut fixes = vec![
        Intent::CreateUserAssignedIdentity { identity: id.clone(), location: location.to_string() },
        Intent::GrantRoleToUserIdentity { identity: id.clone(), role: pull_role(reg), scope: reg.id.clone() },
    ];
    if let Some(w) = workspace_principal(ctx, ws) {
        fixes.push(grant(&w, PrincipalType::ServicePrincipal, RoleRef::managed_identity_operator(), &id));
    }
    // Its client id is read from the step that creates it.
    fixes.push(connect(ws, reg, connection, &id, String::new()));
    Some(Picked { why: format!("a new identity in resource group {}", id.resource_group_name().unwrap_or_default()), id, fixes })
}

/// The connection `connection` of workspace `ws` to registry `reg`'s login server, naming
/// `identity` (an empty `client_id`: the identity's own, see `Intent::CreateRegistryConnection`).
fn connect(ws: &Workspace, reg: &crate::access::RegistryInfo, connection: &str, identity: &ResourceId, client_id: String) -> Intent {
    let target = reg.login_server.as_deref().map(normalise_login).unwrap_or_default();
    Intent::CreateRegistryConnection { workspace: ws.id.clone(), name: connection.to_string(), target, identity: identity.clone(), client_id }
}

/// A connection name for registry `registry` that the workspace does not use yet and that
/// fits workspaceRP.json 2024-10-01's `connectionName` pattern `^[a-zA-Z0-9][a-zA-Z0-9_-]{2,32}$`.
fn connection_name(ctx: &Context<'_>, ws: &Workspace, registry: &str) -> String {
    let stem: String = registry.chars().filter(char::is_ascii_alphanumeric).take(24).collect();
    let stem = if stem.len() < 3 { format!("acr{stem}") } else { stem };
    let taken = |n: &str| ctx.inv.connections.iter().any(|c| c.id.parent().as_ref() == Some(&ws.id) && c.id.name().eq_ignore_ascii_case(n));
    (0..100).map(|i| if i == 0 { format!("{stem}-images") } else { format!("{stem}-images-{i}") }).find(|n| !taken(n)).unwrap_or_else(|| format!("{stem}-images-x"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn login_servers_of_image_references() {
        assert_eq!(login_server("acrprivate.azurecr.io/base/python:3.11"), "acrprivate.azurecr.io");
        assert_eq!(login_server(" ACR.azurecr.io/a@sha256:0 "), "ACR.azurecr.io");
        assert_eq!(login_server("python:3.11"), "docker.io");
        assert_eq!(login_server("library/python"), "docker.io");
        assert_eq!(login_server("localhost/x"), "localhost");
        assert_eq!(login_server("host:5000/x"), "host:5000");
        assert_eq!(login_server("mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu20.04"), "mcr.microsoft.com");
    }
}
