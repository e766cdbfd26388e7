//! What a letter (หนังสือราชการ) is: its kind, how fast it must be handled (ชั้นความเร็ว), how secret it
//! is (ชั้นความลับ), which numbering series it takes, and the letter number `ที่ กค 0302/1234` printed on it.

use crate::{OfficeCode, ParseError};

/// A closed set of values with one stable name each, used on the wire and in the database. Storage and
/// the API layer are written once over this trait instead of once per enum.
pub trait WireEnum: Copy + Eq + std::fmt::Debug + Send + Sync + 'static {
    /// Every value, in order.
    const ALL: &'static [Self];
    /// The type's name, as errors and schemas show it.
    const NAME: &'static str;
    /// The type's doc comment, one line per source line (API schemas describe the type with it).
    const DOC: &'static str;
    /// The stable name of this value.
    fn as_str(self) -> &'static str;
    /// The value of a stable name.
    fn parse(value: &str) -> Result<Self, crate::ParseError> {
        Self::ALL
            .iter()
            .copied()
            .find(|v| v.as_str() == value)
            .ok_or_else(|| crate::ParseError::Unknown { what: Self::NAME, value: value.to_owned() })
    }
}

macro_rules! wire_enum {
    ($(#[doc = $doc:literal])* $name:ident { $($(#[$vmeta:meta])* $variant:ident = $wire:literal),+ $(,)? }) => {
        $(#[doc = $doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($(#[$vmeta])* #[serde(rename = $wire)] $variant),+ }

        impl $name {
            /// Every value, in order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];
            /// The name used on the wire and in the database.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $wire),+ }
            }
            /// Parses the wire name.
            pub fn parse(value: &str) -> Result<Self, $crate::ParseError> {
                match value {
                    $($wire => Ok($name::$variant),)+
                    _ => Err($crate::ParseError::Unknown { what: stringify!($name), value: value.to_owned() }),
                }
            }
        }

        impl $crate::letter::WireEnum for $name {
            const ALL: &'static [Self] = $name::ALL;
            const NAME: &'static str = stringify!($name);
            const DOC: &'static str = concat!($($doc, "\n"),*);
            fn as_str(self) -> &'static str {
                $name::as_str(self)
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}
pub(crate) use wire_enum;

wire_enum! {
    /// The six kinds of official letter in the Regulation on Correspondence.
    LetterKind {
        /// หนังสือภายนอก
        External = "external",
        /// หนังสือภายใน (บันทึกข้อความ)
        Internal = "internal",
        /// หนังสือประทับตรา
        Stamped = "stamped",
        /// หนังสือสั่งการ: คำสั่ง ระเบียบ ข้อบังคับ
        Directive = "directive",
        /// หนังสือประชาสัมพันธ์: ประกาศ แถลงการณ์ ข่าว
        PublicRelations = "public_relations",
        /// หนังสือที่เจ้าหน้าที่ทำขึ้นหรือรับไว้เป็นหลักฐาน
        Evidence = "evidence",
    }
}

wire_enum! {
    /// ชั้นความเร็ว, from none to most urgent.
    Urgency {
        /// No mark.
        Normal = "normal",
        /// ด่วน
        Urgent = "urgent",
        /// ด่วนมาก
        VeryUrgent = "very_urgent",
        /// ด่วนที่สุด: act immediately on receipt.
        MostUrgent = "most_urgent",
    }
}

wire_enum! {
    /// ชั้นความลับ, from none to top secret. Also a person's clearance: a person may see a letter when
    /// their clearance is at least the letter's secrecy.
    Secrecy {
        /// Not secret.
        None = "none",
        /// ลับ
        Confidential = "confidential",
        /// ลับมาก
        Secret = "secret",
        /// ลับที่สุด
        TopSecret = "top_secret",
    }
}

wire_enum! {
    /// The send-register series a letter is numbered in, each with its own running numbers per
    /// B.E. year. Every office keeps normal and circular; the others it keeps by choice
    /// ([`Series::always_kept`]).
    Series {
        /// Ordinary letters: `กค 0302/1234`.
        Normal = "normal",
        /// Circular letters (หนังสือเวียน): `กค 0302/ว 45`.
        Circular = "circular",
        /// Orders (คำสั่ง): `คำสั่ง กรมบัญชีกลาง ที่ 57/2569`; directive letters.
        Order = "order",
        /// Announcements (ประกาศ): `ประกาศ กรมบัญชีกลาง ที่ 3/2569`; public-relations letters.
        Announcement = "announcement",
        /// Regulations (ระเบียบ): `ระเบียบ กรมบัญชีกลาง ที่ 2/2569`; directive letters.
        Regulation = "regulation",
        /// Rules (ข้อบังคับ): `ข้อบังคับ กรมบัญชีกลาง ที่ 1/2569`; directive letters.
        Rule = "rule",
    }
}

/// Why a series cannot be used as asked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SeriesRefusal {
    /// The office does not keep this series (an office admin chooses which it keeps).
    #[error("this office does not keep the {0} series")]
    NotKept(Series),
    /// A letter of this kind is not numbered in this series (a คำสั่ง is a directive letter).
    #[error("a {kind} letter is not numbered in the {series} series")]
    KindMismatch { series: Series, kind: LetterKind },
    /// The receive register has one series; the others are the send register's.
    #[error("the receive register has only the normal series")]
    ReceiveRegister,
}

impl Series {
    /// The series every office keeps; the others an office keeps only once its admin chose them.
    pub fn always_kept(self) -> bool {
        matches!(self, Series::Normal | Series::Circular)
    }

    /// The series' name in Thai, as a register heading or a workbook's sheet names it.
    pub fn thai(self) -> &'static str {
        match self {
            Series::Normal => "หนังสือทั่วไป",
            Series::Circular => "หนังสือเวียน",
            Series::Order => "คำสั่ง",
            Series::Announcement => "ประกาศ",
            Series::Regulation => "ระเบียบ",
            Series::Rule => "ข้อบังคับ",
        }
    }

    /// Whether a letter of `kind` is numbered in this series: orders, regulations and rules are
    /// directive letters (หนังสือสั่งการ), announcements public-relations letters
    /// (หนังสือประชาสัมพันธ์); normal and circular letters are of any kind.
    pub fn fits(self, kind: LetterKind) -> Result<(), SeriesRefusal> {
        let fits = match self {
            Series::Normal | Series::Circular => true,
            Series::Order | Series::Regulation | Series::Rule => kind == LetterKind::Directive,
            Series::Announcement => kind == LetterKind::PublicRelations,
        };
        if fits { Ok(()) } else { Err(SeriesRefusal::KindMismatch { series: self, kind }) }
    }

    /// Whether an office keeping `chosen` (besides the series every office keeps) keeps this one.
    pub fn kept_by(self, chosen: &[Series]) -> Result<(), SeriesRefusal> {
        if self.always_kept() || chosen.contains(&self) { Ok(()) } else { Err(SeriesRefusal::NotKept(self)) }
    }

    /// Whether `register` has this series: the receive register has only the normal one.
    pub fn in_register(self, register: crate::RegisterKind) -> Result<(), SeriesRefusal> {
        match (register, self) {
            (crate::RegisterKind::Receive, s) if s != Series::Normal => Err(SeriesRefusal::ReceiveRegister),
            _ => Ok(()),
        }
    }

    /// A register line's running number in its register column: `57` in the normal series, `ว 45`
    /// for circulars, `คำสั่ง 57` and so on for the others, so one list of every series reads
    /// unambiguously.
    pub fn register_label(self, seq: i64) -> String {
        match self {
            Series::Normal => seq.to_string(),
            Series::Circular => format!("ว {seq}"),
            other => format!("{} {seq}", other.thai()),
        }
    }

    /// The place of this series in the register, the normal series first.
    pub fn rank(self) -> usize {
        Series::ALL.iter().position(|s| *s == self).unwrap_or(usize::MAX)
    }
}

impl Urgency {
    /// The mark printed on the letter, in Thai; none for a normal letter.
    pub fn thai(self) -> Option<&'static str> {
        match self {
            Urgency::Normal => None,
            Urgency::Urgent => Some("ด่วน"),
            Urgency::VeryUrgent => Some("ด่วนมาก"),
            Urgency::MostUrgent => Some("ด่วนที่สุด"),
        }
    }
    /// The same mark in English (`Most urgent`, …); none for a normal letter.
    pub fn english(self) -> Option<&'static str> {
        match self {
            Urgency::Normal => None,
            Urgency::Urgent => Some("Urgent"),
            Urgency::VeryUrgent => Some("Very urgent"),
            Urgency::MostUrgent => Some("Most urgent"),
        }
    }
    fn rank(self) -> u8 {
        self as u8
    }
}

