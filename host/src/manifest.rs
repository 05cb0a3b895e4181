//! Reading a Spin manifest (version 2, `spin.toml`) into the application the host serves.
//!
//! Only what the host implements is accepted; a key that would change a
//! component's behaviour and that the host ignores (`files`,
//! `key_value_stores`, `ai_models`, other trigger types) is an error rather
//! than a silent difference from `spin up`.

use crate::error::HostError;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// An application as the manifest declares it, checked and with paths made absolute.
#[derive(Debug, Clone)]
pub struct App {
    /// `[application] name`.
    pub name: String,
    /// The manifest's own path.
    pub manifest_path: PathBuf,
    /// The directory holding the manifest: relative paths start here.
    pub dir: PathBuf,
    /// `[variables]`: the application variables, by name.
    pub variables: BTreeMap<String, AppVariable>,
    /// `[component.<id>]` tables, in id order.
    pub components: Vec<Component>,
    /// `[[trigger.http]]` entries with a public route, in manifest order.
    pub routes: Vec<HttpRoute>,
}

/// One `[variables]` entry.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AppVariable {
    /// The value used when the environment gives none.
    pub default: Option<String>,
    /// Whether the environment must give a value.
    #[serde(default)]
    pub required: bool,
    /// Whether the value is a secret (never printed).
    #[serde(default)]
    pub secret: bool,
}

/// One component and what it may use.
#[derive(Debug, Clone)]
pub struct Component {
    /// The component's id (the `X` of `[component.X]`).
    pub id: String,
    /// Absolute path of the component's `.wasm` file.
    pub source: PathBuf,
    /// `allowed_outbound_hosts`, as written (templates not yet expanded).
    pub allowed_outbound_hosts: Vec<String>,
    /// `sqlite_databases`: the SQLite database labels the component may open.
    pub sqlite_databases: Vec<String>,
    /// `variables`: component variable name to template.
    pub variables: BTreeMap<String, String>,
    /// `environment`: environment variables of the component's WASI context.
    pub environment: BTreeMap<String, String>,
    /// `[component.X.build]`, if any.
    pub build: Option<Build>,
}

/// A component's `[component.X.build]` table.
#[derive(Debug, Clone)]
pub struct Build {
    /// The commands, run in order through `sh -c`.
    pub commands: Vec<String>,
    /// The directory they run in.
    pub workdir: PathBuf,
}

/// One public `[[trigger.http]]` route.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpRoute {
    /// The route as written: `/otp/send` (exact) or `/otp/...` (prefix).
    pub pattern: String,
    /// The id of the component serving it.
    pub component: String,
}

#[derive(Deserialize)]
struct RawManifest {
    spin_manifest_version: toml::Value,
    application: RawApplication,
    #[serde(default)]
    variables: BTreeMap<String, AppVariable>,
    #[serde(default)]
    trigger: BTreeMap<String, toml::Value>,
    #[serde(default)]
    component: BTreeMap<String, RawComponent>,
}

#[derive(Deserialize)]
struct RawApplication {
    name: String,
}

#[derive(Deserialize)]
struct RawHttpTrigger {
    route: toml::Value,
    component: Option<toml::Value>,
    executor: Option<toml::Value>,
}

#[derive(Deserialize)]
struct RawComponent {
    source: toml::Value,
    #[serde(default)]
    allowed_outbound_hosts: Vec<String>,
    #[serde(default)]
    key_value_stores: Vec<toml::Value>,
    #[serde(default)]
    variables: BTreeMap<String, String>,
    #[serde(default)]
    environment: BTreeMap<String, String>,
    #[serde(default)]
    files: Vec<toml::Value>,
    #[serde(default)]
    sqlite_databases: Vec<String>,
    #[serde(default)]
    ai_models: Vec<String>,
    build: Option<RawBuild>,
}

#[derive(Deserialize)]
struct RawBuild {
    command: toml::Value,
    workdir: Option<String>,
}

