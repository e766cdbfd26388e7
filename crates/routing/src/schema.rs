//! OpenAPI schemas of the domain's closed sets of values. `sarabun-domain` knows nothing of HTTP, so
//! its enums carry no schema; each is described here from its [`WireEnum`] implementation — every
//! wire name, the type's name and its doc comment — so the document cannot drift from the code.
//! A field of a domain enum names its schema type here, of the same name:
//! `#[schema(value_type = schema::DeliveryState)]`.

use sarabun_domain::WireEnum;
use std::borrow::Cow;
use utoipa::openapi::schema::{ObjectBuilder, SchemaType, Type};
use utoipa::openapi::{RefOr, Schema};

/// The string schema of `T`'s wire names, described by `T`'s doc comment.
pub fn wire_enum_schema<T: WireEnum>() -> Schema {
    let description = T::DOC.lines().map(str::trim).collect::<Vec<_>>().join("\n");
    ObjectBuilder::new()
        .schema_type(SchemaType::new(Type::String))
        .description(Some(description.trim().to_owned()).filter(|d| !d.is_empty()))
        .enum_values(Some(T::ALL.iter().map(|v| v.as_str())))
        .build()
        .into()
}

/// Declares, for each domain enum named, a schema type of the same name in this module.
macro_rules! wire_schemas {
    ($($name:ident),+ $(,)?) => {$(
        #[doc = concat!("The OpenAPI schema of [`sarabun_domain::", stringify!($name), "`].")]
        pub struct $name;

        impl utoipa::PartialSchema for $name {
            fn schema() -> RefOr<Schema> {
                RefOr::T(wire_enum_schema::<sarabun_domain::$name>())
            }
        }

        impl utoipa::ToSchema for $name {
            fn name() -> Cow<'static, str> {
                Cow::Borrowed(<sarabun_domain::$name as WireEnum>::NAME)
            }
        }
    )+};
}

wire_schemas!(
    Authority,
    BodyKind,
    Channel,
    DeliveryState,
    LetterKind,
    LetterState,
    LineMark,
    MatterState,
    OutsideChannel,
    OutsideDeliveryState,
    RegisterKind,
    Role,
    Secrecy,
    Series,
    StandInKind,
    StepKind,
    TaskPurpose,
    UnitKind,
    Urgency,
);

#[cfg(test)]
mod tests {
    use super::*;
    use sarabun_domain::Secrecy;

    #[test]
    fn an_enum_schema_lists_every_wire_name_with_the_doc_comment() {
        let json = serde_json::to_value(wire_enum_schema::<Secrecy>()).unwrap();
        assert_eq!(json["type"], "string");
        assert_eq!(json["enum"], serde_json::json!(["none", "confidential", "secret", "top_secret"]));
        assert!(json["description"].as_str().unwrap().starts_with("ชั้นความลับ, from none to top secret."));
        assert_eq!(<super::Secrecy as utoipa::ToSchema>::name(), "Secrecy");
    }
}
