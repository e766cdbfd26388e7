//! Writes a prepared, signed, filled, stamped letter and the CA root to a folder, to look at with
//! `pdfsig`, `pdftoppm` or a viewer: `cargo run -p sarabun-pades --example demo -- OUT_DIR IN.pdf`.

use chrono::{TimeZone as _, Utc};
use sarabun_pades::ca::{NodeCa, generate_key};
use sarabun_pades::{Signer, fill, p256, prepare, sign, verify};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let out = std::path::PathBuf::from(args.next().ok_or("usage: demo OUT_DIR IN.pdf")?);
    let input = std::fs::read(args.next().ok_or("usage: demo OUT_DIR IN.pdf")?)?;
    let now = Utc.with_ymd_and_hms(2026, 12, 1, 3, 0, 0).single().ok_or("time")?;
    let ca = NodeCa::generate("Sarabun Demo CA", now)?;
    let key = generate_key()?;
    let cert = ca.issue("นายสมชาย ใจดี", "กรมบัญชีกลาง", &p256::PublicKey::from(key.verifying_key()), now, 2)?;
    let signer = Signer {
        key,
        chain: vec![cert, ca.cert.clone()],
        name: "นายสมชาย ใจดี".into(),
        reason: Some("ลงนามหนังสือ".into()),
        location: None,
    };
    let signed = sign(&prepare(&input)?, &signer, now)?;
    let filled = fill(&signed, "ที่ กค 0100/123", "1 ธันวาคม 2569")?;
    std::fs::create_dir_all(&out)?;
    std::fs::write(out.join("root.pem"), ca.cert_pem()?)?;
    std::fs::write(out.join("signed.pdf"), &signed)?;
    std::fs::write(out.join("filled.pdf"), &filled)?;
    println!("{:#?}", verify(&filled, std::slice::from_ref(&ca.cert))?);
    Ok(())
}
