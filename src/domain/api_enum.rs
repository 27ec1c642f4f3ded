//! The one definition of the enums the API spells in lower case (`in_transit`) while the
//! database stores the predecessor's UPPER-CASE labels (`IN_TRANSIT`).

/// Maps lower-case API spellings to UPPER-CASE database labels and back, defined once.
macro_rules! api_enum {
    ($(#[$meta:meta])* $name:ident, $kind:literal, [$($variant:ident => $api:literal, $db:literal),+ $(,)?]) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name { $($variant),+ }

        impl $name {
            pub const ALL: [$name; [$($api),+].len()] = [$($name::$variant),+];

            /// The API spelling, lower case.
            pub const fn as_str(self) -> &'static str {
                match self { $($name::$variant => $api),+ }
            }

            /// The label stored in the database enum.
            pub const fn db_label(self) -> &'static str {
                match self { $($name::$variant => $db),+ }
            }

            /// Parses the API spelling (surrounding whitespace and letter case ignored, so
            /// the database label is accepted too).
            pub fn parse(text: &str) -> Result<Self, $crate::domain::UnknownLabel> {
                let wanted = text.trim().to_ascii_lowercase();
                Self::ALL
                    .into_iter()
                    .find(|value| value.as_str() == wanted)
                    .ok_or_else(|| $crate::domain::UnknownLabel::new($kind, text, Self::ALL.map(Self::as_str)))
            }

            /// Reads a database label.
            pub fn from_db_label(label: &str) -> Result<Self, $crate::domain::UnknownLabel> {
                Self::ALL
                    .into_iter()
                    .find(|value| value.db_label() == label)
                    .ok_or_else(|| $crate::domain::UnknownLabel::new($kind, label, Self::ALL.map(Self::db_label)))
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}
