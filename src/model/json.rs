//! A fast, strict reader for the JSON kord reads most: a record line's
//! top-level fields, a payload's top-level fields, a flat header array, one
//! string. It validates as it goes and never allocates for text without
//! escapes.
//!
//! Every function answers `None` for anything it does not accept, and the
//! caller then asks serde_json, which gives the same answer or the error
//! message. What a function accepts it reads exactly as serde_json reads it:
//! the tests compare the two on random and mutated input. It is stricter
//! than serde_json in places (a key with an escape, a lone surrogate, nesting
//! deeper than [`MAX_DEPTH`]); those go to serde_json. Pure: no I/O. Core:
//! must not import the terminal, tokio, rdkafka or an adapter.

use std::borrow::Cow;

/// Nesting deeper than this goes to serde_json (whose limit is 128).
pub const MAX_DEPTH: u32 = 64;

/// Bytes a string scan must stop at: `"`, `\` and the control characters.
static STOP: [bool; 256] = {
    let mut t = [false; 256];
    let mut i = 0;
    while i < 0x20 {
        t[i] = true;
        i += 1;
    }
    t[b'"' as usize] = true;
    t[b'\\' as usize] = true;
    t
};

const ONES: u64 = 0x0101_0101_0101_0101;
const HIGHS: u64 = 0x8080_8080_8080_8080;

/// The first stop byte of the eight bytes at `b[i..]`: its offset among
/// them, 8 when none is.
#[inline]
fn stop_in8(b: &[u8], i: usize) -> usize {
    let mut w = [0u8; 8];
    w.copy_from_slice(&b[i..i + 8]);
    let x = u64::from_le_bytes(w);
    let quote = x ^ (ONES * u64::from(b'"'));
    let slash = x ^ (ONES * u64::from(b'\\'));
    // The lowest flagged byte of each test is exact (borrows only run upward).
    let m = (quote.wrapping_sub(ONES) & !quote)
        | (slash.wrapping_sub(ONES) & !slash)
        | (x.wrapping_sub(ONES * 0x20) & !x);
    ((m & HIGHS).trailing_zeros() / 8) as usize
}

/// The offset of the first stop byte in `b[i..]`, eight bytes at a time.
#[inline]
pub(crate) fn to_stop(b: &[u8], mut i: usize) -> usize {
    while i + 8 <= b.len() {
        let n = stop_in8(b, i);
        if n < 8 {
            return i + n;
        }
        i += 8;
    }
    while i < b.len() && !STOP[b[i] as usize] {
        i += 1;
    }
    i
}

struct Scan<'a> {
    s: &'a str,
    i: usize,
}

impl<'a> Scan<'a> {
    fn new(s: &'a str) -> Scan<'a> {
        Scan { s, i: 0 }
    }

    #[inline]
    fn bytes(&self) -> &'a [u8] {
        self.s.as_bytes()
    }

    #[inline]
    fn peek(&self) -> Option<u8> {
        self.bytes().get(self.i).copied()
    }

    #[inline]
    fn ws(&mut self) {
        let b = self.bytes();
        // Compact JSON has none: one test tells most calls so.
        while self.i < b.len()
            && b[self.i] <= b' '
            && matches!(b[self.i], b' ' | b'\n' | b'\t' | b'\r')
        {
            self.i += 1;
        }
    }

    #[inline]
    fn eat(&mut self, c: u8) -> Option<()> {
        (self.peek()? == c).then(|| self.i += 1)
    }

    /// Whether only whitespace is left.
    fn at_end(&mut self) -> bool {
        self.ws();
        self.i == self.s.len()
    }

    /// A string at the cursor: its text between the quotes, and whether it
    /// has escapes. Escapes are checked as serde_json checks a raw value's
    /// (any four hex digits after `\u`).
    #[inline]
    fn string(&mut self) -> Option<(&'a str, bool)> {
        self.eat(b'"')?;
        let b = self.bytes();
        let start = self.i;
        let mut escaped = false;
        loop {
            let i = to_stop(b, self.i);
            match b.get(i)? {
                b'"' => {
                    self.i = i + 1;
                    return Some((&self.s[start..i], escaped));
                }
                b'\\' => {
                    escaped = true;
                    self.i = i + 1 + escape_len(&b[i + 1..])?;
                }
                _ => return None,
            }
        }
    }

    /// A number at the cursor (the JSON grammar, exactly).
    fn number(&mut self) -> Option<()> {
        let b = self.bytes();
        let digits = |i: &mut usize| {
            let s = *i;
            while *i < b.len() && b[*i].is_ascii_digit() {
                *i += 1;
            }
            *i > s
        };
        let mut i = self.i;
        if b.get(i) == Some(&b'-') {
            i += 1;
        }
        match b.get(i)? {
            b'0' => i += 1,
            b'1'..=b'9' => {
                digits(&mut i);
            }
            _ => return None,
        }
        if b.get(i) == Some(&b'.') {
            i += 1;
            if !digits(&mut i) {
                return None;
            }
        }
        if matches!(b.get(i), Some(b'e' | b'E')) {
            i += 1;
            if matches!(b.get(i), Some(b'+' | b'-')) {
                i += 1;
            }
            if !digits(&mut i) {
                return None;
            }
        }
        // serde_json reads `01` as an error, and so does this: a digit
        // cannot follow here, and what can follow a value is checked by the
        // caller.
        self.i = i;
        Some(())
    }

