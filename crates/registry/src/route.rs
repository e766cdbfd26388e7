//! Storage of what happens inside an office: its units, where people are placed, who stands in for
//! whom, its files, and each received letter's route — the matter, its steps and the tasks they give.
//! A step is written by routing inside one transaction with its audit entry and event; the matter's
//! `version` is moved by a conditional update, so two people stepping at once cannot both win.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveValue, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

use crate::RegistryError;
use crate::Stored;
use crate::entity::{folder, matter, placement, route_step, route_task, signature_image, stand_in, unit, user};
use sarabun_domain::MatterState;

/// The most open tasks a work list reads at once.
pub const MAX_OPEN_TASKS: u64 = 2_000;

/// Adds a unit to an office.
pub async fn insert_unit(conn: &impl ConnectionTrait, model: unit::Model) -> Result<(), RegistryError> {
    unit::Entity::insert(unit::ActiveModel::from(model)).exec_without_returning(conn).await?;
    Ok(())
}

/// Every unit of an office, in code order.
pub async fn units_of(conn: &impl ConnectionTrait, office_id: &str) -> Result<Vec<unit::Model>, RegistryError> {
    Ok(unit::Entity::find()
        .filter(unit::Column::OfficeId.eq(office_id))
        .order_by_asc(unit::Column::Code)
        .all(conn)
        .await?)
}

/// One unit by its id.
pub async fn unit_by_id(conn: &impl ConnectionTrait, id: &str) -> Result<Option<unit::Model>, RegistryError> {
    Ok(unit::Entity::find_by_id(id.to_owned()).one(conn).await?)
}

/// One unit of an office by its code.
pub async fn unit_by_code(
    conn: &impl ConnectionTrait,
    office_id: &str,
    code: &str,
) -> Result<Option<unit::Model>, RegistryError> {
    Ok(unit::Entity::find()
        .filter(unit::Column::OfficeId.eq(office_id))
        .filter(unit::Column::Code.eq(code))
        .one(conn)
        .await?)
}

/// Places a person in their office (or moves them), replacing an earlier placement.
pub async fn place(conn: &impl ConnectionTrait, model: placement::Model) -> Result<(), RegistryError> {
    placement::Entity::delete_by_id(model.user_id.clone()).exec(conn).await?;
    placement::Entity::insert(placement::ActiveModel::from(model)).exec_without_returning(conn).await?;
    Ok(())
}

/// Where people are placed, by user id.
pub async fn placements_of(
    conn: &impl ConnectionTrait,
    user_ids: &[&str],
) -> Result<Vec<placement::Model>, RegistryError> {
    if user_ids.is_empty() {
        return Ok(Vec::new());
    }
    Ok(placement::Entity::find().filter(placement::Column::UserId.is_in(user_ids.iter().copied())).all(conn).await?)
}

/// Every placement of an office.
pub async fn office_placements(
    conn: &impl ConnectionTrait,
    office_id: &str,
) -> Result<Vec<placement::Model>, RegistryError> {
    Ok(placement::Entity::find().filter(placement::Column::OfficeId.eq(office_id)).all(conn).await?)
}

/// The head of a unit (the first placed as its head), if it has one.
pub async fn unit_head(conn: &impl ConnectionTrait, unit_id: &str) -> Result<Option<String>, RegistryError> {
    Ok(placement::Entity::find()
        .filter(placement::Column::UnitId.eq(unit_id))
        .filter(placement::Column::Authority.eq(sarabun_domain::Authority::UnitHead.as_str()))
        .order_by_asc(placement::Column::UserId)
        .one(conn)
        .await?
        .map(|p| p.user_id))
}

/// The people of an office, active or not.
pub async fn office_people(conn: &impl ConnectionTrait, office_id: &str) -> Result<Vec<user::Model>, RegistryError> {
    Ok(user::Entity::find()
        .filter(user::Column::OfficeId.eq(office_id))
        .order_by_asc(user::Column::Username)
        .all(conn)
        .await?)
}

/// Where a person stands in their office's line of command: their placement's authority, or a
/// member when they are placed nowhere.
pub async fn authority_of(
    conn: &impl ConnectionTrait,
    user_id: &str,
) -> Result<sarabun_domain::Authority, RegistryError> {
    Ok(placements_of(conn, &[user_id])
        .await?
        .first()
        .map(|p| p.authority.get())
        .unwrap_or(sarabun_domain::Authority::Member))
}

/// People by id.
pub async fn users_by_ids(conn: &impl ConnectionTrait, ids: &[&str]) -> Result<Vec<user::Model>, RegistryError> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    Ok(user::Entity::find().filter(user::Column::Id.is_in(ids.iter().copied())).all(conn).await?)
}

