//! The demo directory: the Ministry of Finance fixtures in `fixtures/directory.toml`, loaded into an
//! empty node by `sarabun demo` and by the tests. Seeding skips offices and people that exist, so it
//! can run at every demo start.

use anyhow::Context;
use sarabun_domain::{Authority, OfficeCode, Role, Secrecy, UnitKind};
use sarabun_routing::route::{NewFolder, NewUnit, Placement};
use sarabun_routing::{Correspondence, NewOfficeInput, NewUserInput, RoutingError};
use serde::Deserialize;

/// The fixture file, compiled in so `sarabun demo` works from any directory.
pub const DEMO_DIRECTORY: &str = include_str!("../fixtures/directory.toml");

/// A second ministry's directory, for a peer node in the exchange tests and benchmark: one office of
/// the Ministry of Interior, its clerk and the node's system administrator (who operates its exchange).
pub const PEER_DIRECTORY: &str = r#"
[[office]]
code = "มท 0200"
name_th = "สำนักงานปลัดกระทรวงมหาดไทย"
name_en = "Office of the Permanent Secretary, Ministry of Interior"
inbox_email = "saraban@moi.example.go.th"

[[user]]
office = "มท 0200"
username = "clerk.moi"
full_name = "นายสมศักดิ์ ใจดี"
position = "เจ้าพนักงานธุรการ"
email = "somsak@moi.example.go.th"
roles = ["clerk"]
clearance = "confidential"

[[user]]
office = "มท 0200"
username = "admin.moi"
full_name = "นายปกรณ์ ดูแลระบบ"
position = "นักวิชาการคอมพิวเตอร์"
email = "admin@moi.example.go.th"
roles = ["system_admin"]
clearance = "none"
"#;

/// The password of every demo person. Printed by `sarabun demo`; never use the demo for real letters.
pub const DEMO_PASSWORD: &str = "sarabun-demo";

/// A directory file.
#[derive(Debug, Deserialize)]
pub struct Directory {
    pub office: Vec<OfficeFixture>,
    pub user: Vec<UserFixture>,
    /// Units inside offices.
    #[serde(default)]
    pub unit: Vec<UnitFixture>,
    /// Files (แฟ้ม) of offices.
    #[serde(default)]
    pub folder: Vec<FolderFixture>,
}

/// A unit of an office in the fixture file.
#[derive(Debug, Deserialize)]
pub struct UnitFixture {
    pub office: String,
    pub code: String,
    pub name_th: String,
    /// bureau, division, section or group.
    pub kind: String,
    /// The code of the unit it sits in.
    pub parent: Option<String>,
}

/// A file (แฟ้ม) of an office in the fixture file.
#[derive(Debug, Deserialize)]
pub struct FolderFixture {
    pub office: String,
    pub code: String,
    pub name_th: String,
}

/// An office of the fixture file.
#[derive(Debug, Deserialize)]
pub struct OfficeFixture {
    pub code: String,
    pub name_th: String,
    pub name_en: String,
    pub parent: Option<String>,
    pub inbox_email: String,
}

/// A person of the fixture file.
#[derive(Debug, Deserialize)]
pub struct UserFixture {
    pub office: String,
    pub username: String,
    pub full_name: String,
    pub position: String,
    pub email: String,
    pub roles: Vec<String>,
    pub clearance: String,
    /// Urgent and normal letters in a digest rather than at once.
    #[serde(default)]
    pub digest: bool,
    /// The code of the unit the person works in; none: at the office itself.
    pub unit: Option<String>,
    /// head_of_office, deputy, unit_head or member (the default).
    pub authority: Option<String>,
}

impl Directory {
    /// Parses a directory file.
    pub fn parse(text: &str) -> anyhow::Result<Self> {
        toml::from_str(text).context("directory file")
    }

    /// The built-in demo directory.
    pub fn demo() -> Self {
        Self::parse(DEMO_DIRECTORY).expect("the bundled demo directory parses")
    }
}

/// Creates every office and person of `dir` that does not exist yet, with `password` for everyone.
/// Returns how many offices and people were created.
pub async fn seed(corr: &Correspondence, dir: &Directory, password: &str) -> anyhow::Result<(usize, usize)> {
    let (mut offices, mut users) = (0, 0);
    for o in &dir.office {
        let code = OfficeCode::parse(&o.code)?;
        if corr.office_exists(&code).await? {
            continue;
        }
        corr.create_office(
            NewOfficeInput {
                code,
                name_th: o.name_th.clone(),
                name_en: o.name_en.clone(),
                parent: o.parent.as_deref().map(OfficeCode::parse).transpose()?,
                inbox_email: o.inbox_email.clone(),
            },
            None,
        )
        .await?;
        offices += 1;
    }
    for u in &dir.user {
        if corr.user_exists(&u.username).await? {
            continue;
        }
        corr.create_user(
            NewUserInput {
                office: OfficeCode::parse(&u.office)?,
                username: u.username.clone(),
                full_name: u.full_name.clone(),
                position: u.position.clone(),
                email: u.email.clone(),
                password: password.to_owned(),
                roles: u.roles.iter().map(|r| Role::parse(r)).collect::<Result<_, _>>()?,
                clearance: Secrecy::parse(&u.clearance)?,
                digest: u.digest,
            },
            None,
        )
        .await?;
        users += 1;
    }
    seed_structure(corr, dir).await?;
    Ok((offices, users))
}

/// Creates the units and files of `dir` that do not exist yet and places its people.
async fn seed_structure(corr: &Correspondence, dir: &Directory) -> anyhow::Result<()> {
    let existing = |r: Result<_, RoutingError>| match r {
        Ok(_) | Err(RoutingError::Duplicate { .. }) => Ok(()),
        Err(e) => Err(e),
    };
    // Parents first: a unit names its parent by code, and the file lists parents before children.
    for u in &dir.unit {
        let input = NewUnit {
            code: u.code.clone(),
            name_th: u.name_th.clone(),
            kind: UnitKind::parse(&u.kind)?,
            parent: u.parent.clone(),
        };
        existing(corr.create_unit(&OfficeCode::parse(&u.office)?, input, None).await.map(|_| ()))?;
    }
    for u in dir.user.iter().filter(|u| u.unit.is_some() || u.authority.is_some()) {
        let authority = u.authority.as_deref().map(Authority::parse).transpose()?.unwrap_or(Authority::Member);
        let placement = Placement { unit: u.unit.clone(), authority };
        corr.place_person(&OfficeCode::parse(&u.office)?, &u.username, placement, None).await?;
    }
    for f in &dir.folder {
        let input = NewFolder { code: f.code.clone(), name_th: f.name_th.clone() };
        existing(corr.create_folder(&OfficeCode::parse(&f.office)?, input, None).await.map(|_| ()))?;
    }
    Ok(())
}
