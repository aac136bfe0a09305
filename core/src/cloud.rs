//! Azure clouds and the app's runtime configuration (`config.json`): which authority to sign
//! in with, which ARM origin to call, and which scope to ask for.
//!
//! Parsing and validation only; the web crate fetches the file and acts on it.

use serde::{Deserialize, Serialize};

/// Why `config.json` cannot be used, in words for the person deploying the app.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    #[error("config.json is not valid JSON: {0}")]
    Json(String),
    #[error("config.json has no \"clientId\": register a single-page application in Microsoft Entra ID and put its Application (client) ID here")]
    MissingClientId,
    #[error("config.json \"clientId\" {0:?} is not a GUID like 00000000-0000-0000-0000-000000000000")]
    BadClientId(String),
    #[error("config.json \"{field}\" {value:?} must be an https:// URL (http:// is allowed only for 127.0.0.1 and localhost)")]
    BadUrl { field: &'static str, value: String },
    #[error("config.json \"cloud\" {0:?} is not one of AzureCloud, AzureUSGovernment, AzureChinaCloud")]
    UnknownCloud(String),
}

/// A national cloud: where to sign in and where ARM is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub enum Cloud {
    #[default]
    AzureCloud,
    AzureUSGovernment,
    AzureChinaCloud,
}

impl Cloud {
    pub fn parse(name: &str) -> Result<Cloud, ConfigError> {
        match name.to_ascii_lowercase().as_str() {
            "azurecloud" | "public" | "" => Ok(Cloud::AzureCloud),
            "azureusgovernment" | "usgov" => Ok(Cloud::AzureUSGovernment),
            "azurechinacloud" | "china" => Ok(Cloud::AzureChinaCloud),
            _ => Err(ConfigError::UnknownCloud(name.to_string())),
        }
    }
    pub fn login_host(self) -> &'static str {
        match self {
            Cloud::AzureCloud => "https://login.microsoftonline.com",
            Cloud::AzureUSGovernment => "https://login.microsoftonline.us",
            Cloud::AzureChinaCloud => "https://login.partner.microsoftonline.cn",
        }
    }
    /// Microsoft Graph's service root for this cloud, from "Microsoft Graph and Graph Explorer
    /// service root endpoints" (https://learn.microsoft.com/graph/deployments): the global
    /// service, "Microsoft Graph for US Government L4" and "Microsoft Graph China operated by
    /// 21Vianet".
    pub const fn graph_origin(self) -> &'static str {
        match self {
            Cloud::AzureCloud => "https://graph.microsoft.com",
            Cloud::AzureUSGovernment => "https://graph.microsoft.us",
            Cloud::AzureChinaCloud => "https://microsoftgraph.chinacloudapi.cn",
        }
    }
    pub const fn arm_origin(self) -> &'static str {
        match self {
            Cloud::AzureCloud => "https://management.azure.com",
            Cloud::AzureUSGovernment => "https://management.usgovcloudapi.net",
            Cloud::AzureChinaCloud => "https://management.chinacloudapi.cn",
        }
    }
}

/// `config.json` as written by whoever deploys the app.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawConfig {
    #[serde(default)]
    client_id: String,
    #[serde(default)]
    authority: Option<String>,
    #[serde(default)]
    tenant: Option<String>,
    #[serde(default)]
    cloud: Option<String>,
    /// Overrides the cloud's ARM origin (sovereign/private clouds, the loopback emulator).
    #[serde(default)]
    arm_origin: Option<String>,
    /// Overrides the resource the token is requested for (defaults to the ARM origin).
    #[serde(default)]
    arm_resource: Option<String>,
    /// Overrides the cloud's Microsoft Graph origin (the loopback emulator).
    #[serde(default)]
    graph_origin: Option<String>,
    /// Overrides the resource the Graph token is requested for (defaults to the cloud's Graph).
    #[serde(default)]
    graph_resource: Option<String>,
}

