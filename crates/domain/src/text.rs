//! Text that people type: subjects, reasons, remarks, names and file names. One rule for all of it,
//! so that what a register shows is what the clerk meant: the text is put in Unicode NFC (a Thai vowel
//! below the line typed before or after its tone mark is stored alike), trimmed, bounded in characters, and refused
//! when it holds control characters or the invisible format characters that can make a name or a
//! file name read differently from what it is (bidirectional overrides such as U+202E, which turns
//! `txt.exe` into `exe.txt` on screen, and zero-width characters that hide inside a word).

use unicode_normalization::UnicodeNormalization;

/// Why a piece of text was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TextError {
    #[error("must not be empty")]
    Empty,
    #[error("longer than {max} characters")]
    TooLong { max: usize },
    #[error("contains control characters")]
    Control,
    #[error(
        "contains invisible format characters (U+{0:04X}): bidirectional overrides and zero-width characters are not allowed"
    )]
    Format(u32),
    #[error("stacks more than {max} marks on one letter")]
    StackedMarks { max: usize },
}

/// What a field allows beyond the common rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TextRule {
    /// The most characters (after normalising and trimming).
    pub max_chars: usize,
    /// Whether line breaks are kept (reasons, remarks); elsewhere they are refused.
    pub multiline: bool,
    /// Whether an empty value is allowed.
    pub optional: bool,
}

impl TextRule {
    /// A one-line value such as a name or a subject.
    pub const fn line(max_chars: usize) -> Self {
        Self { max_chars, multiline: false, optional: false }
    }
    /// A value that may span lines, such as a reason or remarks.
    pub const fn lines(max_chars: usize) -> Self {
        Self { max_chars, multiline: true, optional: false }
    }
    /// The same rule, allowing an empty value.
    pub const fn optional(self) -> Self {
        Self { optional: true, ..self }
    }
}

/// Whether `c` is an invisible character that changes how text around it is shown: the
/// bidirectional embeddings, overrides, isolates and marks, the zero-width characters, the other
/// default-ignorable characters that render as nothing (soft hyphen, combining grapheme joiner,
/// Hangul fillers, Khmer inherent vowels, variation selectors, tags), and the Unicode line and
/// paragraph separators, which break a "one-line" value without being control characters.
pub fn is_hidden_format(c: char) -> bool {
    matches!(c,
        '\u{00AD}' | '\u{034F}' | '\u{061C}' | '\u{115F}' | '\u{1160}' | '\u{17B4}' | '\u{17B5}'
        | '\u{180B}'..='\u{180F}' | '\u{200B}'..='\u{200F}' | '\u{2028}'..='\u{202E}'
        | '\u{2060}'..='\u{206F}' | '\u{3164}' | '\u{FE00}'..='\u{FE0F}' | '\u{FEFF}' | '\u{FFA0}'
        | '\u{FFF0}'..='\u{FFFB}' | '\u{E0000}'..='\u{E0FFF}')
}

/// The most combining marks one letter may carry: Thai stacks at most a vowel and a tone mark (and
/// rarely a third, such as ์ or ็); hundreds stacked on one letter draw over the lines around it.
pub const MAX_STACKED_MARKS: usize = 3;

fn overstacked(text: &str) -> bool {
    let mut run = 0;
    text.chars().any(|c| {
        run = if unicode_normalization::char::is_combining_mark(c) { run + 1 } else { 0 };
        run > MAX_STACKED_MARKS
    })
}

/// Cleans `value` by `rule`: NFC, line ends as `\n`, trimmed, then checked. Returns the text to store.
pub fn clean(value: &str, rule: TextRule) -> Result<String, TextError> {
    let text: String = value.replace("\r\n", "\n").nfc().collect();
    let text = text.trim();
    if text.is_empty() && !rule.optional {
        return Err(TextError::Empty);
    }
    if let Some(c) = text.chars().find(|&c| is_hidden_format(c)) {
        return Err(TextError::Format(c as u32));
    }
    if text.chars().any(|c| c.is_control() && !(rule.multiline && c == '\n')) {
        return Err(TextError::Control);
    }
    if overstacked(text) {
        return Err(TextError::StackedMarks { max: MAX_STACKED_MARKS });
    }
    // Counting after the checks keeps a 40 MB field from being walked twice for nothing.
    if text.chars().nth(rule.max_chars).is_some() {
        return Err(TextError::TooLong { max: rule.max_chars });
    }
    Ok(text.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thai_text_is_kept_and_normalised() {
        assert_eq!(clean("  ขอเชิญประชุม  ", TextRule::line(20)).unwrap(), "ขอเชิญประชุม");
        // "e" + combining acute becomes the one precomposed character.
        assert_eq!(clean("cafe\u{301}", TextRule::line(10)).unwrap(), "caf\u{e9}");
        assert_eq!(clean("a\r\nb", TextRule::lines(10)).unwrap(), "a\nb");
        // ดู่ typed tone mark first is stored as typed vowel first.
        assert_eq!(clean("\u{0E14}\u{0E48}\u{0E39}", TextRule::line(10)).unwrap(), "\u{0E14}\u{0E39}\u{0E48}");
    }

    #[test]
    fn hidden_and_control_characters_are_refused() {
        for bad in [
            "invoice\u{202E}fdp.exe",
            "ab\u{200B}c",
            "a\u{2066}b",
            "\u{FEFF}x",
            "a\u{200D}b",
            "a\u{00AD}b",
            "a\u{034F}b",
            "a\u{3164}b",
            "a\u{115F}b",
            "a\u{2028}b",
            "a\u{2029}b",
        ] {
            assert!(matches!(clean(bad, TextRule::line(100)), Err(TextError::Format(_))), "{bad:?}");
        }
        assert_eq!(clean("a\nb", TextRule::line(10)), Err(TextError::Control));
        assert_eq!(clean("a\u{7}b", TextRule::lines(10)), Err(TextError::Control));
    }

    #[test]
    fn marks_stack_as_thai_needs_and_no_higher() {
        // กี่ (vowel and tone), ปั้น (vowel and tone), and three marks are fine.
        for fine in ["\u{0E01}\u{0E35}\u{0E48}", "\u{0E1B}\u{0E31}\u{0E49}\u{0E19}", "\u{0E01}\u{0E34}\u{0E4C}\u{0E48}"]
        {
            assert!(clean(fine, TextRule::line(10)).is_ok(), "{fine:?}");
        }
        let tower = format!("\u{0E01}{}", "\u{0E48}".repeat(480));
        assert_eq!(clean(&tower, TextRule::line(1000)), Err(TextError::StackedMarks { max: 3 }));
    }

    #[test]
    fn bounds_and_emptiness() {
        assert_eq!(clean("   ", TextRule::line(10)), Err(TextError::Empty));
        assert_eq!(clean("   ", TextRule::line(10).optional()).unwrap(), "");
        assert_eq!(clean("กขคงจ", TextRule::line(5)).unwrap(), "กขคงจ");
        assert_eq!(clean("กขคงจฉ", TextRule::line(5)), Err(TextError::TooLong { max: 5 }));
    }
}
