//! Links ARM hands back — `nextLink`, `Azure-AsyncOperation`, `Location` — turned into requests.
//!
//! [`follow`] takes a link only when it is an absolute URL on exactly the configured ARM origin
//! (same scheme, host and port; no userinfo; no backslashes, whitespace or control characters)
//! and decodes its path and query once, so it travels as a [`Request`] like every other request
//! and the executor adds the origin and the token itself. [`Pages`] guards one paged list: a
//! page cap and a link that repeats a page already read.
//!
//! Not here: the percent codec (`percent`, below `request` so that `request` can encode and
//! this module can build requests without a cycle), which origin is configured (`cloud`),
//! sending requests.

use std::collections::HashSet;

use crate::percent::{decode_component, parse_query, Plus};
use crate::request::{self, Request};

/// Why a link from ARM was not followed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LinkError {
    #[error("the link {link:?} does not point at {origin}; not followed, so nothing is sent elsewhere")]
    OtherOrigin { link: String, origin: String },
    #[error("the link {link:?} is not a URL pullpath follows: {reason}")]
    Malformed { link: String, reason: String },
    #[error("the configured ARM origin {origin:?} is not of the form https://host[:port]")]
    BadOrigin { origin: String },
    #[error("the link {link:?} leads back to a page already read; stopped paging this list")]
    Repeated { link: String },
    #[error("this list has more than {cap} pages; stopped paging it there")]
    TooManyPages { cap: usize },
}

/// The scheme, host and port of an origin or link, compared as URLs compare them: scheme and
/// host case-insensitively, the default port equal to no port.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Authority {
    scheme: String,
    host: String,
    port: u16,
}

/// Why the front of a URL is not `scheme://host[:port]`.
enum AuthorityError {
    /// `user:password@host`: whichever host a reader takes from it, it is not ours to send to.
    UserInfo,
    Other(String),
}

/// Splits `scheme://host[:port]` off the front of `url`; the rest (path, query, fragment)
/// follows.
fn split_authority(url: &str) -> Result<(Authority, &str), AuthorityError> {
    let other = |m: String| AuthorityError::Other(m);
    let (scheme, rest) = url.split_once("://").ok_or_else(|| other("it is not an absolute URL (no scheme://)".into()))?;
    let scheme = scheme.to_ascii_lowercase();
    let default_port = match scheme.as_str() {
        "https" => 443,
        "http" => 80,
        _ => return Err(other(format!("the scheme {scheme:?} is neither https nor http"))),
    };
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, rest) = rest.split_at(end);
    if authority.contains('@') {
        return Err(AuthorityError::UserInfo);
    }
    // `[::1]:8080`: the port is after the closing bracket.
    let host_end = match authority.strip_prefix('[') {
        Some(_) => authority.find(']').map(|i| i + 1).ok_or_else(|| other("an IPv6 host has no closing ']'".into()))?,
        None => authority.find(':').unwrap_or(authority.len()),
    };
    let (host, port) = authority.split_at(host_end);
    let port = match port.strip_prefix(':') {
        None if port.is_empty() => default_port,
        Some(p) if !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()) => p.parse::<u16>().map_err(|_| other(format!("the port {p:?} is out of range")))?,
        _ => return Err(other(format!("the port in {authority:?} is not a number"))),
    };
    let host_ok = !host.is_empty() && host.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'[' | b']' | b':'));
    if !host_ok {
        return Err(other(format!("the host {host:?} is not a plain host name or address")));
    }
    Ok((Authority { scheme, host: host.to_ascii_lowercase(), port }, rest))
}

/// Characters no link pullpath follows may contain anywhere: browsers drop or reinterpret
/// them (tabs and newlines are removed, `\` is read as `/`), so a link that has them could
/// mean one thing to this check and another to whoever reads it next. (Other non-ASCII text
/// may stand in a path or query, where it is encoded again; a host must be ASCII.)
fn refused_char(c: char) -> bool {
    c == '\\' || c.is_whitespace() || c.is_control()
}