/// Validated runtime configuration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AppConfig {
    pub client_id: String,
    /// OpenID authority, e.g. `https://login.microsoftonline.com/organizations/v2.0`; its
    /// `/.well-known/openid-configuration` names the endpoints.
    pub authority: String,
    pub cloud: Cloud,
    /// ARM origin without trailing slash; the only origin that ever sees a token.
    pub arm_origin: String,
    /// The resource whose `user_impersonation` scope is requested.
    pub arm_resource: String,
    /// Microsoft Graph origin without trailing slash; the only origin that sees the Graph token.
    pub graph_origin: String,
    /// The resource whose [`GRAPH_PERMISSION`] is requested for the Graph token.
    pub graph_resource: String,
}

/// The one delegated Microsoft Graph permission pullpath asks for: the least privileged one of
/// `POST /directoryObjects/getByIds` ("Delegated (work or school account) | Directory.Read.All |
/// Not available.", https://learn.microsoft.com/graph/api/directoryobject-getbyids), which also
/// reads groups' transitive members and service principals.
pub const GRAPH_PERMISSION: &str = "Directory.Read.All";

impl AppConfig {
    pub fn parse(text: &str) -> Result<AppConfig, ConfigError> {
        let raw: RawConfig = serde_json::from_str(text).map_err(|e| ConfigError::Json(e.to_string()))?;
        let client_id = raw.client_id.trim().to_string();
        if client_id.is_empty() {
            return Err(ConfigError::MissingClientId);
        }
        if !is_guid(&client_id) {
            return Err(ConfigError::BadClientId(client_id));
        }
        let cloud = Cloud::parse(raw.cloud.as_deref().unwrap_or(""))?;
        let authority = match (raw.authority, raw.tenant) {
            (Some(a), _) if !a.trim().is_empty() => a.trim().trim_end_matches('/').to_string(),
            (_, Some(t)) if !t.trim().is_empty() => format!("{}/{}/v2.0", cloud.login_host(), t.trim()),
            _ => format!("{}/organizations/v2.0", cloud.login_host()),
        };
        check_url("authority", &authority)?;
        let arm_origin = raw.arm_origin.map(|o| o.trim().trim_end_matches('/').to_string()).filter(|o| !o.is_empty()).unwrap_or_else(|| cloud.arm_origin().to_string());
        check_url("armOrigin", &arm_origin)?;
        let arm_resource = raw.arm_resource.map(|r| r.trim().trim_end_matches('/').to_string()).filter(|r| !r.is_empty()).unwrap_or_else(|| cloud.arm_origin().to_string());
        let graph_origin = trimmed(raw.graph_origin).unwrap_or_else(|| cloud.graph_origin().to_string());
        check_url("graphOrigin", &graph_origin)?;
        let graph_resource = trimmed(raw.graph_resource).unwrap_or_else(|| cloud.graph_origin().to_string());
        Ok(AppConfig { client_id, authority, cloud, arm_origin, arm_resource, graph_origin, graph_resource })
    }

    /// Scopes for sign-in: ARM on behalf of the user, plus an id token and a refresh token.
    pub fn scopes(&self) -> String {
        format!("{}/user_impersonation openid profile offline_access", self.arm_resource)
    }

    /// Scopes for the Microsoft Graph token (from the same sign-in's refresh token, or a consent
    /// popup): [`GRAPH_PERMISSION`] on the Graph resource, plus an id token and a refresh token.
    pub fn graph_scopes(&self) -> String {
        format!("{}/{GRAPH_PERMISSION} openid profile offline_access", self.graph_resource)
    }

    /// The authority with another tenant in place of the configured one (tenant switching).
    pub fn authority_for_tenant(&self, tenant: &str) -> String {
        match self.authority.rsplit_once("/v2.0").and_then(|(head, _)| head.rsplit_once('/')) {
            Some((host, _)) => format!("{host}/{tenant}/v2.0"),
            None => self.authority.clone(),
        }
    }
}

