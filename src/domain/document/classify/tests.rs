use chrono::NaiveDate;

use super::*;

const BILL_OF_LADING: &str = "\
BILL OF LADING FOR OCEAN TRANSPORT OR MULTIMODAL TRANSPORT
B/L No. MEDU12345678
Shipper: VIBOTAJ GLOBAL NIGERIA LTD, Lagos, Nigeria
Consignee: HAGES Horn GmbH, Hamburg, Germany
Notify Party: Same as consignee
Vessel / Voyage: MSC AURORA / 612W
Port of Loading: Apapa, Lagos (NGAPP)
Port of Discharge: DEHAM
Place of Receipt: Lagos
Container No. / Seal No.: MSCU1234566 / ML-889911
Shipped on board 12/01/2026
Freight prepaid as arranged
";

const INVOICE: &str = "\
COMMERCIAL INVOICE
Invoice No: INV-2026-0042        Invoice Date: 08 January 2026
Seller: VIBOTAJ Global Nigeria Ltd
Buyer: HAGES Horn GmbH
Incoterms: CIF Hamburg        Payment terms: 30% advance, balance against documents
Description: crushed cattle hooves, HS Code 0506.90.00
Quantity 24,000 kg   Unit price USD 0.85   Total amount USD 20,400.00
Bank details: Zenith Bank, account 1012345678
";

const PACKING_LIST: &str = "\
PACKING LIST No. PL-2026-0042
Marks and numbers: VBT/HH/01-480
Number of packages: 480 bags of 50 kg
Net weight: 24,000 kg   Gross weight: 24,480 kg
Measurement: 58 CBM
";

const ORIGIN: &str = "\
NIGERIAN ASSOCIATION OF CHAMBERS OF COMMERCE, INDUSTRY, MINES AND AGRICULTURE (NACCIMA)
CERTIFICATE OF ORIGIN No. NAC/2026/01187
Exporter: VIBOTAJ Global Nigeria Ltd
Country of origin: Nigeria
The undersigned hereby certifies that the goods described above are originating in Nigeria.
";

const PHYTOSANITARY: &str = "\
FEDERAL REPUBLIC OF NIGERIA - NIGERIA AGRICULTURAL QUARANTINE SERVICE (NAQS)
PHYTOSANITARY CERTIFICATE No. NAQS/PC/2026/0331
To: The Plant Protection Organization(s) of Germany
This is to certify that the plants or plant products described herein have been inspected
and are considered to be free from quarantine pests.
Botanical name of plants: Zea mays
Additional declaration: none. Date of issue: 10.01.2026
";

const FUMIGATION: &str = "\
FUMIGATION CERTIFICATE  Certificate No. FUM-26-0117
Fumigant: Methyl bromide (CH3Br)   Dosage: 48 g/m3   Exposure period: 24 hours
Date of treatment: 09/01/2026. The goods were fumigated under gas-tight sheets.
";

const SANITARY: &str = "\
SANITARY CERTIFICATE
NAFDAC - National Agency for Food and Drug Administration and Control
The product was examined and found fit for human consumption; microbiological tests and
hygiene inspection were satisfactory. Valid until 31 March 2026.
";

const INSURANCE: &str = "\
CERTIFICATE OF INSURANCE   Policy No. MAR/OC/2026/7781
Insured: VIBOTAJ Global Nigeria Ltd   Sum insured: USD 22,440.00
Conditions: Institute Cargo Clauses (A). Claims payable in Hamburg.
Underwriter: Leadway Assurance, marine insurance division
";

const CUSTOMS: &str = "\
CUSTOMS DECLARATION - SINGLE ADMINISTRATIVE DOCUMENT (SAD)
MRN 26DE123456789012A4   Customs office of entry: Hamburg Waltershof
Declarant: Kühne Customs GmbH   Procedure code 4000
Customs value EUR 19,870.00   Tariff 0506 90 00
";

const CONTRACT: &str = "\
SALES CONTRACT No. SC-2026-004
This agreement is made between VIBOTAJ Global Nigeria Ltd (hereinafter the Seller) and HAGES
Horn GmbH (hereinafter the Buyer), together the parties. Terms and conditions: force majeure,
arbitration in London, governing law: English law.
";

const EUDR: &str = "\
EUDR DUE DILIGENCE STATEMENT  DDS reference: 26NLX7Q4K2P9
Regulation (EU) 2023/1115 on deforestation-free products
Operator: HAGES Horn GmbH   Country of production: Nigeria
Geolocation of each plot of land: attached. Risk assessment: negligible.
";

