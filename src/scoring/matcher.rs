//! The matching pipeline: profile → candidates → hard rules → features → scores → MMR.

use std::collections::HashSet;

use rustc_hash::FxHashMap as HashMap;

use ndarray::{Array1, Array2};
use serde::Serialize;
use tantivy::query::{BooleanQuery, Occur, Query};
use utoipa::ToSchema;

use super::config::{MatchConfig, MatchWeights};
use super::explain::ScoreExplanation;
use super::features::{capitalise, Exposure, Feature, FeatureContext};
use super::profile::ProfileSignals;
use super::rules::{ExclusionReason, VisitRules};
use super::table::{BaseRow, BaseTable};
use crate::access::Visibility;
use crate::domain::{base_key, BaseKind, DelegationProfile, DivisionRegistry, Relations, Taxonomy, TaxonomyMatch};
use crate::search::SearchIndex;

/// Per-request choices.
#[derive(Debug, Clone, PartialEq)]
pub struct MatchOptions {
    /// How many bases to return.
    pub top: usize,
    /// Whether to list relevant bases left out by a hard rule.
    pub explain_excluded: bool,
    /// MMR diversity (0 = pure relevance); the configured default when `None`.
    pub diversity: Option<f32>,
    /// Whether past exposure counts; the configured default when `None`.
    pub rotation: Option<bool>,
    /// Weights replacing the configured ones.
    pub weights: Option<MatchWeights>,
    /// Build each hit's explanation tree, reasons and matched terms (batch evaluation, which
    /// only needs the ranking, turns this off).
    pub explain: bool,
    /// What the caller may see: below officer a restricted must-visit base is reported as
    /// unknown, exactly like an id that does not exist.
    pub visibility: Visibility,
}

impl Default for MatchOptions {
    fn default() -> Self {
        MatchOptions {
            top: 10,
            explain_excluded: false,
            diversity: None,
            rotation: None,
            weights: None,
            explain: true,
            visibility: Visibility::Public,
        }
    }
}

/// One ranked base.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct MatchedBase {
    /// 1-based rank.
    pub rank: usize,
    /// The rank the base would have by score alone (must-visit bases still first). It differs
    /// from `rank` where diversity moved the base up or down, to keep alike bases apart.
    pub score_rank: usize,
    /// Base id.
    pub id: String,
    /// Chinese name.
    pub name_zh: String,
    /// English name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name_en: Option<String>,
    /// Kind.
    pub kind: BaseKind,
    /// Division or zone code.
    pub division: String,
    /// Industry codes.
    pub industries: Vec<String>,
    /// Total score, 0..1 (weighted mean of the features).
    pub score: f32,
    /// Whether the base is on the must-visit list.
    pub must_visit: bool,
    /// Estimated driving minutes from the hotel.
    pub travel_minutes: u32,
    /// Largest group the base receives.
    pub max_group_size: u16,
    /// Why this base: a one-line reason in Chinese.
    pub reason_zh: String,
    /// Why this base: a one-line reason in English.
    pub reason_en: String,
    /// Profile terms found in the base's name, needs or promotion points, and the industry terms that matched.
    pub matched_terms: Vec<String>,
    /// Score explanation: total, then each weighted feature with its raw value and weight.
    pub explanation: ScoreExplanation,
}

/// A relevant base left out by a hard rule.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct ExcludedBase {
    /// Base id.
    pub id: String,
    /// Chinese name.
    pub name_zh: String,
    /// Reason code.
    pub reason: ExclusionReason,
    /// Details.
    pub detail: String,
}

/// Something the officer should know about the result.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct MatchWarning {
    /// Stable code: `must_visit_excluded`, `unknown_base`, `unknown_industry_term`.
    pub code: String,
    /// What the warning is about: a base id, or a term of the profile.
    pub subject: String,
    /// Details.
    pub message: String,
}

/// The result of a match: what `POST /v1/matches` returns.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct MatchOutcome {
    /// Ranked bases; must-visit bases first.
    pub items: Vec<MatchedBase>,
    /// Relevant bases left out by a hard rule (only with `explain_excluded`).
    pub excluded: Vec<ExcludedBase>,
    /// Warnings (a must-visit base that breaks a rule, an unknown id or industry term).
    pub warnings: Vec<MatchWarning>,
    /// Candidates scored after the hard rules.
    pub candidates: usize,
    /// Industries read from the profile, in any language, with the term that named each.
    pub sought_industries: Vec<TaxonomyMatch>,
    /// The weights used (rotation zeroed when off).
    pub weights: MatchWeights,
    /// The diversity used.
    pub diversity: f32,
}

