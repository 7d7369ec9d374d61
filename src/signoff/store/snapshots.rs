//! Reading rounds ' snapshots (owned by the document pages).
