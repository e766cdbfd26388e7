//! Finding letters by a piece of their subject or number, through an index of trigrams (migration
//! `m0013_text_search`): SQLite's FTS5 table `letters_text` (trigram tokenizer, kept in step by
//! triggers on `letters`) and PostgreSQL's `pg_trgm` GIN indexes on `letters.subject` and
//! `letters.number`. Trigrams need no word breaking, so Thai, written without spaces, is found by
//! any part of a word as English is. Matching ignores the case of Latin letters on both databases.
//!
//! The index is the second place a listing looks ([`crate::listing`]): a text is first matched
//! here, in the listing's newest rows, which a common word fills a page from long before the index
//! could gather its hundred thousand matches; the index answers when those rows hold too few.
//!
//! A trigram index cannot look up fewer than three characters. Such a short search (two Thai
//! characters such as `ขอ` match most letters anyway) reads only [`SHORT_SEARCH_WINDOW`] rows of
//! the listing, the newest or those after where the page continues, and matches them here, so
//! that it costs the same in a node of a million letters as in one of a thousand; the
//! documentation says so.

use crate::entity::letter;
use sea_orm::DatabaseBackend;
use sea_orm::sea_query::{Condition, Expr, ExprTrait, Query, SelectStatement};

/// How many of the newest rows a search of one or two characters looks through.
pub const SHORT_SEARCH_WINDOW: u64 = 10_000;

/// A text to find, as the index can use it.
#[derive(Debug, Clone)]
pub enum TextSearch {
    /// Three characters or more: looked up in the trigram index.
    Indexed(String),
    /// One or two characters: matched in the newest [`SHORT_SEARCH_WINDOW`] rows.
    Short(String),
}

impl TextSearch {
    /// `None` for an empty text.
    pub fn new(text: &str) -> Option<Self> {
        match text.chars().count() {
            0 => None,
            1 | 2 => Some(Self::Short(text.to_owned())),
            _ => Some(Self::Indexed(text.to_owned())),
        }
    }

    /// The text with Latin letters in lower case, as [`Searched::contains`] compares it.
    pub fn lowercase(&self) -> String {
        match self {
            Self::Indexed(t) | Self::Short(t) => t.to_lowercase(),
        }
    }

    /// The words of a text the index looks up (pieces between spaces of three characters or more,
    /// lower case), when it has two or more: any one of them may drive the index
    /// ([`driving_word`]). Thai written without spaces is one word.
    pub fn words(&self) -> Vec<String> {
        let Self::Indexed(text) = self else { return Vec::new() };
        let words: Vec<String> =
            text.to_lowercase().split_whitespace().filter(|w| w.chars().count() >= 3).map(str::to_owned).collect();
        if words.len() >= 2 { words } else { Vec::new() }
    }
}

/// A row's subject and number as a search compares them, the one rule for both the text and its
/// words: a piece (in lower case) is found in either, Latin letters in either case, as the index
/// would decide.
pub struct Searched {
    subject: String,
    number: String,
}

impl Searched {
    /// The row, put in the case a search compares in once, however many pieces are looked for.
    pub fn new(subject: &str, number: &str) -> Self {
        Self { subject: subject.to_lowercase(), number: number.to_lowercase() }
    }

    /// Whether the subject or the number contains `piece` (already in lower case).
    pub fn contains(&self, piece: &str) -> bool {
        self.subject.contains(piece) || self.number.contains(piece)
    }
}

/// The least rows a walk must have read before its counts of each word choose how the index is
/// asked ([`driving_word`]).
pub const DRIVER_SAMPLE: u64 = 1_000;

/// Which word of a text of several words should drive the trigram index on PostgreSQL, given how
/// many of the `looked_at` newest rows of the listing contained each: one found in at most 1 % of
/// them, when another is in at least half. Asked for the whole text, GIN looks up every trigram,
/// and for each candidate of the rare word it descends the posting tree of every trigram of the
/// common one (36 ms and 2,483 buffers for "ครั้งที่ 4242" in a million subjects that all hold
/// "ครั้งที่"); asked for the rare word alone, with the whole text checked on the rows it finds, the
/// same search took 7 ms. Anything less lopsided is left to the index as it is: a word that is rare
/// among the newest rows yet common among older ones would make the index return those rows.
pub fn driving_word<'w>(words: &'w [String], hits: &[u64], looked_at: u64) -> Option<&'w str> {
    if words.len() < 2 || words.len() != hits.len() || looked_at < DRIVER_SAMPLE {
        return None;
    }
    let (rarest, &fewest) = hits.iter().enumerate().min_by_key(|(_, h)| **h)?;
    let most = hits.iter().copied().max()?;
    (fewest * 100 <= looked_at && most * 2 >= looked_at).then(|| words[rarest].as_str())
}

