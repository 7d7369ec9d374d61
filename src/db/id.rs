//! Row ids with a type per table, so that an area's id cannot be passed where a plan's (or any
//! other) id is meant: the compiler catches the swap that a bare `i64` lets through.

/// Declares a row id: a `Copy` newtype over the table's `bigint` id, which binds and reads as
/// that `bigint` (`sqlx(transparent)`), serialises as the bare number (`serde(transparent)`)
/// and shows as the bare number. `new` and `get` convert at the edges: numbers from URLs and
/// forms, and code that does not take the type yet.
///
/// ```text
/// row_id! {
///     /// An area's row id.
///     pub struct AreaId;
/// }
/// ```
macro_rules! row_id {
    ($(#[$meta:meta])* $vis:vis struct $name:ident;) => {
        $(#[$meta])*
        #[derive(
            Clone,
            Copy,
            Debug,
            PartialEq,
            Eq,
            Hash,
            PartialOrd,
            Ord,
            ::serde::Serialize,
            ::serde::Deserialize,
            ::sqlx::Type,
        )]
        #[serde(transparent)]
        #[sqlx(transparent)]
        $vis struct $name(i64);

        // Not every id needs both conversions.
        #[allow(dead_code)]
        impl $name {
            /// The row this number names (it may not exist).
            $vis const fn new(id: i64) -> $name {
                $name(id)
            }

            /// The bare number.
            $vis const fn get(self) -> i64 {
                self.0
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                ::std::fmt::Display::fmt(&self.0, f)
            }
        }

        impl ::std::convert::From<$name> for i64 {
            fn from(id: $name) -> i64 {
                id.0
            }
        }
    };
}

pub(crate) use row_id;

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    row_id! {
        /// A test id.
        pub struct WidgetId;
    }

    #[test]
    fn ids_show_serialise_and_convert_as_bare_numbers() {
        // URLs, audit details and fingerprints hold the number, as they did before the type.
        let id = WidgetId::new(42);
        assert_eq!(id.get(), 42);
        assert_eq!(i64::from(id), 42);
        assert_eq!(id.to_string(), "42");
        assert_eq!(format!("/widgets/{id}"), "/widgets/42");
        assert_eq!(serde_json::to_value(id).unwrap(), serde_json::json!(42));
        let parsed: WidgetId = serde_json::from_str("7").unwrap();
        assert_eq!(parsed, WidgetId::new(7));
        assert!(serde_json::from_str::<WidgetId>("\"seven\"").is_err());
    }

    #[test]
    fn ids_compare_and_order_by_number() {
        let ids: BTreeSet<WidgetId> = [3, 1, 2, 1].into_iter().map(WidgetId::new).collect();
        assert_eq!(
            ids.into_iter().map(WidgetId::get).collect::<Vec<_>>(),
            [1, 2, 3]
        );
        assert!(WidgetId::new(1) < WidgetId::new(2));
    }

    #[test]
    fn ids_are_postgres_bigints_and_bigint_arrays() {
        use sqlx::postgres::PgHasArrayType;
        use sqlx::{Postgres, Type};
        assert_eq!(
            <WidgetId as Type<Postgres>>::type_info(),
            <i64 as Type<Postgres>>::type_info()
        );
        assert_eq!(
            <WidgetId as PgHasArrayType>::array_type_info(),
            <i64 as PgHasArrayType>::array_type_info()
        );
    }
}
