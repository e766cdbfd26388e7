//! The structure a route runs on, set up by the office admin (or by the node when it loads a
//! directory): units as a tree under the office, where each person is placed and with what authority,
//! who stands in for whom and until when (set by the admin or by the absent person), the office's
//! files, and each person's registered signature image (handing over a leaver's work is in
//! `handover`). Every change is an audit entry.

use super::view::*;
use super::{person_ref, unknown_person};
use crate::compose::{LINE, check_text};
use crate::{Actor, AuditEvent, Correspondence, RoutingError};
use chrono::{DateTime, Utc};
use sarabun_domain::route::USUAL_ORDERS;
use sarabun_domain::{Authority, EventKind, Permission, Role, StandInKind, UnitKind};
use sarabun_registry::entity::{folder, placement, stand_in, unit, user};
use sarabun_registry::route as routes;
use sarabun_registry::{Stored, directory, new_id};
use sea_orm::TransactionTrait;
use serde_json::json;
use std::collections::HashMap;

/// The largest signature image accepted (1 MiB).
pub const SIGNATURE_IMAGE_MAX_BYTES: usize = sarabun_stamp::MAX_SIGNATURE_BYTES;
/// The longest a stand-in may last; a longer absence is a new appointment, not a stand-in.
const MAX_STAND_IN_DAYS: i64 = 366;

/// A unit to create.
#[derive(Debug, Clone)]
pub struct NewUnit {
    pub code: String,
    pub name_th: String,
    pub kind: UnitKind,
    /// The code of the unit it sits in; None for a unit directly under the office.
    pub parent: Option<String>,
}

/// Where to place a person.
#[derive(Debug, Clone)]
pub struct Placement {
    /// The unit's code; None for the office itself (its head and deputies).
    pub unit: Option<String>,
    pub authority: Authority,
}

/// Someone to stand in for another person.
#[derive(Debug, Clone)]
pub struct NewStandIn {
    pub absent: String,
    pub stand_in: String,
    pub kind: StandInKind,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
}

/// A file (แฟ้ม) to create.
#[derive(Debug, Clone)]
pub struct NewFolder {
    pub code: String,
    pub name_th: String,
}

impl Correspondence {
    /// Fails unless `by` (when a person asks) administers `office_id`'s structure.
    fn require_office_admin(by: Option<&Actor>, office_id: &str) -> Result<(), RoutingError> {
        match by {
            Some(admin) => {
                admin.require(Permission::ManageOfficeStructure)?;
                if admin.office_id != office_id {
                    return Err(RoutingError::NotFound("office"));
                }
                Ok(())
            }
            None => Ok(()),
        }
    }

    /// Records an office-structure change in the audit log, alone in its transaction.
    async fn record_structure(
        &self,
        by: Option<&Actor>,
        office_code: &str,
        subject: String,
        detail: serde_json::Value,
    ) -> Result<(), RoutingError> {
        let event = AuditEvent {
            actor: by.map_or("-".into(), |a| a.username.clone()),
            office: office_code.to_owned(),
            action: EventKind::OfficeStructureChanged,
            subject,
            letter_id: None,
            delivery_id: None,
            detail,
        };
        self.record_alone(event).await?;
        Ok(())
    }

    /// Adds a unit to an office (`by`: the office admin; none when the node loads a directory).
    pub async fn create_unit(
        &self,
        office: &sarabun_domain::OfficeCode,
        input: NewUnit,
        by: Option<&Actor>,
    ) -> Result<UnitView, RoutingError> {
        let office = directory::office_by_code(&self.db, office).await?.ok_or(RoutingError::NotFound("office"))?;
        Self::require_office_admin(by, &office.id)?;
        let code = check_code("code", &input.code)?;
        let name_th = check_text("name_th", &input.name_th, LINE)?;
        let parent = match &input.parent {
            Some(parent) => Some(
                routes::unit_by_code(&self.db, &office.id, parent)
                    .await?
                    .ok_or(RoutingError::Field { field: "parent", message: format!("no unit {parent:?}") })?,
            ),
            None => None,
        };
        if routes::unit_by_code(&self.db, &office.id, &code).await?.is_some() {
            return Err(RoutingError::Duplicate { what: "unit", key: code });
        }
        let model = unit::Model {
            id: new_id(),
            office_id: office.id.clone(),
            parent_id: parent.as_ref().map(|p| p.id.clone()),
            code: code.clone(),
            name_th: name_th.clone(),
            kind: Stored(input.kind),
            created_at: self.clock.now(),
        };
        routes::insert_unit(&self.db, model.clone()).await?;
        self.record_structure(
            by,
            &office.code,
            format!("unit/{code}"),
            crate::audit::detail(
                json!({"change": "unit_created", "office": office.code, "code": code, "name_th": name_th,
                "kind": input.kind.as_str(), "parent": input.parent}),
            ),
        )
        .await?;
        Ok(UnitView {
            id: model.id,
            code,
            name_th,
            kind: input.kind,
            parent: input.parent,
            head: None,
            people: Vec::new(),
        })
    }

