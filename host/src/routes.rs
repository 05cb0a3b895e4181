//! Matching a request path to a manifest route, most specific first.

use crate::manifest::HttpRoute;

/// The routes of an application, ready for matching.
pub struct Router {
    routes: Vec<HttpRoute>,
}

/// A matched route and what Spin tells the component about it.
#[derive(Debug, PartialEq, Eq)]
pub struct RouteMatch<'a> {
    /// The route entry.
    pub route: &'a HttpRoute,
    /// The route without its `/...` suffix (`spin-component-route`).
    pub component_route: &'a str,
    /// The part of the path after `component_route` (`spin-path-info`); empty for an exact route.
    pub path_info: String,
}

impl Router {
    /// A router over `routes`.
    pub fn new(routes: Vec<HttpRoute>) -> Router {
        Router { routes }
    }

    /// The routes, in manifest order.
    pub fn routes(&self) -> &[HttpRoute] {
        &self.routes
    }

    /// The most specific route for `path`: an exact route first, then the
    /// wildcard (`/prefix/...`) with the longest prefix.
    pub fn find(&self, path: &str) -> Option<RouteMatch<'_>> {
        let path = trim_slash(path);
        if let Some(route) = self
            .routes
            .iter()
            .find(|r| !r.pattern.ends_with("/...") && trim_slash(&r.pattern) == path)
        {
            return Some(RouteMatch {
                route,
                component_route: trim_slash(&route.pattern),
                path_info: String::new(),
            });
        }
        self.routes
            .iter()
            .filter_map(|route| {
                let prefix = route.pattern.strip_suffix("/...")?;
                let rest = path.strip_prefix(prefix)?;
                (rest.is_empty() || rest.starts_with('/')).then(|| RouteMatch {
                    route,
                    component_route: prefix,
                    path_info: rest.to_owned(),
                })
            })
            .max_by_key(|m| m.component_route.len())
    }
}

/// `path` without one trailing `/`, except for the root.
fn trim_slash(path: &str) -> &str {
    match path.strip_suffix('/') {
        Some(p) if !p.is_empty() => p,
        _ => path,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn router() -> Router {
        let r = |pattern: &str, component: &str| HttpRoute {
            pattern: pattern.into(),
            component: component.into(),
        };
        Router::new(vec![
            r("/...", "fallback"),
            r("/otp/...", "otp"),
            r("/otp/admin/...", "admin"),
            r("/otp/health", "health"),
        ])
    }

    fn hit(path: &str) -> Option<(String, String, String)> {
        router().find(path).map(|m| {
            (
                m.route.component.clone(),
                m.component_route.to_owned(),
                m.path_info,
            )
        })
    }

    #[test]
    fn most_specific_first() {
        let t = |c: &str, r: &str, i: &str| Some((c.to_string(), r.to_string(), i.to_string()));
        assert_eq!(hit("/otp/health"), t("health", "/otp/health", ""));
        assert_eq!(hit("/otp/health/"), t("health", "/otp/health", ""));
        assert_eq!(hit("/otp/send"), t("otp", "/otp", "/send"));
        assert_eq!(hit("/otp"), t("otp", "/otp", ""));
        assert_eq!(hit("/otp/admin/x/y"), t("admin", "/otp/admin", "/x/y"));
        assert_eq!(hit("/otpx"), t("fallback", "", "/otpx"));
        assert_eq!(hit("/"), t("fallback", "", "/"));
    }

    #[test]
    fn no_match_without_fallback() {
        let r = Router::new(vec![HttpRoute {
            pattern: "/otp/...".into(),
            component: "otp".into(),
        }]);
        assert!(r.find("/other").is_none());
        assert!(r.find("/otpx").is_none());
    }
}