impl PartialOrd for Urgency {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Urgency {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.rank().cmp(&other.rank())
    }
}

wire_enum! {
    /// Where a sent letter stands as a whole (each recipient's delivery has its own state).
    LetterState {
        /// Numbered, sealed and delivered to its recipients.
        Sent = "sent",
        /// Withdrawn by the sender before any recipient received it.
        Recalled = "recalled",
    }
}

wire_enum! {
    /// How a person wants new ordinary and urgent letters announced (ด่วนมาก and ด่วนที่สุด are
    /// always announced at once).
    Notify {
        /// An e-mail for each new letter.
        Immediate = "immediate",
        /// One e-mail listing the new letters, at the digest times.
        Digest = "digest",
    }
}

impl Notify {
    /// Whether a person with this preference is told of a new letter of `urgency` at once rather
    /// than in the next digest.
    pub fn told_at_once(self, urgency: Urgency) -> bool {
        urgency.announced_at_once() || self == Notify::Immediate
    }
}

impl Urgency {
    /// Whether a new letter of this urgency is announced to everyone at once, even to people who
    /// asked for digests (ด่วนมาก and ด่วนที่สุด cannot wait for the next digest).
    pub fn announced_at_once(self) -> bool {
        self >= Urgency::VeryUrgent
    }
}

