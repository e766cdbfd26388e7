//! Signing in: checking a password under the node's hashing bound, and throttling guesses.
//!
//! Failed sign-ins are counted per account (the user name as typed, lower-cased, whether or not it
//! exists) and per client address, in `sign_in_throttle`, so every node on one PostgreSQL counts
//! alike. A counter's window is open while failures keep coming: it closes once a whole
//! [`SignInPolicy::window`] passes with neither a failure nor a lock. From the
//! [`SignInPolicy::account_failures`]th failure of a window (the [`SignInPolicy::address_failures`]th
//! for an address) each failure locks the counter for [`SignInPolicy::first_delay`], doubling with
//! every further failure up to [`SignInPolicy::lockout`]. While either counter is locked, a sign-in is
//! refused with the time left *before* any password is hashed, the right password included. A right
//! password once no lock holds clears the account's counter (not the address's: one good account must
//! not wipe an address's guesses at others). A system admin can clear an account's counter.
//!
//! The audit log is append-only, so a window of failures is not one entry updated but at most a
//! few: `session.sign_in_failed` at the window's first failure (`count: 1`), `session.sign_in_locked`
//! whenever a failure sets a lock (with the window's count so far), and, when the window closes with
//! failures no entry has reported yet, `session.sign_in_failures` with the window's total, appended by
//! the next attempt on that account (or by the admin's `session.unlocked`). Attempts refused while
//! locked hash nothing and write nothing but a log line. Twenty guesses in a row are thus two entries,
//! not twenty.

use crate::{Actor, AuditEvent, Correspondence, RoutingError};
use chrono::{DateTime, Duration, Utc};
use sarabun_domain::EventKind;
use sarabun_domain::Permission;
use sarabun_registry::entity::{sign_in_throttle, user};
use sarabun_registry::{directory, sign_in};
use sea_orm::TransactionTrait;
use serde::Serialize;
use serde_json::json;
use std::net::IpAddr;
use utoipa::ToSchema;

/// When failed sign-ins lock an account or an address (`[sign_in]` in the settings).
#[derive(Debug, Clone)]
pub struct SignInPolicy {
    /// Failures of one account in a window before it is locked.
    pub account_failures: u32,
    /// Failures from one client address (over all user names) in a window before it is locked.
    pub address_failures: u32,
    /// A window closes once this long passes without a failure or a lock.
    pub window: Duration,
    /// The first lock; each further failure doubles it.
    pub first_delay: Duration,
    /// The longest lock.
    pub lockout: Duration,
}

impl Default for SignInPolicy {
    fn default() -> Self {
        Self {
            account_failures: 5,
            address_failures: 20,
            window: Duration::minutes(15),
            first_delay: Duration::seconds(30),
            lockout: Duration::minutes(15),
        }
    }
}

/// An account's counter after an admin lifted its lock.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct UnlockView {
    pub username: String,
    /// Failures the cleared counter held.
    pub failures: i32,
    /// The lock that was lifted, if one held.
    pub locked_until: Option<DateTime<Utc>>,
}

/// What one failure did to a counter.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct Failure {
    /// This failure opened a new window.
    pub(crate) opened: bool,
    /// The window before it closed with this many failures, some not yet reported.
    pub(crate) closed_unreported: Option<(i32, DateTime<Utc>)>,
    /// This failure set a lock until then.
    pub(crate) locked_until: Option<DateTime<Utc>>,
}

/// Whether `row`'s window has closed by `now`: a whole window without a failure or a lock.
fn window_closed(row: &sign_in_throttle::Model, now: DateTime<Utc>, policy: &SignInPolicy) -> bool {
    let quiet_since = row.locked_until.map_or(row.last_failure_at, |l| l.max(row.last_failure_at));
    row.failures > 0 && now - quiet_since >= policy.window
}

