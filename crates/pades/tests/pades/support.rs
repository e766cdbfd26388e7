//! What every scenario needs: a node CA and a signer, letters made by LibreOffice and by lopdf,
//! and the real tools (pdfsig with a temporary NSS database, qpdf, pdftotext) run on the results.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use chrono::{DateTime, TimeZone as _, Utc};
use lopdf::{Dictionary, Object, Stream, dictionary};
use sarabun_pades::ca::{self, NodeCa};
use sarabun_pades::{Signer, p256, x509_cert};

pub fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 1, 3, 0, 0).unwrap()
}

/// A fresh authority and a signer with a certificate of it.
pub fn ca_and_signer() -> (NodeCa, Signer) {
    let ca = NodeCa::generate("สำนักงานปลัดกระทรวงการคลัง Sarabun CA", now() - chrono::Duration::days(1)).unwrap();
    let key = ca::generate_key().unwrap();
    let public = p256::PublicKey::from(key.verifying_key());
    let cert = ca.issue("นายสมชาย ใจดี", "กรมบัญชีกลาง", &public, now() - chrono::Duration::hours(1), 19).unwrap();
    let signer = Signer {
        key,
        chain: vec![cert, ca.cert.clone()],
        name: "นายสมชาย ใจดี".into(),
        reason: Some("ลงนามหนังสือ".into()),
        location: Some("กรมบัญชีกลาง".into()),
    };
    (ca, signer)
}

pub fn tmp() -> tempfile::TempDir {
    tempfile::tempdir().unwrap()
}

/// A one-page Thai letter (`tests/fixtures/letter.fodt`) converted by LibreOffice, once per test
/// process.
pub fn libreoffice_letter() -> Vec<u8> {
    static LETTER: OnceLock<Vec<u8>> = OnceLock::new();
    LETTER.get_or_init(|| libreoffice("letter.fodt", "pdf:writer_pdf_Export")).clone()
}

/// A template whose form has the fields `sarabun.number` and `sarabun.date`, as LibreOffice exports
/// the inputs of `tests/fixtures/template.html` (a parent `sarabun` with kids, /NeedAppearances set).
pub fn libreoffice_template() -> Vec<u8> {
    static TEMPLATE: OnceLock<Vec<u8>> = OnceLock::new();
    TEMPLATE.get_or_init(|| libreoffice("template.html", "pdf:writer_pdf_Export")).clone()
}

fn libreoffice(fixture: &str, filter: &str) -> Vec<u8> {
    let dir = tmp();
    let source = dir.path().join(fixture);
    std::fs::copy(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(fixture), &source).unwrap();
    let profile = format!("file://{}", dir.path().join("profile").display());
    let mut soffice = Command::new("soffice");
    soffice.arg(format!("-env:UserInstallation={profile}")).arg("--headless");
    if fixture.ends_with(".html") {
        // As a Writer document, not a web page: A4 pages, the form on page 1 with the text.
        soffice.arg("--infilter=HTML (StarWriter)");
    }
    let status =
        soffice.args(["--convert-to", filter, "--outdir"]).arg(dir.path()).arg(&source).output().expect("soffice runs");
    assert!(status.status.success(), "soffice: {}", String::from_utf8_lossy(&status.stderr));
    let stem = fixture.rsplit_once('.').map_or(fixture, |(s, _)| s);
    std::fs::read(dir.path().join(format!("{stem}.pdf"))).expect("LibreOffice wrote the PDF")
}

/// A letter of `pages` A4 pages with a line of Latin text each, written by lopdf with a classic
/// cross-reference table (or object streams and an xref stream when `xref_stream`).
pub fn lopdf_letter(pages: usize, xref_stream: bool) -> Vec<u8> {
    let mut doc = lopdf::Document::with_version(if xref_stream { "1.5" } else { "1.4" });
    let pages_id = doc.new_object_id();
    let font_id = doc.add_object(dictionary! {
        "Type" => "Font", "Subtype" => "Type1", "BaseFont" => "Helvetica",
    });
    let resources_id = doc.add_object(dictionary! { "Font" => dictionary! { "F1" => font_id } });
    let mut kids = Vec::new();
    for n in 1..=pages {
        let content = format!("BT /F1 12 Tf 72 700 Td (Page {n} of the letter) Tj ET");
        let content_id = doc.add_object(Stream::new(Dictionary::new(), content.into_bytes()));
        let page_id = doc.add_object(dictionary! {
            "Type" => "Page", "Parent" => pages_id, "Contents" => content_id,
            "MediaBox" => vec![0.into(), 0.into(), 595.into(), 842.into()],
        });
        kids.push(Object::Reference(page_id));
    }
    doc.objects.insert(
        pages_id,
        Object::Dictionary(dictionary! {
            "Type" => "Pages", "Kids" => kids, "Count" => pages as i64, "Resources" => resources_id,
        }),
    );
    let catalog_id = doc.add_object(dictionary! { "Type" => "Catalog", "Pages" => pages_id });
    doc.trailer.set("Root", catalog_id);
    let mut out = Vec::new();
    if xref_stream {
        doc.save_modern(&mut out).unwrap();
    } else {
        doc.save_to(&mut out).unwrap();
    }
    out
}

