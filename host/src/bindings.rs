//! Host-side bindings for the Spin interfaces the host provides (see `wit/host.wit`).

wasmtime::component::bindgen!({
    world: "spin-host",
    path: "wit",
    imports: { default: async | trappable },
    with: {
        "fermyon:spin/sqlite.connection": crate::sqlite_guest::SqliteConnection,
        "spin:postgres/postgres.connection": crate::pg_guest::PgConnection,
    },
});