    /// Places a person of the office in a unit (or at the office itself) with an authority.
    pub async fn place_person(
        &self,
        office: &sarabun_domain::OfficeCode,
        username: &str,
        placement: Placement,
        by: Option<&Actor>,
    ) -> Result<(), RoutingError> {
        let office = directory::office_by_code(&self.db, office).await?.ok_or(RoutingError::NotFound("office"))?;
        Self::require_office_admin(by, &office.id)?;
        let person =
            directory::user_by_username(&self.db, username).await?.filter(|u| u.office_id == office.id).ok_or(
                RoutingError::Field { field: "username", message: format!("nobody in the office is {username:?}") },
            )?;
        let unit = match &placement.unit {
            Some(code) => Some(
                routes::unit_by_code(&self.db, &office.id, code)
                    .await?
                    .ok_or(RoutingError::Field { field: "unit", message: format!("no unit {code:?}") })?,
            ),
            None => None,
        };
        let authority_fits = match placement.authority {
            Authority::UnitHead => unit.is_some(),
            Authority::HeadOfOffice | Authority::Deputy => unit.is_none(),
            Authority::Member => true,
        };
        if !authority_fits {
            return Err(RoutingError::Field {
                field: "authority",
                message: "a unit head is placed in a unit; the head of the office and deputies at the office".into(),
            });
        }
        let model = placement::Model {
            user_id: person.id.clone(),
            office_id: office.id.clone(),
            unit_id: unit.as_ref().map(|u| u.id.clone()),
            authority: Stored(placement.authority),
        };
        if routes::placements_of(&self.db, &[person.id.as_str()]).await?.first() == Some(&model) {
            // Loading a directory again at every demo start must not grow the log.
            return Ok(());
        }
        routes::place(&self.db, model).await?;
        self.record_structure(
            by,
            &office.code,
            format!("user/{}", person.username),
            crate::audit::detail(json!({"change": "placed", "office": office.code, "username": person.username,
                "unit": placement.unit, "authority": placement.authority.as_str()})),
        )
        .await
    }

    /// Adds a file (แฟ้ม) to the office.
    pub async fn create_folder(
        &self,
        office: &sarabun_domain::OfficeCode,
        input: NewFolder,
        by: Option<&Actor>,
    ) -> Result<FolderView, RoutingError> {
        let office = directory::office_by_code(&self.db, office).await?.ok_or(RoutingError::NotFound("office"))?;
        Self::require_office_admin(by, &office.id)?;
        let code = check_text("code", &input.code, sarabun_domain::TextRule::line(40))?;
        let name_th = check_text("name_th", &input.name_th, LINE)?;
        if routes::folders_of(&self.db, &office.id).await?.iter().any(|f| f.code == code) {
            return Err(RoutingError::Duplicate { what: "file", key: code });
        }
        let model = folder::Model {
            id: new_id(),
            office_id: office.id.clone(),
            code: code.clone(),
            name_th: name_th.clone(),
            created_at: self.clock.now(),
        };
        routes::insert_folder(&self.db, model.clone()).await?;
        self.record_structure(
            by,
            &office.code,
            format!("folder/{code}"),
            crate::audit::detail(
                json!({"change": "folder_created", "office": office.code, "code": code, "name_th": name_th}),
            ),
        )
        .await?;
        Ok(FolderView { id: model.id, code, name_th })
    }

