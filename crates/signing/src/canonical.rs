//! Canonical JSON: keys sorted, no insignificant white space, only strings, integers, booleans, arrays
//! and objects. For that subset this is exactly RFC 8785 (JCS), so a signature over these bytes can be
//! checked by anyone who re-serialises the payload with a JCS library. Written here rather than
//! relying on `serde_json`'s map order, which another crate's feature flag could silently change.

use crate::SigningError;
use serde_json::Value;

/// The largest integer a JSON number carries exactly (2^53 − 1), as RFC 8785 and JavaScript see it.
pub const MAX_SAFE_INTEGER: u64 = (1 << 53) - 1;

/// Writes `value` canonically; floats and `null` are refused, since they have no place in a payload.
pub fn to_vec(value: &Value) -> Result<Vec<u8>, SigningError> {
    let mut out = Vec::with_capacity(256);
    write(value, &mut out)?;
    Ok(out)
}

/// Serialises `value` with serde, then canonically.
pub fn to_canonical<T: serde::Serialize>(value: &T) -> Result<Vec<u8>, SigningError> {
    let value = serde_json::to_value(value).map_err(|e| SigningError::Canonical(e.to_string()))?;
    to_vec(&value)
}

fn write(value: &Value, out: &mut Vec<u8>) -> Result<(), SigningError> {
    match value {
        Value::Null => return Err(SigningError::Canonical("null".into())),
        Value::Bool(b) => out.extend_from_slice(if *b { b"true" } else { b"false" }),
        Value::Number(n) => match n.as_i64() {
            // RFC 8785 writes numbers as IEEE 754 doubles; integers are exact only up to 2^53.
            Some(i) if i.unsigned_abs() <= MAX_SAFE_INTEGER => out.extend_from_slice(i.to_string().as_bytes()),
            _ => return Err(SigningError::Canonical(format!("number {n} is not an integer within ±(2^53 − 1)"))),
        },
        Value::String(s) => write_string(s, out),
        Value::Array(items) => {
            out.push(b'[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write(item, out)?;
            }
            out.push(b']');
        }
        Value::Object(map) => {
            // RFC 8785 §3.2.3 orders keys by their UTF-16 code units.
            let mut entries: Vec<(&String, &Value)> = map.iter().collect();
            entries.sort_by(|a, b| a.0.encode_utf16().cmp(b.0.encode_utf16()));
            out.push(b'{');
            for (i, (key, item)) in entries.into_iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_string(key, out);
                out.push(b':');
                write(item, out)?;
            }
            out.push(b'}');
        }
    }
    Ok(())
}

/// RFC 8785 §3.2.2.2: short escapes for the usual controls, `\u00xx` in lowercase hex for the rest,
/// everything else as raw UTF-8 (Thai text stays readable in the payload).
fn write_string(s: &str, out: &mut Vec<u8>) {
    out.push(b'"');
    for c in s.chars() {
        match c {
            '"' => out.extend_from_slice(b"\\\""),
            '\\' => out.extend_from_slice(b"\\\\"),
            '\u{8}' => out.extend_from_slice(b"\\b"),
            '\u{c}' => out.extend_from_slice(b"\\f"),
            '\n' => out.extend_from_slice(b"\\n"),
            '\r' => out.extend_from_slice(b"\\r"),
            '\t' => out.extend_from_slice(b"\\t"),
            c if (c as u32) < 0x20 => out.extend_from_slice(format!("\\u{:04x}", c as u32).as_bytes()),
            c => {
                let mut buf = [0u8; 4];
                out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
            }
        }
    }
    out.push(b'"');
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn sorted_compact_and_utf8() {
        let v = json!({"b": [1, true, "x"], "a": {"d": -5, "c": "เรื่อง \"ทดสอบ\"\n"}, "\u{e9}": 0, "z": 9007199254740991u64});
        let s = String::from_utf8(to_vec(&v).unwrap()).unwrap();
        assert_eq!(
            s,
            "{\"a\":{\"c\":\"เรื่อง \\\"ทดสอบ\\\"\\n\",\"d\":-5},\"b\":[1,true,\"x\"],\"z\":9007199254740991,\"\u{e9}\":0}"
        );
    }

    #[test]
    fn rfc8785_control_escapes() {
        let v = json!("\u{1}\u{1f}/\u{7f}");
        assert_eq!(to_vec(&v).unwrap(), b"\"\\u0001\\u001f/\x7f\"");
    }

    #[test]
    fn utf16_key_order() {
        // U+FF61 sorts after U+1F600 in UTF-8 byte order but before it in UTF-16 (surrogates D83D..).
        let v = json!({"\u{1F600}": 1, "\u{FF61}": 2});
        let s = String::from_utf8(to_vec(&v).unwrap()).unwrap();
        assert_eq!(s, "{\"\u{1F600}\":1,\"\u{FF61}\":2}");
    }

    #[test]
    fn floats_and_nulls_are_refused() {
        assert!(to_vec(&json!({"a": 1.5})).is_err());
        assert!(to_vec(&json!({"a": null})).is_err());
        assert!(to_vec(&json!({"a": 9007199254740992u64})).is_err());
        assert!(to_vec(&json!({"a": -9007199254740992i64})).is_err());
    }
}
