//! The base library's system of record: SQLite storage, record validation, import and export.
//!
//! Data flows one way: a file or request becomes raw records, [`validate`] turns them into
//! [`crate::domain::ExchangeBase`] values (or a full list of field errors), and [`store`]
//! writes them in one transaction. The search index is derived from the store, never the
//! other way round.

pub mod import;
pub mod scale;
pub mod store;
pub mod validate;

pub use import::{parse_records, RecordFormat};
pub use store::{CatalogVersion, Store, StoreError, WriteMode, WriteSummary};
pub use validate::{to_record, validate_record, FieldError, RECORD_FIELDS};