/// The request for a link ARM returned (`nextLink`, `Azure-AsyncOperation`, `Location`),
/// only when it is an absolute URL on exactly `origin` (`https://management.azure.com`).
/// Its path and query are decoded once; the request carries no host, so the executor sends it
/// to the configured origin and nowhere else.
pub fn follow(origin: &str, link: &str) -> Result<Request, LinkError> {
    let malformed = |reason: String| LinkError::Malformed { link: link.to_string(), reason };
    let origin_trimmed = origin.trim_end_matches('/');
    let expected = match split_authority(origin_trimmed) {
        Ok((a, "")) if !origin_trimmed.chars().any(refused_char) => a,
        _ => return Err(LinkError::BadOrigin { origin: origin.to_string() }),
    };
    if let Some(c) = link.chars().find(|&c| refused_char(c)) {
        return Err(malformed(format!("it contains {c:?}")));
    }
    let other_origin = || LinkError::OtherOrigin { link: link.to_string(), origin: origin_trimmed.to_string() };
    let (found, rest) = split_authority(link).map_err(|e| match e {
        AuthorityError::UserInfo => other_origin(),
        AuthorityError::Other(reason) => malformed(reason),
    })?;
    if found != expected {
        return Err(other_origin());
    }
    if rest.contains('#') {
        return Err(malformed("it has a fragment (#)".into()));
    }
    let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
    if !path.starts_with('/') {
        return Err(malformed("it has no path".into()));
    }
    let mut decoded = String::with_capacity(path.len());
    let segments = path.split('/').count();
    for (i, segment) in path.split('/').enumerate().skip(1) {
        let s = decode_component(segment, Plus::Literal).map_err(|e| malformed(format!("path segment {segment:?}: {e}")))?;
        // A decoded `/` would become a separator when the path is encoded again, and `.` or
        // `..` would be resolved away by the browser: either reads another resource than the
        // link names. An empty segment (`//`) is no ARM path either.
        let last = i == segments - 1;
        if s.contains('/') || s == "." || s == ".." || (s.is_empty() && !last) {
            return Err(malformed(format!("path segment {segment:?} does not name one ARM path segment")));
        }
        decoded.push('/');
        decoded.push_str(&s);
    }
    let query = parse_query(query).map_err(|e| malformed(format!("query: {e}")))?;
    Ok(request::next_page(&decoded, query))
}

/// Pages after the first that one list may have: a list that pages on beyond this is cut off
/// and reported, not followed forever. A guard of ours, not an ARM limit (ARM's page sizes
/// are unverified here): the simulator's pages of 100 make it 100,000 items in one list.
pub const MAX_PAGES: usize = 1000;

/// The pages of one paged list read so far: refuses a link that leads back to a page already
/// read (a server that loops) and a list longer than its cap.
#[derive(Debug, Clone)]
pub struct Pages {
    /// `path?query` of every page requested, as encoded for sending.
    seen: HashSet<String>,
    cap: usize,
}

impl Pages {
    /// The list that starts with `first`, allowed `cap` further pages.
    pub fn new(first: &Request, cap: usize) -> Pages {
        Pages { seen: HashSet::from([first.path_and_query()]), cap }
    }

    /// Pages requested so far, the first included.
    pub fn len(&self) -> usize {
        self.seen.len()
    }

    pub fn is_empty(&self) -> bool {
        self.seen.is_empty()
    }

