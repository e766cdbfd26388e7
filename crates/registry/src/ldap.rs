//! The ministry's directory over LDAP (OpenLDAP, Active Directory): binding as a person with the
//! password they typed and reading what the directory says about them — their entry's attributes and
//! the groups they are a member of. The groups come from the person's own entry when it says them
//! (`memberOf`, kept by Active Directory and by OpenLDAP's memberof overlay), and otherwise from a
//! search for the groups that name the person as a member (`groupOfNames` with `member=<their DN>`). This is the I/O half of directory sign-in; what the answers mean
//! (which group gives which role, which office a code names) is `sarabun-routing`'s.
//!
//! The connection is always encrypted and the server's certificate checked: LDAPS, or plain LDAP
//! upgraded with StartTLS before any bind. A configuration that would send a password in clear text
//! is refused when the client is built, not at the first sign-in. Passwords (the person's and the
//! service account's) are never logged and never in `Debug`.

use ldap3::{LdapConnAsync, LdapConnSettings, LdapError, Scope, SearchEntry, dn_escape, ldap_escape};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

/// `invalidCredentials` (RFC 4511): a wrong password, or a DN that does not exist.
const INVALID_CREDENTIALS: u32 = 49;

/// How to find the DN a person binds as.
#[derive(Clone)]
pub enum BindTarget {
    /// The DN is the user name put into a template: `uid={user},ou=people,dc=mof,dc=example` (or, for
    /// Active Directory, a user principal name `{user}@mof.example`).
    Template(String),
    /// A service account finds the person's entry first: bind as `service_dn`, search `base`
    /// (subtree) with `filter` (`{user}` replaced, escaped), then bind as the DN found.
    Search { base: String, filter: String, service_dn: String, service_password: String },
}

impl std::fmt::Debug for BindTarget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Template(t) => f.debug_tuple("Template").field(t).finish(),
            Self::Search { base, filter, service_dn, .. } => f
                .debug_struct("Search")
                .field("base", base)
                .field("filter", filter)
                .field("service_dn", service_dn)
                .field("service_password", &"<redacted>")
                .finish(),
        }
    }
}

/// Where the directory is and what to read from it.
#[derive(Debug, Clone)]
pub struct LdapSettings {
    /// `ldaps://host:636`, or `ldap://host:389` with `starttls`.
    pub url: String,
    pub starttls: bool,
    /// PEM certificates to trust for the server; `None`: the system's roots.
    pub ca_pem: Option<Vec<u8>>,
    pub bind: BindTarget,
    /// The attribute of the person's entry listing the DNs of their groups (`memberOf`); empty: not
    /// read. When the entry has values of it, they are the person's groups and no search is made.
    pub member_of_attribute: String,
    /// Where groups are searched (subtree) when the entry lists none in `member_of_attribute`;
    /// empty: no search.
    pub group_base: String,
    /// Filter for the person's groups, `{dn}` replaced by their DN (escaped), e.g. `(member={dn})`.
    pub group_filter: String,
    /// The attribute holding the person's office code, e.g. `departmentNumber`.
    pub office_attribute: String,
    pub name_attribute: String,
    pub email_attribute: String,
    pub position_attribute: String,
    /// Bound on connecting and on each operation; the whole sign-in gets three times as long.
    pub timeout: Duration,
}

/// What the directory says about a person who bound with the right password.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DirectoryPerson {
    pub dn: String,
    /// The office attribute's first value, as stored (`กค 0400`); empty when absent.
    pub office: String,
    pub full_name: String,
    pub email: String,
    pub position: String,
    /// DNs of the groups the person is a member of.
    pub groups: Vec<String>,
    /// Where `groups` came from.
    pub groups_from: GroupSource,
}

/// How a person's groups were found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GroupSource {
    /// The person's entry listed them (`memberOf`).
    MemberOf,
    /// A search under the group base found them (or found none).
    Search,
    /// Neither: the entry listed none and no group base is configured.
    None,
}