const QUALITY: &str = "\
FEDERAL PRODUCE INSPECTION SERVICE
CERTIFICATE OF QUALITY  Certificate No. FPIS/QC/2026/0045
Sample drawn 07/01/2026 and tested in the laboratory.
Test results: moisture 8.2 %, impurities 0.4 %, conforms to the specification.
";

const TRACES: &str = "\
TRACES NT - INTRA TRADE / COMMON HEALTH ENTRY DOCUMENT
Certificate reference: RC1479592   CHEDA.DE.2026.0001234
Competent authority: Border control post Hamburg
Animal by-products, Regulation (EC) No 1069/2009, not intended for human consumption
";

const VETERINARY: &str = "\
FEDERAL DEPARTMENT OF VETERINARY AND PEST CONTROL SERVICES
VETERINARY HEALTH CERTIFICATE No. NVRI/VET/2026/0456
Issued by the National Veterinary Research Institute (NVRI), Vom
The official veterinarian certifies that the products of animal origin (horns and hooves)
come from livestock free from contagious diseases. Animal health: satisfactory.
";

const EXPORT: &str = "\
NIGERIA EXPORT DECLARATION - FORM NXP
NXP No. NXP/2026/000123
Central Bank of Nigeria - designated bank: Zenith Bank Plc
Export proceeds to be repatriated within 90 days. FOB value USD 19,500.00
Country of destination: Germany. Nigeria Customs Service, Apapa Command.
";

#[test]
fn classifies_a_snippet_of_each_type() {
    let cases = [
        (BILL_OF_LADING, DocumentType::BillOfLading),
        (INVOICE, DocumentType::CommercialInvoice),
        (PACKING_LIST, DocumentType::PackingList),
        (ORIGIN, DocumentType::CertificateOfOrigin),
        (PHYTOSANITARY, DocumentType::PhytosanitaryCertificate),
        (FUMIGATION, DocumentType::FumigationCertificate),
        (SANITARY, DocumentType::SanitaryCertificate),
        (INSURANCE, DocumentType::InsuranceCertificate),
        (CUSTOMS, DocumentType::CustomsDeclaration),
        (CONTRACT, DocumentType::Contract),
        (EUDR, DocumentType::EudrDueDiligence),
        (QUALITY, DocumentType::QualityCertificate),
        (TRACES, DocumentType::EuTracesCertificate),
        (VETERINARY, DocumentType::VeterinaryHealthCertificate),
        (EXPORT, DocumentType::ExportDeclaration),
        ("Meeting notes, nothing to see here.", DocumentType::Other),
    ];
    for (text, expected) in cases {
        let result = classify_text(text);
        assert_eq!(
            result.document_type, expected,
            "{expected}: got {} ({}) {:?}, alternatives {:?}",
            result.document_type, result.confidence, result.matched_keywords, result.alternatives
        );
    }
    assert_eq!(cases.len(), DocumentType::ALL.len());
}

#[test]
fn nothing_matched_is_other_with_confidence_zero() {
    let result = classify_text("");
    assert_eq!(result.document_type, DocumentType::Other);
    assert_eq!(result.confidence, 0.0);
    assert!(result.alternatives.is_empty());
    assert!(result.matched_keywords.is_empty());
}

#[test]
fn confidence_arithmetic() {
    assert_eq!(confidence(0, 10), 0.0);
    assert_eq!(confidence(1, 10), 0.1);
    assert_eq!(confidence(2, 10), 0.2);
    assert_eq!(confidence(3, 10), 0.5, "0.3 + 0.2 from three matches");
    assert_eq!(confidence(9, 10), 1.0, "capped");
    assert_eq!(confidence(1, 3), 0.333);
    assert_eq!(confidence(3, 0), 0.0);
    // "shipper" alone: 1 of the 12 bill of lading keywords.
    let result = classify_text("Shipper: someone");
    assert_eq!(result.document_type, DocumentType::BillOfLading);
    assert_eq!(result.confidence, confidence(1, 12));
    assert_eq!(result.matched_keywords, vec!["shipper"]);
}

