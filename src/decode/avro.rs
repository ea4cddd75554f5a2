//! Avro binary to JSON text, walking the writer's schema (parsed by
//! `apache-avro`). Written straight to JSON, with no value tree in between:
//! decoding must not bound a million-record read.
//!
//! The mapping (README "Payloads"): records as objects (fields in schema
//! order), enums as their symbol, unions as the plain value, maps as
//! objects, bytes and fixed as base64, `decimal` as a string with its
//! scale (`"12.34"`), `uuid` as its text, `date` as `YYYY-MM-DD`,
//! `time-*` as `HH:MM:SS.fff`, `timestamp-*` as RFC 3339 in UTC
//! (`local-timestamp-*` without the `Z`), `duration` as
//! `{"months":m,"days":d,"millis":ms}`, NaN and infinities as strings.
//!
//! Pure: reads no file and no network; must not import the terminal, tokio,
//! rdkafka or an adapter.

use apache_avro::Schema;
use base64::Engine as _;
use std::collections::HashMap;

/// Named types by full name, for `Schema::Ref`.
pub type Names = HashMap<String, Schema>;

/// Collects the named types of `s` (and what it contains) into `names`.
pub fn collect_names(s: &Schema, names: &mut Names) {
    match s {
        Schema::Record(r) => {
            names.insert(r.name.fullname(None), s.clone());
            for f in &r.fields {
                collect_names(&f.schema, names);
            }
        }
        Schema::Enum(e) => {
            names.insert(e.name.fullname(None), s.clone());
        }
        Schema::Fixed(f) => {
            names.insert(f.name.fullname(None), s.clone());
        }
        Schema::Array(a) => collect_names(&a.items, names),
        Schema::Map(m) => collect_names(&m.types, names),
        Schema::Union(u) => {
            for v in u.variants() {
                collect_names(v, names);
            }
        }
        Schema::Decimal(d) => collect_names(&d.inner, names),
        _ => {}
    }
}

/// Decodes one Avro datum (the whole of `body`) to JSON text.
pub fn to_json(schema: &Schema, names: &Names, body: &[u8]) -> Result<String, String> {
    let mut out = Vec::with_capacity(body.len() * 3 + 16);
    let mut r = body;
    Walk {
        names,
        out: &mut out,
    }
    .value(schema, &mut r, 0)?;
    if !r.is_empty() {
        return Err(format!(
            "avro: {} bytes left over after the value (wrong schema?)",
            r.len()
        ));
    }
    String::from_utf8(out).map_err(|_| "avro: produced text that is not UTF-8".into())
}

struct Walk<'a> {
    names: &'a Names,
    out: &'a mut Vec<u8>,
}

const MAX_DEPTH: usize = 64;

fn short() -> String {
    "avro: the body ends too early (truncated?)".into()
}

fn take<'b>(r: &mut &'b [u8], n: usize) -> Result<&'b [u8], String> {
    if r.len() < n {
        return Err(short());
    }
    let (a, b) = r.split_at(n);
    *r = b;
    Ok(a)
}

/// A zigzag varint (Avro int and long).
pub fn long(r: &mut &[u8]) -> Result<i64, String> {
    let mut n: u64 = 0;
    let mut shift = 0;
    loop {
        let (&b, rest) = r.split_first().ok_or_else(short)?;
        *r = rest;
        if shift >= 64 {
            return Err("avro: a varint longer than 10 bytes".into());
        }
        n |= u64::from(b & 0x7f) << shift;
        if b & 0x80 == 0 {
            break;
        }
        shift += 7;
    }
    Ok((n >> 1) as i64 ^ -((n & 1) as i64))
}

fn len(r: &mut &[u8]) -> Result<usize, String> {
    let n = long(r)?;
    if n < 0 || n as u64 > r.len() as u64 {
        return Err(if n < 0 {
            format!("avro: negative length {n}")
        } else {
            short()
        });
    }
    Ok(n as usize)
}