/// Counts one failure at `now` into `row`; `threshold` is the policy's count for its kind.
pub(crate) fn count_failure(
    row: &mut sign_in_throttle::Model,
    now: DateTime<Utc>,
    threshold: u32,
    policy: &SignInPolicy,
) -> Failure {
    let mut outcome = Failure::default();
    if window_closed(row, now, policy) {
        if row.failures > row.reported {
            outcome.closed_unreported = Some((row.failures, row.window_start));
        }
        row.failures = 0;
        row.reported = 0;
        row.locked_until = None;
    }
    if row.failures == 0 {
        row.window_start = now;
        outcome.opened = true;
    }
    row.failures = row.failures.saturating_add(1);
    row.last_failure_at = now;
    let over = i64::from(row.failures) - i64::from(threshold.max(1));
    if over >= 0 {
        // 2^over, saturating well before chrono's range: 2^20 first delays exceed any lockout.
        let factor = 1i32 << over.min(20);
        let delay = (policy.first_delay * factor).min(policy.lockout);
        row.locked_until = Some(now + delay);
        outcome.locked_until = row.locked_until;
    }
    outcome
}

/// One sign-in attempt that no lock refused: who, from where, and the counters as read before it.
pub(crate) struct Attempt {
    /// The user name as typed, trimmed and bounded.
    pub(crate) username: String,
    account: String,
    address: Option<IpAddr>,
    address_key: Option<String>,
    rows: Vec<sign_in_throttle::Model>,
}

/// Seconds until `until`, rounded up, at least 1.
pub(crate) fn seconds_left(until: DateTime<Utc>, now: DateTime<Utc>) -> u64 {
    let ms = u64::try_from((until - now).num_milliseconds()).unwrap_or(0);
    ms.div_ceil(1000).max(1)
}

fn account_key(username: &str) -> String {
    let name: String = username.chars().take(100).collect();
    format!("account:{}", name.to_ascii_lowercase())
}

fn address_key(address: IpAddr) -> String {
    // An IPv4 client seen through an IPv6 socket is the same client.
    let address = match address {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(IpAddr::V6(v6), IpAddr::V4),
        v4 => v4,
    };
    format!("address:{address}")
}

fn failure_event(action: EventKind, username: &str, detail: serde_json::Value) -> AuditEvent {
    AuditEvent {
        actor: "-".into(),
        office: String::new(),
        action,
        subject: format!("user/{username}"),
        letter_id: None,
        delivery_id: None,
        detail: crate::audit::detail(detail),
    }
}

impl Correspondence {
    /// Hashes a password for storage under the node's hashing bound.
    pub async fn hash_password(&self, password: &str) -> Result<String, RoutingError> {
        let password = password.to_owned();
        self.hashing.run(move || crate::password::hash(&password)).await?
    }

    /// The active person with this user name (any ASCII case) and password, from `address`.
    /// Refused with [`RoutingError::TooManyAttempts`] while the account or the address is locked,
    /// before hashing; [`RoutingError::BadCredentials`] for a wrong name or password or an inactive
    /// account, counted and audited as the module says; [`RoutingError::Busy`] when no hashing slot
    /// freed up in time (not counted: it says nothing about the password).
    /// With directory sign-in on, anyone but a local account is checked by the directory instead
    /// (`directory_sign_in`), after the same lock check and with failures counted the same way.
    pub(crate) async fn sign_in(
        &self,
        username: &str,
        password: &str,
        address: Option<IpAddr>,
    ) -> Result<user::Model, RoutingError> {
        let username: String = username.trim().chars().take(100).collect();
        let account = account_key(&username);
        let address_key = address.map(address_key);
        let now = self.clock.now();
        let keys: Vec<String> = std::iter::once(account.clone()).chain(address_key.clone()).collect();
        let rows = sign_in::rows(&self.db, &keys).await?;
        if let Some(until) = rows.iter().filter_map(|r| r.locked_until).filter(|l| *l > now).max() {
            tracing::warn!(username = ?username, address = ?address, "sign-in refused: too many failures");
            return Err(RoutingError::TooManyAttempts { retry_after_secs: seconds_left(until, now) });
        }
        let attempt = Attempt { username, account, address, address_key, rows };

        let user = directory::user_by_username(&self.db, &attempt.username).await?;
        // With directory sign-in on, everyone but a local account (a row without a DN) is the
        // directory's to answer for: a directory account never falls back to a local password.
        if let Some(directory) = self.directory_sign_in.clone()
            && user.as_ref().is_none_or(|u| u.directory_dn.is_some())
        {
            return self.sign_in_through_directory(&directory, attempt, password, user).await;
        }
        let stored = user.as_ref().map_or(crate::password::decoy_hash(), |u| u.password_hash.as_str()).to_owned();
        let given = password.to_owned();
        let password_ok = self.hashing.run(move || crate::password::verify(&given, &stored)).await?;
        match user {
            Some(u) if password_ok && u.active => {
                self.succeeded(&attempt, &u.username).await?;
                Ok(u)
            }
            _ => Err(self.failed(&attempt, user.is_some()).await?),
        }
    }