/// Records that someone stands in for another person.
pub async fn insert_stand_in(conn: &impl ConnectionTrait, model: stand_in::Model) -> Result<(), RegistryError> {
    stand_in::Entity::insert(stand_in::ActiveModel::from(model)).exec_without_returning(conn).await?;
    Ok(())
}

/// Whom `user_id` stands in for at `at`.
pub async fn standing_in_for(
    conn: &impl ConnectionTrait,
    user_id: &str,
    at: DateTime<Utc>,
) -> Result<Vec<stand_in::Model>, RegistryError> {
    Ok(stand_in::Entity::find()
        .filter(stand_in::Column::StandInUserId.eq(user_id))
        .filter(stand_in::Column::StartsAt.lte(at))
        .filter(stand_in::Column::EndsAt.gt(at))
        .order_by_asc(stand_in::Column::CreatedAt)
        .all(conn)
        .await?)
}

/// Who stands in for any of `absent` at `at`.
pub async fn stand_ins_for(
    conn: &impl ConnectionTrait,
    absent: &[&str],
    at: DateTime<Utc>,
) -> Result<Vec<stand_in::Model>, RegistryError> {
    if absent.is_empty() {
        return Ok(Vec::new());
    }
    Ok(stand_in::Entity::find()
        .filter(stand_in::Column::AbsentUserId.is_in(absent.iter().copied()))
        .filter(stand_in::Column::StartsAt.lte(at))
        .filter(stand_in::Column::EndsAt.gt(at))
        .all(conn)
        .await?)
}

/// An office's stand-ins that have not ended by `at`.
pub async fn office_stand_ins(
    conn: &impl ConnectionTrait,
    office_id: &str,
    at: DateTime<Utc>,
) -> Result<Vec<stand_in::Model>, RegistryError> {
    Ok(stand_in::Entity::find()
        .filter(stand_in::Column::OfficeId.eq(office_id))
        .filter(stand_in::Column::EndsAt.gt(at))
        .order_by_asc(stand_in::Column::StartsAt)
        .all(conn)
        .await?)
}

/// Adds a file (แฟ้ม) to an office.
pub async fn insert_folder(conn: &impl ConnectionTrait, model: folder::Model) -> Result<(), RegistryError> {
    folder::Entity::insert(folder::ActiveModel::from(model)).exec_without_returning(conn).await?;
    Ok(())
}

/// An office's files, in code order.
pub async fn folders_of(conn: &impl ConnectionTrait, office_id: &str) -> Result<Vec<folder::Model>, RegistryError> {
    Ok(folder::Entity::find()
        .filter(folder::Column::OfficeId.eq(office_id))
        .order_by_asc(folder::Column::Code)
        .all(conn)
        .await?)
}

/// One file by id.
pub async fn folder_by_id(conn: &impl ConnectionTrait, id: &str) -> Result<Option<folder::Model>, RegistryError> {
    Ok(folder::Entity::find_by_id(id.to_owned()).one(conn).await?)
}

/// The matter of a received delivery, once its route has started.
pub async fn matter_of(conn: &impl ConnectionTrait, delivery_id: &str) -> Result<Option<matter::Model>, RegistryError> {
    Ok(matter::Entity::find_by_id(delivery_id.to_owned()).one(conn).await?)
}

/// Starts a matter. A racing first step loses on the primary key ([`RegistryError::is_unique_violation`]).
pub async fn insert_matter(conn: &impl ConnectionTrait, model: matter::Model) -> Result<(), RegistryError> {
    matter::Entity::insert(matter::ActiveModel::from(model)).exec_without_returning(conn).await?;
    Ok(())
}

/// What a step changes on its matter.
#[derive(Debug, Clone)]
pub struct Advance {
    pub state: MatterState,
    pub routed_sha256: String,
    pub folder_id: Option<String>,
    pub finished_by: Option<String>,
}

/// Moves a matter from `version` to `version + 1` as `advance` says. Returns false when another
/// step moved it first.
pub async fn advance_matter(
    conn: &impl ConnectionTrait,
    delivery_id: &str,
    version: i32,
    advance: Advance,
    at: DateTime<Utc>,
) -> Result<bool, RegistryError> {
    let mut update = matter::Entity::update_many()
        .col_expr(matter::Column::Version, Expr::value(version + 1))
        .col_expr(matter::Column::State, Expr::value(advance.state.as_str()))
        .col_expr(matter::Column::RoutedSha256, Expr::value(advance.routed_sha256))
        .col_expr(matter::Column::UpdatedAt, Expr::value(at));
    if let Some(folder) = advance.folder_id {
        update = update.col_expr(matter::Column::FolderId, Expr::value(folder));
    }
    if let Some(by) = advance.finished_by {
        update = update.col_expr(matter::Column::FinishedBy, Expr::value(by));
    }
    let result = update
        .filter(matter::Column::DeliveryId.eq(delivery_id))
        .filter(matter::Column::Version.eq(version))
        .exec(conn)
        .await?;
    Ok(result.rows_affected == 1)
}