impl Walk<'_> {
    fn raw(&mut self, s: &str) {
        self.out.extend_from_slice(s.as_bytes());
    }

    fn string(&mut self, s: &str) {
        let _ = serde_json::to_writer(&mut *self.out, s);
    }

    fn base64(&mut self, b: &[u8]) {
        self.out.push(b'"');
        self.raw(&base64::engine::general_purpose::STANDARD.encode(b));
        self.out.push(b'"');
    }

    fn float(&mut self, x: f64) {
        if x.is_finite() {
            let _ = serde_json::to_writer(&mut *self.out, &x);
        } else {
            self.string(&x.to_string());
        }
    }

    fn timestamp(&mut self, v: i64, per_sec: i64, utc: bool) {
        let secs = v.div_euclid(per_sec);
        let frac = v.rem_euclid(per_sec);
        let nanos = (frac * (1_000_000_000 / per_sec)) as u32;
        match chrono::DateTime::from_timestamp(secs, nanos) {
            Some(t) => {
                let digits = match per_sec {
                    1_000 => chrono::SecondsFormat::Millis,
                    1_000_000 => chrono::SecondsFormat::Micros,
                    _ => chrono::SecondsFormat::Nanos,
                };
                let mut s = t.to_rfc3339_opts(digits, true);
                if !utc {
                    s.pop();
                }
                self.string(&s);
            }
            None => {
                let _ = serde_json::to_writer(&mut *self.out, &v);
            }
        }
    }

    fn time_of_day(&mut self, v: i64, per_sec: i64) {
        let secs = v.div_euclid(per_sec);
        let frac = v.rem_euclid(per_sec);
        let (h, m, s) = (secs / 3600, secs / 60 % 60, secs % 60);
        let s = if per_sec == 1000 {
            format!("{h:02}:{m:02}:{s:02}.{frac:03}")
        } else {
            format!("{h:02}:{m:02}:{s:02}.{frac:06}")
        };
        self.string(&s);
    }

    /// Writes the value of schema `s` read from `r`: primitives here, the
    /// complex and logical types through the helpers below.
    fn value(&mut self, s: &Schema, r: &mut &[u8], depth: usize) -> Result<(), String> {
        if depth > MAX_DEPTH {
            return Err(format!("avro: nested deeper than {MAX_DEPTH}"));
        }
        match s {
            Schema::Null => self.raw("null"),
            Schema::Boolean => {
                let b = take(r, 1)?[0];
                self.raw(if b != 0 { "true" } else { "false" });
            }
            Schema::Int | Schema::Long => {
                let v = long(r)?;
                let _ = serde_json::to_writer(&mut *self.out, &v);
            }
            Schema::Float => {
                let b = take(r, 4)?;
                self.float(f64::from(f32::from_le_bytes([b[0], b[1], b[2], b[3]])));
            }
            Schema::Double => {
                let b = take(r, 8)?;
                let mut a = [0u8; 8];
                a.copy_from_slice(b);
                self.float(f64::from_le_bytes(a));
            }
            Schema::Bytes | Schema::BigDecimal => {
                let n = len(r)?;
                let b = take(r, n)?;
                self.base64(b);
            }
            Schema::String => {
                let n = len(r)?;
                let b = take(r, n)?;
                let t = std::str::from_utf8(b).map_err(|_| "avro: a string is not UTF-8")?;
                self.string(t);
            }
            Schema::Fixed(f) => {
                let b = take(r, f.size)?;
                self.base64(b);
            }
            Schema::Enum(e) => {
                let i = long(r)?;
                let sym = usize::try_from(i)
                    .ok()
                    .and_then(|i| e.symbols.get(i))
                    .ok_or_else(|| format!("avro: enum index {i} out of range"))?;
                self.string(sym);
            }
            Schema::Union(u) => {
                let i = long(r)?;
                let v = usize::try_from(i)
                    .ok()
                    .and_then(|i| u.variants().get(i))
                    .ok_or_else(|| format!("avro: union branch {i} out of range"))?;
                self.value(v, r, depth + 1)?;
            }
            Schema::Record(rec) => self.record(rec, r, depth)?,
            Schema::Array(a) => self.array(&a.items, r, depth)?,
            Schema::Map(m) => self.map(&m.types, r, depth)?,
            Schema::Ref { name } => {
                let names = self.names;
                let t = names
                    .get(&name.fullname(None))
                    .ok_or_else(|| format!("avro: unknown type {}", name.fullname(None)))?;
                self.value(t, r, depth + 1)?;
            }
            Schema::Uuid => self.uuid(r)?,
            Schema::Decimal(d) => self.decimal_value(d, r)?,
            Schema::Date => self.date(long(r)?),
            Schema::TimeMillis => {
                let v = long(r)?;
                self.time_of_day(v, 1000);
            }
            Schema::TimeMicros => {
                let v = long(r)?;
                self.time_of_day(v, 1_000_000);
            }
            Schema::TimestampMillis => self.timestamp(long(r)?, 1_000, true),
            Schema::TimestampMicros => self.timestamp(long(r)?, 1_000_000, true),
            Schema::TimestampNanos => self.timestamp(long(r)?, 1_000_000_000, true),
            Schema::LocalTimestampMillis => self.timestamp(long(r)?, 1_000, false),
            Schema::LocalTimestampMicros => self.timestamp(long(r)?, 1_000_000, false),
            Schema::LocalTimestampNanos => self.timestamp(long(r)?, 1_000_000_000, false),
            Schema::Duration => self.duration(take(r, 12)?),
        }
        Ok(())
    }

    /// A record: an object of its fields in schema order.
    fn record(
        &mut self,
        rec: &apache_avro::schema::RecordSchema,
        r: &mut &[u8],
        depth: usize,
    ) -> Result<(), String> {
        self.out.push(b'{');
        for (k, f) in rec.fields.iter().enumerate() {
            if k > 0 {
                self.out.push(b',');
            }
            self.string(&f.name);
            self.out.push(b':');
            self.value(&f.schema, r, depth + 1)?;
        }
        self.out.push(b'}');
        Ok(())
    }

    /// An array of `items`, in blocks.
    fn array(&mut self, items: &Schema, r: &mut &[u8], depth: usize) -> Result<(), String> {
        self.out.push(b'[');
        let mut first = true;
        self.blocks(r, |w, r| {
            if !first {
                w.out.push(b',');
            }
            first = false;
            w.value(items, r, depth + 1)
        })?;
        self.out.push(b']');
        Ok(())
    }

    /// A map of string keys to `values`, in blocks: an object.
    fn map(&mut self, values: &Schema, r: &mut &[u8], depth: usize) -> Result<(), String> {
        self.out.push(b'{');
        let mut first = true;
        self.blocks(r, |w, r| {
            if !first {
                w.out.push(b',');
            }
            first = false;
            let n = len(r)?;
            let k = std::str::from_utf8(take(r, n)?)
                .map_err(|_| "avro: a map key is not UTF-8".to_string())?;
            w.string(k);
            w.out.push(b':');
            w.value(values, r, depth + 1)
        })?;
        self.out.push(b'}');
        Ok(())
    }

    /// A uuid: 16 bytes as the hyphenated text, else the string as written.
    fn uuid(&mut self, r: &mut &[u8]) -> Result<(), String> {
        let n = len(r)?;
        let b = take(r, n)?;
        if n == 16 {
            let h: Vec<String> = b.iter().map(|x| format!("{x:02x}")).collect();
            let h = h.concat();
            self.string(&format!(
                "{}-{}-{}-{}-{}",
                &h[..8],
                &h[8..12],
                &h[12..16],
                &h[16..20],
                &h[20..]
            ));
        } else {
            let t = std::str::from_utf8(b).map_err(|_| "avro: a uuid is not UTF-8")?;
            self.string(t);
        }
        Ok(())
    }

    /// A decimal over fixed or bytes: a string with its scale.
    fn decimal_value(
        &mut self,
        d: &apache_avro::schema::DecimalSchema,
        r: &mut &[u8],
    ) -> Result<(), String> {
        let b = match &*d.inner {
            Schema::Fixed(f) => take(r, f.size)?,
            _ => {
                let n = len(r)?;
                take(r, n)?
            }
        };
        self.string(&decimal(b, d.scale));
        Ok(())
    }

    /// A date (days since the epoch) as `YYYY-MM-DD`; the number when out
    /// of range.
    fn date(&mut self, days: i64) {
        let s = chrono::NaiveDate::from_ymd_opt(1970, 1, 1)
            .and_then(|e| e.checked_add_signed(chrono::TimeDelta::try_days(days)?))
            .map(|d| d.format("%Y-%m-%d").to_string());
        match s {
            Some(s) => self.string(&s),
            None => {
                let _ = serde_json::to_writer(&mut *self.out, &days);
            }
        }
    }

    /// A duration (12 bytes: months, days, millis) as an object.
    fn duration(&mut self, b: &[u8]) {
        let u = |i: usize| u32::from_le_bytes([b[i], b[i + 1], b[i + 2], b[i + 3]]);
        self.raw(&format!(
            "{{\"months\":{},\"days\":{},\"millis\":{}}}",
            u(0),
            u(4),
            u(8)
        ));
    }

    /// Array and map blocks: a count (negative: followed by a byte size),
    /// items, until a zero count.
    fn blocks(
        &mut self,
        r: &mut &[u8],
        mut item: impl FnMut(&mut Self, &mut &[u8]) -> Result<(), String>,
    ) -> Result<(), String> {
        let mut total: u64 = 0;
        loop {
            let mut n = long(r)?;
            if n == 0 {
                return Ok(());
            }
            if n < 0 {
                n = n.checked_neg().ok_or("avro: bad block count")?;
                long(r)?;
            }
            total += n as u64;
            // Items of zero bytes (nulls) cannot make a count this large honest.
            if total > 16 << 20 {
                return Err("avro: more than 16M items in one array or map".into());
            }
            for _ in 0..n {
                item(self, r)?;
            }
        }
    }
}

