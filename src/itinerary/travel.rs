//! Driving times between places: the road model of `domain::geo`, overridden pair by pair by
//! an optional matrix file so a deployment can plug in real road times.
//!
//! The file is CSV with the header `from,to,minutes`; `from` and `to` are base ids or
//! division codes (a division stands for its seat, as hotels and appointments given by
//! division do). A pair given once applies in that direction only.

use std::collections::HashMap;

use crate::domain::{DivisionRegistry, ExchangeBase, FieldCode, FieldError};
use crate::domain::geo;

/// A place the planner drives between.
#[derive(Debug, Clone, PartialEq)]
pub struct Place {
    /// Key for matrix overrides: a base id or a division code; `None` for bare coordinates.
    pub key: Option<String>,
    /// Latitude.
    pub lat: f64,
    /// Longitude.
    pub lon: f64,
    /// In a mountain area (slower last kilometres).
    pub mountain: bool,
}

/// Where a base stands, as the planner drives to it (see [`DivisionRegistry::is_mountain`]).
pub(crate) fn base_place(divisions: &DivisionRegistry, base: &ExchangeBase) -> Place {
    let mountain = divisions.is_mountain(&base.location.division);
    Place { key: Some(base.id.clone()), lat: base.location.lat, lon: base.location.lon, mountain }
}

/// Road model plus overrides.
#[derive(Debug, Clone, Default)]
pub struct TravelTimes {
    overrides: HashMap<(String, String), u32>,
}

impl TravelTimes {
    /// The road model alone.
    pub fn road_model() -> TravelTimes {
        TravelTimes::default()
    }

    /// Reads an override file; every bad line is reported with its line number and field.
    pub fn from_csv(text: &str) -> Result<TravelTimes, Vec<FieldError>> {
        let mut errors = Vec::new();
        let mut overrides = HashMap::new();
        let mut reader = csv::ReaderBuilder::new().trim(csv::Trim::All).from_reader(text.as_bytes());
        let header_ok = reader
            .headers()
            .map(|h| h.iter().collect::<Vec<_>>() == ["from", "to", "minutes"])
            .unwrap_or(false);
        if !header_ok {
            return Err(vec![FieldError::new("(header)", FieldCode::InvalidValue, "the header must be `from,to,minutes`").at_line(1)]);
        }
        for (i, row) in reader.records().enumerate() {
            let line = i + 2;
            let row = match row {
                Ok(row) => row,
                Err(e) => {
                    errors.push(FieldError::new("(record)", FieldCode::MalformedRecord, e.to_string()).at_line(line));
                    continue;
                }
            };
            let (from, to, minutes) = (row.get(0).unwrap_or(""), row.get(1).unwrap_or(""), row.get(2).unwrap_or(""));
            if from.is_empty() {
                errors.push(FieldError::new("from", FieldCode::MissingField, "a place key is required").at_line(line));
            }
            if to.is_empty() {
                errors.push(FieldError::new("to", FieldCode::MissingField, "a place key is required").at_line(line));
            }
            match minutes.parse::<u32>() {
                Ok(m) if m <= 24 * 60 => {
                    if !from.is_empty() && !to.is_empty() {
                        overrides.insert((from.to_string(), to.to_string()), m);
                    }
                }
                _ => errors.push(
                    FieldError::new("minutes", FieldCode::InvalidValue, format!("`{minutes}` must be whole minutes from 0 to 1440")).at_line(line),
                ),
            }
        }
        if errors.is_empty() {
            Ok(TravelTimes { overrides })
        } else {
            Err(errors)
        }
    }

    /// Number of overridden pairs.
    pub fn overrides(&self) -> usize {
        self.overrides.len()
    }

    /// Driving minutes from `a` to `b`, rounded up.
    pub fn minutes(&self, a: &Place, b: &Place) -> u32 {
        if let (Some(from), Some(to)) = (&a.key, &b.key)
            && let Some(&m) = self.overrides.get(&(from.clone(), to.clone())) {
                return m;
            }
        if a.lat == b.lat && a.lon == b.lon {
            return 0;
        }
        geo::travel_minutes((a.lat, a.lon), (b.lat, b.lon), b.mountain).ceil() as u32
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn place(key: &str, lat: f64, lon: f64) -> Place {
        Place { key: Some(key.into()), lat, lon, mountain: false }
    }

    #[test]
    fn overrides_replace_the_road_model_in_one_direction() {
        let times = TravelTimes::from_csv("from,to,minutes\nlucheng,dongtou,75\n").unwrap();
        let (a, b) = (place("lucheng", 28.02, 120.655), place("dongtou", 27.836, 121.157));
        assert_eq!(times.minutes(&a, &b), 75);
        assert_eq!(times.minutes(&b, &a), TravelTimes::road_model().minutes(&b, &a));
        assert_eq!(times.minutes(&a, &a), 0);
    }

    #[test]
    fn bad_lines_are_all_reported_with_line_and_field() {
        let errors = TravelTimes::from_csv("from,to,minutes\na,b,10\n,b,5\na,c,soon\n").unwrap_err();
        let found: Vec<(Option<usize>, &str)> = errors.iter().map(|e| (e.line, e.field.as_str())).collect();
        assert_eq!(found, [(Some(3), "from"), (Some(4), "minutes")]);
        assert!(TravelTimes::from_csv("a,b,c\n").is_err());
    }
}
