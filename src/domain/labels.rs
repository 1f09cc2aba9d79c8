//! Labels as people write them, read into our codes: an industry, a division, a kind of base or
//! a language may be given by its code or by its name in Chinese, English or any language of the
//! taxonomy (`鞋业`, `calzature`, `鹿城区`, `Lucheng`, `企业`, `英语`). An unknown label is never
//! guessed: it is refused with the closest known labels, so the person who wrote it can choose.

use std::collections::HashMap;

use super::{BaseKind, BaseStatus, Diet, DivisionRegistry, Taxonomy, SUPPORTED_LANGUAGES};

/// Longest label that is compared with the known ones for suggestions.
const MAX_LABEL_CHARS: usize = 40;

/// Why a label did not resolve to one code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LabelError {
    /// No code has this label; the closest known labels, as `label (code)`, best first.
    Unknown {
        /// Up to three suggestions.
        closest: Vec<String>,
    },
    /// Several codes share this label: each as `label (code)`.
    Ambiguous(Vec<String>),
}

impl LabelError {
    /// The failure in words, for a field error: "`鞋类` is not a known industry; did you mean …?"
    pub fn describe(&self, label: &str, what: &str) -> String {
        match self {
            LabelError::Unknown { closest } if closest.is_empty() => format!("`{label}` is not a known {what}"),
            LabelError::Unknown { closest } => format!("`{label}` is not a known {what}; did you mean {}?", closest.join(", ")),
            LabelError::Ambiguous(codes) => format!("`{label}` names more than one {what}: {}; write the code", codes.join(", ")),
        }
    }
}

/// Every label of one vocabulary (industries, divisions, kinds or languages) with its code.
#[derive(Debug, Clone, Default)]
pub struct Labels {
    /// Normalised label → codes it names.
    by_label: HashMap<String, Vec<String>>,
    /// (normalised label, code) for suggestions.
    all: Vec<(String, String)>,
    /// Code → how it is shown in a suggestion (`鞋业 (footwear)`); its keys are the codes.
    shown: HashMap<String, String>,
}

impl Labels {
    fn add(&mut self, code: &str, label: &str) {
        let key = normalise(label);
        if key.is_empty() {
            return;
        }
        let codes = self.by_label.entry(key.clone()).or_default();
        if !codes.iter().any(|c| c == code) {
            codes.push(code.to_string());
            self.all.push((key, code.to_string()));
        }
    }

    fn show(&mut self, code: &str, zh: &str) {
        self.shown.insert(code.to_string(), format!("{zh} ({code})"));
    }

    /// The industries of the taxonomy: code, Chinese and English names, pinyin, and every
    /// synonym in every language.
    pub fn industries(taxonomy: &Taxonomy) -> Labels {
        let mut labels = Labels::default();
        for node in taxonomy.industries() {
            labels.show(&node.code, &node.zh);
            for label in [&node.code, &node.zh, &node.en, &node.pinyin] {
                labels.add(&node.code, label);
            }
            for terms in node.synonyms.values() {
                for term in terms {
                    labels.add(&node.code, term);
                }
            }
        }
        labels
    }

    /// Divisions and functional zones: code, Chinese name (also without its 区/县/市 suffix),
    /// English name and pinyin.
    pub fn divisions(divisions: &DivisionRegistry) -> Labels {
        let mut labels = Labels::default();
        for division in divisions.all() {
            labels.show(&division.code, &division.zh);
            for label in [&division.code, &division.zh, &division.en, &division.pinyin] {
                labels.add(&division.code, label);
            }
            if let Some(short) = division.zh.strip_suffix(['区', '县', '市']).filter(|s| s.chars().count() >= 2) {
                labels.add(&division.code, short);
            }
        }
        labels
    }

