//! How the TUI shows times: `--tz utc|local|ZONE|±HH:MM` (UTC by default)
//! and relative ages ("3 min ago") where the wall clock matters (live mode).
//! Recordings and reports stay in UTC. Formatting only: must not change app
//! state or draw.

use chrono::{FixedOffset, Local, TimeZone, Utc};
use std::sync::OnceLock;

/// The zone times are shown in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Zone {
    Utc,
    /// The system zone, or the named one `--tz ZONE` put in `TZ`.
    Local,
    Fixed(FixedOffset),
}

static ZONE: OnceLock<Zone> = OnceLock::new();
static AGES: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Shows relative ages beside times (live mode: the wall clock matters there;
/// a replay's times are the recording's, so it shows none).
pub fn show_ages(on: bool) {
    AGES.store(on, std::sync::atomic::Ordering::Relaxed);
}

/// Whether ages are shown.
pub fn ages() -> bool {
    AGES.load(std::sync::atomic::Ordering::Relaxed)
}

/// Parses `--tz`: `utc`, `local`, an offset (`+02:00`, `-0530`), or an IANA
/// zone name (`Europe/Paris`) found in the system's zone database.
pub fn parse_zone(s: &str) -> Result<(Zone, Option<String>), String> {
    let t = s.trim();
    match t.to_ascii_lowercase().as_str() {
        "utc" | "z" | "gmt" => return Ok((Zone::Utc, None)),
        "local" => return Ok((Zone::Local, None)),
        _ => {}
    }
    if t.starts_with(['+', '-']) {
        let digits: String = t[1..].chars().filter(|c| c.is_ascii_digit()).collect();
        let (h, m) = match digits.len() {
            1 | 2 => (digits.parse::<i32>().ok(), Some(0)),
            4 => (digits[..2].parse().ok(), digits[2..].parse().ok()),
            _ => (None, None),
        };
        let secs = match (h, m) {
            (Some(h), Some(m)) if h <= 23 && m <= 59 => h * 3600 + m * 60,
            _ => return Err(format!("--tz {t}: an offset is +HH:MM or -HH:MM")),
        };
        let secs = if t.starts_with('-') { -secs } else { secs };
        let off = FixedOffset::east_opt(secs).ok_or(format!("--tz {t}: offset out of range"))?;
        return Ok((Zone::Fixed(off), None));
    }
    let dir = std::env::var_os("TZDIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| "/usr/share/zoneinfo".into());
    let valid = !t.is_empty()
        && !t.contains("..")
        && t.chars()
            .all(|c| c.is_ascii_alphanumeric() || "/_-+".contains(c));
    if valid && dir.join(t).is_file() {
        Ok((Zone::Local, Some(t.to_string())))
    } else {
        Err(format!(
            "--tz {t}: not utc, local, an offset (+02:00) or a zone of {}",
            dir.display()
        ))
    }
}

/// Sets the display zone once, before the TUI starts (a named zone goes
/// into `TZ`, which chrono's `Local` reads).
pub fn set_zone(spec: &str) -> Result<(), String> {
    let (zone, name) = parse_zone(spec)?;
    if let Some(n) = name {
        // Before any thread reads the environment: the TUI has not started.
        std::env::set_var("TZ", n);
    }
    let _ = ZONE.set(zone);
    Ok(())
}

/// The display zone (UTC unless `--tz` said otherwise).
pub fn zone() -> Zone {
    ZONE.get().copied().unwrap_or(Zone::Utc)
}

/// Epoch ms as a time in the display zone (RFC 3339, ms).
pub fn fmt_time(ms: i64) -> String {
    fmt_in(zone(), ms)
}

/// Epoch ms in a given zone.
pub fn fmt_in(z: Zone, ms: i64) -> String {
    const F: &str = "%Y-%m-%dT%H:%M:%S%.3f%:z";
    let out = match z {
        Zone::Utc => return crate::strategy::fmt_ms(ms),
        Zone::Local => Local
            .timestamp_millis_opt(ms)
            .single()
            .map(|t| t.format(F).to_string()),
        Zone::Fixed(o) => o
            .timestamp_millis_opt(ms)
            .single()
            .map(|t| t.format(F).to_string()),
    };
    out.unwrap_or_else(|| ms.to_string())
}

/// How long before `now` (epoch ms) `ms` was: "12 s ago", "3 min ago",
/// "2 h ago", "5 d ago"; "in 4 s" for the future.
pub fn age(ms: i64, now: i64) -> String {
    let d = now - ms;
    let a = d.unsigned_abs() / 1000;
    let span = if a < 60 {
        format!("{a} s")
    } else if a < 3600 {
        format!("{} min", a / 60)
    } else if a < 86_400 {
        format!("{} h", a / 3600)
    } else {
        format!("{} d", a / 86_400)
    };
    if d >= 0 {
        format!("{span} ago")
    } else {
        format!("in {span}")
    }
}

/// The wall clock, epoch ms.
pub fn now_ms() -> i64 {
    Utc::now().timestamp_millis()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zones_parse_and_format() {
        assert_eq!(parse_zone("UTC").map(|z| z.0), Ok(Zone::Utc));
        assert_eq!(parse_zone("local").map(|z| z.0), Ok(Zone::Local));
        let (z, _) = parse_zone("+02:00").expect("offset");
        assert_eq!(fmt_in(z, 0), "1970-01-01T02:00:00.000+02:00");
        let (z, _) = parse_zone("-0530").expect("offset");
        assert_eq!(fmt_in(z, 0), "1969-12-31T18:30:00.000-05:30");
        assert_eq!(fmt_in(Zone::Utc, 0), "1970-01-01T00:00:00.000Z");
        assert!(parse_zone("+25:00").is_err());
        assert!(parse_zone("Mars/Olympus").is_err());
        assert!(parse_zone("../etc/passwd").is_err());
    }

    #[test]
    fn named_zones_need_the_zone_database() {
        if std::path::Path::new("/usr/share/zoneinfo/Europe/Paris").is_file() {
            assert_eq!(
                parse_zone("Europe/Paris").map(|z| z.1),
                Ok(Some("Europe/Paris".to_string()))
            );
        } else {
            assert!(parse_zone("Europe/Paris").is_err());
        }
    }

    #[test]
    fn ages_read_as_people_say_them() {
        assert_eq!(age(0, 12_000), "12 s ago");
        assert_eq!(age(0, 185_000), "3 min ago");
        assert_eq!(age(0, 2 * 3_600_000 + 5), "2 h ago");
        assert_eq!(age(0, 5 * 86_400_000), "5 d ago");
        assert_eq!(age(4_000, 0), "in 4 s");
    }
}
