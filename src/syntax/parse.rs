//! Small helpers over the sqlite3-parser AST: parsing one statement with
//! SQLite's error wording, identifier unquoting, collation names.

use crate::error::{Error, Result};
use crate::storage::Collation;
use crate::syntax::lexer::{tokenize, unquote_ident};
use sqlite3_parser::ast::{Cmd, Name, Stmt};
use sqlite3_parser::lexer::sql::{Error as PError, Parser, ParserError};
use sqlite3_parser::{Bump, FallibleIterator};

/// Identifier text without SQL quoting.
pub fn name_str(n: &Name) -> String {
    unquote_ident(n.0)
}

pub fn collation_by_name(name: &str) -> Result<Collation> {
    let n = unquote_ident(name);
    if n.eq_ignore_ascii_case("binary") {
        Ok(Collation::Binary)
    } else if n.eq_ignore_ascii_case("nocase") {
        Ok(Collation::NoCase)
    } else if n.eq_ignore_ascii_case("rtrim") {
        Ok(Collation::RTrim)
    } else {
        Err(Error::sql(format!("no such collation sequence: {n}")))
    }
}

/// Byte offset of a parser position (1-based line, 1-based byte column).
fn offset_of(src: &str, line: usize, column: usize) -> usize {
    let mut off = 0;
    for (i, l) in src.split_inclusive('\n').enumerate() {
        if i + 1 == line {
            return (off + column.saturating_sub(1)).min(src.len());
        }
        off += l.len();
    }
    src.len()
}

/// SQLite's message for a parse failure of `src`.
pub fn parse_error(src: &str, e: &PError) -> Error {
    let token_at = |pos: Option<(usize, usize)>| -> String {
        let Some((line, col)) = pos else {
            return String::new();
        };
        let mut off = offset_of(src, line, col);
        while !src.is_char_boundary(off) {
            off -= 1;
        }
        let toks = tokenize(&src[off..]);
        toks.first().map(|t| t.text(&src[off..]).to_string()).unwrap_or_default()
    };
    match e {
        PError::ParserError(ParserError::SyntaxError(s), _) => Error::sql(format!("near \"{s}\": syntax error")),
        PError::ParserError(ParserError::UnexpectedEof, _) => Error::sql("incomplete input"),
        PError::ParserError(ParserError::Custom(s), _) => Error::sql(s.clone()),
        PError::UnrecognizedToken(p)
        | PError::UnterminatedLiteral(p)
        | PError::UnterminatedBracket(p)
        | PError::BadNumber(p)
        | PError::MalformedBlobLiteral(p)
        | PError::MalformedHexInteger(p)
        | PError::BadVariableName(p)
        | PError::ExpectedEqualsSign(p) => {
            let t = token_at(p.as_ref().map(|p| (p.line, p.column)));
            Error::sql(format!("unrecognized token: \"{t}\""))
        }
        PError::UnterminatedBlockComment(_) => Error::sql("incomplete input"),
        other => Error::sql(other.to_string()),
    }
}

/// Parses the single statement in `sql` and hands its AST to `f`. The AST
/// lives in an arena dropped when `f` returns.
#[allow(clippy::let_and_return)] // the binding ends the parser's borrow first
pub fn with_parsed<T>(sql: &str, f: impl FnOnce(&Stmt) -> Result<T>) -> Result<T> {
    let bump = Bump::new();
    let mut p = Parser::new(&bump, sql.as_bytes());
    let r = match p.next() {
        Ok(Some(Cmd::Stmt(stmt))) => f(&stmt),
        Ok(Some(_)) => Err(Error::sql("EXPLAIN is not supported")),
        Ok(None) => Err(Error::sql("incomplete input")),
        Err(e) => Err(parse_error(sql, &e)),
    };
    r
}
