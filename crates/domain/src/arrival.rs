//! Letters from outside Sarabun (หนังสือภายนอกระบบ) as rules: the bodies an office writes to and hears
//! from (an organisation or a person, kept in the office's address book), how a letter came (paper,
//! e-mail, fax, another system), where a letter comes from (a Sarabun office, sealed, or outside,
//! registered by a clerk from its scan), the bounds of a scan, and when an arrival is the one
//! registered already: the same sender, the sender's number and date in one office. Storage, the
//! clock and image decoding are the caller's.

use chrono::{Datelike, NaiveDate};

/// The most pages (images) one scanned arrival may have.
pub const MAX_SCAN_PAGES: usize = 30;
/// The most pixels an image of a scan may have on either side (A4 at 600 dpi is 4961 × 7016).
pub const MAX_IMAGE_SIDE: u32 = 10_000;
/// The most pixels an image of a scan may have in all (A4 at 600 dpi is about 35 million).
pub const MAX_IMAGE_PIXELS: u64 = 40_000_000;
/// The most enclosure files one arrival may carry.
pub const MAX_ENCLOSURES: usize = 20;
/// The most deliveries one bulk receive takes.
pub const MAX_BULK_RECEIVE: usize = 100;
/// How many suggestions the address book gives at most as one types.
pub const MAX_SUGGESTIONS: u64 = 20;
/// How old, in years, a sender's letter may be when it is registered.
pub const MAX_SENDER_DATE_AGE_YEARS: i32 = 10;

crate::letter::wire_enum! {
    /// Where a letter in Sarabun comes from.
    LetterOrigin {
        /// Sent by a Sarabun office: numbered from its send register and sealed (a JWS envelope).
        Sarabun = "sarabun",
        /// From a body outside Sarabun, registered by the receiving office's clerk from its scan;
        /// it has no sending Sarabun office and no envelope.
        Outside = "outside",
    }
}

crate::letter::wire_enum! {
    /// What a body in the address book is.
    BodyKind {
        /// A ministry, a province, a company, an association (หน่วยงาน/นิติบุคคล).
        Organisation = "organisation",
        /// A citizen or other person (บุคคล).
        Person = "person",
    }
}

crate::letter::wire_enum! {
    /// How a letter from outside came to the office.
    Channel {
        /// On paper, by post or by hand (ทางไปรษณีย์/ส่งด้วยตนเอง).
        Paper = "paper",
        /// By e-mail.
        Email = "email",
        /// By fax (โทรสาร).
        Fax = "fax",
        /// From another correspondence system.
        OtherSystem = "other_system",
    }
}

impl Channel {
    /// The channel in Thai, as the register's remarks write it.
    pub fn thai(self) -> &'static str {
        match self {
            Self::Paper => "หนังสือกระดาษ",
            Self::Email => "ทางไปรษณีย์อิเล็กทรอนิกส์",
            Self::Fax => "ทางโทรสาร",
            Self::OtherSystem => "จากระบบอื่น",
        }
    }
}

/// Why an arrival from outside is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ArrivalRefusal {
    /// The same sender, number and date were registered in this office already, under `earlier`
    /// (a receive number such as `12/2569`); the clerk may confirm it is a different letter.
    #[error("this letter was registered already, as receive number {earlier}")]
    AlreadyRegistered { earlier: String },
    /// No scan was sent.
    #[error("send the letter's scan: one PDF, or one or more JPEG, PNG or TIFF images")]
    NoScan,
    /// A PDF and images, or two PDFs, in one scan.
    #[error("send either one PDF or images, not both and not several PDFs")]
    MixedScan,
    /// More pages than [`MAX_SCAN_PAGES`], or more enclosures than [`MAX_ENCLOSURES`].
    #[error("at most {max} {what}")]
    TooManyFiles { what: &'static str, max: usize },
    /// A scan file that is neither PDF nor a JPEG, PNG or TIFF image, by its bytes.
    #[error("file {position} is not a PDF, JPEG, PNG or TIFF file")]
    NotAnImage { position: usize },
    /// An image whose bytes do not decode.
    #[error("image {position} is damaged: {detail}")]
    ImageDamaged { position: usize, detail: String },
    /// An image larger than [`MAX_IMAGE_SIDE`] or [`MAX_IMAGE_PIXELS`].
    #[error(
        "image {position} is {width} × {height} pixels; at most {MAX_IMAGE_SIDE} a side and {MAX_IMAGE_PIXELS} in all"
    )]
    ImageTooLarge { position: usize, width: u32, height: u32 },
    /// The sender's date is in the future or absurdly old.
    #[error(
        "the sender's date must be a real date, not after today and not more than {MAX_SENDER_DATE_AGE_YEARS} years ago"
    )]
    SenderDate,
    /// More than [`MAX_BULK_RECEIVE`] deliveries, or none, in one bulk receive.
    #[error("receive from 1 to {MAX_BULK_RECEIVE} letters at once")]
    BulkSize,
}

