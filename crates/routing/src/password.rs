//! Passwords: hashed with argon2id (the crate's recommended parameters) and a random salt; only the
//! PHC string is stored, and a wrong password costs the same time as a right one.

use crate::RoutingError;
use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString, rand_core::OsRng};

/// Hashes a password for storage.
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

/// Whether `password` matches a stored hash; a malformed stored hash never matches.
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
}
