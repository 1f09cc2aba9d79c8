//! The feature of each candidate, all in 0..1, and their descriptions for explanations.
//!
//! [`FeatureContext::values`] is the hot path, run for every candidate; [`FeatureContext::describe`]
//! recomputes the evidence behind one value in words, run only for the bases returned.

use rustc_hash::FxHashMap as HashMap;

use super::config::MatchConfig;
pub use super::feature::Feature;
use super::profile::{Link, ProfileSignals};
use super::table::BaseRow;
use crate::domain::geo::travel_minutes;
use crate::domain::{OrganisationType, Relations, Taxonomy};

/// How past exposure is spread: times each base and each county-level division was proposed
/// or visited.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Exposure {
    /// Count per base id.
    pub by_base: HashMap<String, u32>,
    /// Count per county-level division.
    pub by_county: HashMap<String, u32>,
}

/// How two industries relate, strongest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IndustryRelation {
    /// The same industry.
    Exact,
    /// The base's industry lies below the sought one.
    Narrower,
    /// The base's industry lies above the sought one.
    Broader,
    /// Same parent.
    Sibling,
    /// Share an outbound-route theme.
    SameTheme,
}

impl IndustryRelation {
    /// The feature value of the relation.
    pub fn value(self) -> f32 {
        match self {
            IndustryRelation::Exact => 1.0,
            IndustryRelation::Narrower => 0.85,
            IndustryRelation::Broader => 0.6,
            IndustryRelation::Sibling => 0.45,
            IndustryRelation::SameTheme => 0.2,
        }
    }
}

/// The relation of base industry `base` to sought industry `sought`, if any.
pub fn industry_relation(taxonomy: &Taxonomy, base: &str, sought: &str) -> Option<IndustryRelation> {
    if base == sought {
        return Some(IndustryRelation::Exact);
    }
    if taxonomy.is_within(base, sought) {
        return Some(IndustryRelation::Narrower);
    }
    if taxonomy.is_within(sought, base) {
        return Some(IndustryRelation::Broader);
    }
    if taxonomy.parent_of(base).is_some() && taxonomy.parent_of(base) == taxonomy.parent_of(sought) {
        return Some(IndustryRelation::Sibling);
    }
    if taxonomy.share_theme(base, sought) {
        return Some(IndustryRelation::SameTheme);
    }
    None
}

/// Everything a feature needs besides the base.
pub struct FeatureContext<'a> {
    /// The interpreted profile.
    pub signals: &'a ProfileSignals,
    /// Taxonomy.
    pub taxonomy: &'a Taxonomy,
    /// Relations.
    pub relations: &'a Relations,
    /// Configuration.
    pub config: &'a MatchConfig,
    /// Visiting days.
    pub days: u8,
    /// Delegation size.
    pub group_size: u16,
    /// Text BM25 per base key, already divided by the pool's best.
    pub text_scores: &'a HashMap<u64, f32>,
    /// Needs BM25 of the offers per base key, normalised.
    pub needs_scores: &'a HashMap<u64, f32>,
    /// Promotion BM25 of the seeks per base key, normalised.
    pub promotion_scores: &'a HashMap<u64, f32>,
    /// Past exposure.
    pub exposure: &'a Exposure,
    /// Best relation of every taxonomy industry to a sought one: computed once per request.
    pub industry_fit: HashMap<String, (String, IndustryRelation)>,
    /// For each link of `signals.links`, every industry at or below the ones it is about.
    pub link_industries: Vec<std::collections::HashSet<String>>,
}

/// Precomputes, for every industry of the taxonomy, its best relation to a sought industry.
pub fn industry_fit_table(taxonomy: &Taxonomy, signals: &ProfileSignals) -> HashMap<String, (String, IndustryRelation)> {
    let mut table = HashMap::default();
    for node in taxonomy.industries() {
        let mut best: Option<(String, IndustryRelation)> = None;
        for sought in &signals.sought_industries {
            if let Some(relation) = industry_relation(taxonomy, &node.code, &sought.code)
                && best.as_ref().is_none_or(|(_, b)| relation.value() > b.value()) {
                    best = Some((sought.code.clone(), relation));
                }
        }
        if let Some(best) = best {
            table.insert(node.code.clone(), best);
        }
    }
    table
}