#[test]
fn alternatives_are_the_next_three_best() {
    let result = classify_text(&format!("{INVOICE}\n{PACKING_LIST}\n{ORIGIN}\n{INSURANCE}"));
    assert_eq!(result.document_type, DocumentType::CommercialInvoice);
    assert!(result.alternatives.len() <= 3);
    assert!(!result.alternatives.is_empty());
    let mut previous = result.confidence;
    for alternative in &result.alternatives {
        assert_ne!(alternative.document_type, DocumentType::CommercialInvoice);
        assert!(alternative.confidence > 0.0 && alternative.confidence <= previous);
        previous = alternative.confidence;
    }
}

#[test]
fn ties_go_to_veterinary_before_traces_before_sanitary() {
    // Enough keywords of each for the capped confidence 1.0: a tie, decided by the order.
    let veterinary =
        "veterinary health certificate; veterinary certificate; official veterinarian; \
        NVRI; National Veterinary Research Institute; animal health; veterinary services; \
        livestock; animal origin; free from";
    let traces = "TRACES NT; CHED; common health entry document; border control post; \
        animal by-products; 1069/2009; certificate reference; competent authority";
    let sanitary = "sanitary certificate; health certificate; fit for human consumption; \
        food safety; hygiene; NAFDAC; microbiological; public health";

    let all = classify_text(&format!("{veterinary}\n{traces}\n{sanitary}"));
    assert_eq!(all.document_type, DocumentType::VeterinaryHealthCertificate);
    assert_eq!(all.confidence, 1.0);
    let runners_up: Vec<(DocumentType, f64)> = all
        .alternatives
        .iter()
        .take(2)
        .map(|a| (a.document_type, a.confidence))
        .collect();
    assert_eq!(
        runners_up,
        vec![
            (DocumentType::EuTracesCertificate, 1.0),
            (DocumentType::SanitaryCertificate, 1.0)
        ]
    );
    let without_veterinary = classify_text(&format!("{traces}\n{sanitary}"));
    assert_eq!(
        without_veterinary.document_type,
        DocumentType::EuTracesCertificate
    );
    assert_eq!(keywords::KEYWORDS.len(), 15, "every type but other");
}

#[test]
fn phrases_match_whole_words_only() {
    // "phytosanitary certificate" does not contain the sanitary title as a word.
    let result = classify_text("PHYTOSANITARY CERTIFICATE, plant protection");
    assert_eq!(result.document_type, DocumentType::PhytosanitaryCertificate);
    assert!(!result.matched_keywords.contains(&"sanitary"));
    // Line breaks and repeated spaces inside a phrase still match.
    let result = classify_text("BILL  OF\nLADING");
    assert_eq!(result.matched_keywords, vec!["bill of lading"]);
}

#[test]
fn combined_file_splits_into_three_sections_on_the_right_pages() {
    let pages: Vec<String> = [
        BILL_OF_LADING,
        "Terms and conditions of carriage continued: the carrier shall not be liable ...",
        INVOICE,
        "Continued: bank details and signature of the seller.",
        PHYTOSANITARY,
    ]
    .iter()
    .map(|page| page.to_string())
    .collect();
    let analysis = analyze(&pages);
    assert_eq!(analysis.page_count, 5);
    assert!(analysis.is_combined);
    let summary: Vec<(DocumentType, usize, usize)> = analysis
        .sections
        .iter()
        .map(|s| (s.classification.document_type, s.page_start, s.page_end))
        .collect();
    assert_eq!(
        summary,
        vec![
            (DocumentType::BillOfLading, 1, 2),
            (DocumentType::CommercialInvoice, 3, 4),
            (DocumentType::PhytosanitaryCertificate, 5, 5),
        ]
    );
    assert_eq!(analysis.sections[0].page_count, 2);
    assert_eq!(
        analysis.sections[0]
            .classification
            .reference_number
            .as_deref(),
        Some("MEDU12345678")
    );
    assert_eq!(
        analysis.sections[1]
            .classification
            .reference_number
            .as_deref(),
        Some("INV-2026-0042")
    );
}

#[test]
fn a_restarting_page_number_starts_a_section() {
    let pages: Vec<String> = [
        "Some document\nPage 1 of 2",
        "more text\nPage 2 of 2",
        "Page 1 of 1\nanother document",
        "text ... Page: 1",
        "text ... Page: 12",
        "page 10 of 12",
    ]
    .iter()
    .map(|page| page.to_string())
    .collect();
    assert_eq!(section_starts(&pages), vec![0, 2, 3]);
    assert_eq!(section_starts(&[]), Vec::<usize>::new());
    let single = analyze(&["just one page".to_string()]);
    assert!(!single.is_combined);
    assert_eq!(
        (single.sections[0].page_start, single.sections[0].page_end),
        (1, 1)
    );
}

