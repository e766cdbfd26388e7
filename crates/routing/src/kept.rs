//! Values read from the database kept by key for a moment, so that a hot path (a receive names two
//! offices and signs with one office's key) does not read them again on every request. One rule
//! for every such cache: a value is answered for a fixed time after it was read, stale ones leave
//! when new ones are kept, and the map never holds more than a bound.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Values by key, each answered for `life` after it was kept, at most `most` of them.
#[derive(Debug, Clone)]
pub(crate) struct Kept<T> {
    life: Duration,
    most: usize,
    map: Arc<Mutex<HashMap<String, (Instant, T)>>>,
}

impl<T: Clone> Kept<T> {
    /// Keeps each value for `life`, at most `most` values.
    pub(crate) fn new(life: Duration, most: usize) -> Self {
        Self { life, most, map: Arc::default() }
    }

    /// The value kept for `key`, if it was kept less than the life ago.
    pub(crate) fn fresh(&self, key: &str) -> Option<T> {
        let map = self.map.lock().unwrap_or_else(|e| e.into_inner());
        map.get(key).filter(|(at, _)| at.elapsed() < self.life).map(|(_, value)| value.clone())
    }

    /// Keeps these values, read now. Stale values leave first; should the map still reach its
    /// bound, it starts afresh (a listing naming many keys must not grow it without end).
    pub(crate) fn keep(&self, values: impl IntoIterator<Item = (String, T)>) {
        let values: Vec<_> = values.into_iter().collect();
        let mut map = self.map.lock().unwrap_or_else(|e| e.into_inner());
        map.retain(|_, (at, _)| at.elapsed() < self.life);
        if map.len() + values.len() > self.most {
            map.clear();
        }
        let now = Instant::now();
        map.extend(values.into_iter().map(|(key, value)| (key, (now, value))));
    }

    /// Forgets every value kept.
    pub(crate) fn forget(&self) {
        self.map.lock().unwrap_or_else(|e| e.into_inner()).clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_value_is_answered_for_its_life_and_the_bound_holds() {
        let kept = Kept::new(Duration::from_secs(60), 3);
        kept.keep([("a".to_owned(), 1), ("b".to_owned(), 2)]);
        assert_eq!(kept.fresh("a"), Some(1));
        assert_eq!(kept.fresh("c"), None);
        kept.keep([("c".to_owned(), 3), ("d".to_owned(), 4)]);
        assert_eq!(kept.fresh("a"), None, "past the bound the map starts afresh");
        assert_eq!(kept.fresh("d"), Some(4));
        kept.forget();
        assert_eq!(kept.fresh("d"), None);

        let brief = Kept::new(Duration::ZERO, 3);
        brief.keep([("a".to_owned(), 1)]);
        assert_eq!(brief.fresh("a"), None, "a value past its life is not answered");
    }
}