/// Score for must-visit bases in the candidate query: they always enter the pool.
const MUST_VISIT_POOL_SCORE: f32 = 1000.0;
/// Pool-query score of a base in a sought industry.
const SOUGHT_INDUSTRY_POOL_SCORE: f32 = 3.0;
/// Pool-query score of a base linked by a sister city or the diaspora.
const LINK_POOL_SCORE: f32 = 1.0;

/// Runs matches against one snapshot of the library.
pub struct Matcher<'a> {
    /// The search index.
    pub index: &'a SearchIndex,
    /// In-memory rows of every base.
    pub table: &'a BaseTable,
    /// Taxonomy.
    pub taxonomy: &'a Taxonomy,
    /// Divisions.
    pub divisions: &'a DivisionRegistry,
    /// Relations and cooperation concepts.
    pub relations: &'a Relations,
    /// Configuration.
    pub config: &'a MatchConfig,
    /// Past exposure.
    pub exposure: &'a Exposure,
}

impl Matcher<'_> {
    /// Ranks bases for `profile`. The profile must already be validated.
    pub fn run(&self, profile: &DelegationProfile, options: &MatchOptions) -> crate::Result<MatchOutcome> {
        let signals = ProfileSignals::read(profile, self.taxonomy, self.divisions, self.relations);
        let pool_size = self.config.ranking.candidate_pool.max(options.top);

        // The pool is the best bases by text, plus the best by structure (sought industries,
        // relationship links, must-visit): two cheap queries rather than one large union.
        let text_hits = self.index.scored_keys(self.index.word_query(&signals.text, &signals.sought_industries), pool_size, false)?;
        let structured_hits = self.index.scored_keys(self.structured_query(&signals, profile), pool_size, false)?;
        let mut pool: Vec<(u64, f32)> = text_hits.clone();
        let in_pool: HashSet<u64> = pool.iter().map(|(key, _)| *key).collect();
        pool.extend(structured_hits.into_iter().filter(|(key, _)| !in_pool.contains(key)));
        let text_scores = normalised(text_hits);
        let needs_scores = if signals.offers_text.trim().is_empty() {
            HashMap::default()
        } else {
            normalised(self.index.scored_keys(self.index.field_words_query(&signals.offers_text, "needs"), pool_size, false)?)
        };
        let promotion_scores = if signals.seeks_text.trim().is_empty() {
            HashMap::default()
        } else {
            normalised(self.index.scored_keys(self.index.field_words_query(&signals.seeks_text, "promotion"), pool_size, false)?)
        };

        let mut warnings = Vec::new();
        for entry in &profile.industries_sought {
            if self.taxonomy.resolve(entry).is_empty() {
                warnings.push(MatchWarning {
                    code: "unknown_industry_term".into(),
                    subject: entry.clone(),
                    message: "not an industry of the taxonomy; used as free text only".into(),
                });
            }
        }
        let mut keys: Vec<u64> = pool.iter().map(|(key, _)| *key).collect();
        let mut in_pool: rustc_hash::FxHashSet<u64> = keys.iter().copied().collect();
        for id in &profile.must_visit {
            match self.table.by_id(id).filter(|(_, row)| options.visibility.sees(row.hidden)) {
                Some(_) => {
                    if in_pool.insert(base_key(id)) {
                        keys.push(base_key(id));
                    }
                }
                None => warnings.push(MatchWarning { code: "unknown_base".into(), subject: id.clone(), message: "no base with this id".into() }),
            }
        }

        let mut candidates: Vec<(u64, usize)> = Vec::new();
        let mut excluded = Vec::new();
        let rules = VisitRules::of(profile, self.taxonomy, self.divisions);
        for key in keys {
            let Some((index, row)) = self.table.by_key(key) else { continue };
            match rules.violation(row) {
                None => candidates.push((key, index)),
                Some((reason, detail)) => {
                    if profile.must_visit.contains(&row.id) {
                        warnings.push(MatchWarning {
                            code: "must_visit_excluded".into(),
                            subject: row.id.clone(),
                            message: format!("a must-visit base breaks a hard rule: {detail}"),
                        });
                    }
                    if options.explain_excluded && reason != ExclusionReason::Restricted {
                        excluded.push(ExcludedBase { id: row.id.clone(), name_zh: row.name_zh.clone(), reason, detail });
                    }
                }
            }
        }

        let rotation = options.rotation.unwrap_or(self.config.ranking.rotation);
        let mut weights = options.weights.unwrap_or(self.config.weights);
        if !rotation {
            weights.rotation = 0.0;
        }
        let context = FeatureContext {
            signals: &signals,
            taxonomy: self.taxonomy,
            relations: self.relations,
            config: self.config,
            days: profile.days,
            group_size: profile.size,
            text_scores: &text_scores,
            needs_scores: &needs_scores,
            promotion_scores: &promotion_scores,
            exposure: self.exposure,
            industry_fit: super::features::industry_fit_table(self.taxonomy, &signals),
            link_industries: super::features::link_industry_sets(self.taxonomy, &signals),
        };
        let mut matrix = Array2::<f32>::zeros((candidates.len(), Feature::ALL.len()));
        for (i, (key, index)) in candidates.iter().enumerate() {
            let values = context.values(*key, self.table.row(*index));
            matrix.row_mut(i).assign(&Array1::from_iter(values));
        }
        let weight_vector = weights.to_array();
        let total_weight = weight_vector.sum().max(f32::EPSILON);
        let scores = matrix.dot(&weight_vector) / total_weight;

        let diversity = options.diversity.unwrap_or(self.config.ranking.diversity).clamp(0.0, 1.0);
        let must: HashSet<&str> = profile.must_visit.iter().map(String::as_str).collect();
        let topics = topics_of(&signals);
        let order = self.select(&candidates, scores.as_slice().unwrap_or(&[]), diversity, options.top, &must, &topics);

        let is_must = |i: &usize| must.contains(self.table.row(candidates[*i].1).id.as_str());
        let mut by_score: Vec<usize> = (0..candidates.len()).collect();
        by_score.sort_by(|a, b| is_must(b).cmp(&is_must(a)).then(scores[*b].total_cmp(&scores[*a])).then(a.cmp(b)));
        let mut score_rank = vec![0; candidates.len()];
        for (position, i) in by_score.into_iter().enumerate() {
            score_rank[i] = position + 1;
        }

        let profile_terms: HashSet<String> = self.index.tokenizer.terms(&signals.text).into_iter().collect();
        let items = order
            .into_iter()
            .enumerate()
            .map(|(rank, i)| {
                let (key, index) = candidates[i];
                let row = self.table.row(index);
                let features = matrix.row(i);
                let ranks = (rank + 1, score_rank[i]);
                self.describe_hit(ranks, key, row, scores[i], features.as_slice().unwrap_or(&[]), &weights, total_weight, &context, &profile_terms, must.contains(row.id.as_str()), options.explain)
            })
            .collect();
        Ok(MatchOutcome {
            items,
            excluded,
            warnings,
            candidates: candidates.len(),
            sought_industries: signals.sought_industries.clone(),
            weights,
            diversity,
        })
    }

    fn structured_query(&self, signals: &ProfileSignals, profile: &DelegationProfile) -> Box<dyn Query> {
        let mut should: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        for sought in &signals.sought_industries {
            should.push((Occur::Should, self.index.industry_clause(&sought.code, SOUGHT_INDUSTRY_POOL_SCORE, true)));
        }
        for link in &signals.links {
            match link {
                super::profile::Link::SisterCity { industries, divisions, .. } => {
                    for code in industries {
                        should.push((Occur::Should, self.index.industry_clause(code, LINK_POOL_SCORE, true)));
                    }
                    for code in divisions {
                        should.push((Occur::Should, self.index.division_clause(code, LINK_POOL_SCORE)));
                    }
                }
                super::profile::Link::Diaspora { divisions } => {
                    should.push((Occur::Should, self.index.industry_clause("overseas_chinese", LINK_POOL_SCORE, true)));
                    for code in divisions {
                        should.push((Occur::Should, self.index.division_clause(code, LINK_POOL_SCORE * 0.5)));
                    }
                }
            }
        }
        for id in &profile.must_visit {
            should.push((Occur::Should, self.index.id_clause(id, MUST_VISIT_POOL_SCORE)));
        }
        Box::new(BooleanQuery::new(should))
    }

    /// Maximal marginal relevance: must-visit bases first; then, for a delegation that names
    /// several topics, the best base of each topic (so every topic is covered near the top);
    /// then repeatedly the base with the best
    /// `(1 - diversity) * score - diversity * (similarity to those already chosen)`.
    fn select(&self, candidates: &[(u64, usize)], scores: &[f32], diversity: f32, top: usize, must: &HashSet<&str>, topics: &[String]) -> Vec<usize> {
        let traits: Vec<SimilarityTraits> =
            candidates.iter().map(|(_, index)| SimilarityTraits::of(self.table.row(*index), topics, self.taxonomy)).collect();
        let mut chosen: Vec<usize> = Vec::new();
        let mut must_first: Vec<usize> = (0..candidates.len()).filter(|i| must.contains(self.table.row(candidates[*i].1).id.as_str())).collect();
        must_first.sort_by(|a, b| scores[*b].total_cmp(&scores[*a]));
        chosen.extend(must_first);
        if topics.len() > 1 && diversity > 0.0 {
            // Each topic's best base, when it is a strong fit in its own right.
            let best = scores.iter().copied().fold(0.0f32, f32::max);
            let mut leaders: Vec<usize> = (0..topics.len())
                .filter(|t| !chosen.iter().any(|c| traits[*c].topic == Some(*t)))
                .filter_map(|t| {
                    (0..candidates.len())
                        .filter(|i| traits[*i].topic == Some(t) && !chosen.contains(i))
                        .max_by(|a, b| scores[*a].total_cmp(&scores[*b]).then(b.cmp(a)))
                        .filter(|i| scores[*i] >= TOPIC_LEADER_SHARE * best)
                })
                .collect();
            leaders.sort_by(|a, b| scores[*b].total_cmp(&scores[*a]).then(a.cmp(b)));
            leaders.dedup();
            chosen.extend(leaders.into_iter().take(top.saturating_sub(chosen.len())));
        }
        let mut remaining: Vec<usize> = (0..candidates.len()).filter(|i| !chosen.contains(i)).collect();
        let mut max_similarity: Vec<f32> = remaining
            .iter()
            .map(|r| chosen.iter().map(|c| traits[*r].similarity(&traits[*c])).fold(0.0, f32::max))
            .collect();
        while chosen.len() < top && !remaining.is_empty() {
            let (position, _) = remaining
                .iter()
                .enumerate()
                .map(|(p, i)| (p, (1.0 - diversity) * scores[*i] - diversity * max_similarity[p]))
                .max_by(|a, b| a.1.total_cmp(&b.1).then(b.0.cmp(&a.0)))
                .expect("remaining is not empty");
            let picked = remaining.remove(position);
            max_similarity.remove(position);
            for (p, r) in remaining.iter().enumerate() {
                max_similarity[p] = max_similarity[p].max(traits[*r].similarity(&traits[picked]));
            }
            chosen.push(picked);
        }
        chosen
    }

    #[allow(clippy::too_many_arguments)]
    fn describe_hit(
        &self,
        (rank, score_rank): (usize, usize),
        key: u64,
        row: &BaseRow,
        score: f32,
        features: &[f32],
        weights: &MatchWeights,
        total_weight: f32,
        context: &FeatureContext<'_>,
        profile_terms: &HashSet<String>,
        must_visit: bool,
        explain: bool,
    ) -> MatchedBase {
        let mut details = Vec::new();
        let mut reasons: Vec<(f32, (String, String))> = Vec::new();
        let explained = if explain { &Feature::ALL[..] } else { &[] };
        for (column, feature) in explained.iter().enumerate() {
            let value = features.get(column).copied().unwrap_or(0.0);
            let weight = weights.get(*feature) / total_weight;
            let note = context.describe(*feature, key, row);
            if let Some(reason) = note.reason
                && value * weight > 0.0 {
                    // A sister-city or diaspora link is always worth telling the officer.
                    let priority = if *feature == Feature::Relationship { 1.0 } else { 0.0 };
                    reasons.push((value * weight + priority, reason));
                }
            details.push(ScoreExplanation {
                value: value * weight,
                description: note.en,
                description_zh: Some(note.zh),
                feature: Some(feature.code().to_string()),
                details: vec![ScoreExplanation::leaf(value, "feature value"), ScoreExplanation::leaf(weight, "normalised weight")],
            });
        }
        reasons.sort_by(|a, b| b.0.total_cmp(&a.0));
        let (reason_zh, reason_en) = if reasons.is_empty() {
            ("综合条件较为匹配".to_string(), "a fair overall fit".to_string())
        } else {
            let top: Vec<&(String, String)> = reasons.iter().take(3).map(|(_, r)| r).collect();
            (top.iter().map(|r| r.0.as_str()).collect::<Vec<_>>().join("；"), capitalise(&top.iter().map(|r| r.1.as_str()).collect::<Vec<_>>().join("; ")))
        };

        // Chinese profile words are looked up as substrings and Latin ones as normalised words,
        // which finds the same terms as segmenting the base's text, at a fraction of the cost.
        let base_text = format!("{} {} {} {}", row.name_zh, row.name_en.as_deref().unwrap_or(""), row.needs.join(" "), row.promotion_points.join(" "));
        let base_words: HashSet<String> = crate::text::latin_words(&base_text).into_iter().collect();
        let mut matched_terms: Vec<String> = profile_terms
            .iter()
            .filter(|_| explain)
            .filter(|t| if crate::text::has_cjk(t) { base_text.contains(t.as_str()) } else { base_words.contains(*t) })
            .cloned()
            .collect();
        for sought in context.signals.sought_industries.iter().filter(|_| explain) {
            if row.industries.iter().any(|code| self.taxonomy.is_within(code, &sought.code)) {
                matched_terms.push(sought.term.clone());
            }
        }
        matched_terms.sort();
        matched_terms.dedup();

        MatchedBase {
            rank,
            score_rank,
            id: row.id.clone(),
            name_zh: row.name_zh.clone(),
            name_en: row.name_en.clone(),
            kind: row.kind,
            division: row.division.clone(),
            industries: row.industries.clone(),
            score,
            must_visit,
            travel_minutes: context.travel(row).round() as u32,
            max_group_size: row.max_group_size,
            reason_zh,
            reason_en,
            matched_terms,
            explanation: ScoreExplanation {
                value: score,
                description: "weighted mean of the features".to_string(),
                description_zh: Some("各项特征的加权平均".to_string()),
                feature: None,
                details,
            },
        }
    }
}

