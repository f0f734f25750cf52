//! The catalog: tables, indexes (later views, triggers), stored in the schema table.
