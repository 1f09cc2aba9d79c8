//! Distances and a simple road model for travel times inside Wenzhou.
//!
//! Straight-line distance (haversine) times a circuity factor gives road kilometres; the first
//! kilometres are driven at urban speed, the rest at expressway speed, and a trip into the
//! mountain counties ends with a slow stretch. Calibrated on DOMAIN.md's anchors: Dongtou about
//! an hour from the centre, Taishun two and a half hours, Longgang about seventy minutes.

/// Latitude and longitude bounds of Wenzhou, with a margin; a point outside is a typo or a
/// swapped pair, not a base of ours.
pub const WENZHOU_LAT: (f64, f64) = (27.0, 28.7);
/// See [`WENZHOU_LAT`].
pub const WENZHOU_LON: (f64, f64) = (119.5, 121.4);

/// Whether a point lies within [`WENZHOU_LAT`] and [`WENZHOU_LON`].
pub fn in_wenzhou(lat: f64, lon: f64) -> bool {
    (WENZHOU_LAT.0..=WENZHOU_LAT.1).contains(&lat) && (WENZHOU_LON.0..=WENZHOU_LON.1).contains(&lon)
}

/// Road kilometres per straight-line kilometre.
pub const CIRCUITY: f64 = 1.3;
/// Urban speed (km/h), used for the first [`URBAN_KM`] of every trip.
pub const URBAN_KMH: f64 = 30.0;
/// Kilometres of each trip driven at urban speed.
pub const URBAN_KM: f64 = 10.0;
/// Expressway speed (km/h).
pub const EXPRESSWAY_KMH: f64 = 60.0;
/// Speed (km/h) on the last [`MOUNTAIN_KM`] into a mountain area.
pub const MOUNTAIN_KMH: f64 = 40.0;
/// Kilometres of a trip into a mountain area driven at mountain speed.
pub const MOUNTAIN_KM: f64 = 15.0;

const EARTH_RADIUS_KM: f64 = 6371.0;

/// Great-circle distance in kilometres.
pub fn haversine_km(lat1: f64, lon1: f64, lat2: f64, lon2: f64) -> f64 {
    let (phi1, phi2) = (lat1.to_radians(), lat2.to_radians());
    let d_phi = (lat2 - lat1).to_radians();
    let d_lambda = (lon2 - lon1).to_radians();
    let a = (d_phi / 2.0).sin().powi(2) + phi1.cos() * phi2.cos() * (d_lambda / 2.0).sin().powi(2);
    2.0 * EARTH_RADIUS_KM * a.sqrt().asin()
}

/// Estimated driving minutes between two points; `to_mountain` when the destination lies in
/// a mountain area (`area_type` = `mountain` in `fixtures/divisions.json`).
pub fn travel_minutes(from: (f64, f64), to: (f64, f64), to_mountain: bool) -> f64 {
    let road_km = haversine_km(from.0, from.1, to.0, to.1) * CIRCUITY;
    let urban_km = road_km.min(URBAN_KM);
    let mut rest = road_km - urban_km;
    let mut hours = urban_km / URBAN_KMH;
    if to_mountain {
        let mountain_km = rest.min(MOUNTAIN_KM);
        hours += mountain_km / MOUNTAIN_KMH;
        rest -= mountain_km;
    }
    hours += rest / EXPRESSWAY_KMH;
    hours * 60.0
}

#[cfg(test)]
mod tests {
    use super::*;

    const CENTRE: (f64, f64) = (28.020, 120.655);

    #[test]
    fn matches_the_domain_anchors() {
        let dongtou = travel_minutes(CENTRE, (27.836, 121.157), false);
        assert!((55.0..=90.0).contains(&dongtou), "Dongtou {dongtou}");
        let taishun = travel_minutes(CENTRE, (27.557, 119.718), true);
        assert!((120.0..=165.0).contains(&taishun), "Taishun {taishun}");
        let longgang = travel_minutes(CENTRE, (27.582, 120.549), false);
        assert!((50.0..=85.0).contains(&longgang), "Longgang {longgang}");
    }

    #[test]
    fn zero_distance_is_zero_minutes() {
        assert_eq!(travel_minutes(CENTRE, CENTRE, false), 0.0);
    }
}
