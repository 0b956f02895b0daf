//! Which ALIAS a budget-bound scheduled refresh takes first. A Workers invocation may make only
//! so many subrequests (50 on the free plan), so one run may not reach every ALIAS; each run
//! starts where the last one stopped, so over several runs every ALIAS is re-resolved.

/// The key a run's cursor names an ALIAS by: its zone's index id and its owner.
pub fn alias_key(apex_id: &str, owner: &str) -> String {
    format!("{apex_id} {}", owner.to_ascii_lowercase())
}

/// The positions of `keys` in the order a run visits them: from the one `cursor` names (the
/// first one the last run did not reach), wrapping around; from the start when there is no
/// cursor or the ALIAS it names is gone.
pub fn run_order(keys: &[String], cursor: Option<&str>) -> impl Iterator<Item = usize> {
    let start = cursor
        .and_then(|c| keys.iter().position(|k| k == c))
        .unwrap_or(0);
    let len = keys.len();
    (0..len).map(move |i| (start + i) % len)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_run_starts_where_the_last_one_stopped() {
        let keys: Vec<String> = ["a. x.a.", "a. y.a.", "b. b."]
            .iter()
            .map(|s| s.to_string())
            .collect();
        assert_eq!(run_order(&keys, None).collect::<Vec<_>>(), [0, 1, 2]);
        assert_eq!(
            run_order(&keys, Some("a. y.a.")).collect::<Vec<_>>(),
            [1, 2, 0]
        );
        assert_eq!(
            run_order(&keys, Some("gone. gone.")).collect::<Vec<_>>(),
            [0, 1, 2],
            "an ALIAS removed since: from the start"
        );
        assert_eq!(run_order(&[], Some("a. x.a.")).count(), 0);
        assert_eq!(alias_key("a.", "X.A."), "a. x.a.");
    }
}
