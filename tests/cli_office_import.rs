//! A base list written the way the office keeps it, imported through the real binary: Chinese
//! column names, labels instead of codes (鞋业, 鹿城区, 企业, 中文、英语), opening hours in Chinese,
//! no id column, saved by Excel as GBK with CRLF line ends.
//!
//! Properties covered:
//! 1. `--dry-run` says base by base what would happen and writes nothing.
//! 2. The file imports with no edits; every label lands as its code; ids are derived and stable,
//!    so importing the file again changes nothing.
//! 3. A wrong label is refused with its true line, its column and the closest known labels.

mod common;

use common::{visitmatch, TempDataDir};
use visitmatch::access::Visibility;

const HEADER: &str = "基地名称,英文名称,类型,产业类型,所在地区,地址,纬度,经度,员工人数,主要需求,推介要点,简介,参观时长（分钟）,开放时间,最大接待人数,讲解语言,是否涉密/不对外,联系人,联系电话";

fn rows(industry_of_second: &str) -> Vec<String> {
    vec![
        HEADER.to_string(),
        "测试鞋业一厂,Test Shoe Works,企业,鞋业,鹿城区,温州市鹿城区双屿路1号,28.01,120.62,300,寻找欧洲设计合作|拓展海外市场,智能制鞋产线,一家测试用的鞋企。,60,周一至周五 8:30-11:30、13:30-17:00；周六 9:00-12:00,30,中文、英语,否,张三,0577-88880001".to_string(),
        format!("测试眼镜博物馆,,文化场馆,{industry_of_second},瓯海区,温州市瓯海区眼镜小镇2号,27.98,120.61,,,,一家测试用的眼镜博物馆。,45,每天 9:00-17:00；周一闭馆,40,中文,否,,"),
    ]
}

/// The rows as Excel saves "CSV" on a Chinese system: GBK, CRLF.
fn gbk_crlf(rows: &[String]) -> Vec<u8> {
    let text = rows.join("\r\n") + "\r\n";
    let (bytes, _, unmappable) = encoding_rs::GBK.encode(&text);
    assert!(!unmappable, "the test text is GBK");
    assert!(std::str::from_utf8(&bytes).is_err(), "the file really is not UTF-8");
    bytes.into_owned()
}

fn count(data: &TempDataDir) -> usize {
    data.open().count().unwrap()
}

#[test]
fn an_office_spreadsheet_imports_as_written() {
    let data = TempDataDir::new();
    let file = data.path().join("排摸汇总.csv");
    std::fs::write(&file, gbk_crlf(&rows("眼镜"))).unwrap();
    let before = count(&data);

    let dry = visitmatch(data.path()).args(["import", "--dry-run"]).arg(&file).output().unwrap();
    let stdout = String::from_utf8_lossy(&dry.stdout);
    assert!(dry.status.success(), "{}\n{}", stdout, String::from_utf8_lossy(&dry.stderr));
    assert!(stdout.contains("nothing was written") && stdout.contains("insert 2"), "{stdout}");
    assert_eq!(count(&data), before, "a dry run writes nothing");

    let output = visitmatch(data.path()).arg("import").arg(&file).output().unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    assert_eq!(count(&data), before + 2);

    let library = data.open();
    let named = |name: &str| {
        let mut found = None;
        library.for_each_base(|base| if base.name_zh == name { found = Some(base) }).unwrap();
        found.unwrap_or_else(|| panic!("{name} is stored"))
    };
    let shoes = named("测试鞋业一厂");
    assert!(shoes.id.starts_with("lucheng-"), "{}", shoes.id);
    assert_eq!(shoes.kind.code(), "enterprise");
    assert_eq!(shoes.industries, vec!["footwear".to_string()]);
    assert_eq!(shoes.location.division, "lucheng");
    assert_eq!(shoes.guide_languages, vec!["zh".to_string(), "en".to_string()]);
    assert_eq!(shoes.opening_hours.to_compact(), "mon 08:30-11:30,13:30-17:00; tue 08:30-11:30,13:30-17:00; wed 08:30-11:30,13:30-17:00; thu 08:30-11:30,13:30-17:00; fri 08:30-11:30,13:30-17:00; sat 09:00-12:00");
    assert!(!shoes.restricted);
    let museum = named("测试眼镜博物馆");
    assert_eq!((museum.kind.code(), museum.location.division.as_str()), ("cultural_site", "ouhai"));
    assert_eq!(museum.opening_hours.to_compact(), "tue 09:00-17:00; wed 09:00-17:00; thu 09:00-17:00; fri 09:00-17:00; sat 09:00-17:00; sun 09:00-17:00");
    assert!(library.get(&shoes.id, Visibility::Public).is_ok());
    drop(library);

    // The same file again: the derived ids are the same, so nothing is added.
    let again = visitmatch(data.path()).args(["import", "--dry-run"]).arg(&file).output().unwrap();
    let stdout = String::from_utf8_lossy(&again.stdout);
    assert!(stdout.contains("insert 0") && stdout.contains("leave 2 unchanged"), "{stdout}");
}

