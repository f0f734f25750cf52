//! A light SQL tokenizer used beside the real parser (sqlite3-parser) for the
//! things its AST does not carry: where the first statement of a string ends
//! (for `pzTail`), and the source text of spans SQLite reports verbatim —
//! result column names, declared types, DEFAULT and CHECK texts, and the
//! text stored in sqlite_schema.
//!
//! It never fails: an unterminated literal or comment runs to the end of the
//! input and the real parser reports the error.

/// Token classes this module distinguishes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tk {
    /// Identifier or keyword (bare, "quoted", [bracketed] or `backticked`).
    Ident,
    /// 'string literal'
    Str,
    Number,
    /// x'..' blob literal
    Blob,
    /// ?, ?NNN, :name, @name, $name
    Var,
    LParen,
    RParen,
    Comma,
    Semi,
    Dot,
    /// Any other operator character sequence.
    Op,
}

#[derive(Clone, Copy, Debug)]
pub struct Tok {
    pub kind: Tk,
    pub start: usize,
    pub end: usize,
}

impl Tok {
    pub fn text<'a>(&self, src: &'a str) -> &'a str {
        &src[self.start..self.end]
    }
    /// True for a bare identifier equal (ASCII case-insensitive) to `kw`.
    pub fn is_kw(&self, src: &str, kw: &str) -> bool {
        self.kind == Tk::Ident && self.text(src).eq_ignore_ascii_case(kw)
    }
}

fn is_ident_start(b: u8) -> bool {
    b.is_ascii_alphabetic() || b == b'_' || b >= 0x80
}
fn is_ident_cont(b: u8) -> bool {
    is_ident_start(b) || b.is_ascii_digit() || b == b'$'
}

/// Skips whitespace and comments from `i`; returns the next token start.
fn skip_space(s: &[u8], mut i: usize) -> usize {
    loop {
        while i < s.len() && s[i].is_ascii_whitespace() {
            i += 1;
        }
        if i + 1 < s.len() && s[i] == b'-' && s[i + 1] == b'-' {
            while i < s.len() && s[i] != b'\n' {
                i += 1;
            }
        } else if i + 1 < s.len() && s[i] == b'/' && s[i + 1] == b'*' {
            i += 2;
            while i < s.len() && !(s[i] == b'*' && i + 1 < s.len() && s[i + 1] == b'/') {
                i += 1;
            }
            i = (i + 2).min(s.len());
        } else {
            return i;
        }
    }
}

/// Scans past a quoted token starting at `i` (quote `q`, doubled to escape).
fn skip_quoted(s: &[u8], i: usize, q: u8) -> usize {
    let mut j = i + 1;
    while j < s.len() {
        if s[j] == q {
            if j + 1 < s.len() && s[j + 1] == q {
                j += 2;
                continue;
            }
            return j + 1;
        }
        j += 1;
    }
    s.len()
}

/// The token starting at `i` (which is not whitespace), returning its end.
fn scan_one(s: &[u8], i: usize) -> (Tk, usize) {
    let b = s[i];
    match b {
        b'\'' => (Tk::Str, skip_quoted(s, i, b'\'')),
        b'"' => (Tk::Ident, skip_quoted(s, i, b'"')),
        b'`' => (Tk::Ident, skip_quoted(s, i, b'`')),
        b'[' => {
            let mut j = i + 1;
            while j < s.len() && s[j] != b']' {
                j += 1;
            }
            (Tk::Ident, (j + 1).min(s.len()))
        }
        b'(' => (Tk::LParen, i + 1),
        b')' => (Tk::RParen, i + 1),
        b',' => (Tk::Comma, i + 1),
        b';' => (Tk::Semi, i + 1),
        b'?' => {
            let mut j = i + 1;
            while j < s.len() && s[j].is_ascii_digit() {
                j += 1;
            }
            (Tk::Var, j)
        }
        b':' | b'@' | b'$' | b'#' => {
            let mut j = i + 1;
            while j < s.len() && (is_ident_cont(s[j]) || s[j] == b':') {
                j += 1;
            }
            (Tk::Var, j)
        }
        b'x' | b'X' if i + 1 < s.len() && s[i + 1] == b'\'' => (Tk::Blob, skip_quoted(s, i + 1, b'\'')),
        b'0'..=b'9' => (Tk::Number, scan_number(s, i)),
        b'.' if i + 1 < s.len() && s[i + 1].is_ascii_digit() => (Tk::Number, scan_number(s, i)),
        b'.' => (Tk::Dot, i + 1),
        _ if is_ident_start(b) => {
            let mut j = i + 1;
            while j < s.len() && is_ident_cont(s[j]) {
                j += 1;
            }
            (Tk::Ident, j)
        }
        _ => {
            // Operators: the two-character ones SQLite knows, else one char
            // (one whole UTF-8 character for non-ASCII bytes is handled by
            // is_ident_start above).
            let two = if i + 1 < s.len() { &s[i..i + 2] } else { &s[i..i + 1] };
            let len = match two {
                b"||" | b"<=" | b">=" | b"==" | b"!=" | b"<>" | b"<<" | b">>" | b"->" => {
                    if two == b"->" && i + 2 < s.len() && s[i + 2] == b'>' {
                        3
                    } else {
                        2
                    }
                }
                _ => 1,
            };
            (Tk::Op, i + len)
        }
    }
}

