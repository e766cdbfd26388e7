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
    pub drafts: DraftSettings,
    pub keys: KeySettings,
    pub audit: AuditSettings,
    pub notification: sarabun_notification::worker::NotificationSettings,
    pub sign_in: SignInSettings,
    pub log: LogSettings,
    pub metrics: MetricsSettings,
    pub directory_sign_in: DirectorySignInSettings,
    pub federation: FederationSettings,
}

/// Exchange with other Sarabun nodes (`[federation]`).
#[derive(Debug, Clone, Deserialize)]
pub struct FederationSettings {
    /// This node's base URL as peers reach it; empty: `server.public_url`.
    pub endpoint: String,
    /// The pinned peers.
    #[serde(default)]
    pub peers: Vec<PeerSetting>,
    /// More peers as `fingerprint@url`, comma-separated (for the environment).
    #[serde(default)]
    pub peer_list: String,
    /// Waits after the first, second, … failed attempt, in seconds.
    pub retry_steps_secs: Vec<u64>,
    /// The wait after every later failed attempt, in seconds.
    pub retry_every_secs: u64,
    /// Days after queueing at which an undelivered message is given up.
    pub retry_days: u64,
    /// How often the peers' descriptions are fetched again, in seconds.
    pub refresh_secs: u64,
    /// How often the queue is looked at, in milliseconds (a send, decision or recall that queues a
    /// message has it posted at once, without waiting for the next look).
    pub poll_ms: u64,
    /// How many messages to peers are posted at once (messages about one delivery always one after
    /// the other).
    pub parallel_posts: usize,
    /// Seconds one post to a peer may take.
    pub timeout_secs: u64,
    /// The largest message taken from a peer, in bytes (documents travel apart).
    pub max_message_bytes: usize,
    /// The largest document taken from a peer, in bytes.
    pub max_document_bytes: u64,
    /// The size of the chunks a document is uploaded in, and the largest chunk taken, in bytes.
    pub chunk_bytes: u64,
    /// The most bytes of unfinished document uploads kept for one peer.
    pub max_staging_bytes: u64,
}

/// One pinned peer.
#[derive(Debug, Clone, Deserialize)]
pub struct PeerSetting {
    /// Its base URL (its description is at `{url}/.well-known/sarabun-node`).
    pub url: String,
    /// SHA-256 of its node key, hex.
    pub fingerprint: String,
}

impl Settings {
    /// This node's exchange endpoint: `federation.endpoint`, else `server.public_url`.
    pub fn federation_endpoint(&self) -> String {
        let endpoint = self.federation.endpoint.trim();
        let endpoint = if endpoint.is_empty() { self.server.public_url.trim() } else { endpoint };
        endpoint.trim_end_matches('/').to_owned()
    }
}

impl FederationSettings {
    /// The exchange to run, with every pin checked.
    pub fn exchange(
        &self,
        public_url: &str,
        data_dir: &std::path::Path,
    ) -> Result<sarabun_routing::federation::Exchange, String> {
        use chrono::Duration;
        use sarabun_routing::federation::PeerPin;
        let mut peers: Vec<PeerPin> = self
            .peers
            .iter()
            .map(|p| PeerPin { url: p.url.trim().to_owned(), fingerprint: p.fingerprint.trim().to_lowercase() })
            .collect();
        for item in self.peer_list.split(',').map(str::trim).filter(|i| !i.is_empty()) {
            let (fingerprint, url) =
                item.split_once('@').ok_or_else(|| format!("federation.peer_list: {item:?} is not fingerprint@url"))?;
            peers.push(PeerPin { url: url.trim().to_owned(), fingerprint: fingerprint.trim().to_lowercase() });
        }
        for p in &peers {
            if !sarabun_federation::is_fingerprint(&p.fingerprint) {
                return Err(format!("federation: peer {} has no 64-hex-digit fingerprint", p.url));
            }
            if !(p.url.starts_with("https://") || p.url.starts_with("http://")) {
                return Err(format!("federation: peer URL {:?} is not http(s)", p.url));
            }
        }
        let secs = |s: u64| Duration::seconds(i64::try_from(s).unwrap_or(i64::MAX / 1000));
        let endpoint = if self.endpoint.trim().is_empty() { public_url } else { self.endpoint.trim() };
        Ok(sarabun_routing::federation::Exchange {
            endpoint: endpoint.trim_end_matches('/').to_owned(),
            peers,
            schedule: sarabun_domain::RetrySchedule {
                steps: self.retry_steps_secs.iter().copied().map(secs).collect(),
                then_every: secs(self.retry_every_secs),
                give_up_after: Duration::days(i64::try_from(self.retry_days).unwrap_or(3650)),
            },
            staging_dir: data_dir.join("federation-staging"),
            max_document_bytes: self.max_document_bytes,
            chunk_bytes: self.chunk_bytes.clamp(4096, 16 * 1024 * 1024),
            max_staging_bytes: self.max_staging_bytes,
        })
    }
}