#[test]
fn a_wrong_label_is_refused_with_its_line_column_and_closest_labels() {
    let data = TempDataDir::new();
    let file = data.path().join("排摸汇总.csv");
    std::fs::write(&file, gbk_crlf(&rows("鞋类"))).unwrap();
    let before = count(&data);
    let output = visitmatch(data.path()).arg("import").arg(&file).output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("line 3, column D 产业类型: `鞋类` is not a known industry; did you mean 鞋业 (footwear)"), "the row, the column as the sheet shows it, the closest label first: {stderr}");
    assert!(stderr.contains("鞋业 (footwear)"), "{stderr}");
    assert!(!stderr.contains("line 2,"), "the good first row is not reported: {stderr}");
    assert_eq!(count(&data), before, "nothing was imported");
}

#[test]
fn an_excel_workbook_imports_from_its_first_sheet_or_a_named_one() {
    let data = TempDataDir::new();
    let workbook = common::test_data("office_bases.xlsx");
    let before = count(&data);
    let output = visitmatch(data.path()).arg("import").arg(&workbook).output().unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    assert_eq!(count(&data), before + 2, "the two rows of the first sheet");
    let library = data.open();
    let mut stored = Vec::new();
    library.for_each_base(|base| if base.name_zh.starts_with("测试") { stored.push(base) }).unwrap();
    let shoes = stored.iter().find(|b| b.name_zh == "测试鞋业二厂").expect("the first row");
    assert_eq!(shoes.size.employees, Some(450), "a number cell reads as the number");
    assert_eq!(shoes.closed_dates, vec![chrono::NaiveDate::from_ymd_opt(2027, 2, 10).unwrap()], "a date cell reads as its date");
    assert_eq!(shoes.guide_languages, vec!["zh".to_string(), "en".to_string()]);
    let hall = stored.iter().find(|b| b.name_zh == "测试眼镜小镇展厅").expect("the second row");
    assert_eq!((hall.kind.code(), hall.industries[0].as_str(), hall.restricted), ("industrial_park", "eyewear", false));
    drop(library);

    let second = visitmatch(data.path()).args(["import", "--dry-run", "--sheet", "第二批"]).arg(&workbook).output().unwrap();
    let stdout = String::from_utf8_lossy(&second.stdout);
    assert!(second.status.success() && stdout.contains("insert 1 as 入库 (Active): yueqing-"), "{stdout}{}", String::from_utf8_lossy(&second.stderr));
    let missing = visitmatch(data.path()).args(["import", "--sheet", "第三批"]).arg(&workbook).output().unwrap();
    assert_eq!(missing.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("no sheet `第三批`; the sheets are 基地名单, 第二批"));
}

