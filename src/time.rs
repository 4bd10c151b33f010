//! Dates: unix seconds as `YYYY-MM-DD HH:MM UTC` (no time-zone database needed), and the
//! local date `hf auth list` shows, found the way CPython's `datetime.fromtimestamp` finds it:
//! `localtime_r` on Unix (the very call CPython makes); on Windows, where CPython asks the CRT,
//! through jiff with the CRT's inputs (the `TZ` variable when set, else the system time zone).

pub fn utc(secs: i64) -> String {
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02} {:02}:{:02} UTC",
        rem / 3600,
        rem % 3600 / 60
    )
}

/// `datetime.fromtimestamp(ts).strftime("%Y-%m-%d")`: the date in the local time zone; `None`
/// for an instant the platform cannot convert (as Python raises).
pub fn local_date(ts: i64) -> Option<String> {
    let [y, m, d, ..] = local(ts)?;
    Some(format!("{y:04}-{m:02}-{d:02}"))
}

/// When something happened, as a person here reads it: `14:03` today, else
/// `2026-12-01 14:03` (local time).
pub fn local_clock(ts: i64, now: i64) -> String {
    match (local(ts), local(now)) {
        (Some([y, m, d, hh, mm]), Some(today)) if today[..3] == [y, m, d] => {
            format!("{hh:02}:{mm:02}")
        }
        (Some([y, m, d, hh, mm]), _) => format!("{y:04}-{m:02}-{d:02} {hh:02}:{mm:02}"),
        (None, _) => utc(ts),
    }
}

/// Year, month, day, hour, minute in the local time zone.
#[cfg(unix)]
fn local(ts: i64) -> Option<[i64; 5]> {
    let t = libc::time_t::try_from(ts).ok()?;
    // SAFETY: `tm` is plain data, filled by localtime_r before it is read.
    let mut tm: libc::tm = unsafe { std::mem::zeroed() };
    // SAFETY: both pointers are valid for the call.
    if unsafe { libc::localtime_r(&t, &mut tm) }.is_null() {
        return None;
    }
    Some([
        i64::from(tm.tm_year) + 1900,
        i64::from(tm.tm_mon) + 1,
        i64::from(tm.tm_mday),
        i64::from(tm.tm_hour),
        i64::from(tm.tm_min),
    ])
}

/// jiff's system zone is `TZ` when set, else Windows' own time zone mapped to its IANA rules
/// (bundled: Windows has no tzdb). A POSIX `TZ` such as `JST-9` means the same to both; an IANA
/// name (`Europe/Paris`) jiff understands and the CRT does not (it takes it for UTC).
#[cfg(not(unix))]
fn local(ts: i64) -> Option<[i64; 5]> {
    let instant = jiff::Timestamp::from_second(ts).ok()?;
    let at = instant.to_zoned_datetime(jiff::tz::TimeZone::system());
    Some([
        at.year().into(),
        at.month().into(),
        at.day().into(),
        at.hour().into(),
        at.minute().into(),
    ])
}

/// Howard Hinnant's days-to-civil algorithm.
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

#[cfg(test)]
mod tests {
    #[test]
    fn formats_known_instants() {
        assert_eq!(super::utc(0), "1970-01-01 00:00 UTC");
        assert_eq!(super::utc(1_797_768_000), "2026-12-20 12:00 UTC");
        assert_eq!(super::utc(951_782_400), "2000-02-29 00:00 UTC");
    }

    #[test]
    fn clock_times_say_the_day_only_when_it_is_not_today() {
        let noon = 1_797_768_000;
        let clock = super::local_clock(noon, noon + 60);
        assert_eq!(clock.len(), 5, "{clock}");
        let older = super::local_clock(noon, noon + 3 * 86_400);
        assert_eq!(
            older,
            format!("{} {clock}", super::local_date(noon).unwrap())
        );
    }

    /// Whatever the zone, the local date is within a day of the UTC one.
    #[test]
    fn the_local_date_is_a_date_near_the_utc_one() {
        let ts = 1_797_768_000;
        let local = super::local_date(ts).unwrap();
        let days = ["2026-12-19", "2026-12-20", "2026-12-21"];
        assert!(days.contains(&local.as_str()), "{local}");
    }
}
