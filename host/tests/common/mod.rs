//! Shared test helpers: build the probe component once, start the real host
//! binary on port 0 in a temporary directory, and talk to it over HTTP.

// Each test binary uses its own part of these helpers.
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::time::Duration;

/// The host binary under test.
pub const HOST_BIN: &str = env!("CARGO_BIN_EXE_recrules-host");

/// The cargo target directory the host binary was built into.
fn target_dir() -> PathBuf {
    // <target>/<profile>/recrules-host
    Path::new(HOST_BIN)
        .ancestors()
        .nth(2)
        .expect("the host binary lives in <target>/<profile>/")
        .to_path_buf()
}

/// Where the probe builds (a target dir of its own, so the nested cargo never
/// waits on the lock of the `cargo test` that runs us).
fn probe_target_dir() -> PathBuf {
    target_dir().join("probe")
}

/// The compiled-component cache shared by all tests, so the probe compiles once.
pub fn shared_cache_dir() -> PathBuf {
    probe_target_dir().join("host-cache")
}

/// Builds the probe component (once per test binary) and returns its path.
pub fn probe_wasm() -> &'static Path {
    static WASM: OnceLock<PathBuf> = OnceLock::new();
    WASM.get_or_init(|| {
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let workspace = Path::new(env!("CARGO_MANIFEST_DIR"))
            .parent()
            .expect("host/ sits in the workspace root");
        let status = Command::new(cargo)
            .current_dir(workspace)
            .args([
                "build",
                "--target",
                "wasm32-wasip2",
                "--profile",
                "wasm-release",
                "-p",
                "recrules-host-probe",
                "--target-dir",
            ])
            .arg(probe_target_dir())
            .status()
            .expect("cargo runs");
        assert!(
            status.success(),
            "building the probe failed ({status}); is the target installed? `rustup target add wasm32-wasip2`"
        );
        let wasm = probe_target_dir().join("wasm32-wasip2/wasm-release/recrules_host_probe.wasm");
        assert!(wasm.is_file(), "probe not found at {}", wasm.display());
        wasm
    })
}

/// A manifest serving the probe at `/probe/...` (and an exact route `/probe-exact`),
/// with `extra` appended to its `[component.probe]` table.
pub fn probe_manifest(extra: &str) -> String {
    format!(
        r#"spin_manifest_version = 2

[application]
name = "host-test"

[variables]
greeting = {{ default = "hello" }}
token = {{ default = "t0", secret = true }}

[[trigger.http]]
route = "/probe/..."
component = "probe"

[[trigger.http]]
route = "/probe/echo/exact"
component = "probe"

[component.probe]
source = "{}"
sqlite_databases = ["default"]
{extra}
"#,
        probe_wasm().display()
    )
}

/// A temporary application directory holding `spin.toml` (its `.spin/` is created by the host).
pub struct AppDir {
    dir: tempfile::TempDir,
}

impl AppDir {
    /// A directory with `manifest` as its `spin.toml`.
    pub fn new(manifest: &str) -> AppDir {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(dir.path().join("spin.toml"), manifest).expect("write manifest");
        AppDir { dir }
    }

    /// The directory.
    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Starts the host on this app with extra environment variables.
    pub fn start_with_env(&self, env: &[(&str, &str)]) -> Host {
        self.start_with(env, &[])
    }

    /// Starts the host on this app with extra environment variables and `up` options.
    pub fn start_with(&self, env: &[(&str, &str)], args: &[&str]) -> Host {
        let mut cmd = self.command(env);
        cmd.args(args);
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.log_path())
            .expect("open host log");
        cmd.stdout(Stdio::piped()).stderr(log);
        let mut child = cmd.spawn().expect("start host");
        let stdout = child.stdout.take().expect("stdout");
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut lines = BufReader::new(stdout).lines();
            let first = lines.next().and_then(Result::ok);
            let _ = tx.send(first);
            // Keep draining so the host never blocks on a full pipe.
            for _ in lines {}
        });
        let first = rx
            .recv_timeout(Duration::from_secs(120))
            .ok()
            .flatten()
            .unwrap_or_default();
        let url = first
            .strip_prefix("Serving ")
            .unwrap_or_else(|| {
                let _ = child.kill();
                let log = std::fs::read_to_string(self.log_path()).unwrap_or_default();
                panic!(
                    "host did not print `Serving <url>` first; got {first:?}; its stderr:\n{log}"
                )
            })
            .trim()
            .to_string();
        Host { child, url }
    }

    /// Starts the host on this app.
    pub fn start(&self) -> Host {
        self.start_with_env(&[])
    }

    /// Runs the host to completion, expecting it to fail; returns its stderr.
    pub fn expect_start_failure(&self, env: &[(&str, &str)]) -> String {
        let out = self
            .command(env)
            .stdin(Stdio::null())
            .output()
            .expect("run host");
        assert!(
            !out.status.success(),
            "host should refuse to start; stdout: {}",
            String::from_utf8_lossy(&out.stdout)
        );
        String::from_utf8_lossy(&out.stderr).into_owned()
    }

    /// The file collecting the host's stderr.
    pub fn log_path(&self) -> PathBuf {
        self.path().join("host.log")
    }

    /// Runs `recrules-host build` on this app.
    pub fn build(&self) -> std::process::Output {
        Command::new(HOST_BIN)
            .arg("build")
            .arg("--manifest")
            .arg(self.path().join("spin.toml"))
            .stdin(Stdio::null())
            .output()
            .expect("run host build")
    }

    fn command(&self, env: &[(&str, &str)]) -> Command {
        let mut cmd = Command::new(HOST_BIN);
        cmd.arg("up")
            .arg("--manifest")
            .arg(self.path().join("spin.toml"))
            .args([
                "--listen",
                "127.0.0.1:0",
                "--timeout-secs",
                "2",
                "--cache-dir",
            ])
            .arg(shared_cache_dir())
            .env_remove("SPIN_VARIABLE_GREETING")
            .env_remove("SPIN_VARIABLE_TOKEN");
        for (k, v) in env {
            cmd.env(k, v);
        }
        cmd
    }
}