#[test]
fn the_library_goes_out_as_an_office_workbook_and_comes_back_unchanged() {
    let data = TempDataDir::new();
    let sheet = data.path().join("基地库.xlsx");
    let output = visitmatch(data.path()).args(["export", "--format", "xlsx", "--out"]).arg(&sheet).output().unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let stored = count(&data);
    // The office reads labels, not codes.
    let bytes = std::fs::read(&sheet).unwrap();
    {
        use calamine::Reader;
        let mut workbook = calamine::open_workbook_auto_from_rs(std::io::Cursor::new(bytes.clone())).unwrap();
        let range = workbook.worksheet_range("基地名单").unwrap();
        let rows: Vec<Vec<String>> = range.rows().map(|r| r.iter().map(|c| c.to_string()).collect()).collect();
        let column = |header: &str| rows[0].iter().position(|h| h == header).unwrap_or_else(|| panic!("no column {header}"));
        let (kind, division, industries, languages) = (column("类型"), column("所在地区"), column("产业类型"), column("讲解语言"));
        let lucheng_001 = rows.iter().find(|r| r[column("编号")] == "lucheng-001").expect("lucheng-001 is a row");
        assert_eq!(lucheng_001[division], "鹿城区");
        assert!(rows[1..].iter().all(|r| !r[kind].is_ascii()), "every kind is a Chinese label");
        assert!(rows[1..].iter().any(|r| r[industries].contains("鞋业")));
        assert!(rows[1..].iter().any(|r| r[languages].contains("英语")));
    }
    let bases = visitmatch::catalog::parse_workbook(&bytes, None, &visitmatch::domain::Taxonomy::embedded(), &visitmatch::domain::DivisionRegistry::embedded())
        .unwrap_or_else(|errors| panic!("the export reads back: {:?}", &errors[..errors.len().min(5)]));
    assert_eq!(bases.len(), stored);
    let preview = visitmatch(data.path()).args(["import", "--dry-run"]).arg(&sheet).output().unwrap();
    let stdout = String::from_utf8_lossy(&preview.stdout);
    assert!(preview.status.success(), "{stdout}{}", String::from_utf8_lossy(&preview.stderr));
    assert!(stdout.contains("insert 0") && stdout.contains("update 0") && stdout.contains(&format!("leave {stored} unchanged")), "{stdout}");
    let no_file = visitmatch(data.path()).args(["export", "--format", "xlsx"]).output().unwrap();
    assert_eq!(no_file.status.code(), Some(2));

    // The same sheet as CSV: a byte-order mark for Excel, Chinese headers, and it comes back unchanged.
    let csv = data.path().join("基地库.csv");
    let output = visitmatch(data.path()).args(["export", "--format", "csv", "--out"]).arg(&csv).output().unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let text = std::fs::read_to_string(&csv).unwrap();
    assert!(text.starts_with("\u{feff}编号,基地名称,英文名称,类型,产业类型,所在地区"), "{}", &text[..80]);
    let preview = visitmatch(data.path()).args(["import", "--dry-run"]).arg(&csv).output().unwrap();
    let stdout = String::from_utf8_lossy(&preview.stdout);
    assert!(preview.status.success(), "{stdout}{}", String::from_utf8_lossy(&preview.stderr));
    assert!(stdout.contains("insert 0") && stdout.contains("update 0") && stdout.contains(&format!("leave {stored} unchanged")), "{stdout}");
}

