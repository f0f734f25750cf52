//! LIKE and GLOB matching on characters (Unicode scalar values).
//!
//! LIKE: `%` any run, `_` one character, ASCII letters fold case, other
//! characters compare exactly, an escape character makes the next one literal.
//! GLOB: `*`, `?`, `[set]` / `[^set]` with ranges `a-z` and a leading `]`
//! as a member; case-sensitive. A pattern that is malformed (trailing escape,
//! unterminated set) matches nothing, as in SQLite.

#[derive(Debug)]
enum Tok {
    /// Any run of characters (`%` / `*`).
    Any,
    /// Exactly one character (`_` / `?`).
    One,
    Lit(char),
    /// `[...]`: (negated, members as inclusive ranges).
    Set(bool, Vec<(char, char)>),
}

fn like_tokens(pattern: &str, escape: Option<char>) -> Option<Vec<Tok>> {
    let mut toks = Vec::new();
    let mut it = pattern.chars();
    while let Some(c) = it.next() {
        if Some(c) == escape {
            toks.push(Tok::Lit(it.next()?));
        } else if c == '%' {
            toks.push(Tok::Any);
        } else if c == '_' {
            toks.push(Tok::One);
        } else {
            toks.push(Tok::Lit(c));
        }
    }
    Some(toks)
}

fn glob_tokens(pattern: &str) -> Option<Vec<Tok>> {
    let chars: Vec<char> = pattern.chars().collect();
    let mut toks = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        i += 1;
        match c {
            '*' => toks.push(Tok::Any),
            '?' => toks.push(Tok::One),
            '[' => {
                let mut neg = false;
                if chars.get(i) == Some(&'^') {
                    neg = true;
                    i += 1;
                }
                let mut members = Vec::new();
                if chars.get(i) == Some(&']') {
                    members.push((']', ']'));
                    i += 1;
                }
                let mut prior: Option<char> = None;
                loop {
                    let c2 = *chars.get(i)?;
                    i += 1;
                    if c2 == ']' {
                        break;
                    }
                    let next = chars.get(i).copied();
                    if c2 == '-' && next.is_some() && next != Some(']') && prior.is_some() {
                        let lo = prior.unwrap_or(c2);
                        let hi = next.unwrap_or(c2);
                        members.push((lo, hi));
                        i += 1;
                        prior = None;
                    } else {
                        members.push((c2, c2));
                        prior = Some(c2);
                    }
                }
                toks.push(Tok::Set(neg, members));
            }
            _ => toks.push(Tok::Lit(c)),
        }
    }
    Some(toks)
}

fn fold(c: char) -> char {
    c.to_ascii_lowercase()
}

fn tok_matches(t: &Tok, c: char, nocase: bool) -> bool {
    match t {
        Tok::Any | Tok::One => true,
        Tok::Lit(l) => *l == c || (nocase && fold(*l) == fold(c)),
        Tok::Set(neg, members) => members.iter().any(|&(lo, hi)| lo <= c && c <= hi) != *neg,
    }
}

/// Greedy matcher with backtracking to the last `Any`: linear in practice and
/// exact for single-character tokens.
fn run(toks: &[Tok], text: &str, nocase: bool) -> bool {
    let t: Vec<char> = text.chars().collect();
    let (mut pi, mut ti) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        if pi < toks.len() {
            if let Tok::Any = toks[pi] {
                star = Some((pi, ti));
                pi += 1;
                continue;
            }
            if tok_matches(&toks[pi], t[ti], nocase) {
                pi += 1;
                ti += 1;
                continue;
            }
        }
        match star {
            Some((sp, st)) => {
                pi = sp + 1;
                ti = st + 1;
                star = Some((sp, st + 1));
            }
            None => return false,
        }
    }
    toks[pi..].iter().all(|t| matches!(t, Tok::Any))
}

/// `text LIKE pattern [ESCAPE escape]`.
pub fn like(pattern: &str, text: &str, escape: Option<char>) -> bool {
    match like_tokens(pattern, escape) {
        Some(toks) => run(&toks, text, true),
        None => false,
    }
}

/// `text GLOB pattern`.
pub fn glob(pattern: &str, text: &str) -> bool {
    match glob_tokens(pattern) {
        Some(toks) => run(&toks, text, false),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn like_basics() {
        assert!(like("a%", "ABC", None));
        assert!(like("_b_", "abc", None));
        assert!(!like("_b", "abc", None));
        assert!(like("%", "", None));
        assert!(!like("_", "", None));
        assert!(like("a\\%", "a%", Some('\\')));
        assert!(!like("a\\%", "ab", Some('\\')));
        assert!(!like("a\\", "a", Some('\\')));
        assert!(like("é", "é", None));
        assert!(!like("é", "É", None));
        assert!(like("%b%b%", "abcab", None));
    }

    #[test]
    fn glob_basics() {
        assert!(glob("a*", "abc"));
        assert!(!glob("A*", "abc"));
        assert!(glob("[a-c]?", "bz"));
        assert!(!glob("[^a-c]?", "bz"));
        assert!(glob("[]]", "]"));
        assert!(glob("[a-]", "-"));
        assert!(!glob("[abc", "a"));
        assert!(glob("*[0-9]", "abc7"));
    }
}
