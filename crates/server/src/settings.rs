//! Typed settings: `config/default.toml` compiled into the binary, then an optional file, then
//! `SARABUN_<SECTION>__<KEY>` environment variables. Secrets (the database password, the master key)
//! are read here and never printed: `Debug` redacts them.

use serde::Deserialize;
use std::path::{Path, PathBuf};

const DEFAULTS: &str = include_str!("../../../config/default.toml");

/// All settings of a node.
#[derive(Clone, Deserialize)]
pub struct Settings {
    pub server: ServerSettings,
    pub storage: StorageSettings,
    pub uploads: UploadSettings,
    pub keys: KeySettings,
    pub audit: AuditSettings,
    pub notification: sarabun_notification::worker::NotificationSettings,
    pub log: LogSettings,
    pub metrics: MetricsSettings,
}

/// Prometheus metrics at `/metrics`.
#[derive(Clone, Deserialize)]
pub struct MetricsSettings {
    /// Record metrics and serve `/metrics`; off, neither the request layer nor the endpoint exists.
    pub enabled: bool,
    /// Bearer token a scrape must carry; empty: only scrapes from the loopback interface.
    pub token: String,
}

impl std::fmt::Debug for MetricsSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MetricsSettings")
            .field("enabled", &self.enabled)
            .field("token", &if self.token.is_empty() { "<unset>" } else { "<redacted>" })
            .finish()
    }
}

/// The audit log.
#[derive(Debug, Clone, Deserialize)]
pub struct AuditSettings {
    pub origin: String,
    /// Cron (with seconds, UTC) of the checkpoint job.
    pub checkpoint_cron: String,
}

/// The HTTP listener and sessions.
#[derive(Debug, Clone, Deserialize)]
pub struct ServerSettings {
    pub listen: String,
    pub public_url: String,
    pub cookie_secure: bool,
    pub session_hours: i64,
    pub max_json_bytes: usize,
    /// Seconds a client has to send a request's headers.
    pub header_timeout_secs: u64,
    /// Seconds a request body may pause between chunks.
    pub body_idle_timeout_secs: u64,
}

/// Where data lives.
#[derive(Clone, Deserialize)]
pub struct StorageSettings {
    pub data_dir: PathBuf,
    pub database_url: String,
    pub max_connections: u32,
}

/// Upload limits.
#[derive(Debug, Clone, Deserialize)]
pub struct UploadSettings {
    pub max_bytes: u64,
    pub max_recipients: usize,
}

/// Key material.
#[derive(Clone, Deserialize)]
pub struct KeySettings {
    pub master_key: String,
}

/// Logging.
#[derive(Debug, Clone, Deserialize)]
pub struct LogSettings {
    pub format: String,
    pub filter: String,
}

impl std::fmt::Debug for StorageSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StorageSettings")
            .field("data_dir", &self.data_dir)
            .field("database_url", &sarabun_registry::db::redact(&self.database_url))
            .field("max_connections", &self.max_connections)
            .finish()
    }
}

impl std::fmt::Debug for KeySettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.master_key.is_empty() {
            "KeySettings { master_key: <unset> }"
        } else {
            "KeySettings { master_key: <redacted> }"
        })
    }
}

impl std::fmt::Debug for Settings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Settings")
            .field("server", &self.server)
            .field("storage", &self.storage)
            .field("uploads", &self.uploads)
            .field("keys", &self.keys)
            .field("audit", &self.audit)
            .field("notification", &self.notification)
            .field("log", &self.log)
            .field("metrics", &self.metrics)
            .finish()
    }
}

impl Settings {
    /// Loads the defaults, then `file` if given, then the environment.
    pub fn load(file: Option<&Path>) -> Result<Self, config::ConfigError> {
        let mut builder =
            config::Config::builder().add_source(config::File::from_str(DEFAULTS, config::FileFormat::Toml));
        if let Some(file) = file {
            builder = builder.add_source(config::File::from(file).required(true));
        }
        builder
            .add_source(
                config::Environment::with_prefix("SARABUN").prefix_separator("_").separator("__").try_parsing(true),
            )
            .build()?
            .try_deserialize()
    }

    /// The audit log's origin: configured, or the public URL's host followed by `/audit`.
    pub fn audit_origin(&self) -> String {
        if !self.audit.origin.trim().is_empty() {
            return self.audit.origin.trim().to_owned();
        }
        let url = self.server.public_url.trim();
        let host = url.split_once("://").map_or(url, |(_, rest)| rest).split('/').next().unwrap_or("sarabun");
        format!("{host}/audit")
    }

    /// The database URL, defaulting to SQLite inside the data directory.
    pub fn database_url(&self) -> String {
        if self.storage.database_url.trim().is_empty() {
            format!("sqlite://{}?mode=rwc", self.storage.data_dir.join("sarabun.db").display())
        } else {
            self.storage.database_url.trim().to_owned()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_load_and_secrets_are_redacted() {
        let mut s = Settings::load(None).unwrap();
        assert_eq!(s.uploads.max_bytes, 50 * 1024 * 1024);
        assert!(s.database_url().starts_with("sqlite://"));
        s.storage.database_url = "postgres://u:pw@h/db".into();
        s.keys.master_key = "c2VjcmV0".into();
        s.notification.smtp.password = Some("smtp-secret".into());
        s.metrics.token = "scrape-secret".into();
        let shown = format!("{s:?}");
        assert!(!shown.contains("pw@") && !shown.contains("c2VjcmV0") && !shown.contains("smtp-secret"), "{shown}");
        assert!(!shown.contains("scrape-secret") && s.metrics.enabled, "{shown}");
    }
}
