//! The table of PRAGMAs: name, get, set, persisted or per-connection.
