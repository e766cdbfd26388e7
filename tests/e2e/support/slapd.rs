//! A real OpenLDAP directory for the directory sign-in tests: Debian's `slapd` (which scripts/test
//! installs), started per test in a temporary directory with its own `slapd.conf`, a small tree of
//! the ministry's people and groups loaded with `slapadd`, and TLS with a CA and a server certificate
//! the test makes with the `openssl` command. It listens on two free loopback ports, one for LDAPS
//! and one for plain LDAP that the node may only use with StartTLS, and stops when the guard drops.
//! [`Slapd::start_with_member_of`] starts the same tree with OpenLDAP's memberof overlay, so that each
//! person's entry also lists their groups in `memberOf` (as Active Directory's do) and changes to a
//! group are reflected there. Nothing of the system's own slapd (its service, its config) is used. A test that needs it fails
//! loudly when slapd or openssl is missing — it never skips.

use sarabun_server::Settings;
use sarabun_server::settings::GroupRoleSetting;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The directory's suffix.
pub const SUFFIX: &str = "dc=mof,dc=example";
/// The group whose members are clerks.
pub const CLERKS: &str = "cn=saraban-clerks,ou=groups,dc=mof,dc=example";
/// The group whose members are executives.
pub const EXECUTIVES: &str = "cn=saraban-executives,ou=groups,dc=mof,dc=example";
const ROOT_DN: &str = "cn=admin,dc=mof,dc=example";
const ROOT_PW: &str = "root-secret-for-tests";
/// The service account for search-then-bind, and its password.
pub const SERVICE_DN: &str = "cn=sarabun,ou=services,dc=mof,dc=example";
pub const SERVICE_PW: &str = "service-secret-for-tests";

/// A person of the test directory: `uid` under `ou=people`, with a password and an office code.
pub struct Person<'a> {
    pub uid: &'a str,
    pub password: &'a str,
    pub name: &'a str,
    pub office: &'a str,
    pub groups: &'a [&'a str],
}

/// The people of the test tree.
pub const PEOPLE: &[Person<'static>] = &[
    // A clerk of the Comptroller General's Department (กรมบัญชีกลาง, กค 0400).
    Person {
        uid: "somchai.j", password: "Somchai-dir-2569", name: "สมชาย ใจดี", office: "กค 0400", groups: &[CLERKS]
    },
    // In the directory but in no group Sarabun maps.
    Person {
        uid: "nipa.k", password: "Nipa-dir-2569", name: "นิภา แก้วใส", office: "กค 0400", groups: &[]
    },
    // A clerk whose office code no office of the node has.
    Person {
        uid: "wichai.s", password: "Wichai-dir-2569", name: "วิชัย สุขดี", office: "กค 9999", groups: &[CLERKS]
    },
];

/// A running slapd; dropping it stops the process.
pub struct Slapd {
    child: Option<Child>,
    dir: tempfile::TempDir,
    /// `ldaps://127.0.0.1:PORT`.
    pub ldaps_url: String,
    /// `ldap://127.0.0.1:PORT` (StartTLS only, for the node).
    pub ldap_url: String,
}

fn run(what: &str, command: &mut Command) -> String {
    let out = command.output().unwrap_or_else(|e| panic!("{what}: cannot run {command:?}: {e}"));
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "{what} failed ({}): {text}", out.status);
    text
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// A CA and a server certificate for 127.0.0.1 signed by it, made with `openssl`.
fn make_certificates(dir: &Path) {
    let openssl = |args: &[&str]| {
        run(
            "openssl (install the openssl package; scripts/test does)",
            Command::new("openssl").args(args).current_dir(dir),
        )
    };
    openssl(&[
        "req",
        "-x509",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:P-256",
        "-nodes",
        "-days",
        "2",
        "-subj",
        "/CN=Sarabun test directory CA",
        "-keyout",
        "ca.key",
        "-out",
        "ca.pem",
        "-addext",
        "basicConstraints=critical,CA:TRUE",
        "-addext",
        "keyUsage=critical,keyCertSign,cRLSign",
    ]);
    openssl(&[
        "req",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:P-256",
        "-nodes",
        "-subj",
        "/CN=127.0.0.1",
        "-keyout",
        "server.key",
        "-out",
        "server.csr",
    ]);
    std::fs::write(
        dir.join("server.ext"),
        "basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\n\
         extendedKeyUsage=serverAuth\nsubjectAltName=IP:127.0.0.1,DNS:localhost\n",
    )
    .unwrap();
    openssl(&[
        "x509",
        "-req",
        "-in",
        "server.csr",
        "-CA",
        "ca.pem",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-days",
        "2",
        "-extfile",
        "server.ext",
        "-out",
        "server.pem",
    ]);
}

