//! The wasmtime engine, the linker with every interface the host provides,
//! and component loading (with a compiled-component cache).

use crate::bindings::SpinHost;
use crate::error::HostError;
use crate::state::RequestState;
use sha2::{Digest, Sha256};
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use wasmtime::component::{Component, HasSelf, Linker};
use wasmtime::{Config, Engine, InstanceAllocationStrategy, PoolingAllocationConfig};
use wasmtime_wasi_http::p2::bindings::ProxyPre;

/// How often the epoch ticks; a running guest yields to the scheduler at each tick,
/// so a request past its deadline can be cancelled.
pub const EPOCH_TICK: Duration = Duration::from_millis(10);

/// Instances that may run at once (concurrent requests); more answer 503.
const MAX_INSTANCES: u32 = 100;

/// A guest's largest linear memory.
const MAX_MEMORY_BYTES: usize = 512 << 20;

/// The interfaces the host provides, by `namespace:package/interface`, and the versions accepted.
const PROVIDED: &[(&str, Version)] = &[
    ("wasi:cli/environment", Version::Wasi02),
    ("wasi:cli/exit", Version::Wasi02),
    ("wasi:cli/stdin", Version::Wasi02),
    ("wasi:cli/stdout", Version::Wasi02),
    ("wasi:cli/stderr", Version::Wasi02),
    ("wasi:cli/terminal-input", Version::Wasi02),
    ("wasi:cli/terminal-output", Version::Wasi02),
    ("wasi:cli/terminal-stdin", Version::Wasi02),
    ("wasi:cli/terminal-stdout", Version::Wasi02),
    ("wasi:cli/terminal-stderr", Version::Wasi02),
    ("wasi:clocks/monotonic-clock", Version::Wasi02),
    ("wasi:clocks/wall-clock", Version::Wasi02),
    ("wasi:filesystem/types", Version::Wasi02),
    ("wasi:filesystem/preopens", Version::Wasi02),
    ("wasi:io/error", Version::Wasi02),
    ("wasi:io/poll", Version::Wasi02),
    ("wasi:io/streams", Version::Wasi02),
    ("wasi:random/random", Version::Wasi02),
    ("wasi:random/insecure", Version::Wasi02),
    ("wasi:random/insecure-seed", Version::Wasi02),
    ("wasi:sockets/network", Version::Wasi02),
    ("wasi:sockets/instance-network", Version::Wasi02),
    ("wasi:sockets/tcp", Version::Wasi02),
    ("wasi:sockets/tcp-create-socket", Version::Wasi02),
    ("wasi:sockets/udp", Version::Wasi02),
    ("wasi:sockets/udp-create-socket", Version::Wasi02),
    ("wasi:sockets/ip-name-lookup", Version::Wasi02),
    ("wasi:http/types", Version::Wasi02),
    ("wasi:http/outgoing-handler", Version::Wasi02),
    ("fermyon:spin/sqlite", Version::Exact("2.0.0")),
    ("fermyon:spin/variables", Version::Exact("2.0.0")),
    ("spin:postgres/postgres", Version::Exact("4.0.0")),
];