#[test]
fn a_survey_return_lands_as_candidates_and_is_reviewed_from_the_command_line() {
    let data = TempDataDir::new();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("鹿城区排摸.csv");
    std::fs::write(&file, gbk_crlf(&rows("眼镜"))).unwrap();
    let output = visitmatch(data.path()).args(["import", "--submitted-by", "鹿城区"]).arg(&file).output().unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));

    let library = data.open();
    let mut candidates = Vec::new();
    library.for_each_base(|base| if base.name_zh.starts_with("测试") { candidates.push(base) }).unwrap();
    assert_eq!(candidates.len(), 2);
    assert!(candidates.iter().all(|b| b.status() == visitmatch::domain::BaseStatus::Candidate && b.submitted_by.as_deref() == Some("lucheng")));
    let shoes = candidates.iter().find(|b| b.name_zh == "测试鞋业一厂").unwrap().id.clone();
    assert!(library.get(&shoes, Visibility::Public).is_err(), "a candidate is not public");
    drop(library);

    // The queue and the survey, in labels.
    let queue = visitmatch(data.path()).arg("screening").output().unwrap();
    let table = String::from_utf8_lossy(&queue.stdout);
    assert!(queue.status.success() && table.starts_with("待审 Candidate (candidate): 2"), "{table}");
    assert!(table.contains("测试鞋业一厂") && table.contains("鹿城区 Lucheng"), "{table}");
    let survey = visitmatch(data.path()).arg("survey").output().unwrap();
    let table = String::from_utf8_lossy(&survey.stdout);
    let lucheng = table.lines().find(|l| l.starts_with("鹿城区 Lucheng")).unwrap_or_else(|| panic!("{table}"));
    let counts: Vec<&str> = lucheng.split_whitespace().filter(|cell| cell.parse::<usize>().is_ok()).take(5).collect();
    let before = data.open();
    let mut active_here = 0;
    before.for_each_base(|b| active_here += usize::from(b.location.division == "lucheng" && b.status() == visitmatch::domain::BaseStatus::Active)).unwrap();
    drop(before);
    assert_eq!(counts, vec!["1", &active_here.to_string(), "0", "0", &(active_here + 1).to_string()], "the shoe works is in Lucheng; {table}");

    // Rejecting needs a reason; approving puts the base in the library.
    let refused = visitmatch(data.path()).args(["review", &shoes, "reject"]).output().unwrap();
    assert_eq!(refused.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&refused.stderr).contains("--note: is required to reject a base"), "{}", String::from_utf8_lossy(&refused.stderr));
    let approved = visitmatch(data.path()).args(["review", &shoes, "approve"]).output().unwrap();
    assert!(approved.status.success(), "{}", String::from_utf8_lossy(&approved.stderr));
    assert!(String::from_utf8_lossy(&approved.stdout).contains("入库 (Active)"));
    let again = visitmatch(data.path()).args(["review", &shoes, "approve"]).output().unwrap();
    assert_eq!(again.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&again.stderr).contains("cannot be given `approve`"));
    assert!(data.open().get(&shoes, Visibility::Public).is_ok(), "approved: public");
}