/// Whether `name` is a valid Spin variable name: lowercase ASCII letters,
/// digits and underscores, starting with a letter.
pub fn is_valid_variable_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_lowercase())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

impl App {
    /// Reads and checks the manifest at `path`.
    pub fn load(path: &Path) -> Result<App, HostError> {
        let text = std::fs::read_to_string(path).map_err(|source| HostError::ManifestRead {
            path: path.to_owned(),
            source,
        })?;
        let manifest_path =
            std::path::absolute(path).map_err(|source| HostError::ManifestRead {
                path: path.to_owned(),
                source,
            })?;
        let dir = manifest_path
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_else(|| PathBuf::from("/"));
        Self::parse(&text, &manifest_path, &dir)
    }

    /// Parses manifest `text`; `manifest_path` names it in errors and `dir` anchors relative paths.
    pub fn parse(text: &str, manifest_path: &Path, dir: &Path) -> Result<App, HostError> {
        let invalid = |what: String| HostError::ManifestInvalid {
            path: manifest_path.to_owned(),
            what,
        };
        let raw: RawManifest =
            toml::from_str(text).map_err(|source| HostError::ManifestSyntax {
                path: manifest_path.to_owned(),
                source: Box::new(source),
            })?;
        if raw.spin_manifest_version.as_integer() != Some(2) {
            return Err(invalid(format!(
                "`spin_manifest_version` is {}; recrules-host reads version 2 manifests only (`spin_manifest_version = 2`)",
                raw.spin_manifest_version
            )));
        }
        for (name, var) in &raw.variables {
            if !is_valid_variable_name(name) {
                return Err(invalid(format!("[variables] `{name}` is not a valid variable name: use lowercase letters, digits and `_`, starting with a letter")));
            }
            match (&var.default, var.required) {
                (Some(_), true) => {
                    return Err(invalid(format!(
                        "[variables] `{name}` has both `default` and `required = true`: keep one"
                    )))
                }
                (None, false) => {
                    return Err(invalid(format!(
                    "[variables] `{name}` has neither `default` nor `required = true`: give one"
                )))
                }
                _ => {}
            }
        }
        let mut components = Vec::new();
        for (id, rc) in raw.component {
            components.push(component(&id, rc, dir, &raw.variables).map_err(invalid)?);
        }
        let routes = http_routes(raw.trigger, &components).map_err(invalid)?;
        Ok(App {
            name: raw.application.name,
            manifest_path: manifest_path.to_owned(),
            dir: dir.to_owned(),
            variables: raw.variables,
            components,
            routes,
        })
    }
}

