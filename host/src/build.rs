//! Running the components' build commands, as `spin build` does.

use crate::error::HostError;
use crate::manifest::App;
use std::process::{Command, Stdio};

/// Runs each component's `[component.X.build] command`s in order, through `sh -c`,
/// in its `workdir` (default: the manifest's directory). Their output goes to
/// stderr, so stdout stays for the host's own report. Stops at the first failure.
pub fn build_all(app: &App) -> Result<(), HostError> {
    for component in &app.components {
        let Some(build) = &component.build else {
            eprintln!(
                "recrules-host: component `{}` has no build command; skipping",
                component.id
            );
            continue;
        };
        for command in &build.commands {
            eprintln!(
                "recrules-host: building component `{}` with `{command}`",
                component.id
            );
            let failed = |why: String| HostError::Build {
                component: component.id.clone(),
                command: command.clone(),
                why,
            };
            let status = Command::new("sh")
                .arg("-c")
                .arg(command)
                .current_dir(&build.workdir)
                .stdin(Stdio::null())
                .stdout(std::io::stderr())
                .status()
                .map_err(|e| {
                    failed(format!(
                        "cannot start `sh` in {}: {e}",
                        build.workdir.display()
                    ))
                })?;
            if !status.success() {
                return Err(failed(format!("it exited with {status}")));
            }
        }
    }
    Ok(())
}