/// The tree: the suffix, people, groups, the service account; with `member_of`, each person's entry
/// lists their groups in `memberOf` (slapadd does not run the overlay, so the tree says it itself).
fn tree(member_of: bool) -> String {
    let mut ldif = format!(
        "dn: {SUFFIX}\nobjectClass: dcObject\nobjectClass: organization\ndc: mof\no: Ministry of Finance\n\n\
         dn: ou=people,{SUFFIX}\nobjectClass: organizationalUnit\nou: people\n\n\
         dn: ou=groups,{SUFFIX}\nobjectClass: organizationalUnit\nou: groups\n\n\
         dn: ou=services,{SUFFIX}\nobjectClass: organizationalUnit\nou: services\n\n\
         dn: {SERVICE_DN}\nobjectClass: person\nobjectClass: simpleSecurityObject\ncn: sarabun\nsn: sarabun\n\
         userPassword: {SERVICE_PW}\n\n"
    );
    for p in PEOPLE {
        ldif.push_str(&format!(
            "dn: uid={uid},ou=people,{SUFFIX}\nobjectClass: inetOrgPerson\nuid: {uid}\ncn:: {cn}\nsn: {uid}\n\
             mail: {uid}@cgd.example.go.th\ntitle:: {title}\ndepartmentNumber:: {office}\nuserPassword: {pw}\n",
            uid = p.uid,
            cn = b64(p.name),
            title = b64("นักวิชาการเงินและบัญชี"),
            office = b64(p.office),
            pw = p.password,
        ));
        for group in p.groups.iter().filter(|_| member_of) {
            ldif.push_str(&format!("memberOf: {group}\n"));
        }
        ldif.push('\n');
    }
    for group in [CLERKS, EXECUTIVES] {
        let cn = group.split(',').next().unwrap().trim_start_matches("cn=");
        // groupOfNames needs a member: the service account holds every group's first place.
        ldif.push_str(&format!("dn: {group}\nobjectClass: groupOfNames\ncn: {cn}\nmember: {SERVICE_DN}\n"));
        for p in PEOPLE.iter().filter(|p| p.groups.contains(&group)) {
            ldif.push_str(&format!("member: uid={},ou=people,{SUFFIX}\n", p.uid));
        }
        ldif.push('\n');
    }
    ldif
}

/// LDIF's base64 for values that are not plain ASCII (Thai names and office codes).
fn b64(value: &str) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(value)
}

impl Slapd {
    /// Makes the certificates, loads the tree and starts slapd; waits until it accepts connections
    /// (at most 30 s). The people's entries have no `memberOf`: groups are found by searching.
    pub async fn start() -> Slapd {
        Self::start_as(false).await
    }

    /// As [`Slapd::start`], with the memberof overlay: every person's entry lists their groups in
    /// `memberOf`, kept up to date by slapd when a group changes.
    pub async fn start_with_member_of() -> Slapd {
        Self::start_as(true).await
    }

