//! The replay store: the signatures the component accepted within the
//! allowed clock skew, in the Lapps' state store (Spin's SQLite database
//! "default", or PostgreSQL: [`recrules_lapp_support::store`]), so that the
//! same signed request is answered once.
//!
//! The component's route names its records (two tenant Lapps sharing one
//! store keep apart; their signatures differ anyway, since a signature names
//! the Lapp and its environment), in 16 records keyed by
//! the digest's first hex digit, each a [`SeenSignatures`] changed by
//! a versioned update ([`Store::update`]: one conditional SQL statement per
//! try): of two racing copies of one request, one is admitted.

use recrules_lapp_support::store::{Change, Store, StoreError};
use recrules_sdk::hook::{SeenSignatures, SignatureError, Signed};

/// The start of every key the kit writes. `:` is in no org id, so it meets
/// no key of the meetings and OTP Lapps sharing the store.
const PREFIX: &str = "tenant-kit:replay";

/// Admits `signed`, received on `route` at `now` (unix seconds): `Ok(Ok(()))`
/// the first time, `Ok(Err(SignatureError::Replayed))` after; `Err` when the
/// store fails.
pub fn admit(
    route: &str,
    signed: Signed,
    now: i64,
) -> Result<Result<(), SignatureError>, StoreError> {
    let store: Store = Store::open()?;
    let shard = signed.digest[0] >> 4;
    let key = format!("{PREFIX}{route}/{shard:x}");
    store.update(&key, |mut seen: SeenSignatures| {
        Ok(match seen.admit(signed, now) {
            Ok(()) => Change::Write(seen, Ok(())),
            Err(replayed) => Change::Keep(Err(replayed)),
        })
    })
}
