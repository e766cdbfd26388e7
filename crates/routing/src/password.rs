//! Passwords: hashed with argon2id (the crate's recommended parameters: 19 MiB of memory, two
//! passes, one lane) and a random salt; only the PHC string is stored, and a wrong password costs the
//! same time as a right one.
//!
//! Every hash and verification of the node runs through one [`HashingGate`], held by
//! `Correspondence`: at most as many at once as the machine has cores, each on a blocking thread.
//! Without the bound, each concurrent sign-in took its own 19 MiB on its own blocking thread (up to
//! 512 of them), and the allocator kept it: 256 concurrent failed sign-ins took a node from 256 MB
//! to 2.9 GB resident. With it, hashing holds at most `cores × 19 MiB`; a request that finds every
//! slot taken for the gate's whole wait is refused as busy (429 with Retry-After) instead of queueing
//! without end.

use crate::RoutingError;
use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString, rand_core::OsRng};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Semaphore;

/// The memory one argon2 computation takes with the parameters in use, in KiB.
pub const MEMORY_KIB: u32 = argon2::Params::DEFAULT_M_COST;

/// Hashes a password for storage. Blocking: call it through [`HashingGate::run`].
pub fn hash(password: &str) -> Result<String, RoutingError> {
    if password.chars().count() < 8 {
        return Err(RoutingError::Field { field: "password", message: "at least 8 characters".into() });
    }
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| RoutingError::Field { field: "password", message: e.to_string() })
}

/// Whether `password` matches a stored hash; a malformed stored hash never matches. Blocking: call
/// it through [`HashingGate::run`].
pub fn verify(password: &str, stored: &str) -> bool {
    PasswordHash::new(stored)
        .is_ok_and(|parsed| Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok())
}

/// A hash of a random password, to verify against when the user name is unknown so that timing
/// does not reveal which user names exist.
pub fn decoy_hash() -> &'static str {
    static DECOY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DECOY.get_or_init(|| hash("decoy password that matches nothing").unwrap_or_default())
}

/// The bound on password hashing: a semaphore of `slots` permits, each held by one blocking
/// argon2 computation from start to end (also when the client hangs up meanwhile).
#[derive(Debug, Clone)]
pub struct HashingGate {
    permits: Arc<Semaphore>,
    slots: usize,
    wait: Duration,
}

impl HashingGate {
    /// A gate of `slots` concurrent computations (0: one per core), where a caller waits at most
    /// `wait` for a slot.
    pub fn new(slots: usize, wait: Duration) -> Self {
        let slots = if slots == 0 { std::thread::available_parallelism().map_or(1, |n| n.get()) } else { slots };
        Self { permits: Arc::new(Semaphore::new(slots)), slots, wait }
    }

    /// How many computations may run at once.
    pub fn slots(&self) -> usize {
        self.slots
    }

    /// The most memory hashing can hold at once, in bytes.
    pub fn memory_bound(&self) -> u64 {
        self.slots as u64 * u64::from(MEMORY_KIB) * 1024
    }

    /// Runs `work` (a hash or a verification) on a blocking thread once a slot is free, or fails
    /// with [`RoutingError::Busy`] after the gate's wait.
    pub async fn run<T: Send + 'static>(&self, work: impl FnOnce() -> T + Send + 'static) -> Result<T, RoutingError> {
        let busy = || RoutingError::Busy { retry_after_secs: self.wait.as_secs().max(1) };
        let permit = tokio::time::timeout(self.wait, self.permits.clone().acquire_owned())
            .await
            .map_err(|_| busy())?
            .map_err(|_| busy())?;
        tokio::task::spawn_blocking(move || {
            let _slot = permit;
            work()
        })
        .await
        .map_err(|e| RoutingError::Internal(format!("password hashing thread: {e}")))
    }
}

impl Default for HashingGate {
    fn default() -> Self {
        Self::new(0, Duration::from_secs(2))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_verify_only_the_right_password() {
        let stored = hash("correct horse").unwrap();
        assert!(stored.starts_with("$argon2id$"));
        assert!(verify("correct horse", &stored));
        assert!(!verify("wrong horse", &stored));
        assert!(!verify("correct horse", "not a hash"));
        assert!(hash("short").is_err());
    }

    #[tokio::test]
    async fn a_full_gate_answers_busy_after_its_wait() {
        let gate = HashingGate::new(1, Duration::from_millis(50));
        let (tx, rx) = std::sync::mpsc::channel::<()>();
        let holder = {
            let gate = gate.clone();
            tokio::spawn(async move { gate.run(move || rx.recv().ok()).await })
        };
        tokio::time::sleep(Duration::from_millis(20)).await;
        assert!(matches!(gate.run(|| ()).await, Err(RoutingError::Busy { retry_after_secs: 1 })));
        tx.send(()).unwrap();
        assert!(holder.await.unwrap().is_ok());
        assert!(gate.run(|| 7).await.is_ok_and(|n| n == 7), "a freed slot is taken again");
        assert_eq!(gate.memory_bound(), 19 * 1024 * 1024);
    }
}
