//! `recrules-host up`: load the application, then serve it.

use crate::engine::{self, EPOCH_TICK};
use crate::error::HostError;
use crate::manifest::App;
use crate::outbound::{AllowedHost, OutboundPolicy};
use crate::pg_client::PgPools;
use crate::routes::Router;
use crate::server::{Served, Server};
use crate::sqlite_guest::{SqliteDatabases, DEFAULT_FILE};
use crate::state::Grants;
use crate::variables::AppValues;
use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

/// Options of `up`.
#[derive(clap::Args)]
pub struct UpArgs {
    /// The manifest.
    #[arg(long, short = 'f', default_value = "spin.toml")]
    manifest: PathBuf,
    /// Address to listen on; port 0 picks a free port (printed on startup).
    #[arg(long, default_value = "127.0.0.1:3000")]
    listen: String,
    /// Run the components' build commands first.
    #[arg(long)]
    build: bool,
    /// Directory for the SQLite database (`sqlite_db.db`) and the compiled-component cache
    /// [default: `.spin` beside the manifest].
    #[arg(long)]
    state_dir: Option<PathBuf>,
    /// Directory for compiled components [default: `<state-dir>/cache`].
    #[arg(long)]
    cache_dir: Option<PathBuf>,
    /// Per-request deadline in seconds.
    #[arg(long, default_value_t = 30)]
    timeout_secs: u64,
    /// Run the meetings Lapp's maintenance sweep (`POST /maintenance/sweep`)
    /// for every org in `org_admin_keys` every this many seconds
    /// [default: never; a platform's scheduler calls it].
    #[arg(long, value_name = "SECS", value_parser = clap::value_parser!(u64).range(1..))]
    sweep_every: Option<u64>,
}

/// Loads the application and serves it until the process is stopped.
pub fn run(args: UpArgs) -> Result<(), HostError> {
    let app = App::load(&args.manifest)?;
    if args.build {
        crate::build::build_all(&app)?;
    }
    let state_dir = args.state_dir.unwrap_or_else(|| app.dir.join(".spin"));
    let cache_dir = args.cache_dir.unwrap_or_else(|| state_dir.join("cache"));
    create_dir(&state_dir)?;
    let sqlite = SqliteDatabases::open(&state_dir.join(DEFAULT_FILE))?;
    let pg = PgPools::default();
    let values = AppValues::resolve(&app, |k| std::env::var(k).ok())?;
    let sweeps = match args.sweep_every {
        Some(secs) => Some((
            crate::sweeper::orgs(values.get(crate::sweeper::ADMIN_KEYS_VARIABLE)).map_err(
                |what| HostError::ManifestInvalid {
                    path: app.manifest_path.clone(),
                    what,
                },
            )?,
            Duration::from_secs(secs),
        )),
        None => None,
    };
    eprintln!(
        "recrules-host: application `{}` from {}",
        app.name,
        app.manifest_path.display()
    );
    for (name, var) in &app.variables {
        let env = crate::variables::env_name(name);
        let source = if std::env::var_os(&env).is_some() {
            env
        } else {
            "default".to_owned()
        };
        let shown = if var.secret {
            "<secret>"
        } else {
            values.get(name).unwrap_or("")
        };
        eprintln!("recrules-host: variable `{name}` = {shown:?} ({source})");
    }
    let engine = engine::engine()?;
    let linker = engine::linker(&engine)?;
    let mut components = HashMap::new();
    for component in &app.components {
        let (pre, report) = engine::prepare(
            &engine,
            &linker,
            &component.id,
            &component.source,
            Some(&cache_dir),
        )?;
        eprintln!(
            "recrules-host: component `{}` {} in {:.2?}",
            component.id,
            if report.cached {
                "loaded from cache"
            } else {
                "compiled"
            },
            report.took
        );
        let id: Arc<str> = component.id.as_str().into();
        let allowed = component
            .allowed_outbound_hosts
            .iter()
            .map(|entry| {
                values
                    .render(entry)
                    .and_then(|e| AllowedHost::parse(&e))
                    .map_err(|what| HostError::ManifestInvalid {
                        path: app.manifest_path.clone(),
                        what: format!(
                            "[component.{}] allowed_outbound_hosts: {what}",
                            component.id
                        ),
                    })
            })
            .collect::<Result<Vec<_>, _>>()?;
        let grants = Grants {
            component: id.clone(),
            sqlite: sqlite.clone(),
            sqlite_labels: component.sqlite_databases.clone().into(),
            pg: pg.clone(),
            variables: Arc::new(values.component_values(&app, component)?),
            outbound: OutboundPolicy::new(id, allowed),
            environment: component
                .environment
                .iter()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
        };
        components.insert(component.id.clone(), Served { pre, grants });
    }
    let server = Arc::new(Server {
        router: Router::new(app.routes.clone()),
        components,
        timeout: Duration::from_secs(args.timeout_secs),
    });
    // At least two workers, so one guest spinning up to its next epoch yield
    // never holds up the accept loop on a single-CPU machine.
    let workers = std::thread::available_parallelism().map_or(2, |n| n.get().max(2));
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(workers)
        .enable_all()
        .build()
        .map_err(|e| HostError::Engine(format!("cannot start the async runtime: {e}")))?;
    runtime.block_on(serve(server, engine, &args.listen, sweeps))
}

/// Binds, prints the URL and routes, and serves until Ctrl-C.
async fn serve(
    server: Arc<Server>,
    engine: wasmtime::Engine,
    listen: &str,
    sweeps: Option<(Vec<(String, String)>, Duration)>,
) -> Result<(), HostError> {
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .map_err(|source| HostError::Listen {
            addr: listen.to_owned(),
            source,
        })?;
    let addr = listener.local_addr().map_err(|source| HostError::Listen {
        addr: listen.to_owned(),
        source,
    })?;
    let mut report = format!("Serving http://{addr}\nAvailable Routes:\n");
    for route in server.router.routes() {
        report.push_str(&format!("  {} -> {}\n", route.pattern, route.component));
    }
    let mut out = std::io::stdout().lock();
    // A closed stdout must not stop the server; the URL is then simply not shown.
    let _ = out.write_all(report.as_bytes()).and_then(|()| out.flush());
    drop(out);
    // The epoch ticks on its own OS thread: a guest that never returns holds its
    // worker thread, and a ticker on the async runtime could then starve behind it
    // (one worker on a single-CPU machine), leaving the runaway guest uncancelled.
    std::thread::Builder::new()
        .name("epoch-ticker".to_owned())
        .spawn(move || loop {
            std::thread::sleep(EPOCH_TICK);
            engine.increment_epoch();
        })
        .map_err(|e| HostError::Engine(format!("cannot start the epoch ticker: {e}")))?;
    if let Some((orgs, every)) = sweeps {
        eprintln!(
            "recrules-host: sweeping {} org(s) every {every:?}",
            orgs.len()
        );
        tokio::spawn(crate::sweeper::run(addr, orgs, every));
    }
    tokio::select! {
        () = server.run(listener) => Ok(()),
        _ = tokio::signal::ctrl_c() => {
            eprintln!("recrules-host: stopping");
            Ok(())
        }
    }
}

/// Creates `dir` and its parents.
fn create_dir(dir: &Path) -> Result<(), HostError> {
    std::fs::create_dir_all(dir).map_err(|source| HostError::StateWrite {
        path: dir.to_owned(),
        source,
    })
}