impl Secrecy {
    /// The mark printed on the letter, in Thai; none when not secret.
    pub fn thai(self) -> Option<&'static str> {
        match self {
            Secrecy::None => None,
            Secrecy::Confidential => Some("ลับ"),
            Secrecy::Secret => Some("ลับมาก"),
            Secrecy::TopSecret => Some("ลับที่สุด"),
        }
    }
    /// The same mark in English (`Confidential`, `Secret`, `Top secret`); none when not secret.
    pub fn english(self) -> Option<&'static str> {
        match self {
            Secrecy::None => None,
            Secrecy::Confidential => Some("Confidential"),
            Secrecy::Secret => Some("Secret"),
            Secrecy::TopSecret => Some("Top secret"),
        }
    }
    /// Whether someone with this clearance may see a letter of `letter` secrecy.
    pub fn clears(self, letter: Secrecy) -> bool {
        self >= letter
    }
    fn rank(self) -> u8 {
        self as u8
    }
}

impl PartialOrd for Secrecy {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Secrecy {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.rank().cmp(&other.rank())
    }
}

/// A letter's number as the Regulation writes it — the one rule for every series. A normal letter's
/// is the issuing office's code and its send-register number, `กค 0302/1234` (printed after ที่),
/// a circular's `กค 0302/ว 45`; an order, announcement, regulation or rule names the series and the
/// issuing office and counts within the B.E. year: `คำสั่ง กรมบัญชีกลาง ที่ 57/2569`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LetterNumber {
    pub office: OfficeCode,
    /// The issuing office's Thai name, which orders and announcements are headed with.
    pub issuer: String,
    pub series: Series,
    pub seq: u32,
    /// The register year the number belongs to.
    pub year: crate::YearBe,
}

impl LetterNumber {
    /// The number as the letter itself prints it: `ที่ กค 0302/1234`, or `คำสั่ง กรมบัญชีกลาง ที่ 57/2569`.
    pub fn on_letter(&self) -> String {
        match self.series {
            Series::Normal | Series::Circular => format!("ที่ {self}"),
            _ => self.to_string(),
        }
    }
}

impl std::fmt::Display for LetterNumber {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.series {
            Series::Normal => write!(f, "{}/{}", self.office, self.seq),
            Series::Circular => write!(f, "{}/ว {}", self.office, self.seq),
            other => write!(f, "{} {} ที่ {}/{}", other.thai(), self.issuer, self.seq, self.year),
        }
    }
}

/// A letter's subject (เรื่อง): one line of text, not empty, at most [`Subject::MAX_CHARS`] characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subject(String);

impl Subject {
    /// The longest subject accepted, in characters; a paper register's subject column holds far less.
    pub const MAX_CHARS: usize = 500;