    /// Sets someone to stand in for an absent person of the same office for a period: by the
    /// office admin, or by the absent person themself.
    pub async fn set_stand_in(&self, actor: &Actor, input: NewStandIn) -> Result<StandInView, RoutingError> {
        let absent = self.office_person(actor, "absent", &input.absent).await?;
        let stand_in = self.office_person(actor, "stand_in", &input.stand_in).await?;
        let by_admin = actor.may(Permission::ManageOfficeStructure);
        if !(by_admin || (absent.id == actor.user_id && actor.may(Permission::TakeRouteSteps))) {
            return Err(RoutingError::Forbidden);
        }
        if absent.id == stand_in.id {
            return Err(RoutingError::Field {
                field: "stand_in",
                message: "a person cannot stand in for themself".into(),
            });
        }
        let now = self.clock.now();
        if input.ends_at <= input.starts_at || input.ends_at <= now {
            return Err(RoutingError::Field {
                field: "ends_at",
                message: "the period must end after it starts, in the future".into(),
            });
        }
        if input.ends_at - input.starts_at > chrono::Duration::days(MAX_STAND_IN_DAYS) {
            return Err(RoutingError::Field { field: "ends_at", message: format!("at most {MAX_STAND_IN_DAYS} days") });
        }
        let model = stand_in::Model {
            id: new_id(),
            office_id: actor.office_id.clone(),
            absent_user_id: absent.id.clone(),
            stand_in_user_id: stand_in.id.clone(),
            kind: Stored(input.kind),
            starts_at: input.starts_at,
            ends_at: input.ends_at,
            set_by: actor.username.clone(),
            created_at: now,
        };
        let event = AuditEvent::by(
            actor,
            EventKind::StandInSet,
            format!("user/{}", absent.username),
            crate::audit::detail(
                json!({"office": actor.office_code.to_string(), "absent": absent.username, "stand_in": stand_in.username,
                "kind": input.kind.as_str(), "starts_at": input.starts_at.to_rfc3339(), "ends_at": input.ends_at.to_rfc3339()}),
            ),
        );
        let txn = self.db.begin().await?;
        routes::insert_stand_in(&txn, model.clone()).await?;
        self.record(&txn, now, event).await?;
        txn.commit().await?;
        Ok(StandInView {
            id: model.id,
            absent: person_ref(&absent),
            stand_in: person_ref(&stand_in),
            kind: input.kind,
            starts_at: input.starts_at,
            ends_at: input.ends_at,
            set_by: model.set_by,
        })
    }

    /// Registers the actor's own signature image (PNG or JPEG, sniffed, at most
    /// [`SIGNATURE_IMAGE_MAX_BYTES`]), drawn beside their name on the minutes they write from now on.
    pub async fn set_signature_image(&self, actor: &Actor, bytes: Vec<u8>) -> Result<(), RoutingError> {
        actor.require(Permission::TakeRouteSteps)?;
        if bytes.len() > SIGNATURE_IMAGE_MAX_BYTES {
            return Err(RoutingError::TooLarge { limit: SIGNATURE_IMAGE_MAX_BYTES as u64 });
        }
        let media_type = crate::media::sniff(&bytes, &[]);
        if !matches!(media_type, crate::media::PNG | crate::media::JPEG) {
            return Err(RoutingError::Field {
                field: "image",
                message: "a signature image is a PNG or JPEG file".into(),
            });
        }
        sarabun_stamp::check_signature_image(&bytes)
            .map_err(|e| RoutingError::Field { field: "image", message: e.to_string() })?;
        let blob =
            self.blobs.put_bytes(bytes::Bytes::from(bytes)).await.map_err(|e| RoutingError::Blob(e.to_string()))?;
        let now = self.clock.now();
        let event = AuditEvent::by(
            actor,
            EventKind::OfficeStructureChanged,
            format!("user/{}", actor.username),
            crate::audit::detail(
                json!({"change": "signature_image", "office": actor.office_code.to_string(), "sha256": blob.sha256}),
            ),
        );
        let txn = self.db.begin().await?;
        routes::set_signature_image(
            &txn,
            sarabun_registry::entity::signature_image::Model {
                user_id: actor.user_id.clone(),
                sha256: blob.sha256,
                media_type: media_type.to_owned(),
                uploaded_at: now,
            },
        )
        .await?;
        self.record(&txn, now, event).await?;
        txn.commit().await?;
        Ok(())
    }