    /// Skips one value at the cursor (which is past any whitespace); returns its text.
    fn value(&mut self, depth: u32) -> Option<&'a str> {
        let start = self.i;
        match self.peek()? {
            b'"' => {
                self.string()?;
            }
            b'{' => {
                let depth = depth.checked_sub(1)?;
                if self.open(b'{', b'}')? {
                    loop {
                        self.ws();
                        self.string()?;
                        self.ws();
                        self.eat(b':')?;
                        self.ws();
                        self.value(depth)?;
                        if !self.more(b'}')? {
                            break;
                        }
                    }
                }
            }
            b'[' => {
                let depth = depth.checked_sub(1)?;
                if self.open(b'[', b']')? {
                    loop {
                        self.ws();
                        self.value(depth)?;
                        if !self.more(b']')? {
                            break;
                        }
                    }
                }
            }
            b't' => self.word("true")?,
            b'f' => self.word("false")?,
            b'n' => self.word("null")?,
            _ => self.number()?,
        }
        Some(&self.s[start..self.i])
    }

    /// At a list's `open`: past it and any whitespace, and past `close`
    /// too when the list is empty. `Some(true)` when an item follows.
    #[inline]
    fn open(&mut self, open: u8, close: u8) -> Option<bool> {
        self.eat(open)?;
        self.ws();
        Some(self.eat(close).is_none())
    }

    /// After an item of a list that `close` ends (past any whitespace
    /// before it): `Some(true)` past a comma, `Some(false)` past `close`.
    #[inline]
    fn more(&mut self, close: u8) -> Option<bool> {
        self.ws();
        let c = self.peek()?;
        self.i += 1;
        match c {
            b',' => Some(true),
            c if c == close => Some(false),
            _ => None,
        }
    }

    fn word(&mut self, w: &str) -> Option<()> {
        self.s[self.i..].starts_with(w).then(|| self.i += w.len())
    }
}

/// How many bytes the escape after a `\` takes (`rest` starts after it).
#[inline]
fn escape_len(rest: &[u8]) -> Option<usize> {
    match rest.first()? {
        b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => Some(1),
        b'u' => {
            let hex = rest.get(1..5)?;
            hex.iter().all(u8::is_ascii_hexdigit).then_some(5)
        }
        _ => None,
    }
}

/// The byte a one-letter escape (the letter after `\\`) stands for.
#[inline]
fn simple_escape(e: u8) -> Option<u8> {
    Some(match e {
        b'"' => b'"',
        b'\\' => b'\\',
        b'/' => b'/',
        b'b' => 0x08,
        b'f' => 0x0c,
        b'n' => b'\n',
        b'r' => b'\r',
        b't' => b'\t',
        _ => return None,
    })
}

fn hex4(h: &[u8]) -> Option<u32> {
    h.get(..4)?
        .iter()
        .try_fold(0u32, |acc, &c| Some(acc * 16 + (c as char).to_digit(16)?))
}

/// A JSON object (the whole of a text but whitespace) read one field at a
/// time: [`Object::key`], then [`Object::raw`] or [`Object::text`] for its
/// value, and [`Object::finish`] after the last. Each step says `None` when
/// the text is not such an object (or a key has an escape).
pub struct Object<'a> {
    sc: Scan<'a>,
    open: bool,
}

/// A field's value as [`Object::text`] reads it.
pub enum Field<'a> {
    /// A string: its token and its text, unescaped in the same pass.
    Str { raw: &'a str, text: Cow<'a, str> },
    /// Anything else, as raw JSON text.
    Raw(&'a str),
}

impl<'a> Object<'a> {
    pub fn new(text: &'a str) -> Option<Object<'a>> {
        let mut sc = Scan::new(text);
        sc.ws();
        let open = sc.open(b'{', b'}')?;
        Some(Object { sc, open })
    }

    /// The next field's key; `Some(None)` after the last field.
    #[inline]
    pub fn key(&mut self) -> Option<Option<&'a str>> {
        if !self.open {
            return Some(None);
        }
        let sc = &mut self.sc;
        sc.ws();
        let (key, escaped) = sc.string()?;
        if escaped {
            return None;
        }
        sc.ws();
        sc.eat(b':')?;
        sc.ws();
        Some(Some(key))
    }

    #[inline]
    fn after_value(&mut self) -> Option<()> {
        self.open = self.sc.more(b'}')?;
        Some(())
    }

