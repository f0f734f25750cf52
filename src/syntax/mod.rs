//! SQL text below the schema: the lexer (statement boundaries, tokens,
//! identifier unquoting) and parsing one statement into sqlite3-parser's
//! AST with SQLite's error wording. The schema reads the SQL text it
//! stores through this layer; the compiler above builds on the same
//! trees. Imports only `error` and `storage` (collations).

pub mod lexer;
mod parse;

pub use parse::{collation_by_name, name_str, parse_error, with_parsed};
