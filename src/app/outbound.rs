//! The outbound visit-route library (出访线路库) as the office uses it: routes listed, kept and
//! checked, suggested for the city's needs with the bases each one serves, and trip plans
//! checked against their tasks and the rules.

use crate::access::Actor;
use crate::catalog::RouteChange;
use crate::domain::{FieldCode, FieldError, OutboundRoute};
use crate::outbound::suggest::{BaseLink, SuggestContext};
use crate::outbound::{NeedsQuery, Suggestions, TripCheck, TripPlan};
use crate::Error;

use super::library::BaseLibrary;

/// Outbound routes, by id, narrowed by theme, country and industry (a code includes the
/// industries below it).
pub fn routes(library: &BaseLibrary, theme: Option<&str>, country: Option<&str>, industry: Option<&str>) -> Result<Vec<OutboundRoute>, Error> {
    Ok(library
        .store()
        .routes()?
        .into_iter()
        .map(|(route, _)| route)
        .filter(|r| theme.is_none_or(|t| r.theme == t))
        .filter(|r| country.is_none_or(|c| r.country.eq_ignore_ascii_case(c)))
        .filter(|r| industry.is_none_or(|i| r.industries.iter().any(|code| library.taxonomy().is_within(code, i))))
        .collect())
}

/// Every failing filter of a route listing: an unknown theme, country or industry.
pub fn check_filters(library: &BaseLibrary, theme: Option<&str>, country: Option<&str>, industry: Option<&str>) -> Vec<FieldError> {
    let mut errors = Vec::new();
    if let Some(theme) = theme
        && let Some(error) = crate::domain::check_theme(theme, "theme") {
            errors.push(error);
        }
    if let Some(country) = country
        && library.relations().country(country).is_none() {
            errors.push(FieldError::new("country", FieldCode::InvalidValue, format!("`{country}` is not a known country code")));
        }
    if let Some(industry) = industry
        && library.taxonomy().get(industry).is_none() {
            errors.push(FieldError::new("industry", FieldCode::InvalidValue, format!("`{industry}` is not an industry code; see GET /v1/industries")));
        }
    errors
}

/// One outbound route with its ETag.
pub fn route(library: &BaseLibrary, id: &str) -> Result<(OutboundRoute, String), Error> {
    library.store().route(id)?.ok_or_else(|| Error::OutboundRouteNotFound(id.to_string()))
}

/// Adds a route after checking every field.
pub fn create_route(library: &BaseLibrary, route: &OutboundRoute, actor: &Actor) -> Result<String, Error> {
    check_route(library, route)?;
    Ok(library.store().apply_route(RouteChange::Create(route), actor)?.unwrap_or_default())
}

/// Replaces route `id` if it is still at version `if_match`.
pub fn replace_route(library: &BaseLibrary, id: &str, route: &OutboundRoute, if_match: &str, actor: &Actor) -> Result<String, Error> {
    if route.id != id {
        return Err(Error::Invalid(vec![FieldError::new("id", FieldCode::InvalidValue, format!("is `{}` but the path names `{id}`", route.id))]));
    }
    check_route(library, route)?;
    Ok(library.store().apply_route(RouteChange::Replace { route, if_match }, actor)?.unwrap_or_default())
}

/// Removes route `id` if it is still at version `if_match`.
pub fn delete_route(library: &BaseLibrary, id: &str, if_match: &str, actor: &Actor) -> Result<(), Error> {
    library.store().apply_route(RouteChange::Delete { id, if_match }, actor)?;
    Ok(())
}

fn check_route(library: &BaseLibrary, route: &OutboundRoute) -> Result<(), Error> {
    let errors = crate::outbound::validate_route(route, library.taxonomy(), library.relations());
    if errors.is_empty() { Ok(()) } else { Err(Error::Invalid(errors)) }
}

/// Ranks outbound routes and countries for the city's needs, linking bases to each route.
///
/// Trip results are internal: they move the ranking and show in the reasons only for staff
/// (`visibility` internal), so a public caller's ranking reveals nothing of them.
pub fn suggest(library: &BaseLibrary, query: &NeedsQuery, visibility: crate::access::Visibility) -> Result<Suggestions, Error> {
    let results = if visibility.sees_hidden() { super::trips::assessment(library, crate::outbound::AssessBy::Route, None, None)? } else { Vec::new() };
    with_context(library, |context| {
        let context = SuggestContext { route_results: &results, ..*context };
        crate::outbound::suggest(query, &context).map_err(Error::Invalid)
    })?
}

/// The bases a route serves and the bases to promote there.
pub fn links(library: &BaseLibrary, route: &OutboundRoute) -> Result<(Vec<BaseLink>, Vec<BaseLink>), Error> {
    with_context(library, |context| crate::outbound::suggest::route_links(route, context))
}

fn with_context<T>(library: &BaseLibrary, work: impl FnOnce(&SuggestContext<'_>) -> T) -> Result<T, Error> {
    let routes = routes(library, None, None, None)?;
    let mut bases = Vec::new();
    library.for_each_base(|base| bases.push(base))?;
    let context = SuggestContext {
        route_results: &[],
        routes: &routes,
        reference: library.outbound_reference(),
        taxonomy: library.taxonomy(),
        relations: library.relations(),
        bases: &bases,
    };
    Ok(work(&context))
}

/// Checks a trip plan against its tasks and the rules, and writes its application summary.
pub fn check_trip(library: &BaseLibrary, plan: &TripPlan) -> Result<TripCheck, Error> {
    let routes = routes(library, None, None, None)?;
    crate::outbound::check_trip(plan, &routes, library.outbound_reference(), library.relations()).map_err(Error::Invalid)
}
