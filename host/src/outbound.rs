//! Outbound connections: `allowed_outbound_hosts` and the `wasi:http` hook that enforces it.
//!
//! An entry is `scheme://host[:port]`, as in Spin: the scheme may be `*`; the
//! host may be `*` or `*.domain` (any subdomain); the port may be a number,
//! `*` or a range `low..high` (exclusive), and defaults to the scheme's
//! well-known port (http 80, https 443, postgres 5432, ...). An HTTP request
//! no entry allows fails in the guest with `error-code::HTTP-request-denied`;
//! PostgreSQL addresses are checked against the `postgres` entries by
//! [`crate::pg_guest`].

use http_body_util::BodyExt;
use std::future::Future;
use std::sync::Arc;
use wasmtime_wasi_http::{RequestOptions, WasiBody, WasiHttpHooks};

/// One parsed `allowed_outbound_hosts` entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AllowedHost {
    scheme: Option<String>,
    host: HostPattern,
    ports: PortPattern,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum HostPattern {
    Any,
    Suffix(String),
    Exact(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum PortPattern {
    Any,
    /// The scheme's default port (`*` scheme: 80 or 443).
    Default,
    Range(u16, u16),
}

impl AllowedHost {
    /// Parses an entry (templates already expanded), or says what is wrong and what would be right.
    pub fn parse(entry: &str) -> Result<AllowedHost, String> {
        let shape = "expected `scheme://host[:port]`, e.g. `https://api.example.com` or `http://127.0.0.1:8080`";
        let (scheme, rest) = entry
            .split_once("://")
            .ok_or_else(|| format!("`{entry}`: no scheme; {shape}"))?;
        let authority = rest.strip_suffix('/').unwrap_or(rest);
        if authority.contains('/') {
            return Err(format!("`{entry}`: a path is not allowed; {shape}"));
        }
        let scheme = match scheme {
            "*" => None,
            s if !s.is_empty()
                && s.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "+.-".contains(c)) =>
            {
                Some(s.to_ascii_lowercase())
            }
            _ => return Err(format!("`{entry}`: `{scheme}` is not a scheme; {shape}")),
        };
        let (host, port) = split_host_port(authority);
        let host = match host {
            "" => return Err(format!("`{entry}`: no host; {shape}")),
            "*" => HostPattern::Any,
            h => match h.strip_prefix("*.") {
                Some(suffix) if !suffix.contains('*') => HostPattern::Suffix(suffix.to_ascii_lowercase()),
                _ if h.contains('*') => return Err(format!("`{entry}`: `*` may stand only for the whole host or its first label (`*.example.com`)")),
                _ => HostPattern::Exact(h.to_ascii_lowercase()),
            },
        };
        let ports = match port {
            None if scheme.as_deref().is_none_or(|s| default_port(s).is_some()) => {
                PortPattern::Default
            }
            None => {
                return Err(format!(
                    "`{entry}`: scheme `{}` has no default port; add one",
                    scheme.unwrap_or_default()
                ))
            }
            Some("*") => PortPattern::Any,
            Some(p) => {
                let num = |s: &str| {
                    s.parse::<u16>().map_err(|_| {
                        format!("`{entry}`: `{p}` is not a port, `*` or a range `low..high`")
                    })
                };
                match p.split_once("..") {
                    Some((lo, hi)) => PortPattern::Range(num(lo)?, num(hi)?.saturating_sub(1)),
                    None => {
                        let n = num(p)?;
                        PortPattern::Range(n, n)
                    }
                }
            }
        };
        Ok(AllowedHost {
            scheme,
            host,
            ports,
        })
    }

    /// Whether this entry allows a request to `scheme://host:port`.
    fn allows(&self, scheme: &str, host: &str, port: u16) -> bool {
        let scheme_ok = self.scheme.as_deref().is_none_or(|s| s == scheme);
        let host = host.to_ascii_lowercase();
        let host = host.trim_start_matches('[').trim_end_matches(']');
        let host_ok = match &self.host {
            HostPattern::Any => true,
            HostPattern::Exact(h) => h.trim_start_matches('[').trim_end_matches(']') == host,
            HostPattern::Suffix(s) => host
                .strip_suffix(s.as_str())
                .is_some_and(|head| head.len() > 1 && head.ends_with('.')),
        };
        let port_ok = match self.ports {
            PortPattern::Any => true,
            PortPattern::Default => Some(port) == default_port(scheme),
            PortPattern::Range(lo, hi) => (lo..=hi).contains(&port),
        };
        scheme_ok && host_ok && port_ok
    }
}

/// Splits `host[:port]`, keeping IPv6 brackets with the host.
fn split_host_port(authority: &str) -> (&str, Option<&str>) {
    if authority.starts_with('[') {
        return match authority.find(']') {
            Some(end) => (&authority[..=end], authority[end + 1..].strip_prefix(':')),
            None => (authority, None),
        };
    }
    match authority.rsplit_once(':') {
        Some((h, p)) => (h, Some(p)),
        None => (authority, None),
    }
}

/// A scheme's well-known port, as Spin knows them.
fn default_port(scheme: &str) -> Option<u16> {
    match scheme {
        "http" => Some(80),
        "https" => Some(443),
        "postgres" => Some(5432),
        "mysql" => Some(3306),
        "redis" => Some(6379),
        "mqtt" => Some(1883),
        _ => None,
    }
}

/// A component's outbound policy; also the `wasi:http` hooks of its instances.
#[derive(Clone)]
pub struct OutboundPolicy {
    component: Arc<str>,
    allowed: Arc<[AllowedHost]>,
}

impl OutboundPolicy {
    /// The policy of `component` with its parsed `allowed_outbound_hosts`.
    pub fn new(component: Arc<str>, allowed: Vec<AllowedHost>) -> OutboundPolicy {
        OutboundPolicy {
            component,
            allowed: allowed.into(),
        }
    }

    /// The component's id.
    pub fn component(&self) -> &str {
        &self.component
    }

    /// Whether a connection to `scheme://host:port` is allowed (PostgreSQL).
    pub fn allows_host(&self, scheme: &str, host: &str, port: u16) -> bool {
        self.allowed.iter().any(|a| a.allows(scheme, host, port))
    }

    /// Whether a request to `uri` is allowed.
    pub fn allows(&self, uri: &http::Uri) -> bool {
        let scheme = uri.scheme_str().unwrap_or("https").to_ascii_lowercase();
        let Some(host) = uri.host() else {
            return false;
        };
        let Some(port) = uri.port_u16().or_else(|| default_port(&scheme)) else {
            return false;
        };
        self.allowed.iter().any(|a| a.allows(&scheme, host, port))
    }
}

type SendFuture = Box<
    dyn Future<
            Output = wasmtime_wasi_http::Result<(
                http::Response<WasiBody>,
                Box<dyn Future<Output = wasmtime_wasi_http::Result<()>> + Send>,
            )>,
        > + Send,
>;

impl WasiHttpHooks for OutboundPolicy {
    fn send_request(
        &mut self,
        request: http::Request<WasiBody>,
        options: Option<RequestOptions>,
        fut: Box<dyn Future<Output = wasmtime_wasi_http::Result<()>> + Send>,
    ) -> SendFuture {
        drop(fut);
        if !self.allows(request.uri()) {
            eprintln!(
                "recrules-host: component `{}` may not send to {}: add its scheme://host:port to `allowed_outbound_hosts`",
                self.component,
                request.uri()
            );
            return Box::new(async { Err(wasmtime_wasi_http::Error::HttpRequestDenied) });
        }
        Box::new(async move {
            let (response, io) = wasmtime_wasi_http::default_send_request(request, options).await?;
            let io: Box<dyn Future<Output = wasmtime_wasi_http::Result<()>> + Send> = Box::new(io);
            Ok((response.map(BodyExt::boxed_unsync), io))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(entries: &[&str]) -> OutboundPolicy {
        let allowed = entries
            .iter()
            .map(|e| AllowedHost::parse(e).expect("valid entry"))
            .collect();
        OutboundPolicy::new("t".into(), allowed)
    }

    fn allows(p: &OutboundPolicy, uri: &str) -> bool {
        p.allows(&uri.parse().expect("uri"))
    }

    #[test]
    fn matches_like_spin() {
        let p = policy(&[
            "https://api.example.com",
            "http://127.0.0.1:8080",
            "*://*.svc.local:*",
            "http://localhost:3000..3003",
        ]);
        assert!(allows(&p, "https://api.example.com/x"));
        assert!(allows(&p, "https://API.example.com:443/x"));
        assert!(!allows(&p, "http://api.example.com/x"));
        assert!(!allows(&p, "https://api.example.com:8443/x"));
        assert!(allows(&p, "http://127.0.0.1:8080/"));
        assert!(!allows(&p, "http://127.0.0.1:8081/"));
        assert!(allows(&p, "http://a.svc.local:9/"));
        assert!(!allows(&p, "http://svc.local:9/"));
        assert!(allows(&p, "http://localhost:3002/"));
        assert!(!allows(&p, "http://localhost:3003/"));
        assert!(!allows(&policy(&[]), "https://api.example.com/"));
        assert!(allows(&policy(&["*://*:*"]), "http://10.1.2.3:1/"));
    }

    #[test]
    fn rejects_malformed_entries() {
        for bad in [
            "example.com",
            "https://example.com/path",
            "https://ex*.com",
            "foo://cache",
            "http://h:port",
        ] {
            assert!(AllowedHost::parse(bad).is_err(), "{bad}");
        }
        assert!(AllowedHost::parse("http://[::1]:8080").is_ok());
    }
}
