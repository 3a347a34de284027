//! Timestamps: RFC 3339 in UTC, to the microsecond, so they sort as text.

pub fn now() -> String {
    let now = jiff::Timestamp::now();
    // Whole microseconds: a fixed width keeps text order equal to time order.
    format!("{:.6}", now)
}

/// Parse `--since`: an RFC 3339 timestamp, or a date (midnight UTC).
pub fn parse_since(text: &str) -> Result<String, String> {
    let text = text.trim();
    if let Ok(timestamp) = text.parse::<jiff::Timestamp>() {
        return Ok(format!("{timestamp:.6}"));
    }
    if let Ok(date) = text.parse::<jiff::civil::Date>() {
        if let Ok(zoned) = date.to_zoned(jiff::tz::TimeZone::UTC) {
            return Ok(format!("{:.6}", zoned.timestamp()));
        }
    }
    Err(format!(
        "`{text}` is not a date (2026-11-01) or an RFC 3339 time (2026-11-01T09:30:00Z)"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_have_a_fixed_width() {
        let stamp = now();
        assert_eq!(stamp.len(), "2026-11-27T20:46:54.123456Z".len(), "{stamp}");
        assert!(stamp.ends_with('Z'));
    }

    #[test]
    fn since_takes_dates_and_times() {
        assert_eq!(
            parse_since("2026-11-01").as_deref(),
            Ok("2026-11-01T00:00:00.000000Z")
        );
        assert_eq!(
            parse_since("2026-11-01T09:30:00+01:00").as_deref(),
            Ok("2026-11-01T08:30:00.000000Z")
        );
        assert!(parse_since("yesterday").is_err());
    }
}