    /// Kinds of base, by code and by the words offices use for them.
    pub fn kinds() -> Labels {
        let mut labels = Labels::default();
        for kind in BaseKind::ALL {
            labels.show(kind.code(), kind.label_zh());
            labels.add(kind.code(), kind.code());
            labels.add(kind.code(), kind.label_zh());
            labels.add(kind.code(), kind.label_en());
            let words: &[&str] = match kind {
                BaseKind::Enterprise => &["企业", "公司", "工厂", "company", "firm"],
                BaseKind::IndustrialPark => &["园区", "产业园", "产业园区", "工业园", "工业园区", "特色小镇", "小镇", "industrial park"],
                BaseKind::University => &["高校", "大学", "学院", "高等院校", "college"],
                BaseKind::School => &["学校", "中学", "小学", "中小学", "职校", "职业学校", "职业技术学校"],
                BaseKind::ResearchInstitute => &["科研院所", "研究院", "研究所", "实验室", "institute", "laboratory"],
                BaseKind::CulturalSite => &["文化场馆", "博物馆", "纪念馆", "展览馆", "文化馆", "museum"],
                BaseKind::TourismSite => &["旅游景区", "景区", "景点", "scenic area"],
                BaseKind::FinancialInstitution => &["金融机构", "银行", "bank"],
                BaseKind::GovernmentService => &["政务服务", "政务服务中心", "政务中心", "规划展示馆", "展示馆"],
                BaseKind::Incubator => &["孵化器", "众创空间", "创业园", "maker space"],
            };
            for word in words {
                labels.add(kind.code(), word);
            }
        }
        labels
    }

    /// Diets a venue serves or a delegation needs, by code and by their names in Chinese and
    /// English (清真, halal, 素食…).
    pub fn diets() -> Labels {
        let mut labels = Labels::default();
        for diet in Diet::ALL {
            labels.show(diet.code(), diet.label_zh());
            for word in [diet.code(), diet.label_zh(), diet.label_en()].iter().chain(diet.other_words()) {
                labels.add(diet.code(), word);
            }
        }
        labels
    }

    /// The screening statuses, by code and by the words offices use for them.
    pub fn statuses() -> Labels {
        let mut labels = Labels::default();
        for status in BaseStatus::ALL {
            labels.show(status.code(), status.label_zh());
            for word in [status.code(), status.label_zh(), status.label_en()].iter().chain(status.other_words()) {
                labels.add(status.code(), word);
            }
        }
        labels
    }

    /// The supported guide languages, by code and by their names in Chinese and English.
    pub fn languages() -> Labels {
        const NAMES: &[(&str, &[&str])] = &[
            ("zh", &["中文", "汉语", "普通话", "Chinese", "Mandarin"]),
            ("en", &["英语", "英文", "English"]),
            ("it", &["意大利语", "意大利文", "Italian", "italiano"]),
            ("es", &["西班牙语", "西班牙文", "Spanish", "español"]),
            ("fr", &["法语", "法文", "French", "français"]),
            ("de", &["德语", "德文", "German", "Deutsch"]),
            ("ja", &["日语", "日文", "Japanese", "日本語"]),
            ("ko", &["韩语", "韩文", "朝鲜语", "Korean", "한국어"]),
            ("pt", &["葡萄牙语", "葡萄牙文", "Portuguese", "português"]),
            ("ms", &["马来语", "Malay", "Bahasa Melayu"]),
            ("id", &["印尼语", "印度尼西亚语", "Indonesian", "Bahasa Indonesia"]),
            ("th", &["泰语", "Thai"]),
            ("vi", &["越南语", "Vietnamese", "Tiếng Việt"]),
            ("ar", &["阿拉伯语", "Arabic"]),
            ("nl", &["荷兰语", "Dutch", "Nederlands"]),
            ("ru", &["俄语", "Russian", "русский"]),
        ];
        let mut labels = Labels::default();
        for (code, names) in NAMES.iter().filter(|(code, _)| SUPPORTED_LANGUAGES.contains(code)) {
            labels.show(code, names[0]);
            labels.add(code, code);
            for name in *names {
                labels.add(code, name);
            }
        }
        labels
    }

