//! "Did you mean": the closest known name by edit distance.

/// The candidate closest to `name`, if it is close enough to be a likely typo: at most one
/// edit for short names, and at most a third of the name's length for longer ones.
pub fn closest<'c>(name: &str, candidates: impl IntoIterator<Item = &'c str>) -> Option<&'c str> {
    let limit = (name.chars().count() / 3).max(1);
    let mut best: Option<(usize, &str)> = None;
    for candidate in candidates {
        if candidate == name {
            continue;
        }
        let distance = edit_distance(&name.to_lowercase(), &candidate.to_lowercase());
        if distance > limit {
            continue;
        }
        // Ties go to the alphabetically first candidate, so the answer never depends on order.
        let better = match best {
            None => true,
            Some((d, c)) => distance < d || (distance == d && candidate < c),
        };
        if better {
            best = Some((distance, candidate));
        }
    }
    best.map(|(_, c)| c)
}

/// Levenshtein distance with adjacent transpositions (optimal string alignment), over chars.
pub fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut previous_previous: Vec<usize> = vec![0; b.len() + 1];
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for i in 1..=a.len() {
        let mut current = vec![i; b.len() + 1];
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            current[j] = (previous[j] + 1).min(current[j - 1] + 1).min(previous[j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                current[j] = current[j].min(previous_previous[j - 2] + 1);
            }
        }
        previous_previous = std::mem::replace(&mut previous, current);
    }
    previous[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distances() {
        assert_eq!(edit_distance("decode", "decode"), 0);
        assert_eq!(edit_distance("decode", "decdoe"), 1);
        assert_eq!(edit_distance("reading", "readings"), 1);
        assert_eq!(edit_distance("", "abc"), 3);
    }

    #[test]
    fn closest_name() {
        assert_eq!(closest("Readng", ["Reading", "Alert"]), Some("Reading"));
        assert_eq!(closest("too_hto", ["too_hot", "alert"]), Some("too_hot"));
        assert_eq!(closest("xyz", ["Reading", "Alert"]), None);
        assert_eq!(closest("ab", ["ac", "ad"]), Some("ac"));
    }
}
