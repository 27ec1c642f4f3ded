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

/// One door to tenant tables: no SQL under `src/http/` or `src/auth/` (the queries live in
/// `src/db/`), and the isolation tests' escape hatch is called from no source file.
#[test]
fn only_db_queries_tenant_tables() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut offenders = Vec::new();
    let mut files = vec![root.clone()];
    while let Some(path) = files.pop() {
        if path.is_dir() {
            files.extend(std::fs::read_dir(&path).unwrap().map(|e| e.unwrap().path()));
            continue;
        }
        if path.extension().is_none_or(|ext| ext != "rs") {
            continue;
        }
        let relative = path
            .strip_prefix(&root)
            .unwrap()
            .to_string_lossy()
            .to_string();
        let source = std::fs::read_to_string(&path).unwrap();
        let front_end = relative.starts_with("http/") || relative.starts_with("auth/");
        for (number, line) in source.lines().enumerate() {
            let sql = ["sqlx::query", "sqlx::raw_sql", "query_scalar(", "query_as("]
                .iter()
                .any(|call| line.contains(call));
            let hatch = [
                "connection_for_isolation_tests(",
                "pool_for_isolation_tests(",
            ]
            .iter()
            .any(|name| line.contains(name))
                && relative != "db/tenant.rs";
            if (front_end && sql) || hatch {
                offenders.push(format!("src/{relative}:{}: {}", number + 1, line.trim()));
            }
        }
    }
    assert!(offenders.is_empty(), "{offenders:#?}");
}
