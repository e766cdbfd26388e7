//! Typed columns: a state, a kind, a role set stored as text but read back as the domain's type. A
//! value the domain does not know — a corrupt row, a hand edit — fails the read with the same
//! database error everywhere (`DbErr::TryIntoErr` naming the type), instead of being guessed at in one
//! crate and refused in another.

use sarabun_domain::{
    Authority, BodyKind, ChainRole, Channel, DeliveryState, DraftState, DraftStepKind, EventKind, LetterKind,
    LetterOrigin, LetterState, MatterState, MessageKind, Notify, OutboundState, RegisterKind, ReservationState, Roles,
    Secrecy, Series, StandInKind, StepKind, TaskPurpose, UnitKind, Urgency, WireEnum,
};
use sarabun_domain::{OutsideChannel, OutsideDeliveryState};
use sea_orm::sea_query::{ArrayType, ColumnType, Nullable, StringLen, ValueType, ValueTypeErr};
use sea_orm::{ColIdx, DbErr, QueryResult, TryGetError, TryGetable, Value};
use std::sync::Arc;

/// A domain value that is kept in a text column.
pub trait StoredText: Sized + Clone + std::fmt::Debug + PartialEq + Send + Sync + 'static {
    /// The type's name, for the error of a corrupt row.
    const NAME: &'static str;
    /// The text written to the column.
    fn to_text(&self) -> String;
    /// The value of stored text.
    fn from_text(text: &str) -> Result<Self, sarabun_domain::ParseError>;
}

macro_rules! stored_wire_enums {
    ($($name:ty),+ $(,)?) => {$(
        impl StoredText for $name {
            const NAME: &'static str = <$name as WireEnum>::NAME;
            fn to_text(&self) -> String {
                WireEnum::as_str(*self).to_owned()
            }
            fn from_text(text: &str) -> Result<Self, sarabun_domain::ParseError> {
                <$name as WireEnum>::parse(text)
            }
        }
    )+};
}
stored_wire_enums!(
    Authority,
    OutsideChannel,
    OutsideDeliveryState,
    BodyKind,
    Channel,
    LetterOrigin,
    ChainRole,
    DeliveryState,
    DraftState,
    DraftStepKind,
    EventKind,
    LetterKind,
    LetterState,
    MatterState,
    MessageKind,
    OutboundState,
    Notify,
    RegisterKind,
    ReservationState,
    Secrecy,
    Series,
    StandInKind,
    StepKind,
    TaskPurpose,
    UnitKind,
    Urgency,
);

impl StoredText for Roles {
    const NAME: &'static str = "Roles";
    fn to_text(&self) -> String {
        self.to_string()
    }
    fn from_text(text: &str) -> Result<Self, sarabun_domain::ParseError> {
        Roles::parse(text)
    }
}

/// A column holding a `T` as text (see the module documentation).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Stored<T>(pub T);

impl<T> Stored<T> {
    /// The value.
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T: Copy> Stored<T> {
    /// The value, for `Copy` types.
    pub fn get(&self) -> T {
        self.0
    }
}

impl<T> std::ops::Deref for Stored<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T: std::fmt::Display> std::fmt::Display for Stored<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl<T> From<T> for Stored<T> {
    fn from(value: T) -> Self {
        Stored(value)
    }
}

/// The error of a corrupt stored value.
#[derive(Debug, thiserror::Error)]
#[error("stored {what} {text:?} is not known: {cause}")]
pub struct CorruptValue {
    what: &'static str,
    text: String,
    cause: sarabun_domain::ParseError,
}

fn parse<T: StoredText>(text: String) -> Result<Stored<T>, CorruptValue> {
    T::from_text(&text).map(Stored).map_err(|cause| CorruptValue { what: T::NAME, text, cause })
}

impl<T: StoredText> From<Stored<T>> for Value {
    fn from(value: Stored<T>) -> Self {
        Value::String(Some(value.0.to_text()))
    }
}

impl<T: StoredText> TryGetable for Stored<T> {
    fn try_get_by<I: ColIdx>(res: &QueryResult, idx: I) -> Result<Self, TryGetError> {
        let text = String::try_get_by(res, idx)?;
        parse(text)
            .map_err(|e| TryGetError::DbErr(DbErr::TryIntoErr { from: "String", into: T::NAME, source: Arc::new(e) }))
    }
}

impl<T: StoredText> ValueType for Stored<T> {
    fn try_from(v: Value) -> Result<Self, ValueTypeErr> {
        parse(<String as ValueType>::try_from(v)?).map_err(|_| ValueTypeErr)
    }
    fn type_name() -> String {
        T::NAME.to_owned()
    }
    fn array_type() -> ArrayType {
        ArrayType::String
    }
    fn column_type() -> ColumnType {
        ColumnType::String(StringLen::None)
    }
}

impl<T: StoredText> Nullable for Stored<T> {
    fn null() -> Value {
        Value::String(None)
    }
}

impl<T: StoredText> sea_orm::IntoActiveValue<Stored<T>> for Stored<T> {
    fn into_active_value(self) -> sea_orm::ActiveValue<Stored<T>> {
        sea_orm::ActiveValue::Set(self)
    }
}

/// A stored type may be part of a composite primary key (`office_series`); it is never an
/// auto-incremented one.
impl<T: StoredText> sea_orm::TryFromU64 for Stored<T> {
    fn try_from_u64(_: u64) -> Result<Self, DbErr> {
        Err(DbErr::ConvertFromU64(T::NAME))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn corrupt_text_names_the_type() {
        let err = parse::<DeliveryState>("deliverd".into()).unwrap_err();
        assert_eq!(
            err.to_string(),
            "stored DeliveryState \"deliverd\" is not known: unknown DeliveryState: \"deliverd\""
        );
        assert_eq!(parse::<Urgency>("urgent".into()).unwrap().get(), Urgency::Urgent);
    }
}
