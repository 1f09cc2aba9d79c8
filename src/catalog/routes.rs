//! Outbound routes in the catalog: seeded once from the embedded routes, then changed by
//! officers with the same ETag checks and audit entries as bases.

use rusqlite::{params, Connection, OptionalExtension, TransactionBehavior};

use super::store::{etag_matches, insert_audit, new_etag, quoted, record_with_etag, Store, StoreError};
use crate::access::Actor;
use crate::domain::OutboundRoute;

/// One change to one route.
#[derive(Debug, Clone, Copy)]
pub enum RouteChange<'a> {
    /// Add a route whose id is free.
    Create(&'a OutboundRoute),
    /// Overwrite a route still at version `if_match`.
    Replace {
        /// The new state.
        route: &'a OutboundRoute,
        /// The ETag the writer read.
        if_match: &'a str,
    },
    /// Remove a route still at version `if_match`.
    Delete {
        /// The route id.
        id: &'a str,
        /// The ETag the writer read.
        if_match: &'a str,
    },
}

impl Store {
    /// Seeds the routes table with `routes` the first time a catalog is opened, so a library
    /// whose officer deleted every route does not get them back.
    pub fn seed_routes_once(&self, routes: &[OutboundRoute]) -> Result<bool, StoreError> {
        let mut connection = self.lock();
        let transaction = connection.transaction_with_behavior(TransactionBehavior::Immediate)?;
        if transaction.query_row("SELECT 1 FROM meta WHERE key = 'routes_seeded'", [], |_| Ok(())).optional()?.is_some() {
            return Ok(false);
        }
        for route in routes {
            save(&transaction, route)?;
        }
        transaction.execute("INSERT INTO meta(key, value) VALUES ('routes_seeded', '1')", [])?;
        transaction.commit()?;
        Ok(true)
    }

    /// Every route with its ETag, by id.
    pub fn routes(&self) -> Result<Vec<(OutboundRoute, String)>, StoreError> {
        let connection = self.lock();
        let mut statement = connection.prepare("SELECT id, record, etag FROM outbound_routes ORDER BY id")?;
        let rows = statement.query_map([], |row| Ok((row.get::<_, String>(0)?, row.get::<_, String>(1)?, row.get::<_, String>(2)?)))?;
        let mut routes = Vec::new();
        for row in rows {
            let (id, json, etag) = row?;
            routes.push((decode(&id, &json)?, quoted(&etag)));
        }
        Ok(routes)
    }

    /// One route with its ETag.
    pub fn route(&self, id: &str) -> Result<Option<(OutboundRoute, String)>, StoreError> {
        let connection = self.lock();
        let Some((json, etag)) = record_with_etag(&connection, "outbound_routes", id)? else { return Ok(None) };
        Ok(Some((decode(id, &json)?, etag)))
    }

    /// Applies one change with its audit entry; returns the new ETag (`None` after a delete).
    pub fn apply_route(&self, change: RouteChange<'_>, actor: &Actor) -> Result<Option<String>, StoreError> {
        let mut connection = self.lock();
        let transaction = connection.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let id = match change {
            RouteChange::Create(route) | RouteChange::Replace { route, .. } => route.id.as_str(),
            RouteChange::Delete { id, .. } => id,
        };
        let before_row = record_with_etag(&transaction, "outbound_routes", id)?;
        let before = before_row.as_ref().map(|(json, _)| json.clone());
        let (action, after) = match (change, &before_row) {
            (RouteChange::Create(_), Some(_)) => return Err(StoreError::OutboundRouteExists(id.to_string())),
            (RouteChange::Replace { .. } | RouteChange::Delete { .. }, None) => return Err(StoreError::OutboundRouteMissing(id.to_string())),
            (RouteChange::Replace { if_match, .. } | RouteChange::Delete { if_match, .. }, Some((_, etag))) if !etag_matches(if_match, etag) => {
                return Err(StoreError::EtagMismatch { id: id.to_string(), current: etag.clone() });
            }
            (RouteChange::Create(route), None) => ("route_create", Some(route)),
            (RouteChange::Replace { route, .. }, Some(_)) => ("route_replace", Some(route)),
            (RouteChange::Delete { .. }, Some(_)) => ("route_delete", None),
        };
        let after_json = match after {
            Some(route) => Some(save(&transaction, route)?),
            None => {
                transaction.execute("DELETE FROM outbound_routes WHERE id = ?1", params![id])?;
                None
            }
        };
        insert_audit(&transaction, actor, action, &format!("route:{id}"), before.as_deref(), after_json.as_ref().map(|(json, _)| json.as_str()))?;
        transaction.commit()?;
        Ok(after_json.map(|(_, etag)| etag))
    }
}

/// Writes a route with a fresh ETag; returns its JSON and the quoted ETag.
fn save(connection: &Connection, route: &OutboundRoute) -> Result<(String, String), StoreError> {
    let json = serde_json::to_string(route).map_err(|source| StoreError::CorruptRow { id: route.id.clone(), source })?;
    let etag = new_etag();
    connection.execute(
        "INSERT INTO outbound_routes(id, record, etag) VALUES (?1, ?2, ?3)
         ON CONFLICT(id) DO UPDATE SET record = excluded.record, etag = excluded.etag",
        params![route.id, json, etag],
    )?;
    Ok((json, quoted(&etag)))
}


fn decode(id: &str, json: &str) -> Result<OutboundRoute, StoreError> {
    serde_json::from_str(json).map_err(|source| StoreError::CorruptRow { id: id.to_string(), source })
}