    /// The value after a key, as raw JSON text.
    #[inline]
    pub fn raw(&mut self) -> Option<&'a str> {
        let v = self.sc.value(MAX_DEPTH)?;
        self.after_value()?;
        Some(v)
    }

    /// The value after a key; a string is unescaped as it is read (into
    /// `scratch`, cleared first, when it has escapes: no allocation once
    /// `scratch` is large enough).
    ///
    /// With `quotes`, the offsets in the text of the quotes that `\"`
    /// escapes gave are listed there when those were its only escapes (for
    /// [`fields_plain`]); it is left empty otherwise.
    pub fn text(
        &mut self,
        scratch: Option<&'a mut String>,
        quotes: Option<&mut Vec<u32>>,
    ) -> Option<Field<'a>> {
        if self.sc.peek()? != b'"' {
            if let Some(q) = quotes {
                q.clear();
            }
            return self.raw().map(Field::Raw);
        }
        let start = self.sc.i;
        let (end, text) = text_at(self.sc.s, start, scratch, quotes)?;
        self.sc.i = end;
        let raw = &self.sc.s[start..end];
        self.after_value()?;
        Some(Field::Str { raw, text })
    }

    /// Checks that the object is done and only whitespace follows.
    pub fn finish(mut self) -> Option<()> {
        (!self.open && self.sc.at_end()).then_some(())
    }
}

impl<'a> Scan<'a> {
    /// A string at the cursor, checked: `Ok(text)` when it has no escapes
    /// (borrowed from the input), else `Err(())` with its text unescaped
    /// into `out` (cleared first). `None` also for a lone surrogate.
    fn string_text(
        &mut self,
        out: &mut String,
        mut quotes: Option<&mut Vec<u32>>,
    ) -> Option<Result<&'a str, ()>> {
        if let Some(q) = quotes.as_deref_mut() {
            q.clear();
        }
        self.eat(b'"')?;
        let (s, b) = (self.s, self.bytes());
        let start = self.i;
        let mut i = to_stop(b, start);
        match b.get(i)? {
            b'"' => {
                self.i = i + 1;
                return Some(Ok(&s[start..i]));
            }
            b'\\' => {}
            _ => return None,
        }
        // The escaped text is built as bytes. Escapes are ASCII and `\u`
        // ones are encoded here, so it stays UTF-8: one check at the end,
        // and no `unsafe` but the loads of [`copy_quoted_run`]. Unescaped
        // text is never longer than escaped, so the rest of the input and
        // sixteen bytes more (for whole-block copies) bound it: bytes go in
        // by index, with no capacity check per piece.
        let mut v = std::mem::take(out).into_bytes();
        v.clear();
        v.resize(b.len() - start + 16, 0);
        let mut o = i - start;
        v[..o].copy_from_slice(&b[start..i]);
        loop {
            // At a backslash.
            match *b.get(i + 1)? {
                b'"' => {
                    if let Some(q) = quotes.as_deref_mut() {
                        q.push(o as u32);
                    }
                    v[o] = b'"';
                    o += 1;
                    i += 2;
                }
                b'u' => {
                    // `\u0022` is a quote too: the list would miss it.
                    if let Some(q) = quotes.take() {
                        q.clear();
                    }
                    let (c, len) = unicode_escape(b.get(i + 2..)?)?;
                    o += c.encode_utf8(&mut v[o..o + 4]).len();
                    i += len + 1;
                }
                e => {
                    if let Some(q) = quotes.take() {
                        q.clear();
                    }
                    v[o] = simple_escape(e)?;
                    o += 1;
                    i += 2;
                }
            }
            // Copies up to the next stop byte that is not an escaped quote,
            // sixteen bytes at a time where the input allows, then up to the
            // next stop byte eight at a time (no step when already at one):
            // the bytes past the stop are overwritten or cut off later.
            #[cfg(target_arch = "x86_64")]
            if i + 32 <= b.len() {
                (i, o) = copy_quoted_run(b, i, &mut v, o, quotes.as_deref_mut());
            }
            while i + 8 <= b.len() {
                let mut w = [0u8; 8];
                w.copy_from_slice(&b[i..i + 8]);
                v[o..o + 8].copy_from_slice(&w);
                let n = stop_in8(b, i);
                o += n;
                i += n;
                if n < 8 {
                    break;
                }
            }
            if i + 8 > b.len() {
                let j = to_stop(b, i);
                v[o..o + j - i].copy_from_slice(&b[i..j]);
                o += j - i;
                i = j;
            }
            match b.get(i)? {
                b'"' => {
                    self.i = i + 1;
                    v.truncate(o);
                    *out = String::from_utf8(v).ok()?;
                    return Some(Err(()));
                }
                b'\\' => {}
                _ => return None,
            }
        }
    }
}

