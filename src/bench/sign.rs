//! `sarabun bench --sign-drafts N`: the time to sign a draft, end to end over HTTP — the signer's
//! key opened with their PIN (argon2id), the PAdES signature on the latest version, the number
//! taken and written onto the letter with its Thai date, the envelope sealed and the letter sent —
//! for N one-page and N hundred-page letters, one at a time as a signer signs. Prints p50/p99 of
//! each, and the same for opening the key alone (a wrong PIN, which stops right after argon2).

use crate::demo::{DEMO_PASSWORD, Directory, seed};
use anyhow::{Context, bail};
use sarabun_server::AppState;
use serde_json::{Value, json};
use std::time::Instant;

/// A PDF of `pages` A4 pages of text, written by hand (classic cross-reference table).
pub fn pages_pdf(pages: usize) -> Vec<u8> {
    let mut out = b"%PDF-1.7\n".to_vec();
    let mut offsets = Vec::new();
    let mut object = |out: &mut Vec<u8>, body: String| {
        offsets.push(out.len());
        out.extend_from_slice(format!("{} 0 obj\n{body}\nendobj\n", offsets.len()).as_bytes());
    };
    // 1: catalog, 2: pages, 3: font, then a page and its content per page.
    let kids: Vec<String> = (0..pages).map(|i| format!("{} 0 R", 4 + 2 * i)).collect();
    object(&mut out, "<< /Type /Catalog /Pages 2 0 R >>".into());
    object(&mut out, format!("<< /Type /Pages /Count {pages} /Kids [{}] >>", kids.join(" ")));
    object(&mut out, "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>".into());
    for i in 0..pages {
        object(
            &mut out,
            format!(
                "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 3 0 R >> >> /Contents {} 0 R >>",
                5 + 2 * i
            ),
        );
        let text = format!("BT /F1 12 Tf 85 600 Td (Page {} of a long letter) Tj ET", i + 1);
        object(&mut out, format!("<< /Length {} >>\nstream\n{text}\nendstream", text.len()));
    }
    let xref = out.len();
    out.extend_from_slice(format!("xref\n0 {}\n0000000000 65535 f \n", offsets.len() + 1).as_bytes());
    for at in &offsets {
        out.extend_from_slice(format!("{at:010} 00000 n \n").as_bytes());
    }
    out.extend_from_slice(
        format!("trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n", offsets.len() + 1).as_bytes(),
    );
    out
}

/// Runs the signing benchmark against a started node.
pub async fn run(backend: &str, state: AppState, rounds: usize) -> anyhow::Result<()> {
    seed(&state.correspondence, &Directory::demo(), DEMO_PASSWORD).await?;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let base = format!("http://{}", listener.local_addr()?);
    let server = tokio::spawn(sarabun_server::serve(listener, state, std::future::pending()));
    let http = reqwest::Client::new();
    let client = super::Client { http: http.clone(), base: base.clone() };
    let (officer, dg) = (client.sign_in("officer.legal.cgd").await?, client.sign_in("dg.cgd").await?);
    let pin = "580214";
    http.put(format!("{base}/api/v1/me/signing-key"))
        .bearer_auth(&dg)
        .json(&json!({"password": DEMO_PASSWORD, "pin": pin}))
        .send()
        .await?
        .error_for_status()?;
    println!("sarabun bench --sign-drafts on {backend}: {rounds} letters of each size, signed one at a time");
    for pages in [1usize, 100] {
        let pdf = pages_pdf(pages);
        let mut signing = Vec::with_capacity(rounds);
        let mut wrong_pin = Vec::with_capacity(rounds);
        for i in 0..rounds {
            let fields = json!({"kind": "external", "subject": format!("หนังสือ {pages} หน้า ฉบับที่ {i}"),
                "addressee": "ปลัดกระทรวงการคลัง", "recipients": ["กค 0100"]});
            let form = reqwest::multipart::Form::new()
                .part("fields", reqwest::multipart::Part::text(fields.to_string()))
                .part("file", reqwest::multipart::Part::bytes(pdf.clone()).file_name("letter.pdf"));
            let draft: Value = http
                .post(format!("{base}/api/v1/drafts"))
                .bearer_auth(&officer)
                .multipart(form)
                .send()
                .await?
                .error_for_status()?
                .json()
                .await?;
            let id = draft["id"].as_str().context("no draft id")?.to_owned();
            http.post(format!("{base}/api/v1/drafts/{id}/submit"))
                .bearer_auth(&officer)
                .json(&json!({"chain": [{"username": "dg.cgd", "role": "signer"}]}))
                .send()
                .await?
                .error_for_status()?;
            // One wrong PIN per letter stays under the throttle (a right one clears the counter).
            let t = Instant::now();
            let res = http
                .post(format!("{base}/api/v1/drafts/{id}/sign"))
                .bearer_auth(&dg)
                .json(&json!({"version": 1, "pin": "000001"}))
                .send()
                .await?;
            wrong_pin.push(t.elapsed());
            if res.status() != reqwest::StatusCode::FORBIDDEN {
                bail!("a wrong PIN answered {}", res.status());
            }
            let t = Instant::now();
            let res = http
                .post(format!("{base}/api/v1/drafts/{id}/sign"))
                .bearer_auth(&dg)
                .json(&json!({"version": 1, "pin": pin}))
                .send()
                .await?;
            signing.push(t.elapsed());
            if !res.status().is_success() {
                bail!("signing answered {}: {}", res.status(), res.text().await.unwrap_or_default());
            }
        }
        signing.sort();
        wrong_pin.sort();
        println!(
            "  {pages:>3}-page letter ({:>6} bytes): sign, number and send p50 {:>7.1?} p99 {:>7.1?}; opening the key alone (a wrong PIN) p50 {:>7.1?}",
            pdf.len(),
            super::percentile(&signing, 50.0),
            super::percentile(&signing, 99.0),
            super::percentile(&wrong_pin, 50.0)
        );
    }
    server.abort();
    Ok(())
}
