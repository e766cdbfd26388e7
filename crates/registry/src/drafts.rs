//! Storage of drafts and signing: the draft with its chain, versions and routing record, the
//! signers' sealed keys and the node's certificate authority. A draft moves by one conditional
//! update of its `revision`, so two people acting on one draft at once cannot both win; the loser
//! reads the draft again.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

use crate::RegistryError;
use crate::entity::{draft, draft_chain, draft_step, draft_version, node_ca, signing_key};
use sarabun_domain::DraftState;

/// The most drafts one list shows.
pub const MAX_LISTED: u64 = 500;

/// Writes a new draft with its first version and its `start` step.
pub async fn insert_draft(
    conn: &impl ConnectionTrait,
    model: draft::Model,
    version: draft_version::Model,
    step: draft_step::Model,
) -> Result<(), RegistryError> {
    draft::Entity::insert(draft::ActiveModel::from(model)).exec_without_returning(conn).await?;
    insert_version(conn, version).await?;
    insert_step(conn, step).await
}

/// Adds a version of a draft.
pub async fn insert_version(conn: &impl ConnectionTrait, model: draft_version::Model) -> Result<(), RegistryError> {
    draft_version::Entity::insert(draft_version::ActiveModel::from(model)).exec_without_returning(conn).await?;
    Ok(())
}

/// Adds a step to a draft's routing record.
pub async fn insert_step(conn: &impl ConnectionTrait, model: draft_step::Model) -> Result<(), RegistryError> {
    draft_step::Entity::insert(draft_step::ActiveModel::from(model)).exec_without_returning(conn).await?;
    Ok(())
}

/// One draft by id.
pub async fn draft_by_id(conn: &impl ConnectionTrait, id: &str) -> Result<Option<draft::Model>, RegistryError> {
    Ok(draft::Entity::find_by_id(id.to_owned()).one(conn).await?)
}

/// A draft's chain, in order.
pub async fn chain_of(conn: &impl ConnectionTrait, draft_id: &str) -> Result<Vec<draft_chain::Model>, RegistryError> {
    Ok(draft_chain::Entity::find()
        .filter(draft_chain::Column::DraftId.eq(draft_id))
        .order_by_asc(draft_chain::Column::Position)
        .all(conn)
        .await?)
}

/// Replaces a draft's chain (the drafter names it each time they send the draft up).
pub async fn replace_chain(
    conn: &impl ConnectionTrait,
    draft_id: &str,
    chain: Vec<draft_chain::Model>,
) -> Result<(), RegistryError> {
    draft_chain::Entity::delete_many().filter(draft_chain::Column::DraftId.eq(draft_id)).exec(conn).await?;
    if !chain.is_empty() {
        draft_chain::Entity::insert_many(chain.into_iter().map(draft_chain::ActiveModel::from))
            .exec_without_returning(conn)
            .await?;
    }
    Ok(())
}

/// A draft's versions, oldest first.
pub async fn versions_of(
    conn: &impl ConnectionTrait,
    draft_id: &str,
) -> Result<Vec<draft_version::Model>, RegistryError> {
    Ok(draft_version::Entity::find()
        .filter(draft_version::Column::DraftId.eq(draft_id))
        .order_by_asc(draft_version::Column::Number)
        .all(conn)
        .await?)
}

/// A draft's routing record, oldest first.
pub async fn steps_of(conn: &impl ConnectionTrait, draft_id: &str) -> Result<Vec<draft_step::Model>, RegistryError> {
    Ok(draft_step::Entity::find()
        .filter(draft_step::Column::DraftId.eq(draft_id))
        .order_by_asc(draft_step::Column::At)
        .order_by_asc(draft_step::Column::Id)
        .all(conn)
        .await?)
}

/// Where a step leaves a draft.
#[derive(Debug, Clone)]
pub struct DraftMove {
    pub state: DraftState,
    pub position: i32,
    pub latest_version: i32,
    pub letter_id: Option<String>,
    /// New fields (JSON) and subject, when the drafter changed them with a new version.
    pub fields: Option<(String, String)>,
}