    /// A right password, once no lock holds: clears the account's counter, reporting what it held
    /// that no entry had.
    pub(crate) async fn succeeded(&self, attempt: &Attempt, username: &str) -> Result<(), RoutingError> {
        // The clock may have moved while waiting for a hashing slot or the directory.
        let now = self.clock.now();
        if let Some(row) = attempt.rows.iter().find(|r| r.key == attempt.account) {
            let txn = self.db.begin().await?;
            if row.failures > row.reported {
                let detail =
                    json!({"failures": row.failures, "window_start": row.window_start, "closed_by": "sign_in"});
                self.record(&txn, now, failure_event(EventKind::SignInFailures, username, detail)).await?;
            }
            sign_in::clear(&txn, &attempt.account).await?;
            txn.commit().await?;
        }
        Ok(())
    }

    /// A wrong name or password (or an inactive account): counted and audited as the module says;
    /// the error to answer with.
    pub(crate) async fn failed(&self, attempt: &Attempt, known_user: bool) -> Result<RoutingError, RoutingError> {
        let now = self.clock.now();
        tracing::warn!(username = ?attempt.username, address = ?attempt.address, "sign-in failed");
        self.count_failure(
            &attempt.username,
            known_user,
            &attempt.account,
            attempt.address,
            attempt.address_key.as_deref(),
            now,
        )
        .await?;
        Ok(RoutingError::BadCredentials)
    }

