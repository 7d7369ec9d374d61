//! Enums that travel as fixed keys: in forms, URLs, query strings and the database. One macro
//! declares such an enum with each variant's key and label, and gives it `ALL`, `key`, `parse`,
//! `label` and `Display` (the label), so no enum hand-writes the same conversions.

/// An enum whose variants each have a fixed key (what forms and URLs carry) and a label (what
/// people read).
pub trait Keyed: Sized + Copy + 'static {
    /// Every variant, in declaration order (the order choices are shown in).
    const ALL: &'static [Self];

    fn key(self) -> &'static str;

    fn label(self) -> &'static str;

    /// The variant with this key; anything else names none.
    fn parse(key: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|value| value.key() == key)
    }
}

/// Declares an enum whose variants are written `Variant = ("key", "Label")`, implementing
/// [`Keyed`] and `Display` (the label). Attributes and doc comments pass through.
macro_rules! keyed_enum {
    (@unit $variant:ident) => { () };
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident {
            $(
                $(#[$variant_meta:meta])*
                $variant:ident = ($key:literal, $label:expr)
            ),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        $vis enum $name {
            $(
                $(#[$variant_meta])*
                $variant,
            )+
        }

        #[allow(dead_code)]
        impl $name {
            /// Every variant, in declaration order (the order choices are shown in).
            $vis const ALL: [$name; <[()]>::len(&[$($crate::keyed::keyed_enum!(@unit $variant)),+])] =
                [$($name::$variant),+];

            /// The key forms, URLs and the database carry.
            $vis fn key(self) -> &'static str {
                match self {
                    $($name::$variant => $key,)+
                }
            }

            /// What people read.
            $vis fn label(self) -> &'static str {
                match self {
                    $($name::$variant => $label,)+
                }
            }

            /// The variant with this key; anything else names none.
            $vis fn parse(key: &str) -> Option<$name> {
                $name::ALL.into_iter().find(|value| value.key() == key)
            }
        }

        impl $crate::keyed::Keyed for $name {
            const ALL: &'static [$name] = &$name::ALL;

            fn key(self) -> &'static str {
                $name::key(self)
            }

            fn label(self) -> &'static str {
                $name::label(self)
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str($crate::keyed::Keyed::label(*self))
            }
        }
    };
}

pub(crate) use keyed_enum;

#[cfg(test)]
mod tests {
    use super::Keyed;

    keyed_enum! {
        /// A test enum.
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        enum Colour {
            /// The first.
            Red = ("red", "Red"),
            DarkBlue = ("dark_blue", "Dark blue"),
        }
    }

    #[test]
    fn keys_round_trip_and_unknown_keys_name_nothing() {
        assert_eq!(Colour::ALL, [Colour::Red, Colour::DarkBlue]);
        assert_eq!(<Colour as Keyed>::ALL, &[Colour::Red, Colour::DarkBlue]);
        for colour in Colour::ALL {
            assert_eq!(Colour::parse(colour.key()), Some(colour));
        }
        assert_eq!(Colour::parse("Red"), None);
        assert_eq!(Colour::parse(""), None);
        assert_eq!(Colour::DarkBlue.label(), "Dark blue");
        assert_eq!(Colour::DarkBlue.to_string(), "Dark blue");
    }
}
