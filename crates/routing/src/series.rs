//! Which numbering series an office keeps (ทะเบียนคำสั่ง ประกาศ ระเบียบ ข้อบังคับ). Every office keeps
//! the normal series and circulars (ว); the others each office keeps by its admin's choice, each with
//! its own running numbers per B.E. year. The choice is audited, and a letter, a reservation or a new
//! start in a series the office does not keep is refused (`series_not_kept`). The rules —
//! which series every office keeps, which kind of letter fits which series, that the receive
//! register has one series — are `domain::Series`'s.

use crate::views::OfficeSeriesView;
use crate::{Actor, AuditEvent, Correspondence, RoutingError};
use sarabun_domain::{EventKind, Permission, Series};
use sarabun_registry::series as store;
use sea_orm::TransactionTrait;
use serde_json::json;

impl Correspondence {
    /// The series the actor's office keeps, and those it may choose to keep.
    pub async fn office_series(&self, actor: &Actor) -> Result<OfficeSeriesView, RoutingError> {
        if !(actor.may(Permission::ReadOfficeRegisters) || actor.may(Permission::SetRegisterStart)) {
            return Err(RoutingError::Forbidden);
        }
        let chosen = store::chosen_series(&self.db, &actor.office_id).await?;
        Ok(series_view(&chosen))
    }

    /// The office admin chooses which series beyond normal and circular the office keeps (the
    /// whole choice, replacing the last). A series given up keeps its lines and numbers in the
    /// registers; only new numbers in it are refused.
    pub async fn set_office_series(&self, actor: &Actor, chosen: &[Series]) -> Result<OfficeSeriesView, RoutingError> {
        actor.require(Permission::SetRegisterStart)?;
        if chosen.len() > Series::ALL.len() {
            return Err(RoutingError::Field {
                field: "series",
                message: format!("at most {} series", Series::ALL.len()),
            });
        }
        let mut wanted: Vec<Series> = Vec::with_capacity(chosen.len());
        for series in chosen {
            if series.always_kept() {
                return Err(RoutingError::Field {
                    field: "series",
                    message: format!("{series} is kept by every office; choose among the others"),
                });
            }
            if !wanted.contains(series) {
                wanted.push(*series);
            }
        }
        wanted.sort_by_key(|s| s.rank());
        let now = self.clock.now();
        let txn = self.db.begin().await?;
        let before = store::chosen_series(&txn, &actor.office_id).await?;
        store::set_chosen_series(&txn, &actor.office_id, &wanted, &actor.username, now).await?;
        let names = |list: &[Series]| list.iter().map(|s| s.as_str()).collect::<Vec<_>>();
        let event = AuditEvent::by(
            actor,
            EventKind::RegisterSeriesSet,
            format!("office/{}", actor.office_code),
            json!({"from": names(&before), "to": names(&wanted)}),
        );
        self.record(&txn, now, event).await?;
        txn.commit().await?;
        tracing::info!(series = ?names(&wanted), "office series chosen");
        Ok(series_view(&wanted))
    }

    /// Refuses `series` unless the actor's office keeps it.
    pub(crate) async fn check_series_kept(&self, actor: &Actor, series: Series) -> Result<(), RoutingError> {
        if series.always_kept() {
            return Ok(());
        }
        let chosen = store::chosen_series(&self.db, &actor.office_id).await?;
        Ok(series.kept_by(&chosen)?)
    }
}

fn series_view(chosen: &[Series]) -> OfficeSeriesView {
    OfficeSeriesView {
        kept: Series::ALL.iter().copied().filter(|s| s.kept_by(chosen).is_ok()).collect(),
        choosable: Series::ALL.iter().copied().filter(|s| !s.always_kept()).collect(),
    }
}