/// For each link, the industries at or below the ones it is about.
pub fn link_industry_sets(taxonomy: &Taxonomy, signals: &ProfileSignals) -> Vec<std::collections::HashSet<String>> {
    signals
        .links
        .iter()
        .map(|link| match link {
            Link::SisterCity { industries, .. } => {
                industries.iter().flat_map(|code| taxonomy.descendants_and_self(code)).map(String::from).collect()
            }
            Link::Diaspora { .. } => std::collections::HashSet::new(),
        })
        .collect()
}

impl FeatureContext<'_> {
    /// Feature values of one base, in [`Feature::ALL`] order.
    pub fn values(&self, key: u64, row: &BaseRow) -> [f32; 9] {
        [
            self.text_scores.get(&key).copied().unwrap_or(0.0),
            self.industry_value(row),
            self.offers_needs(key, row),
            self.seeks_promotion(key, row),
            self.location(row),
            self.size(row),
            self.language(row),
            self.relationship_value(row),
            self.rotation(row),
        ]
    }

    fn industry_value(&self, row: &BaseRow) -> f32 {
        row.industries.iter().filter_map(|code| self.industry_fit.get(code)).map(|(_, r)| r.value()).fold(0.0, f32::max)
    }

    fn best_industry(&self, row: &BaseRow) -> Option<(String, String, IndustryRelation)> {
        let mut best: Option<(&String, &String, IndustryRelation)> = None;
        for base_code in &row.industries {
            if let Some((sought, relation)) = self.industry_fit.get(base_code)
                && best.as_ref().is_none_or(|(_, _, b)| relation.value() > b.value()) {
                    best = Some((base_code, sought, *relation));
                }
        }
        best.map(|(base, sought, relation)| (base.clone(), sought.clone(), relation))
    }

    fn country_in_needs(&self, row: &BaseRow) -> f32 {
        if row.needs_countries.contains(&self.signals.country) {
            1.0
        } else if row.needs_region_countries.contains(&self.signals.country) {
            0.5
        } else {
            0.0
        }
    }

    fn offers_needs(&self, key: u64, row: &BaseRow) -> f32 {
        let overlap = (self.signals.offers_concepts & row.needs_concepts).count_ones() as f32;
        let concepts = (overlap / 2.0).min(1.0);
        let bm25 = self.needs_scores.get(&key).copied().unwrap_or(0.0);
        0.5 * concepts + 0.3 * self.country_in_needs(row) + 0.2 * bm25
    }

    fn seeks_promotion(&self, key: u64, row: &BaseRow) -> f32 {
        let overlap = (self.signals.seeks_concepts & row.promotion_concepts).count_ones() as f32;
        let concepts = (overlap / 2.0).min(1.0);
        let bm25 = self.promotion_scores.get(&key).copied().unwrap_or(0.0);
        0.5 * concepts + 0.5 * bm25
    }

    /// Driving minutes from the hotel.
    pub fn travel(&self, row: &BaseRow) -> f32 {
        travel_minutes(self.signals.hotel, (row.lat, row.lon), row.mountain) as f32
    }

    fn location(&self, row: &BaseRow) -> f32 {
        let travel = self.config.travel;
        let limit = (travel.one_day_limit_minutes + travel.extra_minutes_per_day * f32::from(self.days.saturating_sub(1)))
            .min(travel.max_limit_minutes);
        let minutes = self.travel(row);
        (1.0 - (minutes - travel.comfortable_minutes) / (limit - travel.comfortable_minutes)).clamp(0.0, 1.0)
    }

    fn size(&self, row: &BaseRow) -> f32 {
        let ratio = f32::from(self.group_size) / f32::from(row.max_group_size.max(1));
        let comfort = if ratio <= 0.6 { 1.0 } else { (1.0 - (ratio - 0.6)).clamp(0.0, 1.0) };
        let target: f32 = match self.signals.organisation_type {
            OrganisationType::Government => 3000.0,
            OrganisationType::BusinessAssociation => 1000.0,
            OrganisationType::University => 2000.0,
            OrganisationType::Enterprise | OrganisationType::Research => 500.0,
            _ => 300.0,
        };
        let scale = match row.employees {
            Some(employees) if employees > 0 => 1.0 - ((employees as f32).log10() - target.log10()).abs().min(2.0) / 2.0,
            _ => 0.5,
        };
        0.5 * comfort + 0.5 * scale
    }

    fn language(&self, row: &BaseRow) -> f32 {
        let understood = self.signals.foreign_languages.is_empty()
            || self.signals.foreign_languages.iter().any(|l| row.guide_languages.contains(l));
        if understood {
            1.0
        } else if row.guide_languages.iter().any(|l| l == "en") {
            0.6
        } else {
            0.2
        }
    }

    fn relationship_value(&self, row: &BaseRow) -> f32 {
        let mut best: f32 = 0.0;
        for (link_index, link) in self.signals.links.iter().enumerate() {
            match link {
                Link::SisterCity { named, divisions, .. } => {
                    let industry_hit = self.link_industries.get(link_index).is_some_and(|set| row.industries.iter().any(|code| set.contains(code)));
                    if industry_hit || divisions.contains(&row.division) || divisions.contains(&row.county) {
                        best = best.max(if *named { 1.0 } else { 0.7 });
                    }
                }
                Link::Diaspora { divisions } => {
                    if row.industries.iter().any(|c| c == "overseas_chinese") {
                        best = best.max(0.9);
                    } else if divisions.contains(&row.county) {
                        best = best.max(0.5);
                    }
                }
            }
        }
        best
    }

    fn relationship(&self, row: &BaseRow) -> Option<(f32, String, (String, String))> {
        let mut best: Option<(f32, String, (String, String))> = None;
        let mut consider = |value: f32, detail: String, reason: (String, String)| {
            if best.as_ref().is_none_or(|(b, _, _)| value > *b) {
                best = Some((value, detail, reason));
            }
        };
        for (link_index, link) in self.signals.links.iter().enumerate() {
            match link {
                Link::SisterCity { city, city_zh, named, divisions, .. } => {
                    let strength = if *named { 1.0 } else { 0.7 };
                    let industry_hit = self.link_industries.get(link_index).is_some_and(|set| row.industries.iter().any(|code| set.contains(code)));
                    let division_hit = divisions.contains(&row.division) || divisions.contains(&row.county);
                    if industry_hit || division_hit {
                        consider(
                            strength,
                            format!("sister city {city}"),
                            (format!("与友好城市{city_zh}的合作领域相关"), format!("fits the sister-city relationship with {city}")),
                        );
                    }
                }
                Link::Diaspora { divisions } => {
                    let country = self.relations.country(&self.signals.country);
                    let (zh, en) = country.map(|c| (c.zh.clone(), c.en.clone())).unwrap_or_default();
                    if row.industries.iter().any(|c| c == "overseas_chinese") {
                        consider(0.9, format!("diaspora heritage ({en})"), (format!("展示旅{zh}侨胞的侨乡历史"), format!("tells the story of Wenzhou emigrants in {en}")));
                    } else if divisions.contains(&row.county) {
                        consider(0.5, format!("home county of emigrants to {en}"), (format!("位于旅{zh}侨胞主要祖籍地"), format!("in the home county of many Wenzhou emigrants in {en}")));
                    }
                }
            }
        }
        best
    }

    fn rotation(&self, row: &BaseRow) -> f32 {
        if self.exposure.by_base.is_empty() {
            return 1.0;
        }
        let base = self.exposure.by_base.get(&row.id).copied().unwrap_or(0) as f32;
        let county = self.exposure.by_county.get(&row.county).copied().unwrap_or(0) as f32;
        0.7 / (1.0 + base / 3.0) + 0.3 / (1.0 + county / 20.0)
    }

    /// The evidence behind one feature value, and a reason phrase (Chinese, English) when the
    /// feature speaks for the base.
    pub fn describe(&self, feature: Feature, key: u64, row: &BaseRow) -> FeatureNote {
        let label = |code: &str| self.taxonomy.get(code).map(|n| (n.zh.clone(), n.en.clone())).unwrap_or_default();
        match feature {
            Feature::Text => {
                let value = self.text_scores.get(&key).copied().unwrap_or(0.0);
                let percent = (value * 100.0).round();
                let reason = (value >= 0.5).then(|| ("与代表团的兴趣描述高度相关".to_string(), "closely matches the delegation's stated interests".to_string()));
                FeatureNote::new(
                    format!("与代表团兴趣描述的文本相关度为候选中最高者的{percent}%"),
                    format!("Text relevance to the delegation's interests is {percent}% of the best candidate's"),
                    reason,
                )
            }
            Feature::Industry => match self.best_industry(row) {
                Some((base_code, sought_code, relation)) => {
                    let (base_zh, base_en) = label(&base_code);
                    let (sought_zh, sought_en) = label(&sought_code);
                    let (base_en, sought_en) = (base_en.to_lowercase(), sought_en.to_lowercase());
                    let reason = match relation {
                        IndustryRelation::Exact => {
                            Some((format!("主营{base_zh}，正是代表团关注的领域"), format!("works in {base_en}, the industry the delegation seeks")))
                        }
                        IndustryRelation::Narrower | IndustryRelation::Broader => Some((
                            format!("主营{base_zh}，契合代表团关注的{sought_zh}"),
                            format!("works in {base_en}, close to the delegation's interest in {sought_en}"),
                        )),
                        _ => None,
                    };
                    let (zh, en) = match relation {
                        IndustryRelation::Exact => (format!("主营{base_zh}，正是代表团关注的产业"), format!("Works in {base_en}, exactly the industry the delegation seeks")),
                        IndustryRelation::Narrower => {
                            (format!("主营{base_zh}，属于代表团关注的{sought_zh}"), format!("Works in {base_en}, a part of the delegation's interest in {sought_en}"))
                        }
                        IndustryRelation::Broader => {
                            (format!("主营{base_zh}，涵盖代表团关注的{sought_zh}"), format!("Works in {base_en}, which covers the delegation's interest in {sought_en}"))
                        }
                        IndustryRelation::Sibling => {
                            (format!("主营{base_zh}，与代表团关注的{sought_zh}同属一类"), format!("Works in {base_en}, a neighbour of the delegation's interest in {sought_en}"))
                        }
                        IndustryRelation::SameTheme => {
                            (format!("主营{base_zh}，与代表团关注的{sought_zh}属同一主题"), format!("Works in {base_en}, in the same theme as the delegation's interest in {sought_en}"))
                        }
                    };
                    FeatureNote::new(zh, en, reason)
                }
                None => FeatureNote::new("没有与代表团关注领域相关的产业", "No industry related to the delegation's interests", None),
            },
            Feature::OffersNeeds => {
                let overlap = self.signals.offers_concepts & row.needs_concepts;
                let country = self.relations.country(&self.signals.country);
                if self.country_in_needs(row) >= 1.0 {
                    let need = row.needs.iter().find(|n| self.relations.names_country_directly(n, &self.signals.country)).cloned().unwrap_or_default();
                    let (zh, en) = country.map(|c| (c.zh.clone(), c.en.clone())).unwrap_or_default();
                    FeatureNote::new(
                        format!("与代表团对接：该基地主要需求“{need}”提到{zh}"),
                        format!("Meets the delegation: the base's main need \"{need}\" names {en}"),
                        Some((format!("其需求“{need}”正指向{zh}"), format!("its stated need \"{need}\" points to {en}"))),
                    )
                } else if overlap != 0 {
                    let concepts = self.concept_names(overlap);
                    let need = row.needs.iter().find(|n| self.relations.concept_mask(n) & overlap != 0).cloned().unwrap_or_default();
                    FeatureNote::new(
                        format!("与代表团可提供的{}对接：该基地需求“{need}”", concepts.0),
                        format!("Meets what the delegation offers in {}: the base needs \"{need}\"", concepts.1),
                        Some((format!("需求“{need}”与代表团可提供的{}对接", concepts.0), format!("needs {} that the delegation offers", concepts.1))),
                    )
                } else {
                    FeatureNote::new("代表团可提供的资源与该基地主要需求没有对接", "Nothing the delegation offers meets a main need of the base", None)
                }
            }
            Feature::SeeksPromotion => {
                let overlap = self.signals.seeks_concepts & row.promotion_concepts;
                if overlap != 0 {
                    let concepts = self.concept_names(overlap);
                    let point = row.promotion_points.first().cloned().unwrap_or_default();
                    FeatureNote::new(
                        format!("代表团寻求的{}正是该基地的推介重点：{point}", concepts.0),
                        format!("What the delegation seeks in {} is what the base promotes: {point}", concepts.1),
                        Some((format!("可展示：{point}"), format!("can show: {point}"))),
                    )
                } else {
                    FeatureNote::new("代表团寻求的内容不在该基地的推介重点中", "Nothing the delegation seeks is among the base's promotion points", None)
                }
            }
            Feature::Location => {
                let minutes = self.travel(row).round();
                let reason = (minutes <= 45.0).then(|| (format!("距酒店约{minutes}分钟车程"), format!("about {minutes} min from the hotel")));
                FeatureNote::new(format!("距酒店约{minutes}分钟车程"), format!("About {minutes} min by road from the hotel"), reason)
            }
            Feature::Size => FeatureNote::new(
                format!("可接待{}人，代表团{}人", row.max_group_size, self.group_size),
                format!("Receives up to {} people; the delegation is {}", row.max_group_size, self.group_size),
                None,
            ),
            Feature::Language => {
                let shared: Vec<&String> = self.signals.foreign_languages.iter().filter(|l| row.guide_languages.contains(l)).collect();
                let reason = shared.iter().find(|l| l.as_str() != "en").map(|l| {
                    let (zh, en) = language_name(l);
                    (format!("可提供{zh}讲解"), format!("guides speak {en}"))
                });
                let names: Vec<(&str, &str)> = row.guide_languages.iter().map(|code| language_name(code)).collect();
                let zh = names.iter().map(|n| n.0).collect::<Vec<_>>().join("、");
                let en = names.iter().map(|n| n.1).collect::<Vec<_>>().join(", ");
                let (zh, en) = if shared.is_empty() {
                    (format!("讲解语言：{zh}；没有代表团的语言"), format!("Guides speak {en}; none of the delegation's languages"))
                } else {
                    (format!("讲解语言：{zh}"), format!("Guides speak {en}"))
                };
                FeatureNote::new(zh, en, reason)
            }
            Feature::Relationship => match self.relationship(row) {
                Some((_, _, reason)) => FeatureNote::new(reason.0.clone(), capitalise(&reason.1), Some(reason)),
                None => FeatureNote::new("与代表团没有友好城市或侨乡联系", "No sister-city or diaspora link to the delegation", None),
            },
            Feature::Rotation => {
                let count = self.exposure.by_base.get(&row.id).copied().unwrap_or(0);
                let (zh, en) = if count == 0 {
                    ("此前未被推荐或接待过".to_string(), "Not proposed or visited before".to_string())
                } else {
                    (format!("此前已推荐或接待{count}次"), format!("Proposed or visited {count} time(s) before"))
                };
                FeatureNote::new(zh, en, None)
            }
        }
    }

    fn concept_names(&self, mask: u64) -> (String, String) {
        let concepts: Vec<&crate::domain::Concept> =
            self.relations.concepts().iter().enumerate().filter(|(i, _)| mask & (1 << i) != 0).map(|(_, c)| c).collect();
        let zh: Vec<&str> = concepts.iter().filter_map(|c| c.zh.first().map(String::as_str)).collect();
        let en: Vec<&str> = concepts.iter().filter_map(|c| c.en.first().map(String::as_str)).collect();
        (zh.join("、"), en.join(", "))
    }
}