/// A topic's best base joins the top of a multi-topic list when it scores at least this share
/// of the best score (chosen on the judged set's development half: 0.5 cost 0.03 NDCG@10 there,
/// 0.8 cost 0.007, within noise, and still covers each strong topic).
const TOPIC_LEADER_SHARE: f32 = 0.8;

/// The topics a delegation names: its sought industries, each once, in the order named.
fn topics_of(signals: &ProfileSignals) -> Vec<String> {
    let mut topics: Vec<String> = Vec::new();
    for sought in &signals.sought_industries {
        if !topics.contains(&sought.code) {
            topics.push(sought.code.clone());
        }
    }
    topics
}

/// What diversity compares, reduced to integers once per candidate.
struct SimilarityTraits {
    primary_industry: u64,
    industries: Vec<u64>,
    /// The first of the delegation's topics the base serves (its industries within it).
    topic: Option<usize>,
    /// How many topics the delegation names.
    topic_count: usize,
    county: u64,
    cluster: u64,
    kind: BaseKind,
}

impl SimilarityTraits {
    fn of(row: &BaseRow, topics: &[String], taxonomy: &Taxonomy) -> SimilarityTraits {
        SimilarityTraits {
            primary_industry: row.industries.first().map_or(0, |c| base_key(c)),
            industries: row.industries.iter().map(|c| base_key(c)).collect(),
            topic: topics.iter().position(|topic| row.industries.iter().any(|code| taxonomy.is_within(code, topic))),
            topic_count: topics.len(),
            county: base_key(&row.county),
            cluster: base_key(&row.cluster),
            kind: row.kind,
        }
    }