/// An office's matters in `states`, newest change first, at most `limit`.
pub async fn office_matters(
    conn: &impl ConnectionTrait,
    office_id: &str,
    states: &[MatterState],
    limit: u64,
) -> Result<Vec<matter::Model>, RegistryError> {
    Ok(matter::Entity::find()
        .filter(matter::Column::OfficeId.eq(office_id))
        .filter(matter::Column::State.is_in(states.iter().map(|s| s.as_str())))
        .order_by_desc(matter::Column::UpdatedAt)
        .limit(limit)
        .all(conn)
        .await?)
}

/// Writes a step.
pub async fn insert_step(conn: &impl ConnectionTrait, model: route_step::Model) -> Result<(), RegistryError> {
    route_step::Entity::insert(route_step::ActiveModel::from(model)).exec_without_returning(conn).await?;
    Ok(())
}

/// A matter's steps in order.
pub async fn steps_of(conn: &impl ConnectionTrait, delivery_id: &str) -> Result<Vec<route_step::Model>, RegistryError> {
    Ok(route_step::Entity::find()
        .filter(route_step::Column::DeliveryId.eq(delivery_id))
        .order_by_asc(route_step::Column::Seq)
        .all(conn)
        .await?)
}

/// One step by id.
pub async fn step_by_id(conn: &impl ConnectionTrait, id: &str) -> Result<Option<route_step::Model>, RegistryError> {
    Ok(route_step::Entity::find_by_id(id.to_owned()).one(conn).await?)
}

/// Gives someone a task.
pub async fn insert_task(conn: &impl ConnectionTrait, model: route_task::Model) -> Result<(), RegistryError> {
    route_task::Entity::insert(route_task::ActiveModel::from(model)).exec_without_returning(conn).await?;
    Ok(())
}

/// A matter's tasks, open and closed, in the order given.
pub async fn tasks_of(conn: &impl ConnectionTrait, delivery_id: &str) -> Result<Vec<route_task::Model>, RegistryError> {
    Ok(route_task::Entity::find()
        .filter(route_task::Column::DeliveryId.eq(delivery_id))
        .order_by_asc(route_task::Column::OpenedAt)
        .order_by_asc(route_task::Column::Id)
        .all(conn)
        .await?)
}

/// The tasks a step opened (whose holders are told).
pub async fn tasks_opened_by(
    conn: &impl ConnectionTrait,
    step_id: &str,
) -> Result<Vec<route_task::Model>, RegistryError> {
    Ok(route_task::Entity::find().filter(route_task::Column::OpenedByStep.eq(step_id)).all(conn).await?)
}

/// Closes tasks by a step.
pub async fn close_tasks(
    conn: &impl ConnectionTrait,
    task_ids: &[String],
    step_id: &str,
    at: DateTime<Utc>,
) -> Result<(), RegistryError> {
    if task_ids.is_empty() {
        return Ok(());
    }
    route_task::Entity::update_many()
        .col_expr(route_task::Column::ClosedByStep, Expr::value(step_id))
        .col_expr(route_task::Column::ClosedAt, Expr::value(at))
        .filter(route_task::Column::Id.is_in(task_ids.iter().map(String::as_str)))
        .filter(route_task::Column::ClosedAt.is_null())
        .exec(conn)
        .await?;
    Ok(())
}

/// Open tasks held by any of `holders`, oldest first, at most [`MAX_OPEN_TASKS`].
pub async fn open_tasks_held_by(
    conn: &impl ConnectionTrait,
    holders: &[&str],
) -> Result<Vec<route_task::Model>, RegistryError> {
    if holders.is_empty() {
        return Ok(Vec::new());
    }
    Ok(route_task::Entity::find()
        .filter(route_task::Column::HolderUserId.is_in(holders.iter().copied()))
        .filter(route_task::Column::ClosedAt.is_null())
        .order_by_asc(route_task::Column::OpenedAt)
        .limit(MAX_OPEN_TASKS)
        .all(conn)
        .await?)
}

/// An office's open tasks, oldest first, at most [`MAX_OPEN_TASKS`].
pub async fn office_open_tasks(
    conn: &impl ConnectionTrait,
    office_id: &str,
) -> Result<Vec<route_task::Model>, RegistryError> {
    Ok(route_task::Entity::find()
        .filter(route_task::Column::OfficeId.eq(office_id))
        .filter(route_task::Column::ClosedAt.is_null())
        .order_by_asc(route_task::Column::OpenedAt)
        .limit(MAX_OPEN_TASKS)
        .all(conn)
        .await?)
}