/// Why the directory gave no answer about a person.
#[derive(Debug, thiserror::Error)]
pub enum LdapFailure {
    /// The settings cannot work (a plain-text URL, an unreadable CA file, a bad template).
    #[error("directory settings: {0}")]
    Settings(String),
    /// The directory could not be reached or did not answer properly: connection refused, TLS
    /// refused, a timeout, an unexpected result code.
    #[error("directory unavailable: {0}")]
    Unavailable(String),
}

/// A client of one directory; cheap to clone.
#[derive(Clone)]
pub struct LdapDirectory {
    settings: Arc<LdapSettings>,
    tls: Arc<rustls::ClientConfig>,
}

impl std::fmt::Debug for LdapDirectory {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LdapDirectory").field("settings", &self.settings).finish_non_exhaustive()
    }
}

impl LdapDirectory {
    /// A client of the directory `settings` describe; refuses settings that would send passwords in
    /// clear text or cannot find a person.
    pub fn new(settings: LdapSettings) -> Result<Self, LdapFailure> {
        let bad = |m: String| Err(LdapFailure::Settings(m));
        let url = settings.url.trim();
        match (url.split_once("://").map(|(scheme, _)| scheme.to_ascii_lowercase()).as_deref(), settings.starttls) {
            (Some("ldaps"), false) | (Some("ldap"), true) => {}
            (Some("ldaps"), true) => return bad("ldaps:// is TLS already; starttls is for ldap:// URLs".into()),
            (Some("ldap"), false) => {
                return bad(format!("{url} would send passwords in clear text: use ldaps:// or set starttls = true"));
            }
            _ => return bad(format!("{url:?} is not an ldaps:// or ldap:// URL")),
        }
        match &settings.bind {
            BindTarget::Template(t) if !t.contains("{user}") => return bad("user_dn must contain {user}".into()),
            BindTarget::Search { filter, .. } if !filter.contains("{user}") => {
                return bad("search_filter must contain {user}".into());
            }
            BindTarget::Search { service_password, .. } if service_password.is_empty() => {
                return bad(
                    "the service account's password is not set (SARABUN_DIRECTORY_SIGN_IN__SERVICE_PASSWORD)".into()
                );
            }
            _ => {}
        }
        if !settings.group_base.trim().is_empty() && !settings.group_filter.contains("{dn}") {
            return bad("group_filter must contain {dn}".into());
        }
        let mut roots = rustls::RootCertStore::empty();
        match &settings.ca_pem {
            Some(pem) => {
                use rustls::pki_types::{CertificateDer, pem::PemObject};
                for cert in CertificateDer::pem_slice_iter(pem) {
                    let cert = cert.map_err(|e| LdapFailure::Settings(format!("ca_file: {e}")))?;
                    roots.add(cert).map_err(|e| LdapFailure::Settings(format!("ca_file: {e}")))?;
                }
                if roots.is_empty() {
                    return bad("ca_file holds no certificate".into());
                }
            }
            None => {
                let found = rustls_native_certs::load_native_certs();
                roots.add_parsable_certificates(found.certs);
            }
        }
        let tls = rustls::ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
            .with_safe_default_protocol_versions()
            .map_err(|e| LdapFailure::Settings(format!("TLS: {e}")))?
            .with_root_certificates(roots)
            .with_no_client_auth();
        Ok(Self { settings: Arc::new(settings), tls: Arc::new(tls) })
    }

    /// Binds as `username` with `password` and reads their entry and groups. `Ok(None)` when the
    /// directory refuses the password or knows no such person (told apart by nobody); an empty
    /// password is refused here, because LDAP would take it as an anonymous bind and succeed.
    pub async fn authenticate(&self, username: &str, password: &str) -> Result<Option<DirectoryPerson>, LdapFailure> {
        if password.is_empty() || username.is_empty() {
            return Ok(None);
        }
        let whole = self.settings.timeout * 3;
        match tokio::time::timeout(whole, self.authenticate_within(username, password)).await {
            Ok(result) => result,
            Err(_) => Err(LdapFailure::Unavailable(format!("no answer within {} s", whole.as_secs()))),
        }
    }