    /// How alike two bases are for diversity: the same topic of several the delegation names
    /// (bases on its only topic are all what it asked for, so not alike for that), otherwise
    /// the same main industry or shared industries; same county or cluster; same kind; at
    /// most 1.
    fn similarity(&self, other: &SimilarityTraits) -> f32 {
        let mut similarity: f32 = 0.0;
        match (self.topic, other.topic) {
            (Some(a), Some(b)) if self.topic_count > 1 => similarity += if a == b { 0.5 } else { 0.0 },
            (Some(_), Some(_)) => {}
            _ if self.primary_industry == other.primary_industry => similarity += 0.5,
            _ if self.industries.iter().any(|x| other.industries.contains(x)) => similarity += 0.25,
            _ => {}
        }
        if self.county == other.county {
            similarity += 0.3;
        } else if self.cluster == other.cluster {
            similarity += 0.1;
        }
        if self.kind == other.kind {
            similarity += 0.2;
        }
        similarity.min(1.0)
    }
}


/// Divides scores by the best one, so the top base of the pool has 1.
fn normalised(scores: Vec<(u64, f32)>) -> HashMap<u64, f32> {
    let best = scores.iter().map(|(_, s)| *s).fold(0.0f32, f32::max);
    if best <= 0.0 {
        return HashMap::default();
    }
    scores.into_iter().map(|(key, score)| (key, score / best)).collect()
}