/// Drafts written as DOCX or ODT (`[drafts]`): the LibreOffice that turns them into PDF.
#[derive(Clone, Deserialize)]
pub struct DraftSettings {
    /// The `soffice` program, found on `PATH` when not absolute.
    pub soffice: String,
    /// How long one conversion may take before it is killed and refused.
    pub conversion_timeout_secs: u64,
}

impl DraftSettings {
    /// The converter these settings describe.
    pub fn converter(&self) -> sarabun_routing::draft::Converter {
        sarabun_routing::draft::Converter::new(
            self.soffice.clone().into(),
            std::time::Duration::from_secs(self.conversion_timeout_secs.clamp(5, 600)),
        )
    }
}

/// Sign-in with the ministry's directory (`[directory_sign_in]`; see config/default.toml).
#[derive(Clone, Deserialize)]
pub struct DirectorySignInSettings {
    pub enabled: bool,
    pub url: String,
    pub starttls: bool,
    pub ca_file: String,
    pub user_dn: String,
    pub search_base: String,
    pub search_filter: String,
    pub service_dn: String,
    /// Only from `SARABUN_DIRECTORY_SIGN_IN__SERVICE_PASSWORD` (never a file: a config file is
    /// often readable by more people than the process environment).
    #[serde(skip)]
    pub service_password: String,
    pub member_of_attribute: String,
    pub group_base: String,
    pub group_filter: String,
    pub roles: Vec<GroupRoleSetting>,
    pub office_attribute: String,
    pub name_attribute: String,
    pub email_attribute: String,
    pub position_attribute: String,
    pub timeout_secs: u64,
}

/// One row of `directory_sign_in.roles`.
#[derive(Debug, Clone, Deserialize)]
pub struct GroupRoleSetting {
    pub group: String,
    pub role: String,
}

impl std::fmt::Debug for DirectorySignInSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DirectorySignInSettings")
            .field("enabled", &self.enabled)
            .field("url", &self.url)
            .field("starttls", &self.starttls)
            .field("user_dn", &self.user_dn)
            .field("service_dn", &self.service_dn)
            .field("service_password", &if self.service_password.is_empty() { "<unset>" } else { "<redacted>" })
            .field("roles", &self.roles)
            .finish_non_exhaustive()
    }
}

impl DirectorySignInSettings {
    /// Directory sign-in as configured, `None` when off; settings that cannot work (plain-text
    /// LDAP, an unreadable CA file, an unknown or two-person role, no way to find a person) are an
    /// error naming the key.
    pub fn build(&self) -> Result<Option<sarabun_routing::directory_sign_in::DirectorySignIn>, String> {
        use sarabun_routing::directory_sign_in::{BindTarget, DirectorySignIn, GroupRole, LdapSettings};
        if !self.enabled {
            return Ok(None);
        }
        let e = |m: String| format!("directory_sign_in: {m}");
        let bind = match (self.user_dn.trim(), self.search_base.trim()) {
            (template, "") if !template.is_empty() => BindTarget::Template(template.to_owned()),
            ("", base) if !base.is_empty() => BindTarget::Search {
                base: base.to_owned(),
                filter: self.search_filter.trim().to_owned(),
                service_dn: self.service_dn.trim().to_owned(),
                service_password: self.service_password.clone(),
            },
            ("", "") => return Err(e("set user_dn, or search_base with service_dn".into())),
            _ => return Err(e("set user_dn or search_base, not both".into())),
        };
        let ca_pem = match self.ca_file.trim() {
            "" => None,
            path => Some(std::fs::read(path).map_err(|err| e(format!("ca_file {path}: {err}")))?),
        };
        let groups = self
            .roles
            .iter()
            .map(|row| {
                let role = <sarabun_domain::Role as sarabun_domain::WireEnum>::parse(row.role.trim())
                    .map_err(|err| e(format!("roles: {err}")))?;
                Ok(GroupRole { group: row.group.trim().to_owned(), role })
            })
            .collect::<Result<Vec<_>, String>>()?;
        let settings = LdapSettings {
            url: self.url.trim().to_owned(),
            starttls: self.starttls,
            ca_pem,
            bind,
            member_of_attribute: self.member_of_attribute.trim().to_owned(),
            group_base: self.group_base.trim().to_owned(),
            group_filter: self.group_filter.trim().to_owned(),
            office_attribute: self.office_attribute.trim().to_owned(),
            name_attribute: self.name_attribute.trim().to_owned(),
            email_attribute: self.email_attribute.trim().to_owned(),
            position_attribute: self.position_attribute.trim().to_owned(),
            timeout: std::time::Duration::from_secs(self.timeout_secs.max(1)),
        };
        DirectorySignIn::new(settings, groups).map(Some).map_err(|err| e(err.to_string()))
    }
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

/// Throttling of password guessing and the bound on password hashing.
#[derive(Debug, Clone, Deserialize)]
pub struct SignInSettings {
    /// Failures of one account in a window before it is locked.
    pub account_failures: u32,
    /// Failures from one client address, over all user names, before it is locked.
    pub address_failures: u32,
    /// A window of failures closes after this many quiet minutes.
    pub window_minutes: i64,
    /// The first lock, in seconds; it doubles with each further failure.
    pub first_delay_seconds: i64,
    /// The longest lock, in minutes.
    pub lockout_minutes: i64,
    /// Password hashes computed at once (0: one per core).
    pub hashing_slots: usize,
    /// How long a sign-in waits for a hashing slot before it is answered `429 busy`.
    pub hashing_wait_ms: u64,
}

impl SignInSettings {
    /// The routing policy these settings describe.
    pub fn policy(&self) -> sarabun_routing::SignInPolicy {
        sarabun_routing::SignInPolicy {
            account_failures: self.account_failures,
            address_failures: self.address_failures,
            window: chrono::Duration::minutes(self.window_minutes.max(1)),
            first_delay: chrono::Duration::seconds(self.first_delay_seconds.max(1)),
            lockout: chrono::Duration::minutes(self.lockout_minutes.max(1)),
        }
    }