/// Checks one `[component.<id>]` table.
fn component(
    id: &str,
    rc: RawComponent,
    dir: &Path,
    app_vars: &BTreeMap<String, AppVariable>,
) -> Result<Component, String> {
    let at = format!("[component.{id}]");
    let source = match &rc.source {
        toml::Value::String(s) => dir.join(s),
        _ => return Err(format!("{at} `source` must be a path to a .wasm file; recrules-host does not fetch `{{ url = ... }}` sources")),
    };
    if !rc.key_value_stores.is_empty() {
        return Err(format!(
            "{at} `key_value_stores` is not supported by recrules-host: it serves SQLite (`sqlite_databases = [\"default\"]`, `fermyon:spin/sqlite`) and PostgreSQL (`spin:postgres/postgres`) instead; remove the key"
        ));
    }
    let unsupported = [
        ("files", rc.files.is_empty()),
        ("ai_models", rc.ai_models.is_empty()),
    ];
    if let Some((key, _)) = unsupported.iter().find(|(_, empty)| !empty) {
        return Err(format!(
            "{at} `{key}` is not supported by recrules-host: remove it, or serve the application with Spin"
        ));
    }
    if let Some(label) = rc.sqlite_databases.iter().find(|l| *l != "default") {
        return Err(format!(
            "{at} `sqlite_databases` names `{label}`, which is not defined: without a runtime configuration file Spin serves only the `default` database, and recrules-host never reads one; use \"default\""
        ));
    }
    for (name, template) in &rc.variables {
        if !is_valid_variable_name(name) {
            return Err(format!("{at} variable `{name}` is not a valid variable name: use lowercase letters, digits and `_`, starting with a letter"));
        }
        for reference in crate::variables::template_references(template)
            .map_err(|e| format!("{at} variable `{name}`: {e}"))?
        {
            if !app_vars.contains_key(&reference) {
                return Err(format!("{at} variable `{name}` refers to `{{{{ {reference} }}}}`, which is not declared in [variables]"));
            }
        }
    }
    let build = match rc.build {
        None => None,
        Some(b) => {
            let commands = match b.command {
                toml::Value::String(s) => vec![s],
                toml::Value::Array(items) => items
                    .into_iter()
                    .map(|v| match v {
                        toml::Value::String(s) => Ok(s),
                        other => Err(format!("[component.{id}.build] `command` items must be strings, found {other}")),
                    })
                    .collect::<Result<_, _>>()?,
                other => return Err(format!("[component.{id}.build] `command` must be a string or a list of strings, found {other}")),
            };
            let workdir = b.workdir.map_or_else(|| dir.to_owned(), |w| dir.join(w));
            Some(Build { commands, workdir })
        }
    };
    Ok(Component {
        id: id.to_owned(),
        source,
        allowed_outbound_hosts: rc.allowed_outbound_hosts,
        sqlite_databases: rc.sqlite_databases,
        variables: rc.variables,
        environment: rc.environment,
        build,
    })
}

/// Checks the `[[trigger.http]]` entries and rejects other trigger types.
fn http_routes(
    triggers: BTreeMap<String, toml::Value>,
    components: &[Component],
) -> Result<Vec<HttpRoute>, String> {
    let mut routes: Vec<HttpRoute> = Vec::new();
    for (kind, value) in triggers {
        if kind != "http" {
            return Err(format!("[[trigger.{kind}]] is not supported by recrules-host: it serves HTTP triggers only"));
        }
        let entries: Vec<RawHttpTrigger> = value
            .try_into()
            .map_err(|e| format!("[[trigger.http]] is malformed: {e}"))?;
        for entry in entries {
            let component = match entry.component {
                Some(toml::Value::String(c)) => c,
                Some(_) => return Err("[[trigger.http]] `component` must name a [component.X] table; inline components are not supported by recrules-host".into()),
                None => return Err("[[trigger.http]] needs `component = \"<id>\"`".into()),
            };
            if !components.iter().any(|c| c.id == component) {
                return Err(format!("[[trigger.http]] names component `{component}`, which has no [component.{component}] table"));
            }
            if entry.executor.is_some() {
                return Err(format!("[[trigger.http]] for `{component}`: `executor` is not supported by recrules-host (it runs WASI 0.2 `wasi:http/incoming-handler` components)"));
            }
            let pattern = match entry.route {
                toml::Value::String(r) => r,
                // `route = { private = true }`: reachable only from inside the app.
                toml::Value::Table(_) => continue,
                other => {
                    return Err(format!(
                    "[[trigger.http]] for `{component}`: `route` must be a string, found {other}"
                ))
                }
            };
            check_route(&pattern)
                .map_err(|e| format!("[[trigger.http]] route `{pattern}`: {e}"))?;
            if let Some(dup) = routes.iter().find(|r| r.pattern == pattern) {
                return Err(format!(
                    "[[trigger.http]] route `{pattern}` is declared twice (components `{}` and `{component}`)",
                    dup.component
                ));
            }
            routes.push(HttpRoute { pattern, component });
        }
    }
    Ok(routes)
}