    async fn start_as(member_of: bool) -> Slapd {
        let slapd = Path::new("/usr/sbin/slapd");
        assert!(
            slapd.exists(),
            "/usr/sbin/slapd is missing: the directory sign-in tests need Debian's slapd and ldap-utils \
             (apt-get install slapd ldap-utils; scripts/test does)"
        );
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        make_certificates(root);
        std::fs::create_dir(root.join("db")).unwrap();
        let conf = format!(
            "include /etc/ldap/schema/core.schema\n\
             include /etc/ldap/schema/cosine.schema\n\
             include /etc/ldap/schema/inetorgperson.schema\n\
             pidfile {root}/slapd.pid\n\
             argsfile {root}/slapd.args\n\
             modulepath /usr/lib/ldap\n\
             moduleload back_mdb\n\
             {load_member_of}\
             TLSCACertificateFile {root}/ca.pem\n\
             TLSCertificateFile {root}/server.pem\n\
             TLSCertificateKeyFile {root}/server.key\n\
             database mdb\n\
             maxsize 10485760\n\
             suffix \"{SUFFIX}\"\n\
             rootdn \"{ROOT_DN}\"\n\
             rootpw {ROOT_PW}\n\
             directory {root}/db\n\
             {overlay_member_of}\
             access to attrs=userPassword by self write by anonymous auth by * none\n\
             access to * by users read by * none\n",
            root = root.display(),
            load_member_of = if member_of { "moduleload memberof\n" } else { "" },
            overlay_member_of = if member_of { "overlay memberof\n" } else { "" },
        );
        std::fs::write(root.join("slapd.conf"), conf).unwrap();
        std::fs::write(root.join("tree.ldif"), tree(member_of)).unwrap();
        run(
            "slapadd",
            Command::new("/usr/sbin/slapadd").args(["-f", "slapd.conf", "-l", "tree.ldif"]).current_dir(root),
        );
        let (ldaps, ldap) = (free_port(), free_port());
        let ldaps_url = format!("ldaps://127.0.0.1:{ldaps}");
        let ldap_url = format!("ldap://127.0.0.1:{ldap}");
        let log = std::fs::File::create(root.join("slapd.log")).unwrap();
        // -d keeps slapd in the foreground (so the guard owns the process); 0 logs nothing but errors.
        let child = Command::new(slapd)
            .args(["-f", "slapd.conf", "-h", &format!("{ldaps_url}/ {ldap_url}/"), "-d", "0"])
            .current_dir(root)
            .stdin(Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start slapd: {e}"));
        let mut server = Slapd { child: Some(child), dir, ldaps_url, ldap_url };
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Some(status) = server.child.as_mut().unwrap().try_wait().unwrap() {
                panic!("slapd exited ({status}) before listening: {}", server.log_text());
            }
            let up = |port| std::net::TcpStream::connect(("127.0.0.1", port)).is_ok();
            if up(ldaps) && up(ldap) {
                return server;
            }
            assert!(Instant::now() < deadline, "slapd did not listen in 30 s: {}", server.log_text());
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    fn log_text(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("slapd.log")).unwrap_or_default()
    }

    /// The CA certificate the node is told to trust.
    pub fn ca_file(&self) -> PathBuf {
        self.dir.path().join("ca.pem")
    }

    /// Settings for a node signing in through this directory over LDAPS, binding by the DN
    /// template, with clerks and executives mapped.
    pub fn configure(&self, settings: &mut Settings) {
        let d = &mut settings.directory_sign_in;
        d.enabled = true;
        d.url = self.ldaps_url.clone();
        d.starttls = false;
        d.ca_file = self.ca_file().display().to_string();
        d.user_dn = format!("uid={{user}},ou=people,{SUFFIX}");
        d.group_base = format!("ou=groups,{SUFFIX}");
        d.roles = vec![
            GroupRoleSetting { group: CLERKS.into(), role: "clerk".into() },
            GroupRoleSetting { group: EXECUTIVES.into(), role: "executive".into() },
        ];
        d.timeout_secs = 3;
    }

    /// As [`Slapd::configure`], over plain LDAP upgraded with StartTLS and finding the person with
    /// the service account.
    pub fn configure_starttls_search(&self, settings: &mut Settings) {
        self.configure(settings);
        let d = &mut settings.directory_sign_in;
        d.url = self.ldap_url.clone();
        d.starttls = true;
        d.user_dn = String::new();
        d.search_base = format!("ou=people,{SUFFIX}");
        d.search_filter = "(uid={user})".into();
        d.service_dn = SERVICE_DN.into();
        d.service_password = SERVICE_PW.into();
    }

    /// Changes the directory as its administrator would, with `ldapmodify` (over StartTLS).
    pub fn modify(&self, ldif: &str) {
        let path = self.dir.path().join("change.ldif");
        std::fs::write(&path, ldif).unwrap();
        run(
            "ldapmodify (install ldap-utils; scripts/test does)",
            Command::new("ldapmodify")
                .args(["-H", &self.ldap_url, "-ZZ", "-x", "-D", ROOT_DN, "-w", ROOT_PW, "-f"])
                .arg(&path)
                .env("LDAPTLS_CACERT", self.ca_file())
                .env("LDAPTLS_REQCERT", "demand"),
        );
    }

    /// Stops slapd (a directory that went down); the guard then has nothing left to stop.
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for Slapd {
    fn drop(&mut self) {
        self.stop();
    }
}
