//! Batch evaluation from the command line: `visitmatch evaluate` on the past-visits fixture,
//! with the real binary, a real catalog and polars reading and writing the files.

mod common;

use common::{visitmatch, TempDataDir};
use serde_json::Value;

fn fixture(path: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(path)
}

fn config_row<'a>(summary: &'a Value, name: &str) -> &'a Value {
    summary["configs"].as_array().unwrap().iter().find(|c| c["config"] == name).unwrap_or_else(|| panic!("no {name} in {summary}"))
}

#[test]
fn evaluating_the_fixture_writes_every_table_and_an_offline_report() {
    let data = TempDataDir::new();
    let out = data.path().join("report");
    let weights = data.path().join("text_heavy.toml");
    let default = std::fs::read_to_string(fixture("fixtures/match_config.toml")).unwrap();
    std::fs::write(&weights, default.replace("text = 0.20", "text = 0.45").replace("industry = 0.25", "industry = 0.10")).unwrap();
    let output = visitmatch(data.path())
        .args(["evaluate", "--visits"])
        .arg(fixture("fixtures/past_visits/visits.csv"))
        .arg("--config")
        .arg(&weights)
        .arg("--out")
        .arg(&out)
        .args(["--itinerary-sample", "40"])
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    for table in ["per_visit", "summary", "exposure", "by_country", "by_organisation_type", "by_theme", "by_year"] {
        assert!(out.join(format!("{table}.csv")).is_file(), "{table}.csv");
        assert!(out.join(format!("{table}.parquet")).is_file(), "{table}.parquet");
    }
    let summary: Value = serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    assert_eq!(summary["visits"], 360);
    let configs: Vec<&str> = summary["configs"].as_array().unwrap().iter().map(|c| c["config"].as_str().unwrap()).collect();
    assert_eq!(configs, ["bm25", "default", "text_heavy"]);
    let (bm25, full) = (config_row(&summary, "bm25"), config_row(&summary, "default"));
    // The full matcher never suggests a base that breaks a hard rule, and it finds the visited
    // bases better than plain BM25.
    assert_eq!(full["violations"], 0);
    assert!(full["ndcg"].as_f64().unwrap() > bm25["ndcg"].as_f64().unwrap(), "{full} vs {bm25}");
    assert!(full["hit_rate"].as_f64().unwrap() > 0.5);
    for name in ["default", "text_heavy"] {
        let row = config_row(&summary, name);
        assert_eq!(row["planned"], 40);
        let feasible = row["feasibility_rate"].as_f64().unwrap();
        assert!((0.0..=1.0).contains(&feasible));
        let gini = row["exposure_gini"].as_f64().unwrap();
        assert!(gini > 0.0 && gini < 1.0);
    }
    let years: Vec<i64> = summary["breakdowns"]["year"].as_array().unwrap().iter().map(|r| r["year"].as_i64().unwrap()).collect();
    assert!(years.contains(&2019) && years.contains(&2024));
    let per_visit = std::fs::read_to_string(out.join("per_visit.csv")).unwrap();
    assert_eq!(per_visit.lines().count(), 1 + 3 * 360);
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(html.matches("<svg").count() >= 5, "charts are inline SVG");
    assert!(!html.contains("src=\"http") && !html.contains("href=\"http"), "the report loads nothing from the network");
    // How sure: every configuration's metrics carry an interval around the mean, and every
    // configuration is compared with the first by a paired test over the same 360 visits.
    for name in ["bm25", "default", "text_heavy"] {
        for metric in ["hit", "recall", "ndcg", "reciprocal_rank"] {
            let e = &summary["intervals"][name][metric];
            let (low, mean, high) = (e["low"].as_f64().unwrap(), e["mean"].as_f64().unwrap(), e["high"].as_f64().unwrap());
            assert!(low <= mean && mean <= high && high - low < 0.5, "{name} {metric}: {e}");
            assert_eq!(e["n"], 360);
        }
    }
    let compared: Vec<&str> = summary["comparisons"].as_array().unwrap().iter().map(|c| c["config"].as_str().unwrap()).collect();
    assert_eq!(compared, ["default", "text_heavy"]);
    let p = summary["comparisons"][0]["metrics"]["ndcg"]["p_value"].as_f64().unwrap();
    assert!(p > 0.0 && p <= 1.0, "{p}");
    // The mean difference is the difference of the two means (the same visits on both sides).
    let difference = summary["comparisons"][0]["metrics"]["ndcg"]["difference"]["mean"].as_f64().unwrap();
    let means = |name: &str| summary["intervals"][name]["ndcg"]["mean"].as_f64().unwrap();
    assert!((difference - (means("default") - means("bm25"))).abs() < 1e-9);
    // Values on the bars, labels with visit counts on the axes, no codes.
    assert!(html.matches("class=\"value\"").count() >= 12, "values are written on the bars");
    assert!(html.contains("Italy (n="), "groups are named, with their visit counts");
    assert!(html.contains("Business association (n="));
    for code in [">business_association", ">fashion_smart_manufacturing", ">hit_rate<"] {
        assert!(!html.contains(code), "a code on an axis: {code}");
    }
}