    /// The code `label` names: a code itself (a code always means itself, even where it is
    /// also another industry's synonym), or a label of exactly one code.
    pub fn resolve(&self, label: &str) -> Result<String, LabelError> {
        if self.shown.contains_key(label.trim()) {
            return Ok(label.trim().to_string());
        }
        let key = normalise(label);
        match self.by_label.get(&key).map(Vec::as_slice) {
            Some([code]) => Ok(code.clone()),
            Some(codes) if !codes.is_empty() => Err(LabelError::Ambiguous(codes.iter().map(|c| self.shown(c)).collect())),
            // No label is that long: looking for a near one would only cost time.
            _ if key.chars().count() > MAX_LABEL_CHARS => Err(LabelError::Unknown { closest: Vec::new() }),
            _ => {
                // The one a proposal would pick comes first: 鞋材 → 鞋业 before 教材's industry.
                let mut closest = self.closest_codes(&key);
                if let Some(best) = self.nearest(label) {
                    closest.retain(|code| *code != best);
                    closest.insert(0, best);
                    closest.truncate(3);
                }
                Err(LabelError::Unknown { closest: closest.iter().map(|c| self.shown(c)).collect() })
            }
        }
    }

    /// The label a code is shown with (its Chinese name), if it has one.
    pub fn shown_label(&self, code: &str) -> Option<&str> {
        self.shown.get(code).and_then(|shown| shown.rsplit_once(" (")).map(|(label, _)| label)
    }

    fn shown(&self, code: &str) -> String {
        self.shown.get(code).cloned().unwrap_or_else(|| code.to_string())
    }

    /// Up to three codes whose labels are nearest `label`: for Chinese, the labels sharing most
    /// characters with it; for Latin script, the fewest edits away.
    pub fn closest(&self, label: &str) -> Vec<String> {
        let key = normalise(label);
        if key.chars().count() > MAX_LABEL_CHARS { Vec::new() } else { self.closest_codes(&key) }
    }

    /// The one code to propose for `label`: the label sharing the longest run of characters
    /// with it, a run that starts where the label starts first (鞋材 is shoe material, so 鞋业
    /// before 教材), then the nearer length.
    pub fn nearest(&self, label: &str) -> Option<String> {
        let key: Vec<char> = normalise(label).chars().collect();
        if key.is_empty() || key.len() > MAX_LABEL_CHARS {
            return None;
        }
        let best = self
            .all
            .iter()
            .map(|(known, code)| {
                let known: Vec<char> = known.chars().collect();
                let (run, at_start) = longest_shared_run(&key, &known);
                ((run, at_start, std::cmp::Reverse(known.len().abs_diff(key.len()))), code)
            })
            .filter(|((run, _, _), _)| *run >= 1 && (*run >= 3 || !key.iter().all(char::is_ascii)))
            .max_by(|a, b| a.0.cmp(&b.0).then_with(|| b.1.cmp(a.1)))?;
        Some(best.1.clone())
    }

    fn closest_codes(&self, key: &str) -> Vec<String> {
        let mut scored: Vec<(f32, &str)> = self
            .all
            .iter()
            .map(|(label, code)| (similarity(key, label), code.as_str()))
            .filter(|(score, _)| *score >= 0.34)
            // A Latin label must be mostly right before it is offered: `factory` is not `laboratory`.
            .filter(|(score, _)| *score >= 0.6 || !key.is_ascii())
            .collect();
        scored.sort_by(|a, b| b.0.total_cmp(&a.0).then_with(|| a.1.cmp(b.1)));
        let mut out: Vec<String> = Vec::new();
        for (_, code) in scored {
            if !out.iter().any(|c| c == code) {
                out.push(code.to_string());
            }
            if out.len() == 3 {
                break;
            }
        }
        out
    }
}

/// The diets by their labels, built once.
pub fn diet_labels() -> &'static Labels {
    static DIETS: std::sync::LazyLock<Labels> = std::sync::LazyLock::new(Labels::diets);
    &DIETS
}

