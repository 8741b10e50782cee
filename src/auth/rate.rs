//! How often one API token may call: requests a minute, per token.

use std::num::NonZeroU32;

use governor::clock::DefaultClock;

/// Requests allowed per API token id.
pub type Limiter =
    governor::RateLimiter<i64, governor::state::keyed::HashMapStateStore<i64>, DefaultClock>;

/// Requests allowed per client address (a citizen's questions).
pub type AddressLimiter =
    governor::RateLimiter<String, governor::state::keyed::HashMapStateStore<String>, DefaultClock>;

/// A limiter allowing `burst` requests at once per address, then one every
/// `every`.
pub fn per_address(burst: u32, every: std::time::Duration) -> AddressLimiter {
    let n = NonZeroU32::new(burst.max(1)).unwrap_or(NonZeroU32::MIN);
    let quota = governor::Quota::with_period(every)
        .unwrap_or_else(|| governor::Quota::per_minute(NonZeroU32::MIN))
        .allow_burst(n);
    governor::RateLimiter::hashmap(quota)
}

/// A limiter allowing `per_minute` requests a minute per token, in bursts of
/// as many.
pub fn limiter(per_minute: u32) -> Limiter {
    let n = NonZeroU32::new(per_minute.max(1)).unwrap_or(NonZeroU32::MIN);
    governor::RateLimiter::hashmap(governor::Quota::per_minute(n))
}