/// What a feature says about one base: a sentence in Chinese and in English for the score's
/// breakdown, and the reason worth showing first, if the feature found one.
#[derive(Debug, Clone, PartialEq)]
pub struct FeatureNote {
    /// The sentence in Chinese.
    pub zh: String,
    /// The sentence in English.
    pub en: String,
    /// A short reason (Chinese, English) for the ranked list.
    pub reason: Option<(String, String)>,
}

impl FeatureNote {
    fn new(zh: impl Into<String>, en: impl Into<String>, reason: Option<(String, String)>) -> FeatureNote {
        FeatureNote { zh: zh.into(), en: en.into(), reason }
    }
}

/// `text` with its first letter upper-case.
pub(super) fn capitalise(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map_or_else(String::new, |first| first.to_uppercase().chain(chars).collect())
}

/// Chinese and English names of a guide language code.
pub fn language_name(code: &str) -> (&'static str, &'static str) {
    match code {
        "zh" => ("中文", "Chinese"),
        "en" => ("英语", "English"),
        "it" => ("意大利语", "Italian"),
        "es" => ("西班牙语", "Spanish"),
        "fr" => ("法语", "French"),
        "de" => ("德语", "German"),
        "ja" => ("日语", "Japanese"),
        "ko" => ("韩语", "Korean"),
        "pt" => ("葡萄牙语", "Portuguese"),
        "ms" => ("马来语", "Malay"),
        "id" => ("印尼语", "Indonesian"),
        "th" => ("泰语", "Thai"),
        "vi" => ("越南语", "Vietnamese"),
        "ar" => ("阿拉伯语", "Arabic"),
        "nl" => ("荷兰语", "Dutch"),
        "ru" => ("俄语", "Russian"),
        _ => ("外语", "a foreign language"),
    }
}