/// The kinds of base by their labels, built once.
pub fn kind_labels() -> &'static Labels {
    static KINDS: std::sync::LazyLock<Labels> = std::sync::LazyLock::new(Labels::kinds);
    &KINDS
}

/// Labels an import maps to industry codes beyond the taxonomy's own: the corrections and
/// accepted proposals for a survey return's specific labels (鞋材 → footwear). A mapped label
/// is also kept as a tag of the base, so search still finds it by its own words.
#[derive(Debug, Clone, Default)]
pub struct LabelMapping {
    by_label: HashMap<String, String>,
}

impl LabelMapping {
    /// Maps `label` to industry `code` (a later mapping of the same label wins).
    pub fn insert(&mut self, label: &str, code: &str) {
        self.by_label.insert(normalise(label), code.to_string());
    }

    /// The code `label` is mapped to.
    pub fn get(&self, label: &str) -> Option<&str> {
        self.by_label.get(&normalise(label)).map(String::as_str)
    }

    /// Whether nothing is mapped.
    pub fn is_empty(&self) -> bool {
        self.by_label.is_empty()
    }
}

/// The industry to propose for a label that names none: the most specific industry one of whose
/// terms the label contains (男士皮鞋 holds 皮鞋), else the industry whose labels are closest.
pub fn propose_industry(taxonomy: &Taxonomy, label: &str) -> Option<String> {
    let found = taxonomy.match_text(label);
    let most_specific = found.iter().max_by_key(|m| (m.term.chars().count(), taxonomy.ancestors_and_self(&m.code).len()));
    match most_specific {
        Some(found) => Some(found.code.clone()),
        None => taxonomy.labels().nearest(label),
    }
}

/// The screening statuses by their labels, built once.
pub fn status_labels() -> &'static Labels {
    static STATUSES: std::sync::LazyLock<Labels> = std::sync::LazyLock::new(Labels::statuses);
    &STATUSES
}

/// The guide languages by their names, built once.
pub fn language_labels() -> &'static Labels {
    static LANGUAGES: std::sync::LazyLock<Labels> = std::sync::LazyLock::new(Labels::languages);
    &LANGUAGES
}

/// Splits a cell holding several labels the ways spreadsheets do: `|`, `、`, `，`, `,`, `；`, `;`
/// and `/`.
pub fn split_list(text: &str) -> Vec<String> {
    text.split(['|', '、', '，', ',', '；', ';', '/']).map(str::trim).filter(|s| !s.is_empty()).map(String::from).collect()
}

/// The longest run of characters `a` and `b` share, and whether some run that long starts at
/// the start of `a`.
fn longest_shared_run(a: &[char], b: &[char]) -> (usize, bool) {
    let mut best = (0, false);
    for i in 0..a.len() {
        for j in 0..b.len() {
            let run = a[i..].iter().zip(&b[j..]).take_while(|(x, y)| x == y).count();
            if run > 0 {
                best = best.max((run, i == 0));
            }
        }
    }
    best
}

/// Lower case, no spaces, underscores or hyphens, full-width letters folded: `Low-voltage`,
/// `low_voltage` and `ＬＯＷ ｖｏｌｔａｇｅ` are one label.
fn normalise(label: &str) -> String {
    label
        .trim()
        .chars()
        .map(|c| match c {
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            _ => c,
        })
        .filter(|c| !c.is_whitespace() && *c != '_' && *c != '-')
        .flat_map(char::to_lowercase)
        .collect()
}