/// Which versions of an interface the host accepts.
#[derive(Clone, Copy)]
enum Version {
    /// Any WASI 0.2 release (`0.2.x`); wasmtime links older patch releases to its own.
    Wasi02,
    /// Exactly this version.
    Exact(&'static str),
}

/// A one-line summary of [`PROVIDED`], for error messages.
fn provided_summary() -> String {
    "WASI 0.2 (wasi:cli, clocks, filesystem, io, random, sockets, wasi:http/types and outgoing-handler), \
     fermyon:spin/sqlite@2.0.0, fermyon:spin/variables@2.0.0, spin:postgres/postgres@4.0.0"
        .to_string()
}

/// Whether the host provides import `name` (`ns:pkg/iface@version`).
fn is_provided(name: &str) -> bool {
    let (interface, version) = name.split_once('@').unwrap_or((name, ""));
    PROVIDED.iter().any(|(i, v)| {
        *i == interface
            && match v {
                Version::Wasi02 => version.starts_with("0.2."),
                Version::Exact(e) => *e == version,
            }
    })
}

/// Creates the engine: component model, pooling allocator, epoch interruption.
pub fn engine() -> Result<Engine, HostError> {
    let mut pool = PoolingAllocationConfig::new();
    pool.total_component_instances(MAX_INSTANCES)
        .total_core_instances(MAX_INSTANCES * 20)
        .total_memories(MAX_INSTANCES * 4)
        .total_tables(MAX_INSTANCES * 20)
        .total_stacks(MAX_INSTANCES)
        .max_memory_size(MAX_MEMORY_BYTES);
    let mut config = Config::new();
    config
        .wasm_component_model(true)
        .epoch_interruption(true)
        .memory_reservation(MAX_MEMORY_BYTES as u64)
        .allocation_strategy(InstanceAllocationStrategy::Pooling(pool));
    Engine::new(&config).map_err(|e| HostError::Engine(format!("{e:#}")))
}

/// The linker with WASI 0.2, `wasi:http` and the Spin interfaces.
pub fn linker(engine: &Engine) -> Result<Linker<RequestState>, HostError> {
    let mut linker = Linker::new(engine);
    let err = |e: wasmtime::Error| HostError::Engine(format!("{e:#}"));
    wasmtime_wasi::p2::add_to_linker_async(&mut linker).map_err(err)?;
    wasmtime_wasi_http::p2::add_only_http_to_linker_async(&mut linker).map_err(err)?;
    SpinHost::add_to_linker::<RequestState, HasSelf<RequestState>>(&mut linker, |s| s)
        .map_err(err)?;
    Ok(linker)
}

/// How a component was loaded, for the startup report.
pub struct LoadReport {
    /// Time spent compiling or deserializing.
    pub took: Duration,
    /// Whether the compiled code came from the cache.
    pub cached: bool,
}

/// Loads component `id` from `source`, checks its imports and prepares it for instantiation.
///
/// With `cache_dir`, compiled code is kept there, keyed by the Wasm's SHA-256
/// and the engine's compatibility hash, so an unchanged component is not compiled twice.
pub fn prepare(
    engine: &Engine,
    linker: &Linker<RequestState>,
    id: &str,
    source: &Path,
    cache_dir: Option<&Path>,
) -> Result<(ProxyPre<RequestState>, LoadReport), HostError> {
    let bytes = std::fs::read(source).map_err(|e| HostError::SourceRead {
        component: id.to_owned(),
        path: source.to_owned(),
        source: e,
    })?;
    let started = Instant::now();
    let cache_file = cache_dir.map(|dir| dir.join(cache_name(engine, &bytes)));
    let cached = cache_file.as_deref().and_then(|f| load_cached(engine, f));
    let from_cache = cached.is_some();
    let component = match cached {
        Some(c) => c,
        None => {
            let c = Component::from_binary(engine, &bytes).map_err(|e| HostError::Component {
                component: id.to_owned(),
                why: format!("{e:#}"),
            })?;
            if let Some(file) = &cache_file {
                store_cached(&c, id, file)?;
            }
            c
        }
    };
    let took = started.elapsed();
    check_imports(engine, &component, id)?;
    let to_err = |e: wasmtime::Error| HostError::Component {
        component: id.to_owned(),
        why: format!("{e:#}"),
    };
    let pre = linker.instantiate_pre(&component).map_err(to_err)?;
    let pre = ProxyPre::new(pre).map_err(|e| HostError::Component {
        component: id.to_owned(),
        why: format!(
            "{e:#}; an HTTP component exports `wasi:http/incoming-handler@0.2.x` (spin-sdk's #[http_component])"
        ),
    })?;
    Ok((
        pre,
        LoadReport {
            took,
            cached: from_cache,
        },
    ))
}

/// Refuses a component that imports an interface the host does not provide.
fn check_imports(engine: &Engine, component: &Component, id: &str) -> Result<(), HostError> {
    let missing: Vec<String> = component
        .component_type()
        .imports(engine)
        .map(|(name, _)| name)
        .filter(|name| !is_provided(name))
        .map(str::to_owned)
        .collect();
    if missing.is_empty() {
        Ok(())
    } else {
        Err(HostError::UnsupportedImports {
            component: id.to_owned(),
            missing,
            provided: provided_summary(),
        })
    }
}

/// The cache file name for `bytes` compiled by `engine`.
fn cache_name(engine: &Engine, bytes: &[u8]) -> String {
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    engine.precompile_compatibility_hash().hash(&mut hasher);
    let digest = Sha256::digest(bytes);
    format!(
        "{}-{:016x}.cwasm",
        hex::encode(&digest[..16]),
        hasher.finish()
    )
}

/// The cached component at `file`, if present and usable.
fn load_cached(engine: &Engine, file: &Path) -> Option<Component> {
    if !file.is_file() {
        return None;
    }
    // SAFETY: the file was written by `store_cached` from `Component::serialize`
    // of this very Wasm (its SHA-256 is in the name) under an engine with the same
    // compatibility hash (also in the name); wasmtime checks the header and version
    // again and fails cleanly on a mismatch. The cache directory belongs to the host.
    match unsafe { Component::deserialize_file(engine, file) } {
        Ok(c) => Some(c),
        Err(e) => {
            eprintln!(
                "recrules-host: ignoring unusable cache entry {}: {e:#}",
                file.display()
            );
            None
        }
    }
}

/// Writes `component`'s compiled code to `file` atomically (temp file, then rename).
fn store_cached(component: &Component, id: &str, file: &Path) -> Result<(), HostError> {
    let write_err = |path: &Path, source| HostError::StateWrite {
        path: path.to_owned(),
        source,
    };
    let bytes = component.serialize().map_err(|e| HostError::Component {
        component: id.to_owned(),
        why: format!("cannot serialize its compiled code for the cache: {e:#}"),
    })?;
    if let Some(dir) = file.parent() {
        std::fs::create_dir_all(dir).map_err(|e| write_err(dir, e))?;
    }
    let tmp = PathBuf::from(format!("{}.{}.tmp", file.display(), std::process::id()));
    std::fs::write(&tmp, bytes).map_err(|e| write_err(&tmp, e))?;
    std::fs::rename(&tmp, file).map_err(|e| write_err(file, e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn knows_what_it_provides() {
        assert!(is_provided("wasi:http/outgoing-handler@0.2.0"));
        assert!(is_provided("wasi:cli/environment@0.2.6"));
        assert!(is_provided("fermyon:spin/sqlite@2.0.0"));
        assert!(is_provided("spin:postgres/postgres@4.0.0"));
        assert!(!is_provided("fermyon:spin/key-value@2.0.0"));
        assert!(!is_provided("wasi:keyvalue/atomics@0.2.0-draft2"));
        assert!(!is_provided("spin:postgres/postgres@4.2.0"));
        assert!(!is_provided("fermyon:spin/llm@2.0.0"));
        assert!(!is_provided("spin:sqlite/sqlite@3.0.0"));
        assert!(!is_provided("wasi:http/handler@0.3.0-rc-2026-01-06"));
        assert!(!is_provided("fermyon:spin/sqlite@3.0.0"));
    }
}
