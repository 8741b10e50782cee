//! Figures that are costly to compute and read far more often than the data
//! under them changes (the dashboard at 8 a.m., a published round's results),
//! kept per instance and tagged with the data version they were computed at
//! (`audit::data_version`, raised in the transaction of every change). An
//! entry is used only while the version is unchanged, so no instance serves
//! figures older than the last committed change it can see. What depends only
//! on tasks, units, members and households' names (the task list's totals,
//! search's matches) is tagged with `audit::listing_version` instead, which
//! visits do not raise.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

pub struct Versioned<V> {
    entries: Mutex<HashMap<String, (i64, Arc<V>)>>,
    /// Held while computing, so that a burst of requests for the same missing
    /// figures computes them once and the others wait for the result.
    computing: Mutex<()>,
    capacity: usize,
}

impl<V> Versioned<V> {
    pub fn new(capacity: usize) -> Self {
        Versioned {
            entries: Mutex::new(HashMap::new()),
            computing: Mutex::new(()),
            capacity,
        }
    }

    /// The value stored under `key` if it was computed at `version`.
    pub fn get(&self, key: &str, version: i64) -> Option<Arc<V>> {
        let entries = self.entries.lock().ok()?;
        entries
            .get(key)
            .filter(|(v, _)| *v == version)
            .map(|(_, value)| value.clone())
    }

    pub fn put(&self, key: String, version: i64, value: Arc<V>) {
        if let Ok(mut entries) = self.entries.lock() {
            // Entries of older versions are dead weight; drop them all when full.
            if entries.len() >= self.capacity {
                entries.retain(|_, (v, _)| *v == version);
                if entries.len() >= self.capacity {
                    entries.clear();
                }
            }
            entries.insert(key, (version, value));
        }
    }

    /// The value for `key` at `version`, computed by `make` when missing,
    /// without waiting for other keys being computed: for values cheap enough
    /// that a burst computing one twice costs less than queueing behind
    /// another reader's (a filtered count, a search's matches).
    pub fn get_or_compute<E>(
        &self,
        key: String,
        version: i64,
        make: impl FnOnce() -> Result<V, E>,
    ) -> Result<Arc<V>, E> {
        if let Some(hit) = self.get(&key, version) {
            return Ok(hit);
        }
        let value = Arc::new(make()?);
        self.put(key, version, value.clone());
        Ok(value)
    }

    /// The value for `key` at `version`, computed by `make` when missing.
    pub fn get_or<E>(
        &self,
        key: String,
        version: i64,
        make: impl FnOnce() -> Result<V, E>,
    ) -> Result<Arc<V>, E> {
        match self.get(&key, version) {
            Some(hit) => Ok(hit),
            None => {
                let _one_at_a_time = self.computing.lock();
                self.get_or_compute(key, version, make)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_entry_serves_only_its_own_version() {
        let c: Versioned<i32> = Versioned::new(2);
        let one = c.get_or::<()>("a".into(), 1, || Ok(10)).unwrap();
        assert_eq!(*one, 10);
        assert_eq!(*c.get_or::<()>("a".into(), 1, || Ok(99)).unwrap(), 10);
        assert_eq!(*c.get_or::<()>("a".into(), 2, || Ok(20)).unwrap(), 20);
        assert_eq!(c.get("a", 1), None);
    }

    #[test]
    fn compute_without_waiting_serves_only_its_own_version_too() {
        let c: Versioned<i32> = Versioned::new(4);
        assert_eq!(
            *c.get_or_compute::<()>("a".into(), 1, || Ok(10)).unwrap(),
            10
        );
        assert_eq!(
            *c.get_or_compute::<()>("a".into(), 1, || Ok(99)).unwrap(),
            10
        );
        assert_eq!(
            *c.get_or_compute::<()>("a".into(), 2, || Ok(20)).unwrap(),
            20
        );
        assert!(c.get_or_compute("b".into(), 2, || Err("failed")).is_err());
        assert_eq!(c.get("b", 2), None);
    }

    #[test]
    fn a_full_cache_drops_old_versions_first() {
        let c: Versioned<i32> = Versioned::new(2);
        c.put("a".into(), 1, Arc::new(1));
        c.put("b".into(), 2, Arc::new(2));
        c.put("c".into(), 2, Arc::new(3));
        assert_eq!(c.get("a", 1), None);
        assert_eq!(c.get("b", 2).as_deref(), Some(&2));
        assert_eq!(c.get("c", 2).as_deref(), Some(&3));
    }
}
