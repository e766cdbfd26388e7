//! Helpers shared by the integration tests: fixtures, the sample stamp and the external PDF
//! tools (qpdf, poppler-utils) that judge the output independently of our own parser.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use sarabun_stamp::StampText;

pub fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

/// Every stampable fixture (the encrypted ones are tested separately).
pub fn stampable_fixtures() -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(fixtures_dir())
        .expect("fixtures dir")
        .map(|e| e.expect("dir entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "pdf"))
        .filter(|p| !p.file_name().unwrap().to_string_lossy().starts_with("encrypted"))
        .collect();
    out.sort();
    assert!(out.len() >= 5, "fixtures missing in {:?}", fixtures_dir());
    out
}

pub fn sample_text() -> StampText {
    StampText {
        office_name: "สำนักงานปลัดกระทรวง กองกฎหมาย".into(),
        receive_number: 12,
        received_at: chrono::DateTime::parse_from_rfc3339("2026-11-24T09:05:00+07:00").unwrap(),
    }
}

pub const SAMPLE_LINES: [&str; 4] =
    ["สำนักงานปลัดกระทรวง กองกฎหมาย", "เลขรับ 12", "วันที่ 24 พฤศจิกายน 2569", "เวลา 09.05 น."];

/// A fresh scratch directory for one test.
pub fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Run an external tool; a missing tool fails the test (CI installs them), it never skips.
pub fn run(tool: &str, args: &[&str]) -> Output {
    match Command::new(tool).args(args).output() {
        Ok(out) => out,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => panic!(
            "`{tool}` is not installed: these tests need the Debian packages qpdf and \
             poppler-utils (apt-get install qpdf poppler-utils)"
        ),
        Err(e) => panic!("cannot run {tool}: {e}"),
    }
}

/// `qpdf --check` must pass without warnings.
pub fn assert_qpdf_check(path: &Path) {
    let out = run("qpdf", &["--check", path.to_str().unwrap()]);
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(
        out.status.code() == Some(0) && !text.contains("WARNING"),
        "qpdf --check failed for {}:\n{text}",
        path.display()
    );
}

/// Text of one page as poppler extracts it; poppler must not report syntax errors.
pub fn page_text(path: &Path, page: u32) -> String {
    let p = page.to_string();
    let out = run("pdftotext", &["-f", &p, "-l", &p, "-enc", "UTF-8", path.to_str().unwrap(), "-"]);
    assert!(out.status.success(), "pdftotext failed on {}", path.display());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("Syntax Error"), "poppler complains about {}: {stderr}", path.display());
    String::from_utf8(out.stdout).expect("pdftotext gives UTF-8")
}

pub fn page_count(path: &Path) -> u32 {
    let out = run("qpdf", &["--show-npages", path.to_str().unwrap()]);
    assert!(out.status.success(), "qpdf --show-npages failed on {}", path.display());
    String::from_utf8_lossy(&out.stdout).trim().parse().unwrap()
}