    /// The office's structure as its people see it.
    pub async fn office_structure(&self, actor: &Actor) -> Result<OfficeStructure, RoutingError> {
        if !(actor.may(Permission::TakeRouteSteps) || actor.may(Permission::ManageOfficeStructure)) {
            return Err(RoutingError::Forbidden);
        }
        let now = self.clock.now();
        let units = routes::units_of(&self.db, &actor.office_id).await?;
        let people = routes::office_people(&self.db, &actor.office_id).await?;
        let placements: HashMap<String, placement::Model> = routes::office_placements(&self.db, &actor.office_id)
            .await?
            .into_iter()
            .map(|p| (p.user_id.clone(), p))
            .collect();
        let by_id: HashMap<&str, &user::Model> = people.iter().map(|u| (u.id.as_str(), u)).collect();
        let unit_code: HashMap<&str, &str> = units.iter().map(|u| (u.id.as_str(), u.code.as_str())).collect();
        let unit_views = units
            .iter()
            .map(|u| {
                let members: Vec<&placement::Model> =
                    placements.values().filter(|p| p.unit_id.as_deref() == Some(u.id.as_str())).collect();
                let head = members
                    .iter()
                    .filter(|p| p.authority.get() == Authority::UnitHead)
                    .filter_map(|p| by_id.get(p.user_id.as_str()))
                    .min_by_key(|u| u.id.clone())
                    .map(|u| person_ref(u));
                let mut people: Vec<PersonRef> =
                    members.iter().filter_map(|p| by_id.get(p.user_id.as_str())).map(|u| person_ref(u)).collect();
                people.sort_by(|a, b| a.username.cmp(&b.username));
                UnitView {
                    id: u.id.clone(),
                    code: u.code.clone(),
                    name_th: u.name_th.clone(),
                    kind: u.kind.get(),
                    parent: u.parent_id.as_deref().and_then(|p| unit_code.get(p)).map(|c| c.to_string()),
                    head,
                    people,
                }
            })
            .collect();
        let placed = people
            .iter()
            .filter(|u| u.active)
            .filter(|u| u.roles.0.iter().any(|r| matches!(r, Role::Clerk | Role::Executive | Role::Officer)))
            .map(|u| {
                let p = placements.get(&u.id);
                let authority = p.map(|p| p.authority.get()).unwrap_or(Authority::Member);
                PlacedPerson {
                    person: person_ref(u),
                    unit: p.and_then(|p| p.unit_id.as_deref()).and_then(|id| unit_code.get(id)).map(|c| c.to_string()),
                    authority,
                    may_order: authority.may_order(),
                    cleared: sarabun_domain::Secrecy::ALL
                        .iter()
                        .filter(|s| u.clearance.get().clears(**s))
                        .map(|s| s.as_str().to_owned())
                        .collect(),
                }
            })
            .collect();
        let stand_ins = routes::office_stand_ins(&self.db, &actor.office_id, now)
            .await?
            .into_iter()
            .map(|s| StandInView {
                absent: by_id
                    .get(s.absent_user_id.as_str())
                    .map_or_else(|| unknown_person(&s.absent_user_id), |u| person_ref(u)),
                stand_in: by_id
                    .get(s.stand_in_user_id.as_str())
                    .map_or_else(|| unknown_person(&s.stand_in_user_id), |u| person_ref(u)),
                id: s.id,
                kind: s.kind.get(),
                starts_at: s.starts_at,
                ends_at: s.ends_at,
                set_by: s.set_by,
            })
            .collect();
        let folders = routes::folders_of(&self.db, &actor.office_id)
            .await?
            .into_iter()
            .map(|f| FolderView { id: f.id, code: f.code, name_th: f.name_th })
            .collect();
        Ok(OfficeStructure {
            units: unit_views,
            people: placed,
            stand_ins,
            folders,
            usual_orders: USUAL_ORDERS.to_vec(),
        })
    }
}

/// A unit code: short, lower-case ASCII letters, digits and `-`, so it fits a URL and a form.
fn check_code(field: &'static str, input: &str) -> Result<String, RoutingError> {
    let code = input.trim();
    let fits = !code.is_empty()
        && code.len() <= 40
        && code.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    if fits {
        Ok(code.to_owned())
    } else {
        Err(RoutingError::Field { field, message: "1–40 lower-case letters, digits or '-'".into() })
    }
}
