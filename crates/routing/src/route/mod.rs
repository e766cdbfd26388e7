//! Inside the office: what happens to a received letter after the receive register — proposed up the
//! line, ordered on, assigned to units and people, acted on, finished and filed — and the office
//! structure that route runs on (units, placements, stand-ins, files). `step` is the one skeleton
//! every step goes through (who stands where, the domain's table, the minute on the PDF, one
//! transaction with the audit entry and the event); `office` sets up the structure; `work` answers
//! work lists and the office's backlog; `minutes` writes a step onto the letter's PDF.

mod handover;
mod minutes;
mod office;
mod seat;
mod step;
mod view;
mod web_reads;
mod work;

pub use office::{NewFolder, NewStandIn, NewUnit, Placement, SIGNATURE_IMAGE_MAX_BYTES};
pub use step::{StepInput, Target};
pub use view::*;
pub use work::WorkScope;

use chrono::{DateTime, Utc};
use sarabun_registry::entity::user;

/// A person's row as the route shows them.
pub(crate) fn person_ref(user: &user::Model) -> PersonRef {
    PersonRef { username: user.username.clone(), full_name: user.full_name.clone(), position: user.position.clone() }
}

/// A person known only by id whose row is gone (never expected; shown rather than failing a view).
pub(crate) fn unknown_person(id: &str) -> PersonRef {
    PersonRef {
        username: id.to_owned(), full_name: "(ไม่พบข้อมูลบุคคล)".into(), position: String::new()
    }
}

/// Whether an open task is past its due time.
pub(crate) fn is_overdue(due_at: Option<DateTime<Utc>>, now: DateTime<Utc>) -> bool {
    due_at.is_some_and(|due| due < now)
}