pub struct Nss {
    _dir: tempfile::TempDir,
    path: PathBuf,
}

/// A temporary NSS database trusting `roots`.
pub fn nss(roots: &[&x509_cert::Certificate]) -> Nss {
    use der::EncodePem as _;
    let dir = tmp();
    let path = dir.path().to_path_buf();
    run(Command::new("certutil").args(["-N", "--empty-password", "-d"]).arg(format!("sql:{}", path.display())));
    for (i, root) in roots.iter().enumerate() {
        let pem = path.join(format!("root{i}.pem"));
        std::fs::write(&pem, root.to_pem(der::pem::LineEnding::LF).unwrap()).unwrap();
        run(Command::new("certutil")
            .args(["-A", "-n", &format!("sarabun-root-{i}"), "-t", "CT,C,C", "-d"])
            .arg(format!("sql:{}", path.display()))
            .arg("-i")
            .arg(&pem));
    }
    Nss { _dir: dir, path }
}

fn run(cmd: &mut Command) -> String {
    let out = cmd.output().expect("tool runs");
    assert!(
        out.status.success(),
        "{cmd:?}: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Write `pdf` to a file in `dir`.
pub fn file(dir: &Path, name: &str, pdf: &[u8]) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, pdf).unwrap();
    path
}

/// What `pdfsig` says about `pdf`, with the roots of `nss` trusted (its output, whatever its exit code).
pub fn pdfsig(nss: &Nss, pdf: &[u8]) -> String {
    let dir = tmp();
    let path = file(dir.path(), "letter.pdf", pdf);
    let out = Command::new("pdfsig")
        .arg("-nssdir")
        .arg(format!("sql:{}", nss.path.display()))
        .arg(&path)
        .output()
        .expect("pdfsig runs");
    format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr))
}

/// `qpdf --check` passes (exit 0, or 3 for warnings only is NOT accepted).
pub fn qpdf_check(pdf: &[u8]) {
    let dir = tmp();
    let path = file(dir.path(), "letter.pdf", pdf);
    let out = Command::new("qpdf").arg("--check").arg(&path).output().expect("qpdf runs");
    assert!(
        out.status.success(),
        "qpdf --check: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The text of page 1 as `pdftotext` gives it.
pub fn page_one_text(pdf: &[u8]) -> String {
    let dir = tmp();
    let path = file(dir.path(), "letter.pdf", pdf);
    run(Command::new("pdftotext").args(["-f", "1", "-l", "1"]).arg(&path).arg("-"))
}

/// A one-page letter whose form already has text fields named `fields` (flat names) at rects.
pub fn template_with_fields(fields: &[(&str, [f32; 4])]) -> Vec<u8> {
    let base = lopdf_letter(1, false);
    let mut doc = lopdf::Document::load_mem(&base).unwrap();
    let page_id = *doc.get_pages().values().next().unwrap();
    let mut refs = Vec::new();
    for (name, r) in fields {
        let id = doc.add_object(dictionary! {
            "Type" => "Annot", "Subtype" => "Widget", "FT" => "Tx",
            "T" => Object::string_literal(*name), "F" => 4, "P" => page_id,
            "Rect" => r.iter().map(|v| Object::Real(*v)).collect::<Vec<_>>(),
            "DA" => Object::string_literal("/Helv 12 Tf 0 g"),
        });
        refs.push(Object::Reference(id));
    }
    doc.get_dictionary_mut(page_id).unwrap().set("Annots", refs.clone());
    let form = doc.add_object(dictionary! { "Fields" => refs });
    let root = doc.trailer.get(b"Root").unwrap().as_reference().unwrap();
    doc.get_dictionary_mut(root).unwrap().set("AcroForm", form);
    let mut out = Vec::new();
    doc.save_to(&mut out).unwrap();
    out
}

/// Words of page 1 with the x and y (from the top) of their box, from `pdftotext -bbox`.
pub fn page_one_bbox(pdf: &[u8]) -> Vec<(String, f32, f32)> {
    let dir = tmp();
    let path = file(dir.path(), "letter.pdf", pdf);
    let html = run(Command::new("pdftotext").args(["-f", "1", "-l", "1", "-bbox"]).arg(&path).arg("-"));
    let mut out = Vec::new();
    for line in html.lines().filter(|l| l.trim_start().starts_with("<word")) {
        let attr = |name: &str| -> f32 {
            let key = format!("{name}=\"");
            let start = line.find(&key).map(|i| i + key.len()).unwrap_or(0);
            line[start..].split('"').next().unwrap_or("0").parse().unwrap_or(0.0)
        };
        let word = line.split('>').nth(1).and_then(|w| w.split('<').next()).unwrap_or_default().to_string();
        // Rounded: poppler's positions wobble in the fifth decimal between files.
        out.push((word, (attr("xMin") * 10.0).round() / 10.0, (attr("yMin") * 10.0).round() / 10.0));
    }
    out
}
