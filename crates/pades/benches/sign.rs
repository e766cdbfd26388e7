//! How long the signer waits: prepare + sign + fill (number and date) of a 1-page and a 100-page
//! letter, the median of several runs each, and the verification of the result. Unsealing the
//! key (Argon2id, about a third of a second by design) is measured apart, since it is paid once
//! per signature whatever the letter's length.
//!
//! Run with `cargo bench -p sarabun-pades`.

use std::time::{Duration, Instant};

use chrono::{TimeZone as _, Utc};
use lopdf::{Dictionary, Object, Stream, dictionary};
use sarabun_pades::ca::{NodeCa, generate_key};
use sarabun_pades::{Signer, fill, keyseal, p256, prepare, sign, verify};

/// A letter of `pages` pages made by LibreOffice from the test fixture, its body repeated on every
/// page, with the Thai font embedded as a word processor does; `None` without `soffice`.
fn libreoffice_letter(pages: usize) -> Option<Vec<u8>> {
    let fixture = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/letter.fodt")).ok()?;
    let (head, rest) = fixture.split_once("<office:text>")?;
    let (body, tail) = rest.split_once("</office:text>")?;
    let page_break = "<style:style style:name=\"Break\" style:family=\"paragraph\"><style:paragraph-properties fo:break-before=\"page\"/></style:style>";
    let head = head.replace("</office:automatic-styles>", &format!("{page_break}</office:automatic-styles>"));
    let mut text = String::from(body);
    for n in 2..=pages {
        text.push_str(&format!("<text:p text:style-name=\"Break\">หน้า {n}</text:p>"));
        for _ in 0..6 {
            text.push_str("<text:p>ด้วยกรมบัญชีกลางจะจัดการประชุมเรื่องการเบิกจ่ายงบประมาณ จึงขอเชิญท่านเข้าร่วมประชุม ตามวันเวลาและสถานที่ที่แนบมาพร้อมนี้</text:p>");
        }
    }
    let dir = std::env::temp_dir().join(format!("sarabun-pades-bench-{}-{pages}", std::process::id()));
    std::fs::create_dir_all(&dir).ok()?;
    std::fs::write(dir.join("letter.fodt"), format!("{head}<office:text>{text}</office:text>{tail}")).ok()?;
    let status = std::process::Command::new("soffice")
        .arg(format!("-env:UserInstallation=file://{}", dir.join("profile").display()))
        .args(["--headless", "--convert-to", "pdf", "--outdir"])
        .arg(&dir)
        .arg(dir.join("letter.fodt"))
        .output()
        .ok()?;
    let pdf = status.status.success().then(|| std::fs::read(dir.join("letter.pdf")).ok()).flatten();
    let _ = std::fs::remove_dir_all(&dir);
    pdf
}

/// A letter of `pages` A4 pages, each with 40 lines of text, written by lopdf.
fn letter(pages: usize) -> Vec<u8> {
    let mut doc = lopdf::Document::with_version("1.5");
    let pages_id = doc.new_object_id();
    let font_id = doc.add_object(dictionary! { "Type" => "Font", "Subtype" => "Type1", "BaseFont" => "Helvetica" });
    let resources_id = doc.add_object(dictionary! { "Font" => dictionary! { "F1" => font_id } });
    let mut kids = Vec::new();
    for n in 1..=pages {
        let mut content = String::from("BT /F1 11 Tf 72 780 Td 14 TL\n");
        for line in 0..40 {
            content.push_str(&format!("(Page {n}, line {line}: the text of the letter continues here.) '\n"));
        }
        content.push_str("ET");
        let mut stream = Stream::new(Dictionary::new(), content.into_bytes());
        let _ = stream.compress();
        let content_id = doc.add_object(stream);
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
    doc.save_to(&mut out).expect("writing to a Vec");
    out
}

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

fn main() {
    let now = Utc.with_ymd_and_hms(2026, 12, 1, 3, 0, 0).single().expect("a valid time");
    let ca = NodeCa::generate("Sarabun Bench CA", now).expect("CA");
    let key = generate_key().expect("key");
    let cert =
        ca.issue("นายสมชาย ใจดี", "กรมบัญชีกลาง", &p256::PublicKey::from(key.verifying_key()), now, 2).expect("cert");
    let sealed = keyseal::seal(&key, "482915").expect("seal");
    let started = Instant::now();
    let key = keyseal::unseal(&sealed, "482915").expect("unseal");
    println!("unseal (Argon2id 64 MiB, 3 passes): {}", ms(started.elapsed()));
    let signer =
        Signer {
            key, chain: vec![cert, ca.cert.clone()], name: "นายสมชาย ใจดี".into(), reason: None, location: None
        };

    let mut letters = Vec::new();
    for (pages, runs) in [(1usize, 15usize), (100, 7)] {
        letters.push((format!("{pages:>3}-page lopdf letter"), letter(pages), runs));
        match libreoffice_letter(pages) {
            Some(pdf) => letters.push((format!("{pages:>3}-page LibreOffice letter"), pdf, runs)),
            None => println!("(soffice not found: no LibreOffice letter of {pages} pages)"),
        }
    }
    for (what, pdf, runs) in letters {
        let (mut prep, mut sig, mut fil, mut total, mut ver) = (vec![], vec![], vec![], vec![], vec![]);
        let mut out = Vec::new();
        for _ in 0..runs {
            let t0 = Instant::now();
            let prepared = prepare(&pdf).expect("prepare");
            let t1 = Instant::now();
            let signed = sign(&prepared, &signer, now).expect("sign");
            let t2 = Instant::now();
            out = fill(&signed, "ที่ กค 0100/123", "1 ธันวาคม 2569").expect("fill");
            let t3 = Instant::now();
            let checks = verify(&out, std::slice::from_ref(&ca.cert)).expect("verify");
            let t4 = Instant::now();
            assert!(checks[0].intact && checks[0].chain_trusted);
            prep.push(t1 - t0);
            sig.push(t2 - t1);
            fil.push(t3 - t2);
            total.push(t3 - t0);
            ver.push(t4 - t3);
        }
        println!(
            "{what} ({} KiB → {} KiB), median of {runs}: prepare+sign+fill {} (prepare {}, sign {}, fill {}); verify {}",
            pdf.len() / 1024,
            out.len() / 1024,
            ms(median(total)),
            ms(median(prep)),
            ms(median(sig)),
            ms(median(fil)),
            ms(median(ver)),
        );
    }
}