#[test]
fn bad_cells_are_reported_by_line_and_column_and_nothing_is_written() {
    let data = TempDataDir::new();
    let good = std::fs::read_to_string(fixture("fixtures/past_visits/visits.csv")).unwrap();
    let mut lines: Vec<String> = good.lines().take(6).map(str::to_string).collect();
    // Line 3: a size that is not a number; line 5: an unknown base.
    let header: Vec<&str> = lines[0].split(',').collect();
    let size_at = header.iter().position(|c| *c == "size").unwrap();
    let mut reader = csv::ReaderBuilder::new().from_reader(good.as_bytes());
    let records: Vec<csv::StringRecord> = reader.records().take(5).map(|r| r.unwrap()).collect();
    let write_row = |record: &csv::StringRecord, edit: &dyn Fn(usize, &str) -> String| {
        let mut writer = csv::WriterBuilder::new().has_headers(false).from_writer(Vec::new());
        writer.write_record(record.iter().enumerate().map(|(i, v)| edit(i, v))).unwrap();
        String::from_utf8(writer.into_inner().unwrap()).unwrap().trim_end().to_string()
    };
    let bases_at = header.iter().position(|c| *c == "visited_bases").unwrap();
    lines[2] = write_row(&records[1], &|i, v| if i == size_at { "twelve".into() } else { v.into() });
    lines[4] = write_row(&records[3], &|i, v| if i == bases_at { format!("{v};no-such-base") } else { v.into() });
    let bad = data.path().join("bad.csv");
    std::fs::write(&bad, lines.join("\n") + "\n").unwrap();
    let out = data.path().join("report");
    let output = visitmatch(data.path()).args(["evaluate", "--visits"]).arg(&bad).arg("--out").arg(&out).output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(stderr.contains("line 3, field `size`"), "{stderr}");
    assert!(stderr.contains("line 5, field `visited_bases`") && stderr.contains("no-such-base"), "{stderr}");
    assert!(!out.exists(), "nothing is written");

    // A missing column is named.
    let no_size: String = good
        .lines()
        .take(3)
        .map(|l| {
            let mut r = csv::ReaderBuilder::new().has_headers(false).from_reader(l.as_bytes());
            let rec = r.records().next().unwrap().unwrap();
            let mut w = csv::WriterBuilder::new().has_headers(false).from_writer(Vec::new());
            w.write_record(rec.iter().enumerate().filter(|(i, _)| *i != size_at).map(|(_, v)| v)).unwrap();
            String::from_utf8(w.into_inner().unwrap()).unwrap()
        })
        .collect();
    std::fs::write(&bad, no_size).unwrap();
    let output = visitmatch(data.path()).args(["evaluate", "--visits"]).arg(&bad).arg("--out").arg(&out).output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("field `size`: the column `size` is required"));
    assert!(!out.exists());
}

#[test]
fn parquet_input_gives_the_same_result_as_csv() {
    use polars::prelude::*;
    let data = TempDataDir::new();
    // The first 40 visits, as CSV and as Parquet (typed columns).
    let csv_path = data.path().join("visits.csv");
    let text: String = std::fs::read_to_string(fixture("fixtures/past_visits/visits.csv")).unwrap().lines().take(41).map(|l| format!("{l}\n")).collect();
    std::fs::write(&csv_path, &text).unwrap();
    let mut frame = CsvReadOptions::default().with_has_header(true).try_into_reader_with_file_path(Some(csv_path.clone())).unwrap().finish().unwrap();
    let parquet_path = data.path().join("visits.parquet");
    ParquetWriter::new(std::fs::File::create(&parquet_path).unwrap()).finish(&mut frame).unwrap();
    let run = |input: &std::path::Path, out: &str| -> Value {
        let out = data.path().join(out);
        let output = visitmatch(data.path()).args(["evaluate", "--itinerary-sample", "5", "--visits"]).arg(input).arg("--out").arg(&out).output().unwrap();
        assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
        serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap()
    };
    assert_eq!(run(&csv_path, "from_csv"), run(&parquet_path, "from_parquet"));
}
