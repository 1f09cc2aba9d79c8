//! `visitmatch outbound` on the real binary: suggestions in a table and as JSON, the trip
//! check's summary and its exit status, and bad input reported by field.

mod common;

use common::{visitmatch, TempDataDir};

#[test]
fn suggest_and_check_from_the_command_line() {
    let data = TempDataDir::new();
    let output = visitmatch(data.path())
        .args(["outbound", "suggest", "--needs", "Our footwear bases need European design talent", "--top", "2", "--format", "json"])
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let found: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(found["routes"][0]["id"], "fsm-it-footwear-design");
    assert_eq!(found["routes"].as_array().unwrap().len(), 2);

    let table = visitmatch(data.path()).args(["outbound", "suggest", "--needs", "鞋企需要引进欧洲设计人才", "--top", "1"]).output().unwrap();
    let text = String::from_utf8(table.stdout).unwrap();
    assert!(text.contains("意大利鞋服设计人才与品牌合作线路") && text.contains("服务基地"), "{text}");

    // A padded plan: the summary is printed and the exit status says it needs attention.
    let plan = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/outbound/trip_italy_footwear.json");
    let checked = visitmatch(data.path()).args(["outbound", "check", "--plan"]).arg(&plan).output().unwrap();
    assert_eq!(checked.status.code(), Some(2));
    let summary = String::from_utf8(checked.stdout).unwrap();
    assert!(summary.contains("出访申请摘要") && summary.contains("因事定人"), "{summary}");

    let bad = visitmatch(data.path()).args(["outbound", "suggest", "--industry", "zzqx"]).output().unwrap();
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("field `industries[0]`"), "{}", String::from_utf8_lossy(&bad.stderr));

    let shown = visitmatch(data.path()).args(["outbound", "show", "fin-gb-fintech"]).output().unwrap();
    let shown: serde_json::Value = serde_json::from_slice(&shown.stdout).unwrap();
    assert_eq!(shown["route"]["country"], "GB");
    assert!(shown["country"]["features"].as_array().unwrap().iter().any(|f| f["industry"] == "fintech"));
    let missing = visitmatch(data.path()).args(["outbound", "show", "no-such-route"]).output().unwrap();
    assert!(!missing.status.success() && String::from_utf8_lossy(&missing.stderr).contains("no outbound route"));

    let listed = visitmatch(data.path()).args(["outbound", "list", "--theme", "fintech"]).output().unwrap();
    let lines = String::from_utf8(listed.stdout).unwrap();
    assert!(lines.lines().count() >= 2 && lines.lines().all(|l| l.contains("\t金融科技 Finance & fintech\t")), "{lines}");
    let unknown = visitmatch(data.path()).args(["outbound", "list", "--theme", "space"]).output().unwrap();
    assert_eq!(unknown.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("field `theme`"));
}
