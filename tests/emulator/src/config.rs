//! The emulator's knobs, as command-line flags (and as a struct tests fill in directly).
//!
//! Not here: acting on them (`server`, `auth`, `throttle`).

use clap::Parser;

/// A loopback ARM emulator serving a simulated tenant.
#[derive(Debug, Clone, Parser)]
#[command(name = "pullpath-emulator", version)]
pub struct Config {
    /// Port on 127.0.0.1 (0 picks a free one and prints it).
    #[arg(long, default_value_t = 7070)]
    pub port: u16,
    /// Tenant to serve: `demo` (the app's demo tenant), or a generated `small` or `large` one.
    #[arg(long, default_value = "demo")]
    pub scenario: String,
    /// A tenant to serve instead of the scenario: a snapshot document (`{"resources": [...]}`,
    /// ARM resource objects as GET returns them), inline JSON or `@file`.
    #[arg(long)]
    pub tenant: Option<String>,
    /// Seed for generated tenants.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Items per ARM list page (`nextLink` paging).
    #[arg(long, default_value_t = 100)]
    pub page_size: usize,
    /// Added to every response, in milliseconds.
    #[arg(long, default_value_t = 0)]
    pub latency_ms: u64,
    /// Fault rules (`pullpath_sim::faults::FaultRule` as a JSON array), inline or `@file`.
    #[arg(long)]
    pub faults: Option<String>,
    /// JWKS used to check bearer tokens (a local OIDC server's `/jwks` or `/.well-known/jwks.json`).
    #[arg(long)]
    pub jwks_url: Option<String>,
    /// Same, from a file.
    #[arg(long)]
    pub jwks_file: Option<String>,
    /// Accepted `iss` claim (repeatable: one per tenant the user may switch to).
    #[arg(long = "issuer")]
    pub issuers: Vec<String>,
    /// Another directory `GET /tenants` lists, as `ID=NAME` (repeatable).
    #[arg(long = "directory", value_parser = parse_directory)]
    pub directories: Vec<(String, String)>,
    /// Required `aud` claim (ARM's is `https://management.azure.com/`).
    #[arg(long, default_value = "https://management.azure.com/")]
    pub audience: String,
    /// An `aud` Microsoft Graph requests (`/v1.0/...`) accept (repeatable; default: Graph's
    /// resource URI and its application id).
    #[arg(long = "graph-audience", default_values_t = [String::from("https://graph.microsoft.com"), String::from("00000003-0000-0000-c000-000000000000")])]
    pub graph_audiences: Vec<String>,
    /// Accept any bearer token without checking it. Local manual demos only.
    #[arg(long)]
    pub insecure_accept_any_token: bool,
    /// Turn off ARM's token-bucket throttling and Resource Graph's quota.
    #[arg(long)]
    pub no_throttle: bool,
    /// ARM read bucket size per subscription (or tenant) and principal.
    #[arg(long, default_value_t = 250)]
    pub read_bucket: u32,
    /// ARM read bucket refill per second.
    #[arg(long, default_value_t = 25)]
    pub read_refill: u32,
    /// ARM write bucket size.
    #[arg(long, default_value_t = 200)]
    pub write_bucket: u32,
    /// ARM write bucket refill per second.
    #[arg(long, default_value_t = 10)]
    pub write_refill: u32,
    /// Resource Graph queries per principal per window (0: no quota).
    #[arg(long, default_value_t = 15)]
    pub graph_quota: u32,
    /// Resource Graph quota window in seconds.
    #[arg(long, default_value_t = 5)]
    pub graph_window_secs: u64,
    /// Microsoft Graph requests per principal per window (each `$batch` item counts); over it,
    /// 429 with `Retry-After` until the window ends. 0: no quota.
    #[arg(long, default_value_t = 0)]
    pub directory_quota: u32,
    /// Microsoft Graph quota window in seconds.
    #[arg(long, default_value_t = 10)]
    pub directory_window_secs: u64,
    /// A scope the caller may not read (repeatable): reads below it get 403 AuthorizationFailed.
    #[arg(long = "forbid")]
    pub forbidden: Vec<String>,
    /// Answer every Resource Graph query with 403 (as tenants that block it by policy do).
    #[arg(long)]
    pub graph_forbidden: bool,
    /// Run Resource Graph queries but refuse `summarize` with 400 InvalidQuery, as a Resource
    /// Graph without the grouping the scanner asks for would (it then reads plain rows).
    #[arg(long)]
    pub graph_rows_only: bool,
    /// Answer every Microsoft Graph request with 403 Authorization_RequestDenied, as for an app
    /// whose Graph permission was never consented to.
    #[arg(long)]
    pub graph_not_consented: bool,
    /// Print one line per request to stderr.
    #[arg(long)]
    pub quiet: bool,
}

impl Config {
    /// Defaults for an in-process test server: port 0, demo tenant, no latency, quiet.
    pub fn for_tests() -> Config {
        let mut c = Config::parse_from(["pullpath-emulator", "--port", "0", "--quiet"]);
        c.insecure_accept_any_token = false;
        c
    }
}

fn parse_directory(s: &str) -> Result<(String, String), String> {
    match s.split_once('=') {
        Some((id, name)) if !id.trim().is_empty() => Ok((id.trim().to_string(), name.trim().to_string())),
        _ => Err(format!("'{s}' is not ID=NAME (e.g. 3b1e0c4a-0000-4000-8000-000000000002=Fabrikam)")),
    }
}
