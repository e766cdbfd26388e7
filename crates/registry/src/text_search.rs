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

    /// Whether a subject or number contains the text, as the index would decide: Latin letters
    /// in either case.
    pub fn matches(&self, subject: &str, number: &str) -> bool {
        let text = match self {
            Self::Indexed(t) | Self::Short(t) => t.to_lowercase(),
        };
        subject.to_lowercase().contains(&text) || number.to_lowercase().contains(&text)
    }
}

/// The ids of the letters whose subject or number contains `text` (three characters or more), as a
/// subquery for `letters.id IN (…)`, narrowed further by `also` (conditions on `letters`).
pub fn matching_letters(backend: DatabaseBackend, text: &str, also: Condition) -> SelectStatement {
    let mut query = Query::select();
    query.column((letter::Entity, letter::Column::Id)).from(letter::Entity).cond_where(also);
    match backend {
        DatabaseBackend::Postgres => {
            let pattern = format!("%{}%", like_escaped(text));
            query.cond_where(
                Condition::any()
                    .add(Expr::cust_with_values("letters.subject ILIKE $1 ESCAPE '!'", [pattern.clone()]))
                    .add(Expr::cust_with_values("letters.number ILIKE $1 ESCAPE '!'", [pattern])),
            );
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
        let short = TextSearch::new("Ab").unwrap();
        assert!(short.matches("xxabxx", ""));
        assert!(short.matches("", "กค 0400/AB"));
        assert!(!short.matches("a b", "ba"));
    }

    #[test]
    fn the_postgres_query_passes_the_pattern_as_a_value() {
        let q = matching_letters(DatabaseBackend::Postgres, "100%", Condition::all());
        let sql = DatabaseBackend::Postgres.build(&q).to_string();
        assert!(sql.contains(r#""letters"."id""#), "{sql}");
        assert!(sql.contains("ILIKE '%100!%%' ESCAPE '!'"), "{sql}");
        let q = matching_letters(DatabaseBackend::Sqlite, "ประชุม", Condition::all());
        let sql = DatabaseBackend::Sqlite.build(&q).to_string();
        assert!(sql.contains(r#"letters_text MATCH '"ประชุม"'"#), "{sql}");
    }

    #[test]
    fn wildcards_and_quotes_are_taken_literally() {
        assert_eq!(like_escaped("50%_a!b"), "50!%!_a!!b");
        assert_eq!(fts_phrase(r#"say "hi""#), r#""say ""hi""""#);
    }
}