#[test]
fn a_title_counts_only_near_the_top_of_the_page() {
    let late = format!("{}\ncommercial invoice", "x ".repeat(200));
    let pages = vec![INVOICE.to_string(), late];
    assert_eq!(section_starts(&pages), vec![0]);
}

#[test]
fn preview_is_limited() {
    let long = "word ".repeat(2_000);
    let analysis = analyze(&[long]);
    assert_eq!(
        analysis.sections[0].text_preview.chars().count(),
        PREVIEW_CHARS
    );
    assert_eq!(analysis.sections[0].char_count, 10_000);
}

#[test]
fn container_numbers_are_kept_only_with_a_right_check_digit() {
    let text =
        "Containers: MSCU1234566, MSCU1234565 (typo), TGHU 612345 0? CSQU-305438-3, msku1234565";
    let found: Vec<String> = extract::container_numbers(text)
        .iter()
        .map(|number| number.as_str().to_owned())
        .collect();
    assert_eq!(found, vec!["MSCU1234566", "CSQU3054383", "MSKU1234565"]);
    assert!(extract::container_numbers("MSCU1234565").is_empty());
}

fn ymd(year: i32, month: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(year, month, day).unwrap()
}

#[test]
fn dates_in_each_form() {
    let cases = [
        ("2026-01-31", ymd(2026, 1, 31)),
        ("31/01/2026", ymd(2026, 1, 31)),
        ("31.01.2026", ymd(2026, 1, 31)),
        ("31-01-2026", ymd(2026, 1, 31)),
        ("31 Jan 2026", ymd(2026, 1, 31)),
        ("31 January 2026", ymd(2026, 1, 31)),
        ("31st January, 2026", ymd(2026, 1, 31)),
        ("31-Jan-2026", ymd(2026, 1, 31)),
        ("January 31, 2026", ymd(2026, 1, 31)),
        ("Sept. 3 2026", ymd(2026, 9, 3)),
        ("1/2/2026", ymd(2026, 2, 1)),
    ];
    for (text, expected) in cases {
        let dates: Vec<NaiveDate> = extract::find_dates(&format!("Date: {text}."))
            .iter()
            .map(|f| f.date)
            .collect();
        assert_eq!(dates, vec![expected], "{text}");
    }
}

#[test]
fn ambiguous_numeric_dates_are_day_first() {
    let dates = |text: &str| -> Vec<NaiveDate> {
        extract::find_dates(text).iter().map(|f| f.date).collect()
    };
    assert_eq!(
        dates("03/04/2026"),
        vec![ymd(2026, 4, 3)],
        "3 April, not March 4"
    );
    assert_eq!(
        dates("01/31/2026"),
        vec![ymd(2026, 1, 31)],
        "month first only when forced"
    );
    assert!(dates("31/31/2026").is_empty());
    assert!(dates("30 February 2026").is_empty());
    assert!(dates("31/01-2026").is_empty(), "mixed separators");
    assert!(dates("12/01/26").is_empty(), "two-digit years are not read");
    assert!(dates("1800-01-01").is_empty());
}

#[test]
fn fields_of_a_bill_of_lading() {
    let fields = classify_text(BILL_OF_LADING).fields;
    assert_eq!(fields.container_numbers.len(), 1);
    assert_eq!(fields.container_numbers[0].as_str(), "MSCU1234566");
    assert_eq!(fields.vessel.as_deref(), Some("MSC AURORA"));
    assert_eq!(fields.voyage.as_deref(), Some("612W"));
    assert_eq!(
        fields.port_of_loading.as_ref().map(UnLocode::as_str),
        Some("NGAPP")
    );
    assert_eq!(
        fields.port_of_discharge.as_ref().map(UnLocode::as_str),
        Some("DEHAM")
    );
    assert_eq!(fields.dates, vec![ymd(2026, 1, 12)]);
    assert_eq!(
        fields.issue_date,
        Some(ymd(2026, 1, 12)),
        "shipped on board"
    );
}

#[test]
fn vessel_and_voyage_on_separate_labels() {
    let (vessel, voyage) =
        extract::vessel_and_voyage("Ocean Vessel: GRANDE LAGOS  Voyage No.: GL-0226\n");
    assert_eq!(vessel.as_deref(), Some("GRANDE LAGOS"));
    assert_eq!(voyage.as_deref(), Some("GL-0226"));
    assert_eq!(extract::vessel_and_voyage("no labels here"), (None, None));
}