/// Checks a route pattern's syntax.
fn check_route(pattern: &str) -> Result<(), String> {
    if !pattern.starts_with('/') {
        return Err("a route starts with `/`".into());
    }
    let body = pattern.strip_suffix("/...").unwrap_or(pattern);
    if body.contains("...") {
        return Err("`...` is allowed only as the last segment (`/prefix/...`)".into());
    }
    if body.split('/').any(|seg| seg.starts_with(':')) {
        return Err("route parameters (`:name`) are not supported by recrules-host: use `/prefix/...` and read `spin-path-info`".into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<App, HostError> {
        App::parse(text, Path::new("/app/spin.toml"), Path::new("/app"))
    }

    const GOOD: &str = r#"
spin_manifest_version = 2
[application]
name = "demo"
[variables]
greeting = { default = "hi" }
token = { required = true, secret = true }
[[trigger.http]]
route = "/otp/..."
component = "otp"
[[trigger.http]]
route = { private = true }
component = "otp"
[component.otp]
source = "target/otp.wasm"
sqlite_databases = ["default"]
allowed_outbound_hosts = ["https://sms.example.com", "postgres://db.internal:5432"]
variables = { greeting = "{{ greeting }}!", token = "{{token}}" }
[component.otp.build]
command = "cargo build"
"#;

    #[test]
    fn the_projects_own_manifest_is_valid() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../spin.toml");
        let app = App::load(&path).expect("the project's spin.toml");
        assert!(!app.components.is_empty());
        // Every component that keeps state reads `state_store` and may open
        // the SQLite database "default"; the console keeps none.
        for component in &app.components {
            let keeps_state = component.variables.contains_key("state_store");
            assert_eq!(
                component.sqlite_databases == ["default"],
                keeps_state,
                "[component.{}]",
                component.id
            );
        }
        assert!(app.components.iter().any(|c| c.id == "meetings"));
    }

    #[test]
    fn reads_a_good_manifest() {
        let app = parse(GOOD).expect("valid");
        assert_eq!(app.name, "demo");
        assert_eq!(app.routes.len(), 1);
        assert_eq!(app.routes[0].pattern, "/otp/...");
        let otp = &app.components[0];
        assert_eq!(otp.source, PathBuf::from("/app/target/otp.wasm"));
        assert_eq!(otp.sqlite_databases, vec!["default".to_string()]);
        let build = otp.build.as_ref().expect("build");
        assert_eq!(build.commands, vec!["cargo build".to_string()]);
        assert_eq!(build.workdir, PathBuf::from("/app"));
        assert!(app.variables["token"].secret);
    }

    #[test]
    fn rejects_what_it_cannot_honour() {
        let cases = [
            (
                GOOD.replace("\"default\"]", "\"other\"]"),
                "`sqlite_databases` names `other`, which is not defined",
            ),
            (
                GOOD.replace("sqlite_databases", "key_value_stores"),
                "it serves SQLite",
            ),
            (
                GOOD.replace("\"{{token}}\"", "\"{{ nope }}\""),
                "not declared in [variables]",
            ),
            (
                GOOD.replace("route = \"/otp/...\"", "route = \"otp\""),
                "starts with `/`",
            ),
            (
                GOOD.replace("route = \"/otp/...\"", "route = \"/a/:id\""),
                "route parameters",
            ),
            (
                GOOD.replace("{ default = \"hi\" }", "{ }"),
                "neither `default`",
            ),
            (GOOD.replace("version = 2", "version = 1"), "version 2"),
            (
                GOOD.replace(
                    "[component.otp.build]",
                    "files = [\"a\"]\n[component.otp.build]",
                ),
                "`files`",
            ),
            (
                GOOD.replace(
                    "[[trigger.http]]\nroute = { private",
                    "[[trigger.redis]]\nroute = { private",
                ),
                "trigger.redis",
            ),
        ];
        for (text, needle) in cases {
            let err = parse(&text).expect_err(needle).to_string();
            assert!(err.contains(needle), "{err} should mention {needle}");
        }
    }
}
