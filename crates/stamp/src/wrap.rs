//! Breaking a minute's text into lines that fit the page width.
//!
//! Thai is written without spaces between words, so breaking only at spaces would leave whole
//! sentences on one line. Break opportunities come from ICU4X's line segmenter (UAX #14 with its
//! Thai dictionary, so lines break between words); a single word wider than the line (a long
//! number, a URL, a word the dictionary does not know) is cut at grapheme-cluster boundaries, so
//! no vowel or tone mark is ever parted from its consonant. Widths are measured by shaping with
//! the same font the text is drawn with.

use icu_segmenter::{GraphemeClusterSegmenter, LineSegmenter};

use crate::font::FontBuilder;

/// Break `text` into lines no wider than `width` font units. Hard line breaks (`\n`, `\r\n`)
/// are kept, an empty line stays an empty line, and spaces at the end of a wrapped line are
/// dropped (they are where the line breaks).
pub fn wrap(font: &FontBuilder, text: &str, width: i32) -> Vec<String> {
    let lines = LineSegmenter::new_dictionary();
    let graphemes = GraphemeClusterSegmenter::new();
    let mut out = Vec::new();
    for paragraph in text.split('\n') {
        let paragraph = paragraph.trim_end_matches('\r').trim_end();
        if paragraph.is_empty() {
            out.push(String::new());
            continue;
        }
        // Pieces between break opportunities, each ending with the spaces that follow it.
        let breaks: Vec<usize> = lines.segment_str(paragraph).collect();
        let mut line = String::new();
        for pair in breaks.windows(2) {
            let piece = &paragraph[pair[0]..pair[1]];
            let candidate = format!("{line}{piece}");
            if font.measure(candidate.trim_end()) <= width {
                line = candidate;
                continue;
            }
            if !line.trim_end().is_empty() {
                out.push(line.trim_end().to_string());
            }
            line = String::new();
            if font.measure(piece.trim_end()) <= width {
                line.push_str(piece);
                continue;
            }
            // One word wider than the line: cut it between grapheme clusters.
            let cuts: Vec<usize> = graphemes.segment_str(piece).collect();
            for g in cuts.windows(2) {
                let cluster = &piece[g[0]..g[1]];
                let candidate = format!("{line}{cluster}");
                if line.is_empty() || font.measure(candidate.trim_end()) <= width {
                    line = candidate;
                } else {
                    out.push(line.trim_end().to_string());
                    line = cluster.to_string();
                }
            }
        }
        if !line.trim_end().is_empty() {
            out.push(line.trim_end().to_string());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thai_without_spaces_breaks_between_words_and_keeps_every_character() {
        let font = FontBuilder::new().unwrap();
        let text = "ให้กองกฎหมายพิจารณาดำเนินการตามระเบียบสำนักนายกรัฐมนตรีว่าด้วยงานสารบรรณและรายงานผลให้ทราบภายในสามสิบวัน";
        let lines = wrap(&font, text, font.measure("ให้กองกฎหมายพิจารณา") * 2);
        assert!(lines.len() >= 2, "{lines:?}");
        assert_eq!(lines.concat(), text);
        for line in &lines {
            assert!(font.measure(line) <= font.measure("ให้กองกฎหมายพิจารณา") * 2, "{line}");
            // No line starts with a combining mark or a following vowel.
            let first = line.chars().next().unwrap();
            assert!(!('\u{0E31}'..='\u{0E3A}').contains(&first) && !('\u{0E47}'..='\u{0E4E}').contains(&first));
        }
    }

    #[test]
    fn a_word_wider_than_the_line_is_cut_between_clusters() {
        let font = FontBuilder::new().unwrap();
        let word = "ที่ทำการปกครองอำเภอ".repeat(3);
        let lines = wrap(&font, &word, font.measure("ที่ทำการ"));
        assert!(lines.len() > 3);
        assert_eq!(lines.concat(), word);
        for line in &lines {
            let first = line.chars().next().unwrap();
            assert!(!('\u{0E31}'..='\u{0E3A}').contains(&first) && !('\u{0E47}'..='\u{0E4E}').contains(&first));
        }
    }

    #[test]
    fn spaces_and_hard_breaks() {
        let font = FontBuilder::new().unwrap();
        let lines = wrap(&font, "ทราบ\n\nมอบ กองกฎหมาย ดำเนินการ", font.measure("มอบ กองกฎหมาย "));
        assert_eq!(lines, ["ทราบ", "", "มอบ กองกฎหมาย", "ดำเนินการ"]);
    }
}