    async fn authenticate_within(
        &self,
        username: &str,
        password: &str,
    ) -> Result<Option<DirectoryPerson>, LdapFailure> {
        let s = &*self.settings;
        let conn_settings =
            LdapConnSettings::new().set_conn_timeout(s.timeout).set_starttls(s.starttls).set_config(self.tls.clone());
        let (conn, mut ldap) =
            LdapConnAsync::with_settings(conn_settings, s.url.trim()).await.map_err(|e| unavailable("connect", &e))?;
        tokio::spawn(async move {
            if let Err(e) = conn.drive().await {
                tracing::debug!(error = %e, "directory connection ended");
            }
        });
        ldap.with_timeout(s.timeout);

        let dn = match &s.bind {
            BindTarget::Template(template) => template.replace("{user}", &dn_escape(username)),
            BindTarget::Search { base, filter, service_dn, service_password } => {
                ldap.simple_bind(service_dn, service_password)
                    .await
                    .and_then(|r| r.success())
                    .map_err(|e| unavailable("service account bind", &e))?;
                let filter = filter.replace("{user}", &ldap_escape(username));
                let (entries, _) = ldap
                    .search(base, Scope::Subtree, &filter, vec!["1.1"])
                    .await
                    .and_then(|r| r.success())
                    .map_err(|e| unavailable("person search", &e))?;
                let mut found = entries.into_iter().filter(|e| !e.is_ref()).map(construct);
                match (found.next().transpose()?, found.next()) {
                    (Some(entry), None) => entry.dn,
                    // Nobody, or more than one entry for one name: no bind as a guess.
                    _ => {
                        let _ = ldap.unbind().await;
                        return Ok(None);
                    }
                }
            }
        };

        match ldap.simple_bind(&dn, password).await.and_then(|r| r.success()) {
            Ok(_) => {}
            Err(LdapError::LdapResult { result }) if result.rc == INVALID_CREDENTIALS => {
                let _ = ldap.unbind().await;
                return Ok(None);
            }
            Err(e) => return Err(unavailable("bind", &e)),
        }

        let attributes =
            [&s.office_attribute, &s.name_attribute, &s.email_attribute, &s.position_attribute, &s.member_of_attribute];
        let wanted: Vec<&str> = attributes.iter().map(|a| a.as_str()).filter(|a| !a.is_empty()).collect();
        let (entries, _) = ldap
            .search(&dn, Scope::Base, "(objectClass=*)", wanted)
            .await
            .and_then(|r| r.success())
            .map_err(|e| unavailable("reading the person's entry", &e))?;
        let entry = entries
            .into_iter()
            .find(|e| !e.is_ref())
            .map(construct)
            .transpose()?
            .ok_or_else(|| LdapFailure::Unavailable(format!("the entry {dn} could not be read after binding")))?;
        let attrs = lower_keys(entry.attrs);
        let first = |name: &str| {
            attrs
                .get(&name.to_ascii_lowercase())
                .and_then(|v| v.first())
                .map(|v| v.trim().to_owned())
                .unwrap_or_default()
        };

        // memberOf is operational on OpenLDAP: returned only because it was asked for by name.
        let mut groups: Vec<String> = if s.member_of_attribute.is_empty() {
            Vec::new()
        } else {
            attrs
                .get(&s.member_of_attribute.to_ascii_lowercase())
                .map(|values| values.iter().map(|v| v.trim().to_owned()).filter(|v| !v.is_empty()).collect())
                .unwrap_or_default()
        };
        let searched = groups.is_empty() && !s.group_base.trim().is_empty();
        if searched {
            let filter = s.group_filter.replace("{dn}", &ldap_escape(&entry.dn));
            let (entries, _) = ldap
                .search(&s.group_base, Scope::Subtree, &filter, vec!["1.1"])
                .await
                .and_then(|r| r.success())
                .map_err(|e| unavailable("group search", &e))?;
            for group in entries.into_iter().filter(|e| !e.is_ref()) {
                groups.push(construct(group)?.dn);
            }
        }
        let groups_from = match (groups.is_empty(), searched) {
            (false, false) => GroupSource::MemberOf,
            (_, true) => GroupSource::Search,
            (true, false) => GroupSource::None,
        };
        let _ = ldap.unbind().await;
        Ok(Some(DirectoryPerson {
            groups_from,
            office: first(&s.office_attribute),
            full_name: first(&s.name_attribute),
            email: first(&s.email_attribute),
            position: first(&s.position_attribute),
            dn: entry.dn,
            groups,
        }))
    }
}