/// Whether `date`, the date written on a sender's letter, is believable when registering `today`
/// (both in Bangkok): not after today (a B.E. year typed as A.D. gives a date centuries ahead) and
/// not more than [`MAX_SENDER_DATE_AGE_YEARS`] years before it.
pub fn check_sender_date(date: NaiveDate, today: NaiveDate) -> Result<(), ArrivalRefusal> {
    let oldest = NaiveDate::from_ymd_opt(today.year() - MAX_SENDER_DATE_AGE_YEARS, 1, 1).unwrap_or(NaiveDate::MIN);
    if date > today || date < oldest { Err(ArrivalRefusal::SenderDate) } else { Ok(()) }
}

/// The sender's letter number as compared for "already registered": without spaces and in lower
/// case, so `กค 0100/123`, `กค0100/123` and ` กค 0100/ 123 ` are one number.
pub fn number_key(number: &str) -> String {
    number.chars().filter(|c| !c.is_whitespace()).flat_map(char::to_lowercase).collect()
}

/// A name as the address book searches it: trimmed, inner whitespace single, lower case.
pub fn name_key(name: &str) -> String {
    name.split_whitespace().collect::<Vec<_>>().join(" ").to_lowercase()
}

/// Whether an image of `width` × `height` pixels may be a page of a scan.
pub fn check_image_size(position: usize, width: u32, height: u32) -> Result<(), ArrivalRefusal> {
    let pixels = u64::from(width) * u64::from(height);
    if width == 0 || height == 0 || width > MAX_IMAGE_SIDE || height > MAX_IMAGE_SIDE || pixels > MAX_IMAGE_PIXELS {
        Err(ArrivalRefusal::ImageTooLarge { position, width, height })
    } else {
        Ok(())
    }
}

/// Whether `count` deliveries may be received in one bulk receive.
pub fn check_bulk(count: usize) -> Result<(), ArrivalRefusal> {
    if (1..=MAX_BULK_RECEIVE).contains(&count) { Ok(()) } else { Err(ArrivalRefusal::BulkSize) }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn sender_dates_as_a_table() {
        let today = d(2026, 11, 25);
        let table = [
            (d(2026, 11, 25), true),
            (d(2026, 11, 20), true),
            (d(2016, 1, 1), true),
            (d(2015, 12, 31), false),
            (d(2026, 11, 26), false),
            (d(2569, 11, 25), false),
            (d(1900, 1, 1), false),
        ];
        for (date, ok) in table {
            assert_eq!(check_sender_date(date, today).is_ok(), ok, "{date}");
        }
    }

    #[test]
    fn one_number_however_it_is_typed() {
        assert_eq!(number_key("กค 0100/123"), number_key("กค0100/123"));
        assert_eq!(number_key(" กค 0100/ 123 "), "กค0100/123");
        assert_eq!(number_key("ABC/12"), number_key("abc/12"));
        assert_ne!(number_key("กค 0100/123"), number_key("กค 0100/124"));
        assert_eq!(name_key("  บริษัท   ตัวอย่าง จำกัด "), "บริษัท ตัวอย่าง จำกัด");
        assert_eq!(name_key("ACME Co."), "acme co.");
    }

    #[test]
    fn image_and_bulk_bounds() {
        assert!(check_image_size(1, 2480, 3508).is_ok());
        assert!(check_image_size(1, 4961, 7016).is_ok());
        assert_eq!(
            check_image_size(2, 30_000, 30_000),
            Err(ArrivalRefusal::ImageTooLarge { position: 2, width: 30_000, height: 30_000 })
        );
        assert!(check_image_size(1, 10_000, 5_000).is_err(), "50 million pixels");
        assert!(check_image_size(1, 0, 10).is_err());
        assert!(check_bulk(0).is_err());
        assert!(check_bulk(1).is_ok());
        assert!(check_bulk(MAX_BULK_RECEIVE).is_ok());
        assert!(check_bulk(MAX_BULK_RECEIVE + 1).is_err());
    }

    #[test]
    fn channels_in_thai() {
        for c in Channel::ALL {
            assert!(!c.thai().is_empty());
        }
    }
}