/// Open tasks past their due time that nobody was reminded of yet, at most `limit`.
pub async fn overdue_tasks(
    conn: &impl ConnectionTrait,
    now: DateTime<Utc>,
    limit: u64,
) -> Result<Vec<route_task::Model>, RegistryError> {
    Ok(route_task::Entity::find()
        .filter(route_task::Column::ClosedAt.is_null())
        .filter(route_task::Column::DueAt.lt(now))
        .filter(route_task::Column::RemindedAt.is_null())
        .order_by_asc(route_task::Column::DueAt)
        .limit(limit)
        .all(conn)
        .await?)
}

/// Marks a task reminded; false when another worker did first.
pub async fn mark_task_reminded(
    conn: &impl ConnectionTrait,
    task_id: &str,
    at: DateTime<Utc>,
) -> Result<bool, RegistryError> {
    let result = route_task::Entity::update_many()
        .col_expr(route_task::Column::RemindedAt, Expr::value(at))
        .filter(route_task::Column::Id.eq(task_id))
        .filter(route_task::Column::RemindedAt.is_null())
        .exec(conn)
        .await?;
    Ok(result.rows_affected == 1)
}

/// Moves open tasks of `from` to `to` (handing over waiting work); returns the tasks moved.
pub async fn hand_over_tasks(
    conn: &impl ConnectionTrait,
    from: &str,
    to: &str,
) -> Result<Vec<route_task::Model>, RegistryError> {
    let moved = route_task::Entity::find()
        .filter(route_task::Column::HolderUserId.eq(from))
        .filter(route_task::Column::ClosedAt.is_null())
        .all(conn)
        .await?;
    route_task::Entity::update_many()
        .col_expr(route_task::Column::HolderUserId, Expr::value(to))
        .filter(route_task::Column::HolderUserId.eq(from))
        .filter(route_task::Column::ClosedAt.is_null())
        .exec(conn)
        .await?;
    Ok(moved)
}

/// Marks handed-over tasks as given by the handover step (whose event tells their new holder).
pub async fn retag_tasks(conn: &impl ConnectionTrait, task_ids: &[String], step_id: &str) -> Result<(), RegistryError> {
    if task_ids.is_empty() {
        return Ok(());
    }
    route_task::Entity::update_many()
        .col_expr(route_task::Column::OpenedByStep, Expr::value(step_id))
        .filter(route_task::Column::Id.is_in(task_ids.iter().map(String::as_str)))
        .exec(conn)
        .await?;
    Ok(())
}

/// Whether any of `people` holds or held a task, or took a step, on the matter of `delivery_id`.
pub async fn on_route(conn: &impl ConnectionTrait, delivery_id: &str, people: &[&str]) -> Result<bool, RegistryError> {
    if people.is_empty() {
        return Ok(false);
    }
    let task = route_task::Entity::find()
        .filter(route_task::Column::DeliveryId.eq(delivery_id))
        .filter(route_task::Column::HolderUserId.is_in(people.iter().copied()))
        .one(conn)
        .await?;
    if task.is_some() {
        return Ok(true);
    }
    let step = route_step::Entity::find()
        .filter(route_step::Column::DeliveryId.eq(delivery_id))
        .filter(route_step::Column::ActorUserId.is_in(people.iter().copied()))
        .one(conn)
        .await?;
    Ok(step.is_some())
}

/// Registers (or replaces) a person's signature image.
pub async fn set_signature_image(
    conn: &impl ConnectionTrait,
    model: signature_image::Model,
) -> Result<(), RegistryError> {
    signature_image::Entity::delete_by_id(model.user_id.clone()).exec(conn).await?;
    signature_image::Entity::insert(signature_image::ActiveModel::from(model)).exec_without_returning(conn).await?;
    Ok(())
}

/// A person's registered signature image.
pub async fn signature_image_of(
    conn: &impl ConnectionTrait,
    user_id: &str,
) -> Result<Option<signature_image::Model>, RegistryError> {
    Ok(signature_image::Entity::find_by_id(user_id.to_owned()).one(conn).await?)
}

/// Leaves an event announcing a route step for the notification worker.
pub async fn insert_step_event(
    conn: &impl ConnectionTrait,
    kind: sarabun_domain::EventKind,
    letter_id: &str,
    delivery_id: &str,
    step_id: &str,
    at: DateTime<Utc>,
) -> Result<(), RegistryError> {
    let model = crate::entity::event::ActiveModel {
        id: ActiveValue::Set(crate::new_id()),
        kind: ActiveValue::Set(Stored(kind)),
        letter_id: ActiveValue::Set(letter_id.to_owned()),
        delivery_id: ActiveValue::Set(Some(delivery_id.to_owned())),
        created_at: ActiveValue::Set(at),
        processed_at: ActiveValue::Set(None),
        step_id: ActiveValue::Set(Some(step_id.to_owned())),
    };
    crate::entity::event::Entity::insert(model).exec_without_returning(conn).await?;
    Ok(())
}