    /// Counts a failed sign-in on the account's and the address's counters, in one transaction with
    /// the audit entries it calls for.
    async fn count_failure(
        &self,
        username: &str,
        known_user: bool,
        account: &str,
        address: Option<IpAddr>,
        address_key: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<(), RoutingError> {
        let policy = &self.sign_in;
        let shown_address = address.map(|a| a.to_string());
        let txn = self.db.begin().await?;
        // Always the account first, then the address: two transactions never wait on each other.
        let mut row = sign_in::lock_row(&txn, account, now).await?;
        let failure = count_failure(&mut row, now, policy.account_failures, policy);
        if let Some((failures, window_start)) = failure.closed_unreported {
            let detail = json!({"failures": failures, "window_start": window_start, "closed_by": "failure"});
            self.record(&txn, now, failure_event(EventKind::SignInFailures, username, detail)).await?;
        }
        if failure.opened {
            let detail = json!({"known_user": known_user, "count": 1, "address": shown_address});
            self.record(&txn, now, failure_event(EventKind::SignInFailed, username, detail)).await?;
            row.reported = 1;
        }
        if let Some(until) = failure.locked_until {
            let detail = json!({"known_user": known_user, "failures": row.failures, "window_start": row.window_start,
                "locked_until": until, "address": shown_address});
            self.record(&txn, now, failure_event(EventKind::SignInLocked, username, detail)).await?;
            row.reported = row.failures;
        }
        sign_in::save_row(&txn, row).await?;
        if let Some(key) = address_key {
            let mut row = sign_in::lock_row(&txn, key, now).await?;
            let failure = count_failure(&mut row, now, policy.address_failures, policy);
            if let Some(until) = failure.locked_until {
                let detail = json!({"address": shown_address, "failures": row.failures, "window_start": row.window_start,
                    "locked_until": until, "last_user": username});
                let event = AuditEvent {
                    subject: format!("address/{}", shown_address.as_deref().unwrap_or("-")),
                    ..failure_event(EventKind::SignInAddressLocked, username, detail)
                };
                self.record(&txn, now, event).await?;
                row.reported = row.failures;
            }
            sign_in::save_row(&txn, row).await?;
        }
        txn.commit().await?;
        Ok(())
    }

    /// Lifts the sign-in lock of an account and forgets its failures (system admins); audited as
    /// `session.unlocked` with what the counter held.
    pub async fn unlock_sign_in(&self, actor: &Actor, username: &str) -> Result<UnlockView, RoutingError> {
        actor.require(Permission::ManageDirectory)?;
        let username: String = username.trim().chars().take(100).collect();
        let account = account_key(&username);
        let now = self.clock.now();
        let txn = self.db.begin().await?;
        let row = sign_in::rows(&txn, std::slice::from_ref(&account)).await?.into_iter().next();
        let view = UnlockView {
            username: username.to_ascii_lowercase(),
            failures: row.as_ref().map_or(0, |r| r.failures),
            locked_until: row.as_ref().and_then(|r| r.locked_until).filter(|l| *l > now),
        };
        sign_in::clear(&txn, &account).await?;
        let detail = json!({"failures": view.failures, "locked_until": view.locked_until,
            "unreported": row.as_ref().map_or(0, |r| r.failures - r.reported)});
        self.record(
            &txn,
            now,
            AuditEvent::by(actor, EventKind::Unlocked, format!("user/{}", view.username), crate::audit::detail(detail)),
        )
        .await?;
        txn.commit().await?;
        tracing::info!(user = %view.username, by = %actor.username, "sign-in lock lifted");
        Ok(view)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn empty(now: DateTime<Utc>) -> sign_in_throttle::Model {
        sign_in_throttle::Model {
            key: "account:x".into(),
            failures: 0,
            window_start: now,
            last_failure_at: now,
            locked_until: None,
            reported: 0,
        }
    }

    #[test]
    fn the_fifth_failure_locks_and_locks_double_up_to_the_lockout() {
        let policy = SignInPolicy::default();
        let t0 = Utc.with_ymd_and_hms(2026, 11, 25, 3, 0, 0).unwrap();
        let mut row = empty(t0);
        let first = count_failure(&mut row, t0, 5, &policy);
        assert!(first.opened && first.locked_until.is_none());
        for _ in 2..=4 {
            assert_eq!(count_failure(&mut row, t0, 5, &policy), Failure::default());
        }
        assert_eq!(count_failure(&mut row, t0, 5, &policy).locked_until, Some(t0 + Duration::seconds(30)));
        // Each failure after a lock ends doubles the next lock, up to fifteen minutes.
        let mut locks = Vec::new();
        for _ in 0..6 {
            let now = row.locked_until.unwrap();
            let until = count_failure(&mut row, now, 5, &policy).locked_until.unwrap();
            locks.push((until - now).num_seconds());
        }
        assert_eq!(locks, [60, 120, 240, 480, 900, 900]);
        // A whole window of quiet after the last lock closes the window; the next failure starts afresh.
        let later = row.locked_until.unwrap() + policy.window;
        let fresh = count_failure(&mut row, later, 5, &policy);
        assert!(fresh.opened && fresh.closed_unreported.is_some() && fresh.locked_until.is_none());
        assert_eq!(row.failures, 1);
    }

    #[test]
    fn retry_after_rounds_up() {
        let t0 = Utc.with_ymd_and_hms(2026, 11, 25, 3, 0, 0).unwrap();
        assert_eq!(seconds_left(t0 + Duration::milliseconds(1500), t0), 2);
        assert_eq!(seconds_left(t0, t0), 1);
        assert_eq!(address_key("::ffff:10.0.0.1".parse().unwrap()), "address:10.0.0.1");
    }
}