/// Copies the escaped string text `b[i..]` to `v[o..]`, sixteen bytes at a
/// time (SSE2, part of every x86-64), up to its first stop byte that is not
/// the backslash of an escaped quote (`\\"`, the one escape of a JSON
/// payload in a JSON string, left out as met, its quote's offset in `v`
/// listed in `quotes`), or to fewer than 32 bytes from the end of `b`.
/// Returns where it stopped in `b` and in `v`. `v` must hold sixteen bytes
/// past what `b[i..]` would unescape to.
#[cfg(target_arch = "x86_64")]
#[inline]
#[allow(unused_unsafe)] // The intrinsics are safe to call from Rust 1.87 on.
fn copy_quoted_run(
    b: &[u8],
    mut i: usize,
    v: &mut [u8],
    mut o: usize,
    mut quotes: Option<&mut Vec<u32>>,
) -> (usize, usize) {
    use core::arch::x86_64::{
        _mm_cmpeq_epi8, _mm_loadu_si128, _mm_min_epu8, _mm_movemask_epi8, _mm_set1_epi8,
    };
    while i + 32 <= b.len() {
        let block = &b[i..i + 16];
        // SAFETY: `block` is sixteen bytes long, and `loadu` reads sixteen
        // bytes at any alignment; SSE2 is always there on x86-64.
        let (slash, quote, control) = unsafe {
            let x = _mm_loadu_si128(block.as_ptr().cast());
            let mask = |c: u8| _mm_movemask_epi8(_mm_cmpeq_epi8(x, _mm_set1_epi8(c as i8))) as u32;
            let low = _mm_cmpeq_epi8(_mm_min_epu8(x, _mm_set1_epi8(0x1f)), x);
            (mask(b'\\'), mask(b'"'), _mm_movemask_epi8(low) as u32)
        };
        // A backslash whose quote is in the block: an escaped quote.
        let pairs = slash & (quote >> 1);
        let stop = (slash & !pairs) | (quote & !(pairs << 1)) | control | (1 << 16);
        let n = stop.trailing_zeros() as usize;
        v[o..o + 16].copy_from_slice(block);
        // Bytes [from, n) of the block go to `o` on, each escaped quote's
        // backslash left out.
        let mut from = 0;
        let mut left = pairs & ((1 << n) - 1);
        while left != 0 {
            let k = left.trailing_zeros() as usize;
            o += k - from;
            if let Some(q) = quotes.as_deref_mut() {
                q.push(o as u32);
            }
            v[o..o + 16].copy_from_slice(&b[i + k + 1..i + k + 17]);
            from = k + 1;
            left &= left - 1;
        }
        o += n - from;
        i += n;
        if n < 16 {
            break;
        }
    }
    (i, o)
}

/// The end (past the closing quote) of the string token at `i` in `text`,
/// and whether it has escapes: checked as [`Object`] checks a string.
#[inline]
pub(crate) fn string_at(text: &str, i: usize) -> Option<(usize, bool)> {
    let mut sc = Scan { s: text, i };
    let (_, escaped) = sc.string()?;
    Some((sc.i, escaped))
}

/// The end of the JSON value at `i` in `text` (read as [`Object::raw`]
/// reads one).
pub(crate) fn value_at(text: &str, i: usize) -> Option<usize> {
    let mut sc = Scan { s: text, i };
    sc.value(MAX_DEPTH)?;
    Some(sc.i)
}

/// The end of the JSON number at `i` in `text`, which starts with a digit:
/// past its digits (a `0` is a number of its own: `01` is not JSON), or,
/// when a fraction or an exponent follows, past the number read whole.
#[inline]
pub(crate) fn number_at(text: &str, i: usize) -> Option<usize> {
    let b = text.as_bytes();
    let mut end = i + 1;
    if b.get(i) != Some(&b'0') {
        while b.get(end).is_some_and(u8::is_ascii_digit) {
            end += 1;
        }
    }
    if matches!(b.get(end), Some(b'.' | b'e' | b'E')) {
        return value_at(text, i);
    }
    Some(end)
}

/// The end of the string token at `i` in `text` and its text, unescaped
/// as [`Object::text`] unescapes it (into `scratch`, `quotes` listed).
pub(crate) fn text_at<'a>(
    text: &'a str,
    i: usize,
    scratch: Option<&'a mut String>,
    quotes: Option<&mut Vec<u32>>,
) -> Option<(usize, Cow<'a, str>)> {
    let mut sc = Scan { s: text, i };
    let t = match scratch {
        Some(buf) => match sc.string_text(buf, quotes)? {
            Ok(t) => Cow::Borrowed(t),
            Err(()) => Cow::Borrowed(buf.as_str()),
        },
        None => {
            let mut own = String::new();
            match sc.string_text(&mut own, quotes)? {
                Ok(t) => Cow::Borrowed(t),
                Err(()) => Cow::Owned(own),
            }
        }
    };
    Some((sc.i, t))
}

/// Calls `f(key, raw value)` for each field of the JSON object `text` (which
/// must hold nothing else but whitespace), in order. `None` when `text` is
/// not such an object, when a key has an escape, or when `f` says `None`.
pub fn for_each_field<'a>(
    text: &'a str,
    mut f: impl FnMut(&'a str, &'a str) -> Option<()>,
) -> Option<()> {
    let mut obj = Object::new(text)?;
    while let Some(key) = obj.key()? {
        f(key, obj.raw()?)?;
    }
    obj.finish()
}

