//! Register numbers (เลขทะเบียน): every office keeps a send register and a receive register whose
//! running numbers restart at 1 each Buddhist-Era year and are never skipped or reused. On the wire a
//! number is written `{seq}/{year B.E.}`, e.g. `123/2569`.

use crate::{ParseError, YearBe};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::num::NonZeroU32;

crate::letter::wire_enum! {
    /// Which of an office's two registers.
    RegisterKind {
        /// ทะเบียนหนังสือส่ง
        Send = "send",
        /// ทะเบียนหนังสือรับ
        Receive = "receive",
    }
}

/// A running number in one register year, `123/2569`. The sequence starts at 1, never 0.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RegisterNumber {
    pub year: YearBe,
    pub seq: NonZeroU32,
}

impl RegisterNumber {
    /// The number `seq` of `year`; `None` for 0 or a negative number from storage.
    pub fn new(year: YearBe, seq: i64) -> Option<Self> {
        let seq = NonZeroU32::new(u32::try_from(seq).ok()?)?;
        Some(Self { year, seq })
    }

    /// Parses `123/2569`.
    pub fn parse(input: &str) -> Result<Self, ParseError> {
        let fail = || ParseError::RegisterNumber(input.to_owned());
        let (seq, year) = input.trim().split_once('/').ok_or_else(fail)?;
        let seq: u32 = seq.trim().parse().map_err(|_| fail())?;
        let year: i32 = year.trim().parse().map_err(|_| fail())?;
        let year = YearBe::new(year).ok_or_else(fail)?;
        Ok(Self { year, seq: NonZeroU32::new(seq).ok_or_else(fail)? })
    }
}

impl std::fmt::Display for RegisterNumber {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.seq, self.year)
    }
}

impl Serialize for RegisterNumber {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for RegisterNumber {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(d)?;
        Self::parse(&raw).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_round_trip() {
        let n = RegisterNumber::parse("123/2569").unwrap();
        assert_eq!(n.seq.get(), 123);
        assert_eq!(n.year.get(), 2569);
        assert_eq!(n.to_string(), "123/2569");
    }

    #[test]
    fn malformed_numbers_are_refused() {
        for bad in ["0/2569", "123", "x/2569", "1/69", "-1/2569", "1/2569/1"] {
            assert!(RegisterNumber::parse(bad).is_err(), "{bad}");
        }
        assert!(RegisterNumber::new(YearBe::new(2569).unwrap(), 0).is_none());
    }
}
