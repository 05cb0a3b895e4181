//! Application and component variables, resolved the way Spin does.
//!
//! An application variable's value comes from the environment variable
//! `SPIN_VARIABLE_<NAME>` (the name in uppercase) when set, else from its
//! `default`. A component variable is a template over application variables
//! (`"{{ name }}"`, with any literal text around it). All values are resolved
//! once at startup, so a missing required variable stops the host there.

use crate::error::HostError;
use crate::manifest::{App, Component};
use std::collections::BTreeMap;

/// The environment variable that overrides application variable `name`.
pub fn env_name(name: &str) -> String {
    format!("SPIN_VARIABLE_{}", name.to_ascii_uppercase())
}

/// A template split into literal text and variable references.
enum Piece<'a> {
    Text(&'a str),
    Var(&'a str),
}

/// Splits `template` into pieces, or says what is malformed.
fn pieces(template: &str) -> Result<Vec<Piece<'_>>, String> {
    let mut out = Vec::new();
    let mut rest = template;
    while let Some(start) = rest.find("{{") {
        out.push(Piece::Text(&rest[..start]));
        let after = &rest[start + 2..];
        let end = after
            .find("}}")
            .ok_or_else(|| format!("template `{template}` opens `{{{{` without closing `}}}}`"))?;
        let name = after[..end].trim();
        if !crate::manifest::is_valid_variable_name(name) {
            return Err(format!(
                "template `{template}` refers to `{name}`, which is not a valid variable name"
            ));
        }
        out.push(Piece::Var(name));
        rest = &after[end + 2..];
    }
    out.push(Piece::Text(rest));
    Ok(out)
}

/// The application variables a template refers to.
pub fn template_references(template: &str) -> Result<Vec<String>, String> {
    Ok(pieces(template)?
        .into_iter()
        .filter_map(|p| match p {
            Piece::Var(name) => Some(name.to_owned()),
            Piece::Text(_) => None,
        })
        .collect())
}

/// The application variables' values, resolved from the environment and defaults.
#[derive(Debug, Clone, Default)]
pub struct AppValues {
    values: BTreeMap<String, String>,
}

impl AppValues {
    /// Resolves every application variable of `app`; `env` looks up an environment variable.
    pub fn resolve(app: &App, env: impl Fn(&str) -> Option<String>) -> Result<Self, HostError> {
        let mut values = BTreeMap::new();
        for (name, var) in &app.variables {
            let env_var = env_name(name);
            let value = match (env(&env_var), &var.default) {
                (Some(v), _) => v,
                (None, Some(d)) => d.clone(),
                (None, None) => {
                    return Err(HostError::MissingVariable {
                        name: name.clone(),
                        env: env_var,
                    })
                }
            };
            values.insert(name.clone(), value);
        }
        Ok(AppValues { values })
    }

    /// The value of application variable `name`.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.values.get(name).map(String::as_str)
    }

    /// Expands `template`; a malformed template or an unknown name is an error naming it.
    pub fn render(&self, template: &str) -> Result<String, String> {
        let mut out = String::new();
        for piece in pieces(template)? {
            match piece {
                Piece::Text(t) => out.push_str(t),
                Piece::Var(name) => out.push_str(self.values.get(name).ok_or_else(|| {
                    format!("template `{template}` refers to `{name}`, which is not declared in [variables]")
                })?),
            }
        }
        Ok(out)
    }

    /// The component variables of `component` (declared in `app`), rendered.
    pub fn component_values(
        &self,
        app: &App,
        component: &Component,
    ) -> Result<BTreeMap<String, String>, HostError> {
        component
            .variables
            .iter()
            .map(|(name, template)| {
                self.render(template)
                    .map(|v| (name.clone(), v))
                    .map_err(|what| HostError::ManifestInvalid {
                        path: app.manifest_path.clone(),
                        what: format!("[component.{}] variable `{name}`: {what}", component.id),
                    })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn app() -> App {
        App::parse(
            r#"
spin_manifest_version = 2
[application]
name = "v"
[variables]
region = { default = "eu" }
api_key = { required = true, secret = true }
[component.c]
source = "c.wasm"
variables = { url = "https://{{ region }}.example.com/{{api_key}}", plain = "x" }
"#,
            Path::new("/a/spin.toml"),
            Path::new("/a"),
        )
        .expect("valid")
    }

    #[test]
    fn defaults_env_override_and_templates() {
        let app = app();
        let env = |k: &str| match k {
            "SPIN_VARIABLE_API_KEY" => Some("k1".to_string()),
            _ => None,
        };
        let values = AppValues::resolve(&app, env).expect("resolves");
        let c = values
            .component_values(&app, &app.components[0])
            .expect("renders");
        assert_eq!(c["url"], "https://eu.example.com/k1");
        assert_eq!(c["plain"], "x");
        let env = |k: &str| {
            (k == "SPIN_VARIABLE_REGION" || k == "SPIN_VARIABLE_API_KEY").then(|| "us".to_string())
        };
        let values = AppValues::resolve(&app, env).expect("resolves");
        assert_eq!(values.render("{{region}}").as_deref(), Ok("us"));
    }

    #[test]
    fn missing_required_names_the_env_var() {
        let err = AppValues::resolve(&app(), |_| None).expect_err("required");
        assert!(err.to_string().contains("SPIN_VARIABLE_API_KEY"), "{err}");
    }

    #[test]
    fn malformed_templates_are_errors() {
        assert!(template_references("{{ x").is_err());
        assert!(template_references("{{ X }}").is_err());
        assert_eq!(
            template_references("a{{b}}c{{ d }}"),
            Ok(vec!["b".into(), "d".into()])
        );
    }
}