/// 0..1: how alike two normalised labels are.
fn similarity(a: &str, b: &str) -> f32 {
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    if a.is_empty() || b.is_empty() {
        return 0.0;
    }
    let wide = |s: &[char]| s.iter().any(|c| !c.is_ascii());
    if wide(&a) || wide(&b) {
        // Chinese labels: shared characters, weighed by the longer label.
        let shared = a.iter().filter(|c| b.contains(c)).count();
        shared as f32 / a.len().max(b.len()) as f32
    } else if a.len().abs_diff(b.len()) * 5 > a.len().max(b.len()) * 2 {
        // Lengths this far apart cannot reach the 0.6 a Latin suggestion needs.
        0.0
    } else {
        1.0 - edit_distance(&a, &b) as f32 / a.len().max(b.len()) as f32
    }
}

fn edit_distance(a: &[char], b: &[char]) -> usize {
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut current = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            current.push((previous[j] + usize::from(ca != cb)).min(previous[j + 1] + 1).min(current[j] + 1));
        }
        previous = current;
    }
    previous[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn office_labels_resolve_to_codes() {
        let industries = Labels::industries(&Taxonomy::embedded());
        for (label, code) in [("鞋业", "footwear"), ("footwear", "footwear"), ("calzature", "footwear"), ("Footwear", "footwear")] {
            assert_eq!(industries.resolve(label).as_deref(), Ok(code), "{label}");
        }
        let divisions = Labels::divisions(&DivisionRegistry::embedded());
        for (label, code) in [("鹿城区", "lucheng"), ("鹿城", "lucheng"), ("Lucheng", "lucheng"), ("lucheng", "lucheng")] {
            assert_eq!(divisions.resolve(label).as_deref(), Ok(code), "{label}");
        }
        let kinds = Labels::kinds();
        for (label, code) in [("企业", "enterprise"), ("高校", "university"), ("文化场馆", "cultural_site"), ("industrial_park", "industrial_park")] {
            assert_eq!(kinds.resolve(label).as_deref(), Ok(code), "{label}");
        }
        let languages = Labels::languages();
        for (label, code) in [("中文", "zh"), ("英语", "en"), ("Italian", "it"), ("de", "de")] {
            assert_eq!(languages.resolve(label).as_deref(), Ok(code), "{label}");
        }
    }

    #[test]
    fn an_unknown_label_is_refused_with_the_closest_ones() {
        let industries = Labels::industries(&Taxonomy::embedded());
        match industries.resolve("鞋类") {
            Err(LabelError::Unknown { closest }) => assert!(closest.iter().any(|c| c.contains("(footwear)")), "{closest:?}"),
            other => panic!("鞋类 is not a label of the taxonomy: {other:?}"),
        }
        match Labels::kinds().resolve("enterprize") {
            Err(LabelError::Unknown { closest }) => assert_eq!(closest.first().map(String::as_str), Some("企业 (enterprise)")),
            other => panic!("a misspelt kind is not guessed: {other:?}"),
        }
        assert!(matches!(Labels::languages().resolve("克林贡语"), Err(LabelError::Unknown { .. })));
    }

    #[test]
    fn survey_labels_get_the_industry_they_belong_to_proposed() {
        let taxonomy = Taxonomy::embedded();
        for (label, expected) in [("鞋材", "footwear"), ("男士皮鞋", "footwear"), ("女式凉鞋", "footwear")] {
            assert!(taxonomy.labels().resolve(label).is_err(), "{label} is not a label of the taxonomy already");
            let proposed = propose_industry(&taxonomy, label);
            let within = proposed.as_deref().is_some_and(|code| taxonomy.is_within(code, expected));
            assert!(within, "{label}: proposed {proposed:?}, expected within {expected}");
        }
        assert_eq!(propose_industry(&taxonomy, "zzqx"), None, "nothing near: no proposal");
        let mut mapping = LabelMapping::default();
        mapping.insert("鞋材", "footwear");
        assert_eq!(mapping.get(" 鞋材 "), Some("footwear"));
    }

    #[test]
    fn lists_split_on_every_separator_offices_use() {
        assert_eq!(split_list("鞋业、服装，低压电器|眼镜; 打火机/pens , "), vec!["鞋业", "服装", "低压电器", "眼镜", "打火机", "pens"]);
    }
}