/// The fields of the JSON object `text` (see [`for_each_field`]).
pub fn fields(text: &str) -> Option<Vec<(Cow<'_, str>, &str)>> {
    let mut out = Vec::with_capacity(8);
    for_each_field(text, |k, v| {
        out.push((Cow::Borrowed(k), v));
        Some(())
    })?;
    Some(out)
}

/// [`fields`] of `text`, an object unescaped from a JSON string whose only
/// escapes were `\"`, where `quotes` lists the offsets of all its quotes
/// ([`Object::text`] lists them). Such text has no backslash and no control
/// character, so each of its strings runs from a quote to the next: keys
/// and string values are taken without a scan. `None` where [`fields`] must
/// read it (and for a list that does not fit the text).
pub fn fields_plain<'a>(text: &'a str, quotes: &[u32]) -> Option<Vec<(Cow<'a, str>, &'a str)>> {
    let b = text.as_bytes();
    let mut sc = Scan::new(text);
    // `quotes[k]` is the first quote at or after the cursor.
    let mut k = 0usize;
    // The string at the cursor: its end (past the closing quote).
    let string = |k: usize, at: usize| -> Option<usize> {
        let (open, close) = (*quotes.get(k)? as usize, *quotes.get(k + 1)? as usize);
        (open == at && close > open && b.get(close) == Some(&b'"') && b.get(open) == Some(&b'"'))
            .then_some(close + 1)
    };
    let mut out = Vec::with_capacity(8);
    sc.ws();
    if sc.open(b'{', b'}')? {
        loop {
            sc.ws();
            let end = string(k, sc.i)?;
            let key = &text[sc.i + 1..end - 1];
            k += 2;
            // Compact text has the colon right after the key.
            if b.get(end) == Some(&b':') {
                sc.i = end + 1;
            } else {
                sc.i = end;
                sc.ws();
                sc.eat(b':')?;
            }
            sc.ws();
            let start = sc.i;
            match sc.peek()? {
                b'"' => {
                    sc.i = string(k, sc.i)?;
                    k += 2;
                }
                b'{' | b'[' => {
                    sc.value(MAX_DEPTH)?;
                    k = quotes.partition_point(|&p| (p as usize) < sc.i);
                }
                b'0'..=b'9' => sc.i = number_at(text, start)?,
                // A number or a literal: no quote in it.
                _ => {
                    sc.value(MAX_DEPTH)?;
                }
            }
            out.push((Cow::Borrowed(key), &text[start..sc.i]));
            // Compact text has the comma or the brace right after the value.
            match b.get(sc.i) {
                Some(b',') => sc.i += 1,
                Some(b'}') => {
                    sc.i += 1;
                    break;
                }
                _ => {
                    if !sc.more(b'}')? {
                        break;
                    }
                }
            }
        }
    }
    sc.at_end().then_some(out)
}

/// Calls `f(raw item)` for each item of the JSON array `text` (which holds
/// nothing else but whitespace). `None` when `text` is not such an array or
/// when `f` says `None`.
pub fn for_each_item<'a>(text: &'a str, mut f: impl FnMut(&'a str) -> Option<()>) -> Option<()> {
    let mut sc = Scan::new(text);
    sc.ws();
    if sc.open(b'[', b']')? {
        loop {
            sc.ws();
            f(sc.value(MAX_DEPTH)?)?;
            if !sc.more(b']')? {
                break;
            }
        }
    }
    sc.at_end().then_some(())
}

/// The raw items of the JSON array `text` (see [`for_each_item`]).
#[cfg(test)]
fn items(text: &str) -> Option<Vec<&str>> {
    let mut out = Vec::new();
    for_each_item(text, |v| {
        out.push(v);
        Some(())
    })?;
    Some(out)
}

/// The text of the JSON string token `raw` (quotes included, nothing
/// around it), unescaped; borrowed when it has no escapes. `None` for
/// anything else, and for a lone surrogate.
#[cfg(test)]
fn string(raw: &str) -> Option<Cow<'_, str>> {
    let mut sc = Scan::new(raw);
    let (inner, escaped) = sc.string()?;
    if sc.i != raw.len() {
        return None;
    }
    if !escaped {
        return Some(Cow::Borrowed(inner));
    }
    unquote(raw)
}

/// The text of `token`, a JSON string token that this module or serde_json
/// has already read (so it is valid but for its `\u` escapes), unescaped;
/// borrowed when it has no escapes. `None` when it is not such a token or
/// has a lone surrogate. The same pass as [`Object::text`]'s.
#[inline]
pub fn unquote(token: &str) -> Option<Cow<'_, str>> {
    // Most tokens have no escape: no stop byte between their quotes.
    let b = token.as_bytes();
    if b.len() >= 2 && b[0] == b'"' && b[b.len() - 1] == b'"' && !has_stop(&b[1..b.len() - 1]) {
        return Some(Cow::Borrowed(&token[1..b.len() - 1]));
    }
    unquote_escaped(token)
}

