//! Checks of the test suite itself.

use std::path::Path;

/// Every test asserts something: a test without an assertion passes whatever the code does.
/// (`assert…`, `expect_err`/`unwrap_err`, or a helper whose name says it asserts.)
#[test]
fn every_test_asserts_something() {
    let folder = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/integration");
    let mut silent = Vec::new();
    let mut tests = 0;
    for entry in std::fs::read_dir(&folder).unwrap() {
        let path = entry.unwrap().path();
        let source = std::fs::read_to_string(&path).unwrap();
        for (index, _) in source.match_indices("#[tokio::test") {
            let rest = &source[index..];
            let start = rest.find("fn ").expect("a test function");
            let body = &rest[start..rest.find("\n}\n").unwrap_or(rest.len())];
            let name = body[3..].split('(').next().unwrap_or_default().to_string();
            tests += 1;
            if !["assert", "expect_err", "unwrap_err", ".invalid("]
                .iter()
                .any(|marker| body.contains(marker))
            {
                silent.push(format!("{}: {name}", path.display()));
            }
        }
    }
    assert!(tests > 100, "found only {tests} tests");
    assert!(silent.is_empty(), "tests without an assertion: {silent:#?}");
}
