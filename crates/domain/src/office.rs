//! Office letter codes (รหัสหนังสือ): the ministry's two Thai consonants and the office's digits,
//! written `กค 0302`. They head every letter number an office issues, so they are parsed once at the
//! edge and carried as an `OfficeCode` from then on.

use crate::ParseError;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A letter code such as `กค 0302` or `กค 0302.1` (a division).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct OfficeCode(String);

fn is_thai_consonant(c: char) -> bool {
    ('\u{0E01}'..='\u{0E2E}').contains(&c)
}

impl OfficeCode {
    /// Parses a code, accepting the space after the consonants as optional (`กค0302`) and extra
    /// spaces around the parts, and normalising to the written form `กค 0302`.
    pub fn parse(input: &str) -> Result<Self, ParseError> {
        let fail = || ParseError::OfficeCode(input.to_owned());
        let trimmed = input.trim();
        let mut chars = trimmed.chars();
        let (a, b) = (chars.next().ok_or_else(fail)?, chars.next().ok_or_else(fail)?);
        if !is_thai_consonant(a) || !is_thai_consonant(b) {
            return Err(fail());
        }
        let digits = chars.as_str().trim_start();
        let parts: Vec<&str> = digits.split('.').collect();
        let well_formed = !digits.is_empty()
            && parts.len() <= 3
            && parts.iter().all(|p| !p.is_empty() && p.len() <= 8 && p.bytes().all(|b| b.is_ascii_digit()))
            && parts[0].len() >= 2;
        if !well_formed {
            return Err(fail());
        }
        Ok(Self(format!("{a}{b} {digits}")))
    }

    /// The code as written, e.g. `กค 0302`.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for OfficeCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::str::FromStr for OfficeCode {
    type Err = ParseError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl Serialize for OfficeCode {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for OfficeCode {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(d)?;
        Self::parse(&raw).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_normalised() {
        for (input, want) in
            [("กค 0302", "กค 0302"), ("กค0302", "กค 0302"), ("  กค   0302 ", "กค 0302"), ("กค 0302.1", "กค 0302.1")]
        {
            assert_eq!(OfficeCode::parse(input).unwrap().as_str(), want, "{input}");
        }
    }

    #[test]
    fn malformed_codes_are_refused() {
        for input in ["", "กค", "AB 0302", "ก 0302", "กค 03a2", "กค 0", "กค 0302.", "กค 0302/1", "กคค 0302"]
        {
            assert!(OfficeCode::parse(input).is_err(), "{input:?} should be refused");
        }
    }
}