fn scan_number(s: &[u8], i: usize) -> usize {
    let mut j = i;
    if s[j] == b'0' && j + 1 < s.len() && (s[j + 1] == b'x' || s[j + 1] == b'X') {
        j += 2;
        while j < s.len() && s[j].is_ascii_hexdigit() {
            j += 1;
        }
        return j;
    }
    while j < s.len() && (s[j].is_ascii_digit() || s[j] == b'_') {
        j += 1;
    }
    if j < s.len() && s[j] == b'.' {
        j += 1;
        while j < s.len() && s[j].is_ascii_digit() {
            j += 1;
        }
    }
    if j < s.len() && (s[j] == b'e' || s[j] == b'E') {
        let mut k = j + 1;
        if k < s.len() && (s[k] == b'+' || s[k] == b'-') {
            k += 1;
        }
        if k < s.len() && s[k].is_ascii_digit() {
            while k < s.len() && s[k].is_ascii_digit() {
                k += 1;
            }
            j = k;
        }
    }
    // Trailing identifier characters glue on (the parser rejects them).
    while j < s.len() && is_ident_cont(s[j]) {
        j += 1;
    }
    j
}

/// All tokens of `src` (comments and whitespace dropped).
pub fn tokenize(src: &str) -> Vec<Tok> {
    let s = src.as_bytes();
    let mut out = Vec::new();
    let mut i = skip_space(s, 0);
    while i < s.len() {
        let (kind, end) = scan_one(s, i);
        let end = end.max(i + 1).min(s.len());
        // Keep token boundaries on char boundaries.
        let mut end = end;
        while end < s.len() && !src.is_char_boundary(end) {
            end += 1;
        }
        out.push(Tok { kind, start: i, end });
        i = skip_space(s, end);
    }
    out
}

/// Where the first statement of `src` ends: returns `(consumed, has_content)`
/// where `consumed` is the byte length up to and including the terminating
/// `;` (or the whole input), and `has_content` is false when the statement
/// holds no token but the `;`. A CREATE TRIGGER body's inner `;`s (between
/// BEGIN and the matching END) do not end the statement.
pub fn first_statement(src: &str) -> (usize, bool) {
    let s = src.as_bytes();
    let mut i = skip_space(s, 0);
    let mut ntok = 0usize;
    let mut is_trigger = false;
    let mut in_body = 0usize;
    let mut in_case = 0usize;
    let mut first_kw: [bool; 3] = [false; 3];
    while i < s.len() {
        let (kind, end) = scan_one(s, i);
        let end = end.max(i + 1).min(s.len());
        let tok = Tok { kind, start: i, end };
        if kind == Tk::Semi && in_body == 0 {
            return (end, ntok > 0);
        }
        if ntok < 3 {
            first_kw[ntok] = true;
            if ntok == 0 && !tok.is_kw(src, "create") {
                first_kw[0] = false;
            }
            if ntok > 0 && first_kw[0] && tok.is_kw(src, "trigger") {
                is_trigger = true;
            }
        }
        if is_trigger {
            // CASE ... END inside the body closes a CASE, not the body.
            if tok.is_kw(src, "begin") {
                in_body += 1;
            } else if tok.is_kw(src, "case") && in_body > 0 {
                in_case += 1;
            } else if tok.is_kw(src, "end") && in_case > 0 {
                in_case -= 1;
            } else if tok.is_kw(src, "end") && in_body > 0 {
                in_body -= 1;
            }
        }
        ntok += 1;
        i = skip_space(s, end);
    }
    (s.len(), ntok > 0)
}

/// Removes SQL quoting from an identifier token ("a""b" -> a"b, [x] -> x).
pub fn unquote_ident(s: &str) -> String {
    let b = s.as_bytes();
    if b.len() >= 2 {
        let (q, close) = match b[0] {
            b'"' => (b'"', b'"'),
            b'`' => (b'`', b'`'),
            b'\'' => (b'\'', b'\''),
            b'[' => (b'[', b']'),
            _ => return s.to_string(),
        };
        if b[b.len() - 1] == close {
            let inner = &s[1..s.len() - 1];
            if q == b'[' {
                return inner.to_string();
            }
            let qs = (q as char).to_string();
            return inner.replace(&format!("{qs}{qs}"), &qs);
        }
    }
    s.to_string()
}

