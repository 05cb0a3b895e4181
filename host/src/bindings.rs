//! Host-side bindings for the Spin interfaces the host provides (see `wit/host.wit`).

wasmtime::component::bindgen!({
    world: "spin-host",
    path: "wit",
    imports: { default: trappable },
    with: {
        "fermyon:spin/key-value.store": crate::kv_guest::SpinStore,
        "wasi:keyvalue/store.bucket": crate::kv_guest::Bucket,
        "wasi:keyvalue/atomics.cas": crate::kv_guest::CasHandle,
    },
});