fn trimmed(value: Option<String>) -> Option<String> {
    value.map(|o| o.trim().trim_end_matches('/').to_string()).filter(|o| !o.is_empty())
}

fn check_url(field: &'static str, value: &str) -> Result<(), ConfigError> {
    let ok = value.starts_with("https://") && value.len() > "https://".len()
        || ["http://127.0.0.1", "http://localhost", "http://[::1]"].iter().any(|p| value.starts_with(p) && matches!(value.as_bytes().get(p.len()), None | Some(b':') | Some(b'/')));
    if ok { Ok(()) } else { Err(ConfigError::BadUrl { field, value: value.to_string() }) }
}

fn is_guid(s: &str) -> bool {
    let parts: Vec<&str> = s.split('-').collect();
    parts.len() == 5 && parts.iter().zip([8, 4, 4, 4, 12]).all(|(p, n)| p.len() == n && p.bytes().all(|b| b.is_ascii_hexdigit()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_follow_the_cloud() {
        let c = AppConfig::parse(r#"{"clientId":"11111111-2222-3333-4444-555555555555","cloud":"AzureUSGovernment","tenant":"contoso.onmicrosoft.us"}"#).unwrap();
        assert_eq!(c.authority, "https://login.microsoftonline.us/contoso.onmicrosoft.us/v2.0");
        assert_eq!(c.arm_origin, "https://management.usgovcloudapi.net");
        assert_eq!(c.scopes(), "https://management.usgovcloudapi.net/user_impersonation openid profile offline_access");
        assert_eq!(c.graph_origin, "https://graph.microsoft.us");
        assert_eq!(c.graph_scopes(), "https://graph.microsoft.us/Directory.Read.All openid profile offline_access");
        let c = AppConfig::parse(r#"{"clientId":"11111111-2222-3333-4444-555555555555"}"#).unwrap();
        assert_eq!(c.authority, "https://login.microsoftonline.com/organizations/v2.0");
        assert_eq!(c.authority_for_tenant("fabrikam.com"), "https://login.microsoftonline.com/fabrikam.com/v2.0");
    }

    #[test]
    fn test_servers_on_loopback_are_allowed() {
        let c = AppConfig::parse(r#"{"clientId":"11111111-2222-3333-4444-555555555555","authority":"http://127.0.0.1:9000","armOrigin":"http://127.0.0.1:7070/"}"#).unwrap();
        assert_eq!(c.arm_origin, "http://127.0.0.1:7070");
        assert_eq!(c.arm_resource, "https://management.azure.com");
        let c = AppConfig::parse(r#"{"clientId":"11111111-2222-3333-4444-555555555555","graphOrigin":"http://127.0.0.1:7070/"}"#).unwrap();
        assert_eq!((c.graph_origin.as_str(), c.graph_resource.as_str()), ("http://127.0.0.1:7070", "https://graph.microsoft.com"));
    }

    #[test]
    fn bad_configs_say_what_to_fix() {
        let cases = [
            ("{", "not valid JSON"),
            ("{}", "Application (client) ID"),
            (r#"{"clientId":"abc"}"#, "not a GUID"),
            (r#"{"clientId":"11111111-2222-3333-4444-555555555555","authority":"http://evil.example"}"#, "\"authority\""),
            (r#"{"clientId":"11111111-2222-3333-4444-555555555555","armOrigin":"http://localhost.evil.example"}"#, "\"armOrigin\""),
            (r#"{"clientId":"11111111-2222-3333-4444-555555555555","cloud":"Mars"}"#, "Mars"),
            (r#"{"clientId":"11111111-2222-3333-4444-555555555555","graphOrigin":"http://graph.evil.example"}"#, "\"graphOrigin\""),
        ];
        for (text, needle) in cases {
            let e = AppConfig::parse(text).unwrap_err().to_string();
            assert!(e.contains(needle), "{text}: {e}");
        }
    }
}
