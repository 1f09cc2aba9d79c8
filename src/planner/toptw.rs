//! Reading the standard TOPTW benchmark instances (Righini & Salani, Montemanni &
//! Gambardella; format in `benches/toptw/README.md` of the shared benchmark folder).
//!
//! Times are kept as integers: tenths for the Solomon-based files and hundredths for the
//! Cordeau-based `pr` files, with Euclidean distances truncated to that precision — the
//! convention under which the best known scores were obtained.

use super::problem::{Duration, Preferences, Problem, Site, Tour, Window};

/// A benchmark instance read from its file.
#[derive(Debug, Clone)]
pub struct Instance {
    /// File stem, e.g. `pr01`.
    pub name: String,
    /// Time units per unit of the file (10 or 100).
    pub scale: i64,
    /// The planning problem for the requested number of tours.
    pub problem: Problem,
}

/// Parses an instance for `tours` tours. Vertex 0 is the depot; site `i` is vertex `i + 1`.
pub fn parse(name: &str, text: &str, tours: usize) -> Result<Instance, String> {
    // `pr` files use two decimals, the Solomon-based ones one.
    let scale: i64 = if name.starts_with("pr") { 100 } else { 10 };
    let mut lines = text.lines().map(str::trim).filter(|l| !l.is_empty());
    let header: Vec<&str> = lines.next().ok_or("empty file")?.split_whitespace().collect();
    let count: usize = header.get(2).and_then(|v| v.parse().ok()).ok_or("line 1: the third value (N) must be an integer")?;
    lines.next().ok_or("line 2 is missing")?;
    struct Vertex {
        x: i128,
        y: i128,
        service: i64,
        prize: i64,
        open: i64,
        close: i64,
    }
    let mut vertices = Vec::with_capacity(count + 1);
    for (index, line) in lines.take(count + 1).enumerate() {
        let fields: Vec<&str> = line.split_whitespace().collect();
        let at = |i: usize| fields.get(i).copied().ok_or(format!("vertex {index}: too few values"));
        let thousandths = |v: &str| -> Result<i128, String> {
            v.parse::<f64>().map(|f| (f * 1000.0).round() as i128).map_err(|_| format!("vertex {index}: `{v}` is not a number"))
        };
        let integer = |v: &str| -> Result<i64, String> {
            v.parse::<f64>().map(|f| f.round() as i64).map_err(|_| format!("vertex {index}: `{v}` is not a number"))
        };
        if fields.len() < 9 {
            return Err(format!("vertex {index}: expected at least 9 values, found {}", fields.len()));
        }
        vertices.push(Vertex {
            x: thousandths(at(1)?)?,
            y: thousandths(at(2)?)?,
            service: integer(at(3)?)?,
            prize: integer(at(4)?)?,
            open: integer(fields[fields.len() - 2])?,
            close: integer(fields[fields.len() - 1])?,
        });
    }
    if vertices.len() != count + 1 {
        return Err(format!("expected {} vertex lines, found {}", count + 1, vertices.len()));
    }
    let n = vertices.len();
    let mut travel = Vec::with_capacity(n * n);
    for a in &vertices {
        for b in &vertices {
            let squared = (a.x - b.x).pow(2) + (a.y - b.y).pow(2);
            // floor(scale · √squared / 1000) = ⌊√(scale² · squared / 10⁶)⌋, exactly in integers.
            let scaled = (scale as i128).pow(2) * squared / 1_000_000;
            travel.push(Duration(isqrt(scaled) as i64));
        }
    }
    let depot = &vertices[0];
    let tour = Tour {
        start: 0,
        end: 0,
        depart: Duration(depot.open * scale),
        return_by: Duration(depot.close * scale),
        max_visits: usize::MAX,
        max_travel: Duration::UNBOUNDED,
        meal: None,
    };
    let sites = vertices[1..]
        .iter()
        .enumerate()
        .map(|(i, v)| Site {
            location: i + 1,
            prize: v.prize,
            service: Duration(v.service * scale),
            windows: vec![vec![Window { open: Duration(v.open * scale), close: Duration(v.close * scale) }]; tours],
            cluster: None,
            required: false,
            fixed_tour: None,
        })
        .collect();
    let problem = Problem::new(sites, vec![tour; tours], travel, None, Preferences::default())
        .map_err(|errors| errors.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))?;
    Ok(Instance { name: name.to_string(), scale, problem })
}

fn isqrt(value: i128) -> i128 {
    if value <= 0 {
        return 0;
    }
    let mut root = (value as f64).sqrt() as i128;
    while root * root > value {
        root -= 1;
    }
    while (root + 1) * (root + 1) <= value {
        root += 1;
    }
    root
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distances_are_truncated_not_rounded() {
        // (0,0) to (1,1): √2 = 1.414… → 14 tenths; (0,0) to (3,4) = 5 exactly → 50.
        let text = "0 1 3 0\n0 0\n0 0 0 0 0 0 0 0 100\n1 1 1 0 5 0 0 0 100\n2 3 4 0 5 0 0 0 100\n3 0 0.5 0 5 0 0 10 20\n";
        let instance = parse("c999", text, 1).unwrap();
        let p = &instance.problem;
        assert_eq!(p.travel(0, 1), Duration(14));
        assert_eq!(p.travel(0, 2), Duration(50));
        assert_eq!(p.travel(1, 2), Duration(36)); // √13 = 3.605…
        assert_eq!(p.windows(2, 0), [Window { open: Duration(100), close: Duration(200) }]);
    }
}