/// Index of the token matching the `(` at `open`, or tokens.len().
pub fn matching_paren(toks: &[Tok], open: usize) -> usize {
    let mut depth = 0usize;
    for (k, t) in toks.iter().enumerate().skip(open) {
        match t.kind {
            Tk::LParen => depth += 1,
            Tk::RParen => {
                depth -= 1;
                if depth == 0 {
                    return k;
                }
            }
            _ => {}
        }
    }
    toks.len()
}

/// The comma-separated items between the parenthesis at token `open` and
/// its match at `close`, as token ranges (first, end); commas inside
/// nested parentheses do not split.
pub fn paren_items(toks: &[Tok], open: usize, close: usize) -> Vec<(usize, usize)> {
    let mut items = Vec::new();
    let mut depth = 0;
    let mut start = open + 1;
    for (i, t) in toks.iter().enumerate().take(close).skip(open + 1) {
        match t.kind {
            Tk::LParen => depth += 1,
            Tk::RParen => depth -= 1,
            Tk::Comma if depth == 0 => {
                items.push((start, i));
                start = i + 1;
            }
            _ => {}
        }
    }
    items.push((start, close.min(toks.len())));
    items
}

/// Source spans (byte ranges) of the result columns of the first SELECT
/// core in `src` at parenthesis depth 0 (after SELECT [DISTINCT|ALL]).
pub fn result_column_spans(src: &str, toks: &[Tok]) -> Vec<(usize, usize)> {
    const ENDERS: [&str; 9] = ["from", "where", "group", "having", "order", "limit", "window", "union", "except"];
    let mut k = match toks.iter().position(|t| t.is_kw(src, "select")) {
        Some(k) => k + 1,
        None => return Vec::new(),
    };
    if k < toks.len() && (toks[k].is_kw(src, "distinct") || toks[k].is_kw(src, "all")) {
        k += 1;
    }
    let mut spans = Vec::new();
    let mut depth = 0usize;
    let mut start = k;
    while k < toks.len() {
        let t = &toks[k];
        match t.kind {
            Tk::LParen => depth += 1,
            Tk::RParen => {
                if depth == 0 {
                    break;
                }
                depth -= 1;
            }
            Tk::Comma if depth == 0 => {
                if start < k {
                    spans.push((toks[start].start, toks[k - 1].end));
                }
                start = k + 1;
            }
            Tk::Semi if depth == 0 => break,
            Tk::Ident if depth == 0 && (ENDERS.iter().any(|e| t.is_kw(src, e)) || t.is_kw(src, "intersect")) => break,
            _ => {}
        }
        k += 1;
    }
    if start < k {
        spans.push((toks[start].start, toks[k - 1].end));
    }
    spans
}

/// For every LIMIT clause in textual order: does it use the `LIMIT offset,
/// count` form? (The parser's AST does not tell it from LIMIT .. OFFSET ..)
pub fn limit_commas(src: &str, toks: &[Tok]) -> Vec<bool> {
    let mut out = Vec::new();
    for (k, t) in toks.iter().enumerate() {
        if !t.is_kw(src, "limit") {
            continue;
        }
        let mut depth = 0usize;
        let mut comma = false;
        for u in &toks[k + 1..] {
            match u.kind {
                Tk::LParen => depth += 1,
                Tk::RParen if depth == 0 => break,
                Tk::RParen => depth -= 1,
                Tk::Semi => break,
                Tk::Comma if depth == 0 => {
                    comma = true;
                    break;
                }
                Tk::Ident if depth == 0 && u.is_kw(src, "offset") => break,
                _ => {}
            }
        }
        out.push(comma);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statement_end() {
        assert_eq!(first_statement("select 1; select 2"), (9, true));
        assert_eq!(first_statement("  ;x"), (3, false));
        assert_eq!(first_statement("select ';' ; x"), (12, true));
        assert_eq!(first_statement("-- c;\n select 1"), (15, true));
        assert_eq!(first_statement("   "), (3, false));
        let trig = "create trigger t after insert on x begin select 1; select 2; end; select 3";
        assert_eq!(first_statement(trig).0, trig.find("; select 3").unwrap() + 1);
    }

    #[test]
    fn spans() {
        let src = "SELECT a  +  1, (b), count(*) AS c FROM t";
        let toks = tokenize(src);
        let sp = result_column_spans(src, &toks);
        let texts: Vec<&str> = sp.iter().map(|&(a, b)| &src[a..b]).collect();
        assert_eq!(texts, vec!["a  +  1", "(b)", "count(*) AS c"]);
    }

    #[test]
    fn unquote() {
        assert_eq!(unquote_ident("\"a\"\"b\""), "a\"b");
        assert_eq!(unquote_ident("[x y]"), "x y");
        assert_eq!(unquote_ident("abc"), "abc");
    }
}