#[test]
fn ports_by_code_or_known_name_never_by_a_look_alike_word() {
    let port = |text: &str| extract::ports(text).0.map(|code| code.as_str().to_owned());
    assert_eq!(port("Port of Loading: NG APP"), Some("NGAPP".into()));
    assert_eq!(port("POL: Tin Can Island, Lagos"), Some("NGTIN".into()));
    assert_eq!(
        port("Port of loading\nLAGOS, NIGERIA"),
        Some("NGLOS".into())
    );
    assert_eq!(port("Port of loading: CHINA"), None);
    assert_eq!(port("Port of loading: AS PER B/L"), None);
    assert_eq!(port("no port here"), None);
    let (_, discharge) = extract::ports("Port of Discharge: Hamburg, Germany");
    assert_eq!(
        discharge.map(|c| c.as_str().to_owned()),
        Some("DEHAM".into())
    );
}

#[test]
fn hs_codes_near_their_label() {
    assert_eq!(extract::hs_codes("HS Code: 0506.90.00"), vec!["0506.90.00"]);
    assert_eq!(
        extract::hs_codes("H.S. codes 0506.90, 0507.90 and 230230"),
        vec!["0506.90", "0507.90", "230230"]
    );
    assert_eq!(
        extract::hs_codes("crushed hooves 0507.90.00 only"),
        vec!["0507.90.00"]
    );
    assert!(extract::hs_codes("Invoice 2026 total 1234.56").is_empty());
    assert!(extract::hs_codes("HS Code: 123").is_empty());
}

#[test]
fn reference_numbers_by_type() {
    let reference = |text: &str| classify_text(text).reference_number;
    assert_eq!(reference(TRACES).as_deref(), Some("RC1479592"));
    assert_eq!(reference(EXPORT).as_deref(), Some("NXP/2026/000123"));
    assert_eq!(reference(VETERINARY).as_deref(), Some("NVRI/VET/2026/0456"));
    assert_eq!(reference(CUSTOMS).as_deref(), Some("26DE123456789012A4"));
    assert_eq!(reference(INSURANCE).as_deref(), Some("MAR/OC/2026/7781"));
    assert_eq!(reference(ORIGIN).as_deref(), Some("NAC/2026/01187"));
    assert_eq!(
        reference(PHYTOSANITARY).as_deref(),
        Some("NAQS/PC/2026/0331")
    );
    assert_eq!(reference(PACKING_LIST).as_deref(), Some("PL-2026-0042"));
    assert_eq!(reference(EUDR).as_deref(), Some("26NLX7Q4K2P9"));
    assert_eq!(reference(CONTRACT).as_deref(), Some("SC-2026-004"));
    assert_eq!(
        reference("Certificate No.: ORIGINAL"),
        None,
        "a reference has a digit"
    );
}

#[test]
fn issue_and_expiry_dates_by_their_labels() {
    let fields = classify_text(PHYTOSANITARY).fields;
    assert_eq!(fields.issue_date, Some(ymd(2026, 1, 10)));
    let fields = classify_text(SANITARY).fields;
    assert_eq!(fields.expiry_date, Some(ymd(2026, 3, 31)));
    assert_eq!(fields.issue_date, None);
}

#[test]
fn serializes_for_the_api_and_detected_fields() {
    let analysis = analyze(&[BILL_OF_LADING.to_string()]);
    let json = serde_json::to_value(&analysis).unwrap();
    let section = &json["sections"][0];
    assert_eq!(section["document_type"], "bill_of_lading");
    assert_eq!(section["page_start"], 1);
    assert_eq!(section["detection_method"], "keyword");
    assert_eq!(section["fields"]["dates"][0], "2026-01-12");
    assert_eq!(section["fields"]["container_numbers"][0], "MSCU1234566");
    assert_eq!(section["fields"]["port_of_loading"], "NGAPP");
    assert!(section["alternatives"].is_array());
    let mixed = format!("{INVOICE}\n{PACKING_LIST}");
    let with_alternatives = serde_json::to_value(classify_text(&mixed)).unwrap();
    assert!(with_alternatives["alternatives"][0]["document_type"].is_string());
    assert_eq!(json["is_combined"], false);
    let empty = serde_json::to_value(classify_text("")).unwrap();
    assert_eq!(empty["document_type"], "other");
    assert!(empty["fields"]["issue_date"].is_null());
}