/// The ids of the letters whose subject or number contains `text` (three characters or more), as a
/// subquery for `letters.id IN (…)`, narrowed further by `also` (conditions on `letters`). On
/// PostgreSQL, with a `driver` (a word of `text`, [`driving_word`]), the index is asked for that
/// word alone and the whole text is checked on the letters it finds (the same letters: every
/// letter that contains the text contains each of its words).
pub fn matching_letters(
    backend: DatabaseBackend,
    text: &str,
    also: Condition,
    driver: Option<&str>,
) -> SelectStatement {
    let mut query = Query::select();
    query.column((letter::Entity, letter::Column::Id)).from(letter::Entity).cond_where(also);
    match backend {
        DatabaseBackend::Postgres => {
            let pattern = format!("%{}%", like_escaped(text));
            let contains = |subject: &str, number: &str, pattern: String| {
                Condition::any()
                    .add(Expr::cust_with_values(format!("{subject} ILIKE $1 ESCAPE '!'"), [pattern.clone()]))
                    .add(Expr::cust_with_values(format!("{number} ILIKE $1 ESCAPE '!'"), [pattern]))
            };
            match driver {
                Some(word) => {
                    query.cond_where(contains(
                        "letters.subject",
                        "letters.number",
                        format!("%{}%", like_escaped(word)),
                    ));
                    // An expression the trigram indexes do not cover: checked on the rows found,
                    // never looked up.
                    query.cond_where(contains("(letters.subject || '')", "(letters.number || '')", pattern));
                }
                None => {
                    query.cond_where(contains("letters.subject", "letters.number", pattern));
                }
            }
        }
        _ => {
            let found = Query::select()
                .column("letter_id")
                .from("letters_text")
                .and_where(Expr::cust_with_values("letters_text MATCH ?", [fts_phrase(text)]))
                .to_owned();
            query.and_where(Expr::col((letter::Entity, letter::Column::Id)).in_subquery(found));
        }
    }
    query
}

/// `text` as one FTS5 phrase: in double quotes, a double quote doubled. With the trigram tokenizer
/// a phrase matches wherever the text occurs as a substring.
fn fts_phrase(text: &str) -> String {
    format!("\"{}\"", text.replace('"', "\"\""))
}

/// `text` with LIKE's wildcards and the escape character `!` escaped by `!` (not a backslash, which
/// the query builder's placeholder scanner would take for an escape of the closing quote).
pub(crate) fn like_escaped(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '%' | '_' | '!') {
            out.push('!');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_texts_are_matched_in_a_window_and_longer_ones_through_the_index() {
        assert!(TextSearch::new("").is_none());
        assert!(matches!(TextSearch::new("ขอ"), Some(TextSearch::Short(_))));
        assert!(matches!(TextSearch::new("ประ"), Some(TextSearch::Indexed(_))));
        let short = TextSearch::new("Ab").unwrap().lowercase();
        assert!(Searched::new("xxabxx", "").contains(&short));
        assert!(Searched::new("", "กค 0400/AB").contains(&short));
        assert!(!Searched::new("a b", "ba").contains(&short));
    }

    #[test]
    fn the_postgres_query_passes_the_pattern_as_a_value() {
        let q = matching_letters(DatabaseBackend::Postgres, "100%", Condition::all(), None);
        let sql = DatabaseBackend::Postgres.build(&q).to_string();
        assert!(sql.contains(r#""letters"."id""#), "{sql}");
        assert!(sql.contains("ILIKE '%100!%%' ESCAPE '!'"), "{sql}");
        let q = matching_letters(DatabaseBackend::Sqlite, "ประชุม", Condition::all(), None);
        let sql = DatabaseBackend::Sqlite.build(&q).to_string();
        assert!(sql.contains(r#"letters_text MATCH '"ประชุม"'"#), "{sql}");
    }

    #[test]
    fn a_rare_word_beside_a_common_one_drives_the_index() {
        let words = TextSearch::new("ครั้งที่  4242 x").unwrap().words();
        assert_eq!(words, ["ครั้งที่", "4242"], "pieces of three characters or more");
        assert!(TextSearch::new("ประชุมคณะ").unwrap().words().is_empty(), "one word drives nothing");
        assert_eq!(driving_word(&words, &[2_000, 3], 2_000), Some("4242"));
        assert_eq!(driving_word(&words, &[1_000, 20], 2_000), Some("4242"), "1 % and half are enough");
        assert_eq!(driving_word(&words, &[999, 0], 2_000), None, "the other word is not common");
        assert_eq!(driving_word(&words, &[2_000, 21], 2_000), None, "the rare word is not rare enough");
        assert_eq!(driving_word(&words, &[999, 0], 999), None, "too few rows to tell");
        assert_eq!(driving_word(&words, &[5], 2_000), None);

        let q = matching_letters(DatabaseBackend::Postgres, "ครั้งที่ 4_2", Condition::all(), Some("4_2"));
        let sql = DatabaseBackend::Postgres.build(&q).to_string();
        assert!(sql.contains("letters.subject ILIKE '%4!_2%' ESCAPE '!'"), "{sql}");
        assert!(sql.contains("(letters.subject || '') ILIKE '%ครั้งที่ 4!_2%' ESCAPE '!'"), "{sql}");
        assert!(!sql.contains("letters.subject ILIKE '%ครั้งที่"), "the whole text is never looked up: {sql}");
        let q = matching_letters(DatabaseBackend::Sqlite, "ครั้งที่ 42", Condition::all(), Some("42"));
        assert!(DatabaseBackend::Sqlite.build(&q).to_string().contains(r#"MATCH '"ครั้งที่ 42"'"#));
    }

    #[test]
    fn wildcards_and_quotes_are_taken_literally() {
        assert_eq!(like_escaped("50%_a!b"), "50!%!_a!!b");
        assert_eq!(fts_phrase(r#"say "hi""#), r#""say ""hi""""#);
    }
}
