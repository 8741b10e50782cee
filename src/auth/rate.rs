//! How often one API token may call: requests a minute, per token.

use std::num::NonZeroU32;

use governor::clock::DefaultClock;

/// Requests allowed per API token id.
pub type Limiter =
    governor::RateLimiter<i64, governor::state::keyed::HashMapStateStore<i64>, DefaultClock>;

/// A limiter allowing `per_minute` requests a minute per token, in bursts of
/// as many.
pub fn limiter(per_minute: u32) -> Limiter {
    let n = NonZeroU32::new(per_minute.max(1)).unwrap_or(NonZeroU32::MIN);
    governor::RateLimiter::hashmap(governor::Quota::per_minute(n))
}