    /// The request for the list's next page ([`follow`]), unless it repeats a page or the
    /// list is over its cap.
    pub fn next(&mut self, origin: &str, link: &str) -> Result<Request, LinkError> {
        let req = follow(origin, link)?;
        if self.seen.len() > self.cap {
            return Err(LinkError::TooManyPages { cap: self.cap });
        }
        if !self.seen.insert(req.path_and_query()) {
            return Err(LinkError::Repeated { link: link.to_string() });
        }
        Ok(req)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ORIGIN: &str = "https://management.azure.com";

    #[test]
    fn follows_links_on_the_origin_decoding_them_once() {
        let r = follow(ORIGIN, "https://management.azure.com/subscriptions/s/providers/Microsoft.ContainerRegistry/registries?api-version=2025-04-01&%24skiptoken=a%2Bb%3D%3D").unwrap();
        assert_eq!(r.path, "/subscriptions/s/providers/Microsoft.ContainerRegistry/registries");
        assert_eq!(r.query, vec![("api-version".into(), "2025-04-01".into()), ("$skiptoken".into(), "a+b==".into())]);
        assert_eq!(r.url(ORIGIN), "https://management.azure.com/subscriptions/s/providers/Microsoft.ContainerRegistry/registries?api-version=2025-04-01&%24skiptoken=a%2Bb%3D%3D");
        // Scheme and host compare case-insensitively; the default port is no port.
        for same in ["HTTPS://Management.Azure.COM/x", "https://management.azure.com:443/x", "https://management.azure.com/x/"] {
            assert!(follow(ORIGIN, same).is_ok(), "{same}");
        }
        assert!(follow("https://management.azure.com/", "https://management.azure.com/x").is_ok());
        assert!(follow("http://127.0.0.1:7070", "http://127.0.0.1:7070/x?y=1").is_ok());
        assert!(follow("http://[::1]:7070", "http://[::1]:7070/x").is_ok());
        assert_eq!(follow(ORIGIN, "https://management.azure.com/r\u{e9}g\u{202e}").unwrap().path, "/r\u{e9}g\u{202e}", "text in a path is encoded again when sent");
    }

    #[test]
    fn refuses_every_other_origin_and_every_trick() {
        let other = [
            "https://evil.example/subscriptions",
            "http://management.azure.com/x",
            "https://management.azure.com:8443/x",
            "https://management.azure.com.evil.example/x",
            "https://management.azure.com.:443/x",
            "https://evil.example@management.azure.com/x",
            "https://management.azure.com@evil.example/x",
            "https://management.azure.com:443@evil.example/x",
            "https://user:pw@management.azure.com/x",
        ];
        for link in other {
            assert!(matches!(follow(ORIGIN, link), Err(LinkError::OtherOrigin { .. })), "{link}: {:?}", follow(ORIGIN, link));
        }
        let malformed = [
            "/subscriptions/s",
            "//evil.example/x",
            "management.azure.com/x",
            "https:/management.azure.com/x",
            "https://management.azure.com\\@evil.example/x",
            "https://management.azure.com/\\evil.example",
            "https://management.azure.com\t/x",
            "https://management.azure.com/x\n",
            " https://management.azure.com/x",
            "https://management.azure.com",
            "https://management.azure.com?x=1",
            "https://management.azure.com//evil.example/x",
            "https://management.azure.com/a/../b",
            "https://management.azure.com/a/%2e%2E/b",
            "https://management.azure.com/a%2Fb",
            "https://management.azure.com/a%zz",
            "https://management.azure.com/a%é",
            "https://management.azure.com/a?b=%FF",
            "https://management.azure.com/x#y",
            "https://management.azure.com:/x",
            "https://management.azure.com:99999/x",
            "https://manägement.azure.com/x",
            "ftp://management.azure.com/x",
            "javascript://management.azure.com/x",
        ];
        for link in malformed {
            assert!(matches!(follow(ORIGIN, link), Err(LinkError::Malformed { .. })), "{link}: {:?}", follow(ORIGIN, link));
        }
        assert!(matches!(follow("https://management.azure.com/path", "https://management.azure.com/path/x"), Err(LinkError::BadOrigin { .. })));
        assert!(matches!(follow("management.azure.com", "https://management.azure.com/x"), Err(LinkError::BadOrigin { .. })));
    }

    #[test]
    fn pages_stop_at_a_repeat_and_at_the_cap() {
        let first = follow(ORIGIN, "https://management.azure.com/l?api-version=1").unwrap();
        let mut pages = Pages::new(&first, 2);
        assert!(pages.next(ORIGIN, "https://management.azure.com/l?api-version=1&%24skiptoken=1").is_ok());
        // The same page spelled differently is still the same page.
        assert!(matches!(pages.next(ORIGIN, "https://MANAGEMENT.azure.com/l?api-version=1&$skiptoken=1"), Err(LinkError::Repeated { .. })));
        assert!(matches!(pages.next(ORIGIN, "https://management.azure.com/l?api-version=1"), Err(LinkError::Repeated { .. })));
        assert!(pages.next(ORIGIN, "https://management.azure.com/l?api-version=1&%24skiptoken=2").is_ok());
        assert_eq!(pages.len(), 3);
        assert_eq!(pages.next(ORIGIN, "https://management.azure.com/l?api-version=1&%24skiptoken=3").unwrap_err(), LinkError::TooManyPages { cap: 2 });
    }
}