/// A running host; killed (SIGKILL) when dropped.
pub struct Host {
    child: Child,
    /// `http://127.0.0.1:<port>`.
    pub url: String,
}

impl Host {
    /// Kills the host with SIGKILL (like `kill -9`) and waits for it.
    pub fn kill9(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Sends a request; returns status and body text.
    pub fn call(&self, method: &str, path: &str, body: &[u8]) -> (u16, String) {
        let url = format!("{}{path}", self.url);
        let agent = agent();
        let result = match method {
            "GET" => agent.get(&url).call(),
            "DELETE" => agent.delete(&url).call(),
            "PUT" => agent.put(&url).send(body),
            "POST" => agent.post(&url).send(body),
            other => panic!("unsupported method {other}"),
        };
        let mut resp = result.unwrap_or_else(|e| panic!("{method} {url}: {e}"));
        let status = resp.status().as_u16();
        let text = resp.body_mut().read_to_string().unwrap_or_default();
        (status, text)
    }

    /// GET `path`.
    pub fn get(&self, path: &str) -> (u16, String) {
        self.call("GET", path, b"")
    }
}

impl Drop for Host {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(60)))
        .build()
        .into()
}

/// A one-shot HTTP server on loopback that answers `hello` to `count`
/// requests, then stops. Returns its port.
pub fn loopback_server(count: usize) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind loopback");
    let port = listener.local_addr().expect("addr").port();
    std::thread::spawn(move || {
        for stream in listener.incoming().take(count) {
            let Ok(mut stream) = stream else { continue };
            let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
            let mut seen = Vec::new();
            let mut buf = [0u8; 1024];
            while !seen.windows(4).any(|w| w == b"\r\n\r\n") {
                match stream.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => seen.extend_from_slice(&buf[..n]),
                }
            }
            let _ = stream.write_all(
                b"HTTP/1.1 200 OK\r\ncontent-length: 5\r\nconnection: close\r\n\r\nhello",
            );
        }
    });
    port
}

/// Percent-encodes `text` for a query string.
pub fn enc(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The test PostgreSQL's URL, from `RECRULES_POSTGRES_URL`.
pub fn pg_url() -> String {
    match std::env::var("RECRULES_POSTGRES_URL") {
        Ok(url) if !url.is_empty() => url,
        _ => panic!(
            "RECRULES_POSTGRES_URL is not set: these tests need a PostgreSQL. Run \
             `bash scripts/postgres.sh start` and `export RECRULES_POSTGRES_URL=$(bash scripts/postgres.sh url)`"
        ),
    }
}

/// The `host:port` of a PostgreSQL URL.
pub fn pg_authority(url: &str) -> String {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let rest = rest.rsplit_once('@').map_or(rest, |(_, r)| r);
    rest.split(['/', '?']).next().unwrap_or(rest).to_owned()
}

/// `url` with its database replaced by `database`.
pub fn pg_url_for(url: &str, database: &str) -> String {
    let (base, query) = url
        .split_once('?')
        .map_or((url, None), |(b, q)| (b, Some(q)));
    let scheme_end = base.find("://").map_or(0, |i| i + 3);
    let head = match base[scheme_end..].find('/') {
        Some(i) => &base[..scheme_end + i],
        None => base,
    };
    match query {
        Some(q) => format!("{head}/{database}?{q}"),
        None => format!("{head}/{database}"),
    }
}

/// A manifest serving the probe with PostgreSQL allowed at the test
/// cluster's `host:port` (through a `{{ pg_host }}` template) and the
/// component variable `pg_url` set to `url`.
pub fn pg_probe_manifest(url: &str) -> String {
    let vars = format!(
        "[variables]\npg_host = {{ default = \"{}\" }}\npg_url = {{ default = \"{url}\" }}\n",
        pg_authority(url)
    );
    probe_manifest(
        "allowed_outbound_hosts = [\"postgres://{{ pg_host }}\"]\nvariables = { pg_url = \"{{ pg_url }}\" }",
    )
    .replacen("[variables]\n", &vars, 1)
}

/// A fresh database on the test cluster, dropped when this goes out of scope.
pub struct PgDatabase {
    /// Its name.
    pub name: String,
    /// Its URL.
    pub url: String,
    admin: String,
}

impl PgDatabase {
    /// Creates a database named after `tag`, the process and the time,
    /// through a host that serves [`pg_probe_manifest`].
    pub fn create(host: &Host, tag: &str) -> PgDatabase {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        let name = format!("host_{tag}_{}_{nanos}", std::process::id());
        let admin = pg_url();
        let (status, body) = host.call(
            "POST",
            "/probe/pg/exec",
            format!("CREATE DATABASE {name}").as_bytes(),
        );
        assert_eq!(status, 200, "CREATE DATABASE {name}: {body}");
        PgDatabase {
            url: pg_url_for(&admin, &name),
            name,
            admin,
        }
    }

    /// Drops the database through `host` (which must allow the cluster).
    pub fn drop_with(self, host: &Host) {
        let (status, body) = host.call(
            "POST",
            &format!("/probe/pg/exec?url={}", enc(&self.admin)),
            format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name).as_bytes(),
        );
        assert_eq!(status, 200, "DROP DATABASE {}: {body}", self.name);
    }
}