/// Whether two DNs name the same entry, as far as a configured group DN and a returned one differ:
/// ASCII case and spaces around `,` and `=`.
pub fn same_dn(a: &str, b: &str) -> bool {
    fn norm(dn: &str) -> String {
        dn.split(',')
            .map(|rdn| rdn.split('=').map(|p| p.trim().to_ascii_lowercase()).collect::<Vec<_>>().join("="))
            .collect::<Vec<_>>()
            .join(",")
    }
    norm(a) == norm(b)
}

/// `SearchEntry::construct` panics on an entry it cannot parse; a directory's malformed answer is
/// its failure, not the node's.
fn construct(entry: ldap3::ResultEntry) -> Result<SearchEntry, LdapFailure> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| SearchEntry::construct(entry)))
        .map_err(|_| LdapFailure::Unavailable("the directory sent an entry that cannot be parsed".into()))
}

fn lower_keys(attrs: HashMap<String, Vec<String>>) -> HashMap<String, Vec<String>> {
    attrs.into_iter().map(|(k, v)| (k.to_ascii_lowercase(), v)).collect()
}

fn unavailable(step: &str, e: &LdapError) -> LdapFailure {
    LdapFailure::Unavailable(format!("{step}: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(url: &str, starttls: bool) -> LdapSettings {
        LdapSettings {
            url: url.into(),
            starttls,
            ca_pem: None,
            bind: BindTarget::Template("uid={user},ou=people,dc=mof,dc=example".into()),
            member_of_attribute: "memberOf".into(),
            group_base: "ou=groups,dc=mof,dc=example".into(),
            group_filter: "(member={dn})".into(),
            office_attribute: "departmentNumber".into(),
            name_attribute: "cn".into(),
            email_attribute: "mail".into(),
            position_attribute: "title".into(),
            timeout: Duration::from_secs(5),
        }
    }

    #[test]
    fn passwords_never_travel_in_clear_text() {
        assert!(LdapDirectory::new(settings("ldaps://ad.mof.example:636", false)).is_ok());
        assert!(LdapDirectory::new(settings("ldap://ad.mof.example:389", true)).is_ok());
        for (url, starttls) in [("ldap://ad.mof.example:389", false), ("ldaps://ad:636", true), ("http://ad", false)] {
            assert!(matches!(LdapDirectory::new(settings(url, starttls)), Err(LdapFailure::Settings(_))), "{url}");
        }
    }

    #[test]
    fn the_service_password_is_never_shown() {
        let mut s = settings("ldaps://ad:636", false);
        s.bind = BindTarget::Search {
            base: "dc=mof".into(),
            filter: "(sAMAccountName={user})".into(),
            service_dn: "cn=sarabun,dc=mof".into(),
            service_password: "service-secret".into(),
        };
        let client = LdapDirectory::new(s).unwrap();
        assert!(!format!("{client:?}").contains("service-secret"));
    }

    #[test]
    fn group_dns_compare_without_case_or_spaces() {
        assert!(same_dn("cn=Saraban-Clerks, ou=groups,dc=mof", "CN=saraban-clerks,OU=Groups, DC=MOF"));
        assert!(!same_dn("cn=saraban-clerks,ou=groups", "cn=saraban-admins,ou=groups"));
    }
}
