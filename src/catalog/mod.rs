//! The base library's system of record: SQLite storage, record validation, import and export.
//!
//! Data flows one way: a file or request becomes raw records, [`validate`] turns them into
//! [`crate::domain::ExchangeBase`] values (or a full list of field errors), and [`store`]
//! writes them in one transaction. The search index is derived from the store, never the
//! other way round.

pub mod audit;
pub mod headers;
pub mod import;
pub mod routes;
pub mod scale;
pub mod sheet;
pub mod store;
pub mod synonyms;
pub mod tokens;
pub mod users;
pub mod validate;
pub mod visits;
pub mod trips;
pub mod workbook;

pub use import::{decode_text, parse_mapped, parse_records, parse_workbook, parse_workbook_mapped, RecordFormat, TextEncoding, Vocabulary};

/// The default fixtures compiled into the binary: the base library a fresh install starts with.
pub const EMBEDDED_BASES: &str = include_str!("../../fixtures/bases.jsonl");

pub use audit::{AuditEntry, AuditQuery};
pub use store::{base_target, etag_matches, BaseChange, CatalogVersion, ChangeApplied, Store, StoreError, WriteMode, WriteSummary};
pub use routes::RouteChange;
pub use synonyms::AcceptedLabel;
pub use tokens::{NewToken, TokenInfo};
pub use users::{LiveSession, UserInfo};
pub use visits::VisitFilter;
pub use trips::TripFilter;
pub use validate::{to_record, validate_mapped, validate_record, RECORD_FIELDS};
