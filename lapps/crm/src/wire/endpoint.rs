//! The CRM's base URL, split for an outbound request.

/// The scheme of the CRM's base URL.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scheme {
    /// `http`.
    Http,
    /// `https`.
    Https,
}

/// Where the CRM's API lives: `https://api.example.com/crm` gives scheme
/// `https`, authority `api.example.com` and prefix `/crm`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    /// The scheme.
    pub scheme: Scheme,
    /// `host[:port]`.
    pub authority: String,
    /// The path before `/v2/...`, without a trailing `/` (often empty).
    pub prefix: String,
}

impl Endpoint {
    /// Reads a base URL such as `https://api-in21.leadsquared.com`, or says
    /// what is wrong with it.
    pub fn parse(base_url: &str) -> Result<Endpoint, String> {
        let base = base_url.trim();
        let shape = "expected an absolute URL such as `https://api.leadsquared.com`";
        let (scheme, rest) = base
            .split_once("://")
            .ok_or_else(|| format!("base URL `{base}` has no scheme; {shape}"))?;
        let scheme = match scheme.to_ascii_lowercase().as_str() {
            "http" => Scheme::Http,
            "https" => Scheme::Https,
            other => return Err(format!("base URL scheme `{other}` is not http or https")),
        };
        if rest.contains(['?', '#']) {
            return Err(format!(
                "base URL `{base}` has a query or fragment; {shape}"
            ));
        }
        let (authority, prefix) = match rest.find('/') {
            Some(at) => (&rest[..at], rest[at..].trim_end_matches('/')),
            None => (rest, ""),
        };
        if authority.is_empty() {
            return Err(format!("base URL `{base}` has no host; {shape}"));
        }
        Ok(Endpoint {
            scheme,
            authority: authority.to_owned(),
            prefix: prefix.to_owned(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_a_base_url() {
        let e = Endpoint::parse("http://127.0.0.1:8080/crm/").unwrap();
        assert_eq!(e.scheme, Scheme::Http);
        assert_eq!(e.authority, "127.0.0.1:8080");
        assert_eq!(e.prefix, "/crm");
        let e = Endpoint::parse(" https://api.leadsquared.com ").unwrap();
        assert_eq!((e.scheme, e.prefix.as_str()), (Scheme::Https, ""));
    }

    #[test]
    fn refuses_what_is_not_a_base_url() {
        for bad in ["api.example.com", "ftp://x", "https://", "https://h/p?x=1"] {
            assert!(Endpoint::parse(bad).is_err(), "{bad}");
        }
    }
}
