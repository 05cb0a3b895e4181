//! # recrules-console: the web console's static assets
//!
//! Serves the bundle that `scripts/build-console.sh` makes in `console/dist/`
//! (the page, its script and style, the rules' `.wasm` from the npm package's
//! web build, the settings' JSON Schema and the service worker that adds the
//! tab's keys to recording downloads) under `/console/...`. Nothing here is
//! secret: the keys are typed by the person and kept by the tab. The JSON
//! routes the page calls are the other Lapps', on the same origin.

use spin_sdk::http::{Method, Request, Response};
use spin_sdk::http_component;

/// One embedded file: its path under `/console`, media type and bytes.
struct Asset {
    path: &'static str,
    content_type: &'static str,
    bytes: &'static [u8],
}

const INDEX: &[u8] = include_bytes!("../../../console/dist/index.html");

/// Every file the console serves; `/console` and `/console/` answer the page.
const ASSETS: &[Asset] = &[
    Asset {
        path: "/console/index.html",
        content_type: "text/html; charset=utf-8",
        bytes: INDEX,
    },
    Asset {
        path: "/console/app.js",
        content_type: "text/javascript; charset=utf-8",
        bytes: include_bytes!("../../../console/dist/app.js"),
    },
    Asset {
        path: "/console/app.css",
        content_type: "text/css; charset=utf-8",
        bytes: include_bytes!("../../../console/dist/app.css"),
    },
    Asset {
        path: "/console/sw.js",
        content_type: "text/javascript; charset=utf-8",
        bytes: include_bytes!("../../../console/dist/sw.js"),
    },
    Asset {
        path: "/console/recrules_bg.wasm",
        content_type: "application/wasm",
        bytes: include_bytes!("../../../console/dist/recrules_bg.wasm"),
    },
    Asset {
        path: "/console/settings.schema.json",
        content_type: "application/schema+json",
        bytes: include_bytes!("../../../console/dist/settings.schema.json"),
    },
];

/// The asset a request path names, if any (`/console` and `/console/` are the page).
fn find(path: &str) -> Option<&'static Asset> {
    let path = path.split(['?', '#']).next().unwrap_or_default();
    let path = match path {
        "/console" | "/console/" => "/console/index.html",
        other => other,
    };
    ASSETS.iter().find(|a| a.path == path)
}

/// A JSON error in the Lapps' shape.
fn error(status: u16, code: &str, message: &str, allow: Option<&str>) -> Response {
    let body = format!("{{\"error\":\"{code}\",\"field\":\"path\",\"message\":\"{message}\"}}");
    let mut r = Response::builder();
    r.status(status).header("content-type", "application/json");
    if let Some(allow) = allow {
        r.header("allow", allow);
    }
    r.body(body).build()
}

/// Answers `GET`/`HEAD` of an asset; 404 for any other path, 405 for other methods.
fn route(method: &Method, path: &str) -> Response {
    let Some(asset) = find(path) else {
        return error(404, "not_found", "no such console file", None);
    };
    let head = matches!(method, Method::Head);
    if !head && !matches!(method, Method::Get) {
        return error(405, "method_not_allowed", "use GET", Some("GET, HEAD"));
    }
    let body: Vec<u8> = if head {
        Vec::new()
    } else {
        asset.bytes.to_vec()
    };
    Response::builder()
        .status(200)
        .header("content-type", asset.content_type)
        .header("cache-control", "no-cache")
        .header("x-content-type-options", "nosniff")
        .header("referrer-policy", "no-referrer")
        .header(
            "content-security-policy",
            "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self' 'unsafe-inline'; media-src 'self' blob:; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'",
        )
        .body(body)
        .build()
}

/// The component's entry point.
#[http_component]
fn handle(req: Request) -> Response {
    route(req.method(), req.path())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_page_and_its_files_are_found() {
        assert_eq!(
            find("/console").map(|a| a.path),
            Some("/console/index.html")
        );
        assert_eq!(
            find("/console/?x=1").map(|a| a.path),
            Some("/console/index.html")
        );
        assert!(find("/console/app.js").is_some());
        assert!(find("/console/../Cargo.toml").is_none());
        assert!(find("/console/nope").is_none());
    }
}