/// Moves a draft from `revision` to `revision + 1`; false when another step moved it first.
pub async fn move_draft(
    conn: &impl ConnectionTrait,
    id: &str,
    revision: i64,
    to: DraftMove,
    at: DateTime<Utc>,
) -> Result<bool, RegistryError> {
    let mut update = draft::Entity::update_many()
        .col_expr(draft::Column::Revision, Expr::value(revision + 1))
        .col_expr(draft::Column::State, Expr::value(to.state.as_str()))
        .col_expr(draft::Column::Position, Expr::value(to.position))
        .col_expr(draft::Column::LatestVersion, Expr::value(to.latest_version))
        .col_expr(draft::Column::UpdatedAt, Expr::value(at));
    if let Some(letter_id) = to.letter_id {
        update = update.col_expr(draft::Column::LetterId, Expr::value(letter_id));
    }
    if let Some((fields_json, subject)) = to.fields {
        update = update
            .col_expr(draft::Column::FieldsJson, Expr::value(fields_json))
            .col_expr(draft::Column::Subject, Expr::value(subject));
    }
    let result =
        update.filter(draft::Column::Id.eq(id)).filter(draft::Column::Revision.eq(revision)).exec(conn).await?;
    Ok(result.rows_affected == 1)
}

/// The drafts of an office that `user_ids` wrote, newest change first.
pub async fn drafted_by(
    conn: &impl ConnectionTrait,
    office_id: &str,
    user_ids: &[&str],
) -> Result<Vec<draft::Model>, RegistryError> {
    Ok(draft::Entity::find()
        .filter(draft::Column::OfficeId.eq(office_id))
        .filter(draft::Column::DrafterUserId.is_in(user_ids.iter().copied()))
        .order_by_desc(draft::Column::UpdatedAt)
        .limit(MAX_LISTED)
        .all(conn)
        .await?)
}

/// The drafts of an office waiting on the chain for one of `user_ids` (in review or for the
/// signature, at their place on the chain), oldest change first.
pub async fn waiting_for(
    conn: &impl ConnectionTrait,
    office_id: &str,
    user_ids: &[&str],
) -> Result<Vec<draft::Model>, RegistryError> {
    let places = draft_chain::Entity::find()
        .filter(draft_chain::Column::UserId.is_in(user_ids.iter().copied()))
        .limit(MAX_LISTED * 4)
        .all(conn)
        .await?;
    if places.is_empty() {
        return Ok(Vec::new());
    }
    let drafts = draft::Entity::find()
        .filter(draft::Column::OfficeId.eq(office_id))
        .filter(draft::Column::State.is_in([DraftState::InReview.as_str(), DraftState::AwaitingSignature.as_str()]))
        .filter(draft::Column::Id.is_in(places.iter().map(|p| p.draft_id.clone())))
        .order_by_asc(draft::Column::UpdatedAt)
        .limit(MAX_LISTED)
        .all(conn)
        .await?;
    Ok(drafts.into_iter().filter(|d| places.iter().any(|p| p.draft_id == d.id && p.position == d.position)).collect())
}

/// A person's signing key, if they enrolled one.
pub async fn signing_key_of(
    conn: &impl ConnectionTrait,
    user_id: &str,
) -> Result<Option<signing_key::Model>, RegistryError> {
    Ok(signing_key::Entity::find_by_id(user_id.to_owned()).one(conn).await?)
}

/// Stores a person's signing key, replacing an earlier one.
pub async fn put_signing_key(conn: &impl ConnectionTrait, model: signing_key::Model) -> Result<(), RegistryError> {
    signing_key::Entity::delete_by_id(model.user_id.clone()).exec(conn).await?;
    signing_key::Entity::insert(signing_key::ActiveModel::from(model)).exec_without_returning(conn).await?;
    Ok(())
}

/// The node's certificate authority, once made.
pub async fn node_ca(conn: &impl ConnectionTrait) -> Result<Option<node_ca::Model>, RegistryError> {
    Ok(node_ca::Entity::find_by_id("ca".to_owned()).one(conn).await?)
}

/// Stores the node's certificate authority; a unique violation means another node made it first.
pub async fn insert_node_ca(conn: &impl ConnectionTrait, model: node_ca::Model) -> Result<(), RegistryError> {
    node_ca::Entity::insert(node_ca::ActiveModel::from(model)).exec_without_returning(conn).await?;
    Ok(())
}

/// One step of a draft's routing record by id.
pub async fn step_by_id(conn: &impl ConnectionTrait, id: &str) -> Result<Option<draft_step::Model>, RegistryError> {
    Ok(draft_step::Entity::find_by_id(id.to_owned()).one(conn).await?)
}