    /// The hashing bound these settings describe.
    pub fn hashing(&self) -> sarabun_routing::password::HashingGate {
        sarabun_routing::password::HashingGate::new(
            self.hashing_slots,
            std::time::Duration::from_millis(self.hashing_wait_ms),
        )
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
    /// Connections one client address may hold open at once; 0: no bound.
    pub max_connections_per_address: usize,
    /// Seconds a stopping node waits for the requests in flight before it closes their connections.
    pub shutdown_grace_secs: u64,
    /// Addresses of reverse proxies whose `X-Forwarded-For` is believed; empty: none is.
    #[serde(default)]
    pub trusted_proxies: Vec<String>,
}

impl ServerSettings {
    /// The trusted proxies as addresses; an entry that is not an IP address is an error.
    pub fn trusted_proxy_addresses(&self) -> Result<Vec<std::net::IpAddr>, String> {
        self.trusted_proxies
            .iter()
            .map(|p| p.trim().parse().map_err(|_| format!("server.trusted_proxies: {p:?} is not an IP address")))
            .collect()
    }
}

/// Where data lives.
#[derive(Clone, Deserialize)]
pub struct StorageSettings {
    pub data_dir: PathBuf,
    pub database_url: String,
    pub max_connections: u32,
    /// Where documents live: empty for `<data_dir>/blobs`, or `s3://bucket/prefix`.
    pub blobs: String,
    /// `AWS_*` pairs that win over the process environment for the object store (never read from
    /// a file; tests set it so that nodes in one process can each name their own endpoint).
    #[serde(skip)]
    pub object_store_env: Vec<(String, String)>,
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
            .field("database_url", &sarabun_routing::storage::redact(&self.database_url))
            .field("max_connections", &self.max_connections)
            .field("blobs", &self.blobs)
            .finish_non_exhaustive()
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
            .field("sign_in", &self.sign_in)
            .field("log", &self.log)
            .field("metrics", &self.metrics)
            .field("directory_sign_in", &self.directory_sign_in)
            .field("federation", &self.federation)
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
                config::Environment::with_prefix("SARABUN")
                    .prefix_separator("_")
                    .separator("__")
                    .try_parsing(true)
                    // SARABUN_SERVER__TRUSTED_PROXIES=10.0.0.1,10.0.0.2; no other value is split.
                    .list_separator(",")
                    .with_list_parse_key("server.trusted_proxies")
                    .with_list_parse_key("federation.retry_steps_secs"),
            )
            .build()?
            .try_deserialize()
            .map(|mut settings: Self| {
                settings.directory_sign_in.service_password =
                    std::env::var("SARABUN_DIRECTORY_SIGN_IN__SERVICE_PASSWORD").unwrap_or_default();
                settings
            })
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

    /// Where the node's documents are: `storage.blobs`, or the directory under the data directory.
    pub fn blob_location(&self) -> Result<sarabun_routing::storage::BlobLocation, String> {
        self.blobs_at(&self.storage.blobs)
    }

