//! The End activity's duration: minutes with two places, rounded half up (rule 16).

/// Audio seconds as whole milliseconds (the precision recordings are measured in).
/// `None` for a negative or non-finite number of seconds.
pub fn seconds_to_millis(seconds: f64) -> Option<u64> {
    if !seconds.is_finite() || seconds < 0.0 {
        return None;
    }
    let millis = (seconds * 1000.0).round();
    (millis <= u64::MAX as f64).then_some(millis as u64)
}

/// Formats a duration of `millis` milliseconds in minutes with two decimal
/// places, rounded half up: 90,000 ms gives `1.50`, 20,000 ms gives `0.33`.
///
/// Exact: hundredths of a minute = floor((millis x 100 + 30,000) / 60,000).
pub fn minutes_two_places(millis: u64) -> String {
    let hundredths = (u128::from(millis) * 100 + 30_000) / 60_000;
    format!("{}.{:02}", hundredths / 100, hundredths % 100)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_rule_examples() {
        assert_eq!(minutes_two_places(90_000), "1.50");
        assert_eq!(minutes_two_places(20_000), "0.33");
        assert_eq!(minutes_two_places(0), "0.00");
    }

    #[test]
    fn half_rounds_up() {
        // 0.3 s = 0.005 min exactly.
        assert_eq!(minutes_two_places(300), "0.01");
        assert_eq!(minutes_two_places(299), "0.00");
    }

    #[test]
    fn reads_seconds() {
        assert_eq!(seconds_to_millis(1.5), Some(1500));
        assert_eq!(seconds_to_millis(-0.1), None);
        assert_eq!(seconds_to_millis(f64::NAN), None);
    }
}
