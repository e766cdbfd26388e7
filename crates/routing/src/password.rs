//! Passwords: hashed with argon2id (the crate's recommended parameters: 19 MiB of memory, two
//! passes, one lane) and a random salt; only the PHC string is stored, and a wrong password costs the
//! same time as a right one.
//!
//! Every hash and verification of the node runs through one [`HashingGate`], held by
//! `Correspondence`: at most as many at once as the machine has cores, each on one of the gate's
//! own threads. Without the bound, each concurrent sign-in took its own 19 MiB on its own blocking
//! thread (up to 512 of them), and the allocator kept it: 256 concurrent failed sign-ins took a node
//! from 256 MB to 2.9 GB resident. With it, hashing holds at most `cores × 19 MiB`; a request that
//! finds every slot taken for the gate's whole wait is refused as busy (429 with Retry-After)
//! instead of queueing without end.

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
    ReusedMemory
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| RoutingError::Field { field: "password", message: e.to_string() })
}

/// Whether `password` matches a stored hash; a malformed stored hash never matches. Blocking: call
/// it through [`HashingGate::run`].
pub fn verify(password: &str, stored: &str) -> bool {
    PasswordHash::new(stored).is_ok_and(|parsed| ReusedMemory.verify_password(password.as_bytes(), &parsed).is_ok())
}

/// The most memory a stored hash may ask for (KiB): a hash demanding more never matches, so that a
/// planted hash cannot make a sign-in allocate without bound.
const MAX_MEMORY_KIB: u32 = 8 * MEMORY_KIB;

thread_local! {
    /// The argon2 working memory of this thread, allocated once and reused by every computation.
    static BLOCKS: std::cell::RefCell<Vec<argon2::Block>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// argon2 with the working memory of the calling thread reused, rather than 19 MiB allocated and
/// freed per computation: the allocator does not hand such blocks back, so allocating per
/// computation made every thread that ever hashed keep its own. The gate's threads each keep one.
struct ReusedMemory;

impl PasswordHasher for ReusedMemory {
    type Params = argon2::Params;

    fn hash_password_customized<'a>(
        &self,
        password: &[u8],
        alg_id: Option<argon2::password_hash::Ident<'a>>,
        version: Option<argon2::password_hash::Decimal>,
        params: argon2::Params,
        salt: impl Into<argon2::password_hash::Salt<'a>>,
    ) -> argon2::password_hash::Result<PasswordHash<'a>> {
        use argon2::password_hash::{Error, Output, ParamsString};
        let algorithm = alg_id.map(argon2::Algorithm::try_from).transpose()?.unwrap_or_default();
        let version = version.map(argon2::Version::try_from).transpose()?.unwrap_or_default();
        if params.m_cost() > MAX_MEMORY_KIB {
            return Err(Error::ParamValueInvalid(argon2::password_hash::errors::InvalidValue::TooLong));
        }
        let salt = salt.into();
        let mut salt_buf = [0u8; 64];
        let salt_bytes = salt.decode_b64(&mut salt_buf)?;
        let argon = Argon2::new(algorithm, version, params.clone());
        let output_len = params.output_len().unwrap_or(argon2::Params::DEFAULT_OUTPUT_LEN);
        let output = BLOCKS.with(|blocks| {
            let mut blocks = blocks.borrow_mut();
            let needed = params.block_count();
            if blocks.len() < needed {
                blocks.resize(needed, argon2::Block::default());
            }
            Output::init_with(output_len, |out| {
                argon
                    .hash_password_into_with_memory(password, salt_bytes, out, &mut blocks[..needed])
                    .map_err(Error::from)
            })
        })?;
        Ok(PasswordHash {
            algorithm: algorithm.ident(),
            version: Some(version.into()),
            params: ParamsString::try_from(&params)?,
            salt: Some(salt),
            hash: Some(output),
        })
    }
}

