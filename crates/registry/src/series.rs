//! Storage of the series an office keeps beyond normal and circular (`office_series`): read, and
//! replaced as a whole by the office admin's choice inside the caller's transaction.

use crate::RegistryError;
use crate::Stored;
use crate::entity::office_series;
use chrono::{DateTime, Utc};
use sarabun_domain::Series;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};

/// The series `office_id` chose to keep beyond normal and circular, in the domain's order.
pub async fn chosen_series(conn: &impl ConnectionTrait, office_id: &str) -> Result<Vec<Series>, RegistryError> {
    let mut chosen: Vec<Series> = office_series::Entity::find()
        .filter(office_series::Column::OfficeId.eq(office_id))
        .all(conn)
        .await?
        .into_iter()
        .map(|row| row.series.get())
        .collect();
    chosen.sort_by_key(|s| s.rank());
    Ok(chosen)
}

/// Replaces the series `office_id` keeps beyond normal and circular with `chosen`.
pub async fn set_chosen_series(
    conn: &impl ConnectionTrait,
    office_id: &str,
    chosen: &[Series],
    by: &str,
    at: DateTime<Utc>,
) -> Result<(), RegistryError> {
    office_series::Entity::delete_many().filter(office_series::Column::OfficeId.eq(office_id)).exec(conn).await?;
    if chosen.is_empty() {
        return Ok(());
    }
    let rows = chosen.iter().map(|s| {
        sea_orm::IntoActiveModel::into_active_model(office_series::Model {
            office_id: office_id.to_owned(),
            series: Stored(*s),
            chosen_by: by.to_owned(),
            chosen_at: at,
        })
    });
    office_series::Entity::insert_many(rows).exec(conn).await?;
    Ok(())
}