/// A two's-complement big-endian unscaled value with its scale, as text.
fn decimal(b: &[u8], scale: usize) -> String {
    if b.is_empty() {
        return "0".into();
    }
    if b.len() > 16 {
        return format!(
            "0x{}",
            b.iter().map(|x| format!("{x:02x}")).collect::<String>()
        );
    }
    let mut v: i128 = if b[0] & 0x80 != 0 { -1 } else { 0 };
    for &x in b {
        v = (v << 8) | i128::from(x);
    }
    let neg = v < 0;
    let digits = v.unsigned_abs().to_string();
    let s = if scale == 0 {
        digits
    } else if digits.len() > scale {
        let (a, b) = digits.split_at(digits.len() - scale);
        format!("{a}.{b}")
    } else {
        format!("0.{}{digits}", "0".repeat(scale - digits.len()))
    };
    if neg {
        format!("-{s}")
    } else {
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn zz(v: i64) -> Vec<u8> {
        let mut n = ((v << 1) ^ (v >> 63)) as u64;
        let mut out = Vec::new();
        loop {
            let b = (n & 0x7f) as u8;
            n >>= 7;
            if n == 0 {
                out.push(b);
                return out;
            }
            out.push(b | 0x80);
        }
    }

    #[test]
    fn varints_and_decimals() {
        for v in [0i64, -1, 1, 63, -64, 64, 300, i64::MAX, i64::MIN] {
            let b = zz(v);
            assert_eq!(long(&mut &b[..]).unwrap(), v);
        }
        assert_eq!(decimal(&[0x04, 0xd2], 2), "12.34");
        assert_eq!(decimal(&[0xfb, 0x2e], 2), "-12.34");
        assert_eq!(decimal(&[0x05], 3), "0.005");
    }
}