/// A hash of a random password, to verify against when the user name is unknown so that timing
/// does not reveal which user names exist.
pub fn decoy_hash() -> &'static str {
    static DECOY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DECOY.get_or_init(|| hash("decoy password that matches nothing").unwrap_or_default())
}

type Job = Box<dyn FnOnce() + Send>;

/// The bound on password hashing: `slots` threads of its own that do nothing else, and a semaphore
/// of as many permits, each held by one computation from the moment it is handed over to its end
/// (also when the client hangs up meanwhile), so a handed-over job never queues. Own threads, not
/// tokio's blocking pool: the pool starts a new thread whenever none is idle at that instant, and
/// every new thread that hashes gets an allocator arena that keeps its 19 MiB afterwards (measured:
/// 2 permits on the blocking pool still grew a node by 356 MiB under 256 concurrent failures).
#[derive(Debug, Clone)]
pub struct HashingGate {
    permits: Arc<Semaphore>,
    jobs: std::sync::mpsc::Sender<Job>,
    slots: usize,
    wait: Duration,
}

impl HashingGate {
    /// A gate of `slots` concurrent computations (0: one per core), where a caller waits at most
    /// `wait` for a slot. The threads end when the last clone of the gate is dropped.
    pub fn new(slots: usize, wait: Duration) -> Self {
        let slots = if slots == 0 { std::thread::available_parallelism().map_or(1, |n| n.get()) } else { slots };
        let (jobs, queue) = std::sync::mpsc::channel::<Job>();
        let queue = Arc::new(std::sync::Mutex::new(queue));
        for n in 0..slots {
            let queue = queue.clone();
            let spawned = std::thread::Builder::new().name(format!("sarabun-argon2-{n}")).spawn(move || {
                loop {
                    let job = queue.lock().unwrap_or_else(|e| e.into_inner()).recv();
                    let Ok(job) = job else { break };
                    // A panicking job must not take a slot's thread with it.
                    let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(job));
                }
            });
            if let Err(e) = spawned {
                tracing::error!(error = %e, "could not start a password-hashing thread");
            }
        }
        Self { permits: Arc::new(Semaphore::new(slots)), jobs, slots, wait }
    }

    /// How many computations may run at once.
    pub fn slots(&self) -> usize {
        self.slots
    }

    /// The most memory hashing can hold at once, in bytes.
    pub fn memory_bound(&self) -> u64 {
        self.slots as u64 * u64::from(MEMORY_KIB) * 1024
    }

    /// Runs `work` (a hash or a verification) on one of the gate's threads once a slot is free, or
    /// fails with [`RoutingError::Busy`] after the gate's wait.
    pub async fn run<T: Send + 'static>(&self, work: impl FnOnce() -> T + Send + 'static) -> Result<T, RoutingError> {
        let busy = || RoutingError::Busy { retry_after_secs: self.wait.as_secs().max(1) };
        let permit = tokio::time::timeout(self.wait, self.permits.clone().acquire_owned())
            .await
            .map_err(|_| busy())?
            .map_err(|_| busy())?;
        let (tx, rx) = tokio::sync::oneshot::channel();
        let job: Job = Box::new(move || {
            let _slot = permit;
            let _ = tx.send(work());
        });
        self.jobs.send(job).map_err(|_| RoutingError::Internal("the password-hashing threads are gone".into()))?;
        rx.await.map_err(|_| RoutingError::Internal("a password-hashing job failed".into()))
    }
}

impl Default for HashingGate {
    fn default() -> Self {
        Self::new(0, Duration::from_secs(5))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_verify_only_the_right_password() {
        let stored = hash("correct horse").unwrap();
        assert!(stored.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{stored}");
        // Hashes of the argon2 crate's own hasher verify alike, and the other way round.
        let salt = SaltString::generate(&mut OsRng);
        let theirs = Argon2::default().hash_password(b"correct horse", &salt).unwrap().to_string();
        assert!(verify("correct horse", &theirs));
        assert!(Argon2::default().verify_password(b"correct horse", &PasswordHash::new(&stored).unwrap()).is_ok());
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