/// Whether `b` holds a stop byte, eight bytes at a time: the last word
/// overlaps the one before it, and a short text is padded with spaces.
#[inline]
fn has_stop(b: &[u8]) -> bool {
    if b.len() < 8 {
        let mut w = [b' '; 8];
        w[..b.len()].copy_from_slice(b);
        return stop_in8(&w, 0) < 8;
    }
    let mut i = 0;
    while i + 8 < b.len() {
        if stop_in8(b, i) < 8 {
            return true;
        }
        i += 8;
    }
    stop_in8(b, b.len() - 8) < 8
}

fn unquote_escaped(token: &str) -> Option<Cow<'_, str>> {
    let mut sc = Scan::new(token);
    let mut out = String::new();
    let text = sc.string_text(&mut out, None)?;
    if sc.i != token.len() {
        return None;
    }
    Some(match text {
        Ok(t) => Cow::Borrowed(t),
        Err(()) => Cow::Owned(out),
    })
}

/// The character of a `\u` escape whose hex digits start `rest`, and how
/// many bytes after the `\` it takes (5, or 11 for a surrogate pair).
fn unicode_escape(rest: &[u8]) -> Option<(char, usize)> {
    let hi = hex4(rest)?;
    match hi {
        0xD800..=0xDBFF => {
            if rest.get(4..6)? != b"\\u" {
                return None;
            }
            let lo = hex4(rest.get(6..)?)?;
            if !(0xDC00..=0xDFFF).contains(&lo) {
                return None;
            }
            let c = char::from_u32(0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00))?;
            Some((c, 11))
        }
        0xDC00..=0xDFFF => None,
        c => Some((char::from_u32(c)?, 5)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::value::RawValue;

    /// serde_json's reading of an object's fields (keys unescaped).
    fn serde_fields(text: &str) -> Option<Vec<(String, String)>> {
        let m: Vec<(String, &RawValue)> =
            serde_json::from_str::<crate::model::pointer::SerdeFields<'_>>(text)
                .ok()?
                .0
                .into_iter()
                .map(|(k, v)| (k.into_owned(), v))
                .collect();
        Some(
            m.into_iter()
                .map(|(k, v)| (k, v.get().to_string()))
                .collect(),
        )
    }

    fn fast_fields(text: &str) -> Option<Vec<(String, String)>> {
        fields(text).map(|v| {
            v.into_iter()
                .map(|(k, v)| (k.into_owned(), v.to_string()))
                .collect()
        })
    }

    /// Each field read by [`Object::text`]: key, raw text, unescaped string
    /// (the first string into a scratch buffer holding junk, with `scratch`).
    fn object_texts(text: &str, scratch: bool) -> Option<Vec<(String, String, Option<String>)>> {
        let mut junk = String::from("junk");
        let mut buf = scratch.then_some(&mut junk);
        let mut o = Object::new(text)?;
        let mut out = Vec::new();
        while let Some(k) = o.key()? {
            out.push(match o.text(buf.take(), None)? {
                Field::Str { raw, text } => {
                    (k.to_string(), raw.to_string(), Some(text.into_owned()))
                }
                Field::Raw(raw) => (k.to_string(), raw.to_string(), None),
            });
        }
        o.finish()?;
        Some(out)
    }

    fn check_object(text: &str) {
        if let Some(fast) = fast_fields(text) {
            assert_eq!(Some(fast), serde_fields(text), "{text:?}");
        }
        for scratch in [false, true] {
            check_texts(text, scratch);
        }
    }

    fn check_texts(text: &str, scratch: bool) {
        if let Some(fast) = object_texts(text, scratch) {
            let raw: Vec<(String, String)> = fast
                .iter()
                .map(|(k, r, _)| (k.clone(), r.clone()))
                .collect();
            assert_eq!(Some(raw), serde_fields(text), "{text:?}");
            for (_, raw, t) in fast {
                if let Some(t) = t {
                    assert_eq!(t, serde_json::from_str::<String>(&raw).unwrap(), "{raw:?}");
                }
            }
        }
    }

    fn check_string(raw: &str) {
        if let Some(fast) = string(raw) {
            let slow: String = serde_json::from_str(raw).expect(raw);
            assert_eq!(fast, slow, "{raw:?}");
        }
        if let Ok(r) = serde_json::from_str::<&RawValue>(raw) {
            if let Some(fast) = unquote(r.get()) {
                let slow: String = serde_json::from_str(raw).expect(raw);
                assert_eq!(fast, slow, "{raw:?}");
            }
        }
    }

    /// The JSON string token `raw` unescaped with its quotes listed: when
    /// listed, they are all of its quotes and [`fields_plain`] reads it as
    /// [`fields`] does.
    fn check_plain(raw: &str) {
        let mut sc = Scan::new(raw);
        let (mut out, mut q) = (String::from("junk"), vec![7]);
        let Some(r) = sc.string_text(&mut out, Some(&mut q)) else {
            return;
        };
        let text = match r {
            Ok(t) => t.to_string(),
            Err(()) => out,
        };
        if q.is_empty() {
            return;
        }
        let all: Vec<u32> = (0..text.len() as u32)
            .filter(|&i| text.as_bytes()[i as usize] == b'"')
            .collect();
        assert_eq!(q, all, "{raw:?}");
        assert!(!text.contains('\\'), "{raw:?}");
        assert_eq!(fields_plain(&text, &q), fields(&text), "{raw:?}");
    }

    fn check_items(text: &str) {
        if let Some(fast) = items(text) {
            let slow: Vec<&RawValue> = serde_json::from_str(text).expect(text);
            let slow: Vec<&str> = slow.iter().map(|r| r.get()).collect();
            assert_eq!(fast, slow, "{text:?}");
        }
    }

    #[test]
    fn reads_what_serde_json_reads() {
        let line = r#"{"topic":"t","partition":3,"offset":7,"tstype":"create","ts":1768471200033,"headers":["type","A",  "x", null],"key":"k1","payload":"{\"id\":\"a\\u00e9\",\"v\":1.5e3,\"n\":[1,{\"a\":null}],\"s\":\"\\ud83d\\ude00\"}"}"#;
        let got = fast_fields(line).expect("a plain line");
        assert_eq!(got.len(), 8);
        assert_eq!(got[5].1, r#"["type","A",  "x", null]"#);
        check_object(line);
        let payload = string(&got[7].1).expect("the payload string");
        assert_eq!(
            payload,
            "{\"id\":\"a\\u00e9\",\"v\":1.5e3,\"n\":[1,{\"a\":null}],\"s\":\"\\ud83d\\ude00\"}"
        );
        check_object(&payload);
        check_items(&got[5].1);
        check_string(r#""a\u00e9\ud83d\ude00\n\/""#);
        // A payload with only `\"` escapes: its quotes are listed, and its
        // fields read without a scan of its strings.
        check_plain(r#""{\"id\":\"a1\", \"v\" : [1,{\"x\":\"y\"}],\"s\":\"\"}""#);
        let (mut out, mut q) = (String::new(), Vec::new());
        Scan::new(r#""{\"id\":\"a1\",\"n\":{\"x\":\"y\"},\"v\":2}""#)
            .string_text(&mut out, Some(&mut q))
            .unwrap()
            .unwrap_err();
        assert_eq!(q, [1, 4, 6, 9, 11, 13, 16, 18, 20, 22, 25, 27]);
        let f = fields_plain(&out, &q).unwrap();
        assert_eq!(f, fields(&out).unwrap());
        assert_eq!(f[1].1, r#"{"x":"y"}"#);
        // `\u0022` is a quote the list would miss: no list.
        Scan::new(r#""{\"a\":\u0022b\"}""#)
            .string_text(&mut out, Some(&mut q))
            .unwrap()
            .unwrap_err();
        assert!(q.is_empty());
        assert_eq!(string(r#""a\u00e9\ud83d\ude00""#).unwrap(), "aé😀");
    }

    #[test]
    fn leaves_to_serde_json_what_it_does_not_take() {
        for bad in [
            r#"{"a":01}"#,
            r#"{"a":"b","c":01}"#,
            r#"{"a":"b","c":00,"d":1}"#,
            r#"{"a":"b","c":1.}"#,
            r#"{"a":"b","c":1e}"#,
            r#"{"a":1.}"#,
            r#"{"a":-}"#,
            r#"{"a":1e}"#,
            r#"{"a":tru}"#,
            r#"{"a":"x"} x"#,
            r#"{"a":"x",}"#,
            r#"{"a" "x"}"#,
            "{\"a\":\"\x01\"}",
            r#"{"a":"\x"}"#,
            r#"{"a":"\u12"}"#,
            r#"{"a\u0062":1}"#,
            r#"{"a":[1,]}"#,
            r#"{"a":{"b":}}"#,
            r#"["not an object"]"#,
            r#"{"a":1"#,
        ] {
            assert_eq!(fields(bad), None, "{bad:?}");
            // Nor does the quote-list reader, given the text as a payload.
            let token = serde_json::to_string(bad).unwrap();
            let (mut out, mut q) = (String::new(), Vec::new());
            if let Some(Err(())) = Scan::new(&token).string_text(&mut out, Some(&mut q)) {
                if !q.is_empty() {
                    assert_eq!(fields_plain(&out, &q), None, "{bad:?}");
                }
            }
        }
        assert_eq!(string(r#""\ud800""#), None);
        assert_eq!(string(r#""\udc00\ud800""#), None);
        assert_eq!(string(r#""a" "#), None);
        let deep = format!("{{\"a\":{}{}}}", "[".repeat(70), "]".repeat(70));
        assert_eq!(fields(&deep), None);
        assert!(serde_fields(&deep).is_some());
    }

    /// JSON-ish text: valid pieces and the characters that break them.
    fn jsonish() -> impl Strategy<Value = String> {
        let atom = prop_oneof![
            Just("\"a\"".to_string()),
            Just("\"k\\\"q\"".to_string()),
            Just("\"\\u00e9\\ud83d\\ude00\"".to_string()),
            Just("\"\\ud800\"".to_string()),
            // Escapes between spans of any length, raw non-ASCII in them.
            r#""([a-z é😀]{0,12}(\\["n/\\]|\\u00e9|\\ud83d\\ude00)?){0,5}""#,
            Just("-0".to_string()),
            Just("12.5e-3".to_string()),
            Just("01".to_string()),
            Just("true".to_string()),
            Just("null".to_string()),
            Just("{}".to_string()),
            Just("[]".to_string()),
            "[ -~]{0,6}",
        ];
        let value = atom.prop_recursive(4, 32, 6, |inner| {
            prop_oneof![
                proptest::collection::vec(inner.clone(), 0..4)
                    .prop_map(|v| format!("[{}]", v.join(","))),
                proptest::collection::vec(("[a-c\\\\\"]{1,3}", inner), 0..4).prop_map(|v| {
                    let f: Vec<String> = v.iter().map(|(k, v)| format!("\"{k}\":{v}")).collect();
                    format!("{{{}}}", f.join(","))
                }),
            ]
        });
        (value, " {0,2}", "[ -~\t\n]{0,2}")
            .prop_map(|(v, pad, tail)| format!("{pad}{v}{pad}{tail}"))
    }

    proptest! {
        #[test]
        fn objects_read_as_serde_json_reads_them(text in jsonish()) {
            check_object(&text);
            check_items(&text);
            check_string(&text);
            check_plain(&serde_json::to_string(&text).unwrap());
        }

        /// Strings of escapes and spans of every length, so escaped quotes
        /// fall at every place in a word and across words, unescape as
        /// serde_json unescapes them, quotes listed.
        #[test]
        fn escaped_strings_read_as_serde_json_reads_them(
            parts in proptest::collection::vec(prop_oneof![
                4 => Just("\\\"".to_string()),
                4 => "[a-z]{0,11}",
                1 => Just("\\\\".to_string()),
                1 => Just("\\\\\\\"".to_string()),
                1 => Just("\\n".to_string()),
                1 => Just("\\u0022".to_string()),
                1 => Just("\\u00e9".to_string()),
                1 => Just("é😀".to_string()),
                1 => Just("\"".to_string()),
                1 => Just("\u{1}".to_string()),
            ], 0..48),
            tail in "[a-z]{0,9}",
        ) {
            let raw = format!("\"{}{tail}\"", parts.concat());
            let slow = serde_json::from_str::<String>(&raw).ok();
            let mut q = Vec::new();
            let fast = text_at(&raw, 0, None, Some(&mut q));
            match (&slow, fast) {
                (Some(t), Some((end, text))) => {
                    prop_assert_eq!(end, raw.len());
                    prop_assert_eq!(t.as_str(), &*text);
                    if !q.is_empty() {
                        let all: Vec<u32> = (0..text.len() as u32)
                            .filter(|&i| text.as_bytes()[i as usize] == b'"')
                            .collect();
                        prop_assert_eq!(&q, &all);
                    }
                }
                // A string that ends early, or is no string: serde_json
                // refuses the whole token.
                (None, Some((end, _))) => prop_assert!(end < raw.len()),
                (None, None) => {}
                (Some(t), None) => prop_assert!(false, "{raw:?} is {t:?}"),
            }
            check_plain(&raw);
        }

        /// The word-at-a-time test finds what the scan finds.
        #[test]
        fn has_stop_is_a_scan_for_a_stop(b in proptest::collection::vec(
            prop_oneof![Just(b'"'), Just(b'\\'), Just(0x1fu8), 0x20u8..=0xff], 0..40)) {
            prop_assert_eq!(has_stop(&b), to_stop(&b, 0) < b.len());
        }

        /// A list of quotes that does not fit the text (out of order,
        /// repeated, off the quotes) never panics.
        #[test]
        fn plain_fields_take_any_quote_list(
            text in jsonish(),
            q in proptest::collection::vec(0u32..40, 0..12),
        ) {
            let _ = fields_plain(&text, &q);
            let mut q = q;
            q.sort_unstable();
            let _ = fields_plain(&text, &q);
        }

        #[test]
        fn mutated_lines_read_as_serde_json_reads_them(
            at in 0usize..400, byte in prop_oneof![Just(b'"'), Just(b'\\'), Just(b','), Just(b'}'), Just(b' '), Just(0x01u8), 0x20u8..0x7f],
        ) {
            let line = r#"{"topic":"t","partition":3,"offset":7,"ts":1,"headers":["type","A"],"key":"k1","payload":"{\"id\":\"a\\u00e9\",\"v\":1.5e3,\"n\":[1,{\"a\":null}]}"}"#;
            let mut b = line.as_bytes().to_vec();
            let at = at % b.len();
            b[at] = byte;
            let text = String::from_utf8(b).unwrap();
            check_object(&text);
            if let Some(f) = fields(&text) {
                for (_, v) in f {
                    check_plain(v);
                    check_string(v);
                    check_items(v);
                    if let Some(inner) = string(v) {
                        check_object(&inner);
                    }
                }
            }
        }
    }
}
