//! The shipping line of a container or bill of lading, from the first four letters of its
//! number: the owner prefix of an ISO 6346 container number (`MSKU…`), or the line's code
//! that starts its bills of lading (`ONEY…`, `EGLV…`, which no container number can carry:
//! their fourth letter is not an equipment category).
//!
//! The table is the predecessor's (§1.6): the tracking provider is asked with the line's
//! code as `shipping_line`. A prefix not in the table leaves the line unknown, and the
//! provider is asked without one.

use crate::domain::ContainerNumber;

/// A shipping line the tracking provider knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Carrier {
    Maersk,
    Msc,
    HapagLloyd,
    One,
    CmaCgm,
    Evergreen,
    Cosco,
    Zim,
    Hmm,
    YangMing,
}

/// Owner prefixes and their lines.
const PREFIXES: [(&str, Carrier); 19] = [
    ("MRSU", Carrier::Maersk),
    ("MSKU", Carrier::Maersk),
    ("MAEU", Carrier::Maersk),
    ("MSCU", Carrier::Msc),
    ("MEDU", Carrier::Msc),
    ("HLCU", Carrier::HapagLloyd),
    ("HLXU", Carrier::HapagLloyd),
    ("ONEY", Carrier::One),
    ("ONEU", Carrier::One),
    ("CMAU", Carrier::CmaCgm),
    ("CGMU", Carrier::CmaCgm),
    ("EGLV", Carrier::Evergreen),
    ("EGHU", Carrier::Evergreen),
    ("COSU", Carrier::Cosco),
    ("CCLU", Carrier::Cosco),
    ("ZIMU", Carrier::Zim),
    ("HMMU", Carrier::Hmm),
    ("YMLU", Carrier::YangMing),
    // Yang Ming's other owner prefix, missing from the predecessor's table.
    ("YMMU", Carrier::YangMing),
];

impl Carrier {
    pub const ALL: [Carrier; 10] = [
        Carrier::Maersk,
        Carrier::Msc,
        Carrier::HapagLloyd,
        Carrier::One,
        Carrier::CmaCgm,
        Carrier::Evergreen,
        Carrier::Cosco,
        Carrier::Zim,
        Carrier::Hmm,
        Carrier::YangMing,
    ];

    /// The line's code as the provider's `shipping_line` parameter spells it.
    pub const fn code(self) -> &'static str {
        match self {
            Carrier::Maersk => "maersk",
            Carrier::Msc => "msc",
            Carrier::HapagLloyd => "hapag-lloyd",
            Carrier::One => "one",
            Carrier::CmaCgm => "cma-cgm",
            Carrier::Evergreen => "evergreen",
            Carrier::Cosco => "cosco",
            Carrier::Zim => "zim",
            Carrier::Hmm => "hmm",
            Carrier::YangMing => "yang-ming",
        }
    }

    /// The line's name as people write it.
    pub const fn name(self) -> &'static str {
        match self {
            Carrier::Maersk => "Maersk",
            Carrier::Msc => "MSC",
            Carrier::HapagLloyd => "Hapag-Lloyd",
            Carrier::One => "ONE",
            Carrier::CmaCgm => "CMA CGM",
            Carrier::Evergreen => "Evergreen",
            Carrier::Cosco => "COSCO",
            Carrier::Zim => "ZIM",
            Carrier::Hmm => "HMM",
            Carrier::YangMing => "Yang Ming",
        }
    }

    /// Reads a `shipping_line` parameter: a code (`hapag-lloyd`) or a name, any case.
    pub fn parse(text: &str) -> Option<Carrier> {
        let wanted = text.trim().to_ascii_lowercase().replace([' ', '_'], "-");
        Carrier::ALL.into_iter().find(|carrier| {
            carrier.code() == wanted
                || carrier.name().to_ascii_lowercase().replace(' ', "-") == wanted
        })
    }

    /// The line whose prefix starts `number` (a container or bill-of-lading number, any
    /// case), when it is one we know.
    pub fn from_prefix(number: &str) -> Option<Carrier> {
        let prefix = number.trim().get(..4)?.to_ascii_uppercase();
        PREFIXES
            .iter()
            .find(|(known, _)| *known == prefix)
            .map(|(_, carrier)| *carrier)
    }

    /// The line that owns the container, when its prefix is one we know.
    pub fn of_container(container: &ContainerNumber) -> Option<Carrier> {
        Carrier::from_prefix(container.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_prefix_of_the_table_names_its_line() {
        let expected = [
            ("MRSU", "maersk"),
            ("MSKU", "maersk"),
            ("MAEU", "maersk"),
            ("MSCU", "msc"),
            ("MEDU", "msc"),
            ("HLCU", "hapag-lloyd"),
            ("HLXU", "hapag-lloyd"),
            ("ONEY", "one"),
            ("ONEU", "one"),
            ("CMAU", "cma-cgm"),
            ("CGMU", "cma-cgm"),
            ("EGLV", "evergreen"),
            ("EGHU", "evergreen"),
            ("COSU", "cosco"),
            ("CCLU", "cosco"),
            ("ZIMU", "zim"),
            ("HMMU", "hmm"),
            ("YMLU", "yang-ming"),
            ("YMMU", "yang-ming"),
        ];
        assert_eq!(expected.len(), PREFIXES.len());
        for (prefix, code) in expected {
            for number in [
                format!("{prefix}1234567"),
                format!(" {}9 ", prefix.to_lowercase()),
            ] {
                let carrier = Carrier::from_prefix(&number);
                assert_eq!(carrier.map(Carrier::code), Some(code), "{number:?}");
            }
        }
    }

    #[test]
    fn a_container_number_is_read_by_its_owner_prefix() {
        let maersk = ContainerNumber::from_parts(
            "MSK",
            crate::domain::EquipmentCategory::FreightContainer,
            123456,
        )
        .unwrap();
        assert_eq!(Carrier::of_container(&maersk), Some(Carrier::Maersk));
        let leasing = ContainerNumber::from_parts(
            "TGH",
            crate::domain::EquipmentCategory::FreightContainer,
            123456,
        )
        .unwrap();
        assert_eq!(Carrier::of_container(&leasing), None);
    }

    #[test]
    fn an_unknown_or_short_prefix_has_no_line() {
        for number in [
            "TGHU1234567",
            "MSKZ1234567",
            "MSK",
            "",
            "ÄÖÜX1234567",
            "MAE",
        ] {
            assert_eq!(Carrier::from_prefix(number), None, "{number:?}");
        }
    }

    #[test]
    fn shipping_line_parameters_are_read_by_code_or_name() {
        for carrier in Carrier::ALL {
            assert_eq!(Carrier::parse(carrier.code()), Some(carrier));
            assert_eq!(
                Carrier::parse(&carrier.name().to_uppercase()),
                Some(carrier)
            );
        }
        assert_eq!(Carrier::parse("Hapag Lloyd"), Some(Carrier::HapagLloyd));
        assert_eq!(Carrier::parse("cma_cgm"), Some(Carrier::CmaCgm));
        assert_eq!(Carrier::parse("unknown line"), None);
        assert_eq!(Carrier::parse(""), None);
    }
}
