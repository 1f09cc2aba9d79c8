//! Tables, summary and the HTML report of an evaluation, computed with polars (lazy
//! group-bys and joins) and written all at once: either the whole folder appears or nothing.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

use polars::prelude::*;
use serde_json::{json, Map, Value};

use super::metrics::{gini, VisitOutcome};
use super::stats::{bootstrap_mean, paired_test};
use crate::domain::ExchangeBase;

/// Everything an evaluation produces.
#[derive(Debug, Clone)]
pub struct Report {
    /// One row per visit and configuration.
    pub per_visit: DataFrame,
    /// One row per configuration.
    pub summary: DataFrame,
    /// Per configuration and country, organisation type, theme, year.
    pub breakdowns: Vec<(&'static str, DataFrame)>,
    /// Per configuration and base: how often suggested.
    pub exposure: DataFrame,
}

fn polars_error(e: PolarsError) -> String {
    e.to_string()
}

/// Builds the tables from the outcomes. `bases` is the catalog (restricted bases are not
/// counted in coverage, since they may never be suggested).
pub fn build(outcomes: &[VisitOutcome], bases: &[ExchangeBase]) -> Result<Report, String> {
    let per_visit = df!(
        "config" => outcomes.iter().map(|o| o.config.as_str()).collect::<Vec<_>>(),
        "visit_id" => outcomes.iter().map(|o| o.visit_id.as_str()).collect::<Vec<_>>(),
        "year" => outcomes.iter().map(|o| o.year).collect::<Vec<_>>(),
        "country" => outcomes.iter().map(|o| o.country.as_str()).collect::<Vec<_>>(),
        "organisation_type" => outcomes.iter().map(|o| o.organisation_type.as_str()).collect::<Vec<_>>(),
        "theme" => outcomes.iter().map(|o| o.theme.as_str()).collect::<Vec<_>>(),
        "hit" => outcomes.iter().map(|o| o.hit).collect::<Vec<_>>(),
        "recall" => outcomes.iter().map(|o| o.recall).collect::<Vec<_>>(),
        "ndcg" => outcomes.iter().map(|o| o.ndcg).collect::<Vec<_>>(),
        "reciprocal_rank" => outcomes.iter().map(|o| o.reciprocal_rank).collect::<Vec<_>>(),
        "violations" => outcomes.iter().map(|o| o.violations).collect::<Vec<_>>(),
        "planned" => outcomes.iter().map(|o| o.planned).collect::<Vec<_>>(),
        "feasible" => outcomes.iter().map(|o| o.feasible.map(|f| f64::from(u8::from(f)))).collect::<Vec<_>>(),
        "travel_share" => outcomes.iter().map(|o| o.travel_share).collect::<Vec<_>>(),
        "suggested" => outcomes.iter().map(|o| o.suggested.join(";")).collect::<Vec<_>>(),
    )
    .map_err(polars_error)?;

    // Exposure: (config, base) pairs joined with the catalog, so unsuggested bases count as 0.
    let pairs: Vec<(&str, &str)> = outcomes.iter().flat_map(|o| o.suggested.iter().map(move |id| (o.config.as_str(), id.as_str()))).collect();
    let suggestions = df!(
        "config" => pairs.iter().map(|p| p.0).collect::<Vec<_>>(),
        "base_id" => pairs.iter().map(|p| p.1).collect::<Vec<_>>(),
    )
    .map_err(polars_error)?;
    let eligible: Vec<&ExchangeBase> = bases.iter().filter(|b| b.is_public()).collect();
    let catalog = df!(
        "base_id" => eligible.iter().map(|b| b.id.as_str()).collect::<Vec<_>>(),
        "division" => eligible.iter().map(|b| b.location.division.as_str()).collect::<Vec<_>>(),
    )
    .map_err(polars_error)?;
    let configs: Vec<String> = {
        let mut seen = Vec::new();
        for o in outcomes {
            if !seen.contains(&o.config) {
                seen.push(o.config.clone());
            }
        }
        seen
    };
    let counts = suggestions
        .lazy()
        .group_by([col("config"), col("base_id")])
        .agg([len().alias("suggested")])
        .collect()
        .map_err(polars_error)?;
    // Every (configuration, eligible base) pair, so that bases never suggested count as 0.
    let grid = df!(
        "config" => configs.iter().flat_map(|c| eligible.iter().map(move |_| c.as_str())).collect::<Vec<_>>(),
        "base_id" => configs.iter().flat_map(|_| eligible.iter().map(|b| b.id.as_str())).collect::<Vec<_>>(),
    )
    .map_err(polars_error)?;
    let exposure = grid
        .lazy()
        .join(catalog.lazy(), [col("base_id")], [col("base_id")], JoinArgs::new(JoinType::Left))
        .join(counts.lazy(), [col("config"), col("base_id")], [col("config"), col("base_id")], JoinArgs::new(JoinType::Left))
        .with_column(col("suggested").fill_null(lit(0u32)).cast(DataType::UInt64))
        .sort(["config", "base_id"], SortMultipleOptions::default())
        .collect()
        .map_err(polars_error)?;

    let metrics = || {
        vec![
            len().alias("visits"),
            col("hit").mean().alias("hit_rate"),
            col("recall").mean().alias("recall"),
            col("ndcg").mean().alias("ndcg"),
            col("reciprocal_rank").mean().alias("mrr"),
        ]
    };
    let mut summary_aggs = metrics();
    summary_aggs.extend([
        col("violations").sum().alias("violations"),
        col("planned").sum().alias("planned"),
        col("feasible").mean().alias("feasibility_rate"),
        col("travel_share").mean().alias("travel_share"),
    ]);
    let mut summary = per_visit
        .clone()
        .lazy()
        .group_by_stable([col("config")])
        .agg(summary_aggs)
        .collect()
        .map_err(polars_error)?;

    // Coverage and fairness of exposure, per configuration.
    let division_total = eligible.iter().map(|b| b.location.division.as_str()).collect::<std::collections::HashSet<_>>().len();
    let per_config = exposure
        .clone()
        .lazy()
        .group_by_stable([col("config")])
        .agg([
            col("suggested").gt(lit(0u64)).cast(DataType::Float64).mean().alias("coverage_bases"),
            col("division").filter(col("suggested").gt(lit(0u64))).n_unique().alias("divisions_suggested"),
        ])
        .collect()
        .map_err(polars_error)?;
    let mut ginis = Vec::new();
    for config in &configs {
        let column = exposure
            .clone()
            .lazy()
            .filter(col("config").eq(lit(config.clone())))
            .select([col("suggested")])
            .collect()
            .map_err(polars_error)?;
        let counts: Vec<u64> = column.column("suggested").map_err(polars_error)?.u64().map_err(polars_error)?.into_no_null_iter().collect();
        ginis.push(gini(&counts));
    }
    let fairness = df!("config" => configs.clone(), "exposure_gini" => ginis).map_err(polars_error)?;
    summary = summary
        .lazy()
        .join(per_config.lazy(), [col("config")], [col("config")], JoinArgs::new(JoinType::Left))
        .join(fairness.lazy(), [col("config")], [col("config")], JoinArgs::new(JoinType::Left))
        .with_column((col("divisions_suggested").cast(DataType::Float64) / lit(division_total.max(1) as f64)).alias("coverage_divisions"))
        .drop(Selector::ByName { names: ["divisions_suggested".into()].into(), strict: true })
        .collect()
        .map_err(polars_error)?;

    let mut breakdowns = Vec::new();
    for key in ["country", "organisation_type", "theme", "year"] {
        let table = per_visit
            .clone()
            .lazy()
            .group_by([col("config"), col(key)])
            .agg(metrics())
            .sort(["config", key], SortMultipleOptions::default())
            .collect()
            .map_err(polars_error)?;
        breakdowns.push((key, table));
    }
    Ok(Report { per_visit, summary, breakdowns, exposure })
}

/// A cell as JSON.
fn json_value(value: AnyValue) -> Value {
    match value {
        AnyValue::Null => Value::Null,
        AnyValue::Boolean(b) => json!(b),
        AnyValue::String(s) => json!(s),
        AnyValue::StringOwned(s) => json!(s.as_str()),
        AnyValue::Int32(v) => json!(v),
        AnyValue::Int64(v) => json!(v),
        AnyValue::UInt32(v) => json!(v),
        AnyValue::UInt64(v) => json!(v),
        AnyValue::Float64(v) => json!((v * 1e6).round() / 1e6),
        AnyValue::Float32(v) => json!(v),
        other => json!(other.to_string()),
    }
}

/// The rows of a frame as JSON objects.
pub fn rows(frame: &DataFrame) -> Vec<Map<String, Value>> {
    (0..frame.height())
        .map(|r| {
            frame
                .columns()
                .iter()
                .map(|c| (c.name().to_string(), c.get(r).map(json_value).unwrap_or(Value::Null)))
                .collect()
        })
        .collect()
}

/// The metrics measured per visit, with how people read them.
const VISIT_METRICS: [(&str, &str, &str); 4] =
    [("hit", "命中率", "hit rate"), ("recall", "召回率", "recall"), ("ndcg", "NDCG", "NDCG"), ("reciprocal_rank", "平均倒数排名", "MRR")];

/// Each configuration's per-visit metrics with 95 % bootstrap intervals over visits, and each
/// configuration compared with the first one (the reference) by a paired randomisation test
/// over the same visits.
fn uncertainty(report: &Report) -> (Value, Value) {
    let configs = column_text(&report.per_visit, "config");
    let visit_ids = column_text(&report.per_visit, "visit_id");
    let mut order: Vec<String> = Vec::new();
    for config in &configs {
        if !order.contains(config) {
            order.push(config.clone());
        }
    }
    // Per configuration: visit id -> row, so comparisons pair the same visits.
    let values = |config: &str, metric: &str| -> BTreeMap<String, f64> {
        let column = column_f64(&report.per_visit, metric);
        (0..configs.len()).filter(|i| configs[*i] == config).map(|i| (visit_ids[i].clone(), column[i])).collect()
    };
    let mut intervals = Map::new();
    for config in &order {
        let mut metrics = Map::new();
        for (metric, ..) in VISIT_METRICS {
            let list: Vec<f64> = values(config, metric).into_values().collect();
            metrics.insert(metric.to_string(), serde_json::to_value(bootstrap_mean(&list)).expect("estimate"));
        }
        intervals.insert(config.clone(), Value::Object(metrics));
    }
    let mut comparisons = Vec::new();
    if let Some(reference) = order.first() {
        for config in order.iter().skip(1) {
            let mut metrics = Map::new();
            for (metric, ..) in VISIT_METRICS {
                let (a, b) = (values(config, metric), values(reference, metric));
                let shared: Vec<&String> = a.keys().filter(|id| b.contains_key(*id)).collect();
                let test = paired_test(&shared.iter().map(|id| a[*id]).collect::<Vec<_>>(), &shared.iter().map(|id| b[*id]).collect::<Vec<_>>());
                metrics.insert(metric.to_string(), serde_json::to_value(test).expect("test"));
            }
            comparisons.push(json!({"config": config, "reference": reference, "metrics": metrics}));
        }
    }
    (Value::Object(intervals), Value::Array(comparisons))
}

/// The summary document: per configuration, its metrics, their intervals and the paired tests
/// against the reference configuration; the breakdowns; and `labels`, the words people read
/// for each code (`{"country": {"IT": "意大利 Italy"}, "config": {…}, …}`).
pub fn summary_json(report: &Report, k: usize, visits: usize, labels: Value) -> Value {
    let mut breakdowns = Map::new();
    for (key, table) in &report.breakdowns {
        breakdowns.insert(key.to_string(), Value::Array(rows(table).into_iter().map(Value::Object).collect()));
    }
    let (intervals, comparisons) = uncertainty(report);
    json!({
        "k": k,
        "visits": visits,
        "configs": rows(&report.summary),
        "intervals": intervals,
        "comparisons": comparisons,
        "breakdowns": breakdowns,
        "labels": labels,
    })
}

/// Writes every output into `out` at once: a sibling folder is filled first and renamed into
/// place, so a failure leaves no half-written report.
pub fn write(report: &Report, summary: &Value, out: &Path) -> Result<(), String> {
    let parent = out.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    std::fs::create_dir_all(parent).map_err(|e| format!("{}: {e}", parent.display()))?;
    let staging = parent.join(format!(".{}.partial-{}", out.file_name().and_then(|n| n.to_str()).unwrap_or("report"), std::process::id()));
    let _ = std::fs::remove_dir_all(&staging);
    std::fs::create_dir_all(&staging).map_err(|e| format!("{}: {e}", staging.display()))?;
    let result = (|| -> Result<(), String> {
        let mut tables: Vec<(String, DataFrame)> = vec![
            ("per_visit".into(), report.per_visit.clone()),
            ("summary".into(), report.summary.clone()),
            ("exposure".into(), report.exposure.clone()),
        ];
        for (key, table) in &report.breakdowns {
            tables.push((format!("by_{key}"), table.clone()));
        }
        for (name, mut table) in tables {
            let csv_path = staging.join(format!("{name}.csv"));
            let mut file = std::fs::File::create(&csv_path).map_err(|e| format!("{}: {e}", csv_path.display()))?;
            CsvWriter::new(&mut file).finish(&mut table).map_err(polars_error)?;
            let parquet_path = staging.join(format!("{name}.parquet"));
            let file = std::fs::File::create(&parquet_path).map_err(|e| format!("{}: {e}", parquet_path.display()))?;
            ParquetWriter::new(file).finish(&mut table).map_err(polars_error)?;
        }
        std::fs::write(staging.join("summary.json"), serde_json::to_string_pretty(summary).expect("JSON") + "\n").map_err(|e| e.to_string())?;
        std::fs::write(staging.join("report.html"), html(report, summary)).map_err(|e| e.to_string())?;
        Ok(())
    })();
    if let Err(e) = result {
        let _ = std::fs::remove_dir_all(&staging);
        return Err(e);
    }
    if out.exists() {
        std::fs::remove_dir_all(out).map_err(|e| format!("{}: {e}", out.display()))?;
    }
    std::fs::rename(&staging, out).map_err(|e| format!("{}: {e}", out.display()))
}

const PALETTE: [&str; 6] = ["#1f5fa8", "#d9822b", "#2e8b57", "#a23b72", "#6b6b6b", "#b8860b"];

fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// A grouped bar chart: one group per label, one bar per series, values in 0..=1.
fn bar_chart(title: &str, labels: &[String], series: &[(String, Vec<f64>)]) -> String {
    // Room below the plot and to its left for the slanted group labels.
    let (width, height, left, bottom, top) = (820.0, 380.0, 110.0, 130.0, 34.0);
    let plot_h = height - bottom - top;
    let group_w = (width - left - 10.0) / labels.len().max(1) as f64;
    let bar_w = (group_w * 0.8) / series.len().max(1) as f64;
    let mut svg = format!(
        r#"<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="{t}" viewBox="0 0 {width} {height}" width="{width}" height="{height}"><title>{t}</title><text x="{left}" y="20" font-size="14" font-weight="bold">{t}</text>"#,
        t = escape(title)
    );
    for tick in 0..=4 {
        let v = tick as f64 / 4.0;
        let y = top + plot_h * (1.0 - v);
        let _ = write!(svg, r##"<line x1="{left}" x2="{}" y1="{y}" y2="{y}" stroke="#ddd"/><text x="{}" y="{}" font-size="10" text-anchor="end">{v:.2}</text>"##, width - 10.0, left - 4.0, y + 3.0);
    }
    for (g, label) in labels.iter().enumerate() {
        let x0 = left + g as f64 * group_w + group_w * 0.1;
        for (s, (_, values)) in series.iter().enumerate() {
            let v = values.get(g).copied().unwrap_or(0.0).clamp(0.0, 1.0);
            let h = plot_h * v;
            let _ = write!(
                svg,
                r#"<rect x="{:.1}" y="{:.1}" width="{:.1}" height="{:.1}" fill="{}"><title>{}: {v:.3}</title></rect>"#,
                x0 + s as f64 * bar_w,
                top + plot_h - h,
                bar_w * 0.92,
                h,
                PALETTE[s % PALETTE.len()],
                escape(&series[s].0)
            );
            // The value on the bar, so the chart reads without hovering.
            let _ = write!(
                svg,
                r#"<text class="value" x="{:.1}" y="{:.1}" font-size="9" text-anchor="middle">{v:.2}</text>"#,
                x0 + s as f64 * bar_w + bar_w * 0.46,
                top + plot_h - h - 2.0
            );
        }
        let _ = write!(
            svg,
            r#"<text x="{:.1}" y="{:.1}" font-size="11" text-anchor="end" transform="rotate(-35 {:.1} {:.1})">{}</text>"#,
            x0 + group_w * 0.4,
            height - bottom + 14.0,
            x0 + group_w * 0.4,
            height - bottom + 14.0,
            escape(label)
        );
    }
    for (s, (name, _)) in series.iter().enumerate() {
        // The legend sits at the top right, clear of the title.
        let x = width - 10.0 - (series.len() - s) as f64 * 220.0;
        let _ = write!(svg, r#"<rect x="{x}" y="10" width="10" height="10" fill="{}"/><text x="{}" y="19" font-size="11">{}</text>"#, PALETTE[s % PALETTE.len()], x + 14.0, escape(name));
    }
    svg.push_str("</svg>");
    svg
}

fn column_f64(frame: &DataFrame, name: &str) -> Vec<f64> {
    frame
        .column(name)
        .ok()
        .and_then(|c| c.cast(&DataType::Float64).ok())
        .map(|c| c.f64().map(|ca| ca.iter().map(|v| v.unwrap_or(0.0)).collect()).unwrap_or_default())
        .unwrap_or_default()
}

fn column_text(frame: &DataFrame, name: &str) -> Vec<String> {
    frame
        .column(name)
        .ok()
        .and_then(|c| c.cast(&DataType::String).ok())
        .map(|c| c.str().map(|ca| ca.iter().map(|v| v.unwrap_or("").to_string()).collect()).unwrap_or_default())
        .unwrap_or_default()
}

/// NDCG per group, one series per configuration; each group named as people read it, with
/// its number of visits (`意大利 Italy (n=12)`).
fn by_group(table: &DataFrame, key: &str, configs: &[String], summary: &Value) -> (Vec<String>, Vec<(String, Vec<f64>)>) {
    let keys = column_text(table, key);
    let config_col = column_text(table, "config");
    let ndcg = column_f64(table, "ndcg");
    let counts = column_f64(table, "visits");
    let codes: Vec<String> = keys.iter().cloned().collect::<std::collections::BTreeSet<_>>().into_iter().collect();
    let mut values: BTreeMap<(String, String), f64> = BTreeMap::new();
    let mut visits: BTreeMap<String, f64> = BTreeMap::new();
    for i in 0..keys.len() {
        values.insert((config_col[i].clone(), keys[i].clone()), ndcg[i]);
        visits.insert(keys[i].clone(), counts[i]);
    }
    let labels = codes.iter().map(|code| format!("{} (n={})", label(summary, key, code), visits.get(code).copied().unwrap_or(0.0))).collect();
    let series = configs
        .iter()
        .map(|c| (label(summary, "config", c), codes.iter().map(|l| values.get(&(c.clone(), l.clone())).copied().unwrap_or(0.0)).collect()))
        .collect();
    (labels, series)
}

/// The label of `code` in the summary's `labels` for `key`, or the code itself.
fn label(summary: &Value, key: &str, code: &str) -> String {
    summary["labels"][key][code].as_str().map_or_else(|| if code.is_empty() { "—".to_string() } else { code.to_string() }, str::to_string)
}

/// The self-contained HTML report: the summary table and SVG charts, nothing fetched.
pub fn html(report: &Report, summary: &Value) -> String {
    let configs = column_text(&report.summary, "config");
    let metrics = [
        ("hit_rate", "命中率 hit rate"),
        ("recall", "召回率 recall"),
        ("ndcg", "NDCG"),
        ("mrr", "平均倒数排名 MRR"),
        ("coverage_bases", "基地覆盖 bases covered"),
        ("coverage_divisions", "区域覆盖 divisions covered"),
    ];
    let overview = bar_chart(
        "各配置指标 Metrics by configuration",
        &metrics.iter().map(|(_, name)| name.to_string()).collect::<Vec<_>>(),
        &configs
            .iter()
            .enumerate()
            .map(|(i, c)| (label(summary, "config", c), metrics.iter().map(|(m, _)| column_f64(&report.summary, m).get(i).copied().unwrap_or(0.0)).collect()))
            .collect::<Vec<_>>(),
    );
    let mut charts = vec![overview];
    // The results of trips abroad (staff reports only), when any trip has reported them.
    for (key, title) in [("by_route", "出访成果：各线路 Trips abroad by route"), ("by_theme", "出访成果：各主题 Trips abroad by theme")] {
        let rows = summary["trips"][key].as_array().cloned().unwrap_or_default();
        if rows.is_empty() {
            continue;
        }
        let labels: Vec<String> = rows
            .iter()
            .map(|r| format!("{} {} ({})", r["label_zh"].as_str().unwrap_or(""), r["label_en"].as_str().unwrap_or(""), r["trips"].as_u64().unwrap_or(0)))
            .collect();
        let series = vec![
            ("任务达成率 share of tasks met".to_string(), rows.iter().map(|r| r["tasks_met_share"].as_f64().unwrap_or(0.0)).collect()),
            ("在外天数/规定天数 days used / allowed".to_string(), rows.iter().map(|r| {
                let allowed = r["days_allowed"].as_f64().unwrap_or(0.0);
                if allowed > 0.0 { r["days_used"].as_f64().unwrap_or(0.0) / allowed } else { 0.0 }
            }).collect()),
        ];
        charts.push(bar_chart(title, &labels, &series));
    }
    for (key, table) in &report.breakdowns {
        let (labels, series) = by_group(table, key, &configs, summary);
        let title = match *key {
            "country" => "各国家 NDCG by country",
            "organisation_type" => "各机构类型 NDCG by organisation type",
            "theme" => "各主题 NDCG by theme",
            _ => "各年份 NDCG by year",
        };
        charts.push(bar_chart(title, &labels, &series));
    }
    // How sure each figure is: intervals per configuration, paired tests against the reference.
    let estimate = |e: &Value| format!("{:.3} [{:.3}, {:.3}]", e["mean"].as_f64().unwrap_or(0.0), e["low"].as_f64().unwrap_or(0.0), e["high"].as_f64().unwrap_or(0.0));
    let mut interval_rows = String::new();
    for config in &configs {
        let row = &summary["intervals"][config];
        let cells: Vec<String> = VISIT_METRICS.iter().map(|(m, ..)| format!("<td>{}</td>", estimate(&row[*m]))).collect();
        let _ = writeln!(interval_rows, "<tr><td>{}</td>{}</tr>", escape(&label(summary, "config", config)), cells.concat());
    }
    let mut comparison_rows = String::new();
    for comparison in summary["comparisons"].as_array().into_iter().flatten() {
        let cells: Vec<String> = VISIT_METRICS
            .iter()
            .map(|(m, ..)| {
                let test = &comparison["metrics"][*m];
                format!("<td>{}<br><small>p = {:.4}</small></td>", estimate(&test["difference"]), test["p_value"].as_f64().unwrap_or(1.0))
            })
            .collect();
        let _ = writeln!(
            comparison_rows,
            "<tr><td>{} − {}</td>{}</tr>",
            escape(&label(summary, "config", comparison["config"].as_str().unwrap_or(""))),
            escape(&label(summary, "config", comparison["reference"].as_str().unwrap_or(""))),
            cells.concat()
        );
    }
    let metric_heads: String = VISIT_METRICS.iter().map(|(_, zh, en)| if zh == en { format!("<th>{en}</th>") } else { format!("<th>{zh} {en}</th>") }).collect();
    let mut rows_html = String::new();
    for row in summary["configs"].as_array().into_iter().flatten() {
        let cell = |k: &str| match &row[k] {
            Value::Number(n) => n.as_f64().map(|f| if f.fract() == 0.0 { format!("{f:.0}") } else { format!("{f:.3}") }).unwrap_or_default(),
            Value::String(s) => escape(s),
            Value::Null => "–".into(),
            other => escape(&other.to_string()),
        };
        let config = label(summary, "config", row["config"].as_str().unwrap_or(""));
        let _ = writeln!(
            rows_html,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            escape(&config), cell("visits"), cell("hit_rate"), cell("recall"), cell("ndcg"), cell("mrr"), cell("coverage_bases"), cell("coverage_divisions"), cell("exposure_gini"), cell("feasibility_rate"), cell("travel_share"), cell("violations")
        );
    }
    format!(
        r#"<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Past-visit evaluation</title>
<style>
body {{ font-family: sans-serif; margin: 2rem; color: #111; max-width: 60rem; }}
table {{ border-collapse: collapse; margin: 1rem 0; }}
th, td {{ border: 1px solid #999; padding: .3rem .6rem; text-align: right; }}
th:first-child, td:first-child {{ text-align: left; }}
figure {{ margin: 1.5rem 0; }}
</style>
</head>
<body>
<h1>Past-visit evaluation <small>过往来访回放评估</small></h1>
<p>{visits} visits replayed; cut-off k = {k}. Hit rate, recall, NDCG (graded by outcomes) and MRR of the bases actually visited;
coverage and Gini of exposure over the catalog; itinerary feasibility and driving share on the planned sample; hard-rule violations (must be 0).</p>
<table>
<thead><tr><th>配置 configuration</th><th>来访 visits</th><th>命中率 hit rate</th><th>召回率 recall</th><th>NDCG</th><th>MRR</th><th>基地覆盖 bases covered</th><th>区域覆盖 divisions covered</th><th>曝光基尼 exposure Gini</th><th>可行 feasible</th><th>车程占比 driving share</th><th>违规 violations</th></tr></thead>
<tbody>
{rows_html}</tbody>
</table>
<h2>置信区间 How sure the figures are</h2>
<p>Means over visits with 95 % percentile bootstrap intervals ({resamples} resamples of the visits).</p>
<table>
<thead><tr><th>configuration</th>{metric_heads}</tr></thead>
<tbody>
{interval_rows}</tbody>
</table>
<p>Each configuration against the first (the reference), visit by visit: the mean difference with its interval, and the
two-sided p-value of a paired randomisation (sign-flip) test over the same visits.</p>
<table>
<thead><tr><th>comparison</th>{metric_heads}</tr></thead>
<tbody>
{comparison_rows}</tbody>
</table>
{charts}
</body>
</html>
"#,
        visits = summary["visits"],
        k = summary["k"],
        charts = charts.iter().map(|c| format!("<figure>{c}</figure>")).collect::<Vec<_>>().join("\n"),
        resamples = super::stats::BOOTSTRAP_RESAMPLES,
    )
}