    /// The blob store `url` names (`s3://bucket/prefix`; empty: the directory under the data
    /// directory), with the object store's `AWS_*` settings from the environment.
    pub fn blobs_at(&self, url: &str) -> Result<sarabun_routing::storage::BlobLocation, String> {
        use sarabun_routing::storage::BlobLocation;
        if url.trim().is_empty() {
            return Ok(BlobLocation::Directory(self.storage.data_dir.join("blobs")));
        }
        let location = url.parse().map_err(|e| format!("storage.blobs: {e}"))?;
        let env = std::env::vars()
            .filter(|(key, _)| key.starts_with("AWS_"))
            .chain(self.storage.object_store_env.iter().cloned())
            .collect();
        Ok(BlobLocation::ObjectStore { location, env })
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
        assert!(matches!(s.blob_location(), Ok(sarabun_routing::storage::BlobLocation::Directory(_))));
        assert!(s.blobs_at("ftp://elsewhere").is_err());
        s.storage.object_store_env = vec![("AWS_SECRET_ACCESS_KEY".into(), "s3-secret".into())];
        assert!(!format!("{:?}", s.blobs_at("s3://docs/prefix").unwrap()).contains("s3-secret"));
        s.storage.database_url = "postgres://u:pw@h/db".into();
        s.keys.master_key = "c2VjcmV0".into();
        s.notification.smtp.password = Some("smtp-secret".into());
        s.metrics.token = "scrape-secret".into();
        let shown = format!("{s:?}");
        assert!(!shown.contains("pw@") && !shown.contains("c2VjcmV0") && !shown.contains("smtp-secret"), "{shown}");
        assert!(!shown.contains("s3-secret"), "{shown}");
        assert!(!shown.contains("scrape-secret") && s.metrics.enabled, "{shown}");
    }

    /// Every dotted key of a TOML document, e.g. `notification.smtp.host`.
    fn keys(toml: &str) -> Vec<String> {
        fn walk(prefix: &str, table: config::Map<String, config::Value>, out: &mut Vec<String>) {
            for (key, value) in table {
                let name = if prefix.is_empty() { key } else { format!("{prefix}.{key}") };
                match value.clone().into_table() {
                    Ok(inner) => walk(&name, inner, out),
                    Err(_) => out.push(name),
                }
            }
        }
        let table = config::Config::builder()
            .add_source(config::File::from_str(toml, config::FileFormat::Toml))
            .build()
            .unwrap()
            .try_deserialize::<config::Map<String, config::Value>>()
            .unwrap();
        let mut out = Vec::new();
        walk("", table, &mut out);
        out
    }

    /// The annotated production file only names real settings (serde would silently ignore a
    /// misspelt one) and loads into what it says.
    #[test]
    fn the_production_example_is_true() {
        const PRODUCTION: &str = include_str!("../../../config/production.example.toml");
        let known = keys(DEFAULTS);
        let unknown: Vec<String> = keys(PRODUCTION).into_iter().filter(|k| !known.contains(k)).collect();
        assert!(unknown.is_empty(), "config/production.example.toml names unknown settings: {unknown:?}");
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../config/production.example.toml");
        let s = Settings::load(Some(Path::new(path))).unwrap();
        assert!(s.server.cookie_secure);
        assert_eq!(s.storage.data_dir, Path::new("/var/lib/sarabun"));
        assert_eq!(s.audit_origin(), "sarabun.example.go.th/audit");
        assert_eq!(s.server.shutdown_grace_secs, 30);
        assert_eq!(s.log.format, "json");
        // Its Active Directory example is settings the node starts with, once turned on.
        let mut directory = s.directory_sign_in.clone();
        directory.enabled = true;
        directory.ca_file = String::new();
        assert!(directory.build().unwrap_err().contains("SERVICE_PASSWORD"));
        directory.service_password = "from-the-environment".into();
        assert!(directory.build().unwrap().is_some());
        assert!(!format!("{directory:?}").contains("from-the-environment"));
    }

    #[test]
    fn directory_sign_in_refuses_what_cannot_be_safe() {
        let mut d = Settings::load(None).unwrap().directory_sign_in;
        assert!(d.build().unwrap().is_none(), "off by default");
        d.enabled = true;
        d.url = "ldap://ad.mof.example:389".into();
        d.user_dn = "uid={user},ou=people,dc=mof".into();
        d.roles = vec![GroupRoleSetting { group: "cn=clerks,dc=mof".into(), role: "clerk".into() }];
        assert!(d.build().unwrap_err().contains("clear text"));
        d.starttls = true;
        assert!(d.build().unwrap().is_some());
        d.roles.push(GroupRoleSetting { group: "cn=it,dc=mof".into(), role: "system_admin".into() });
        assert!(d.build().unwrap_err().contains("two system admins"));
        d.roles[1].role = "janitor".into();
        assert!(d.build().is_err());
        d.roles.pop();
        d.search_base = "dc=mof".into();
        assert!(d.build().unwrap_err().contains("not both"));
    }
}