    /// Checks and trims a subject.
    pub fn parse(input: &str) -> Result<Self, ParseError> {
        use crate::text::{TextError, TextRule, clean};
        match clean(input, TextRule::line(Self::MAX_CHARS)) {
            Ok(text) => Ok(Self(text)),
            Err(TextError::Empty) => Err(ParseError::SubjectEmpty),
            Err(TextError::TooLong { max }) => Err(ParseError::SubjectTooLong { max }),
            Err(TextError::Control | TextError::Format(_) | TextError::StackedMarks { .. }) => {
                Err(ParseError::SubjectControl)
            }
        }
    }
    /// The subject text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
    /// Takes the text out.
    pub fn into_string(self) -> String {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn letter_numbers_are_written_as_on_paper() {
        let office = OfficeCode::parse("กค 0302").unwrap();
        let year = crate::YearBe::new(2569).unwrap();
        let number =
            |series, seq| LetterNumber {
                office: office.clone(), issuer: "กรมบัญชีกลาง".into(), series, seq, year
            };
        let table = [
            (Series::Normal, 1234, "กค 0302/1234", "ที่ กค 0302/1234"),
            (Series::Circular, 45, "กค 0302/ว 45", "ที่ กค 0302/ว 45"),
            (Series::Order, 57, "คำสั่ง กรมบัญชีกลาง ที่ 57/2569", "คำสั่ง กรมบัญชีกลาง ที่ 57/2569"),
            (Series::Announcement, 3, "ประกาศ กรมบัญชีกลาง ที่ 3/2569", "ประกาศ กรมบัญชีกลาง ที่ 3/2569"),
            (Series::Regulation, 2, "ระเบียบ กรมบัญชีกลาง ที่ 2/2569", "ระเบียบ กรมบัญชีกลาง ที่ 2/2569"),
            (Series::Rule, 1, "ข้อบังคับ กรมบัญชีกลาง ที่ 1/2569", "ข้อบังคับ กรมบัญชีกลาง ที่ 1/2569"),
        ];
        for (series, seq, written, printed) in table {
            assert_eq!(number(series, seq).to_string(), written);
            assert_eq!(number(series, seq).on_letter(), printed);
        }
    }

    #[test]
    fn series_pair_with_kinds_and_offices() {
        use LetterKind as K;
        for kind in LetterKind::ALL {
            assert_eq!(Series::Normal.fits(*kind), Ok(()));
            assert_eq!(Series::Circular.fits(*kind), Ok(()));
        }
        for series in [Series::Order, Series::Regulation, Series::Rule] {
            assert_eq!(series.fits(K::Directive), Ok(()));
            assert_eq!(series.fits(K::External), Err(SeriesRefusal::KindMismatch { series, kind: K::External }));
        }
        assert_eq!(Series::Announcement.fits(K::PublicRelations), Ok(()));
        assert!(Series::Announcement.fits(K::Directive).is_err());
        assert_eq!(Series::Normal.kept_by(&[]), Ok(()));
        assert_eq!(Series::Order.kept_by(&[]), Err(SeriesRefusal::NotKept(Series::Order)));
        assert_eq!(Series::Order.kept_by(&[Series::Order]), Ok(()));
        assert_eq!(Series::Order.in_register(crate::RegisterKind::Receive), Err(SeriesRefusal::ReceiveRegister));
        assert_eq!(Series::Order.in_register(crate::RegisterKind::Send), Ok(()));
        assert_eq!(Series::Circular.register_label(45), "ว 45");
        assert_eq!(Series::Order.register_label(57), "คำสั่ง 57");
        assert!(Series::Normal.rank() < Series::Rule.rank());
    }

    #[test]
    fn clearance_is_ordered() {
        assert!(Secrecy::Secret.clears(Secrecy::Confidential));
        assert!(Secrecy::Secret.clears(Secrecy::Secret));
        assert!(!Secrecy::Confidential.clears(Secrecy::Secret));
        assert!(Secrecy::None.clears(Secrecy::None));
        assert!(!Secrecy::None.clears(Secrecy::Confidential));
        assert!(Urgency::MostUrgent > Urgency::Normal);
    }

    #[test]
    fn subjects_are_checked() {
        assert_eq!(Subject::parse("  ขอเชิญประชุม ").unwrap().as_str(), "ขอเชิญประชุม");
        assert_eq!(Subject::parse(" "), Err(ParseError::SubjectEmpty));
        assert!(matches!(Subject::parse(&"ก".repeat(501)), Err(ParseError::SubjectTooLong { .. })));
        assert_eq!(Subject::parse("a\u{0}b"), Err(ParseError::SubjectControl));
        assert!(Subject::parse(&"ก".repeat(500)).is_ok());
    }

    #[test]
    fn wire_names_round_trip() {
        for kind in LetterKind::ALL {
            assert_eq!(LetterKind::parse(kind.as_str()), Ok(*kind));
        }
        assert!(Urgency::parse("soon").is_err());
    }
}