#[test]
fn specific_survey_labels_are_grouped_with_proposals_then_mapped_and_kept_as_tags() {
    let data = TempDataDir::new();
    let dir = tempfile::tempdir().unwrap();
    let mut lines = rows("眼镜");
    lines[1] = lines[1].replace(",鞋业,", ",鞋材、男士皮鞋,");
    lines.push(lines[1].replace("测试鞋业一厂", "测试鞋业三厂").replace("双屿路1号", "双屿路3号").replace(",鞋材、男士皮鞋,", ",鞋材,"));
    lines.push(lines[2].replace("测试眼镜博物馆", "测试电表厂").replace(",文化场馆,眼镜,", ",企业,智能电表,").replace("眼镜小镇2号", "娄桥4号"));
    let file = dir.path().join("排摸.csv");
    std::fs::write(&file, gbk_crlf(&lines)).unwrap();
    let before = count(&data);

    // Refused, with each unknown label once, its rows and a proposal.
    let refused = visitmatch(data.path()).arg("import").arg(&file).output().unwrap();
    assert_eq!(refused.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&refused.stderr);
    let row_of = |label: &str| stderr.lines().find(|l| l.starts_with(label)).unwrap_or_else(|| panic!("no row for {label}: {stderr}")).to_string();
    let shoe_materials = row_of("鞋材");
    assert!(shoe_materials.contains(" 2 ") && shoe_materials.contains("2, 4") && shoe_materials.contains("[footwear]"), "{shoe_materials}");
    assert!(row_of("男士皮鞋").contains("[footwear]"));
    assert!(row_of("智能电表").contains("[smart_grid]"), "{stderr}");
    assert_eq!(count(&data), before, "nothing was written");

    // A mapping file corrects one proposal; the rest are accepted.
    let mapping = dir.path().join("对照表.csv");
    std::fs::write(&mapping, "原标签,产业类型\n智能电表,低压电器\n").unwrap();
    let output = visitmatch(data.path()).args(["import", "--accept-suggestions", "--remember-labels", "--mapping"]).arg(&mapping).arg(&file).output().unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let library = data.open();
    let mut imported = Vec::new();
    library.for_each_base(|base| if base.name_zh.starts_with("测试") { imported.push(base) }).unwrap();
    let first = imported.iter().find(|b| b.name_zh == "测试鞋业一厂").unwrap();
    assert_eq!(first.industries, vec!["footwear".to_string()], "two labels of one industry name it once");
    assert!(first.tags.contains(&"鞋材".to_string()) && first.tags.contains(&"男士皮鞋".to_string()), "{:?}", first.tags);
    let meters = imported.iter().find(|b| b.name_zh == "测试电表厂").unwrap();
    assert_eq!((meters.industries.as_slice(), meters.tags.contains(&"智能电表".to_string())), (&["low_voltage".to_string()][..], true));
    // Search still finds a base by its own label.
    let hits = library
        .search(&visitmatch::search::BaseQuery { text: Some("鞋材".into()), ..visitmatch::search::BaseQuery::default() })
        .unwrap();
    assert!(hits.hits.iter().any(|h| h.base.name_zh == "测试鞋业三厂"), "the tag is searchable");

    drop(library);

    // Remembered: the next return using those labels needs no mapping.
    let listed = visitmatch(data.path()).args(["labels", "list"]).output().unwrap();
    let table = String::from_utf8_lossy(&listed.stdout);
    assert!(table.lines().any(|l| l.starts_with("智能电表") && l.contains("[low_voltage]")), "{table}");
    assert!(table.lines().any(|l| l.starts_with("鞋材") && l.contains("[footwear]")), "{table}");
    let next = dir.path().join("第二批.csv");
    let mut second = rows("眼镜");
    second[1] = second[1].replace("测试鞋业一厂", "测试鞋材五厂").replace("双屿路1号", "双屿路5号").replace(",鞋业,", ",鞋材,");
    std::fs::write(&next, gbk_crlf(&second)).unwrap();
    let output = visitmatch(data.path()).args(["import", "--dry-run"]).arg(&next).output().unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let known = visitmatch(data.path()).args(["labels", "accept", "鞋业", "footwear"]).output().unwrap();
    assert_eq!(known.status.code(), Some(2), "a label of the taxonomy needs no accepting");
    assert!(visitmatch(data.path()).args(["labels", "forget", "鞋材"]).output().unwrap().status.success());
    let output = visitmatch(data.path()).args(["import", "--dry-run"]).arg(&next).output().unwrap();
    assert_eq!(output.status.code(), Some(2), "forgotten: unknown again");

    // A mapping to something that is not an industry is refused by name.
    std::fs::write(&mapping, "label,industry\n鞋材,鞋类制品\n").unwrap();
    let wrong = visitmatch(data.path()).args(["import", "--dry-run", "--mapping"]).arg(&mapping).arg(&file).output().unwrap();
    assert_eq!(wrong.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&wrong.stderr).contains("`鞋材` → `鞋类制品` is not a known industry"), "{}", String::from_utf8_lossy(&wrong.stderr));
}
