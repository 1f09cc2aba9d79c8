//! The bilingual industry taxonomy (产业分类) and the outbound-route themes it maps to.
//!
//! The taxonomy is data (`fixtures/taxonomy.json`): a tree of industries, each with Chinese,
//! English and pinyin labels, synonyms in the guests' languages, and themes. It serves three
//! purposes: validating a base's `industries`, expanding a query written in any language to the
//! industries it names (so "calzature" reaches Chinese-only shoe bases), and measuring how close
//! two industries are (same, parent/child, siblings, same theme).

use std::collections::{BTreeMap, HashMap, HashSet};

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::text::TermMatcher;

/// An outbound-route theme (出访线路主题).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Theme {
    /// Code, e.g. `fashion_smart_manufacturing`.
    pub code: String,
    /// Chinese name, e.g. 时尚智造.
    pub zh: String,
    /// English name.
    pub en: String,
}

/// One industry of the taxonomy.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct IndustryNode {
    /// Code, e.g. `footwear`.
    pub code: String,
    /// Parent industry code; `None` for a top-level sector.
    pub parent: Option<String>,
    /// Chinese label.
    pub zh: String,
    /// English label.
    pub en: String,
    /// Pinyin.
    pub pinyin: String,
    /// Theme codes this industry serves.
    pub themes: Vec<String>,
    /// Synonyms keyed by ISO 639-1 language code.
    pub synonyms: BTreeMap<String, Vec<String>>,
}

impl IndustryNode {
    /// Every label and synonym with its language (`zh`, `en`, `pinyin`, `it`, …).
    pub fn all_terms(&self) -> impl Iterator<Item = (&str, &str)> {
        [("zh", self.zh.as_str()), ("en", self.en.as_str()), ("pinyin", self.pinyin.as_str())]
            .into_iter()
            .chain(self.synonyms.iter().flat_map(|(lang, terms)| terms.iter().map(move |t| (lang.as_str(), t.as_str()))))
    }
}

/// An industry named in a piece of text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct TaxonomyMatch {
    /// The industry code.
    pub code: String,
    /// The taxonomy term that was found, as written in the taxonomy.
    pub term: String,
    /// The term's language (`zh`, `en`, `pinyin`, `it`, …).
    pub lang: String,
}

#[derive(Deserialize)]
struct TaxonomyFile {
    themes: Vec<Theme>,
    industries: Vec<IndustryNode>,
}

/// The loaded, checked taxonomy with its term matchers.
#[derive(Debug, Clone)]
pub struct Taxonomy {
    themes: Vec<Theme>,
    nodes: Vec<IndustryNode>,
    by_code: HashMap<String, usize>,
    matcher: TermMatcher,
    /// Each code's ancestors (itself first), computed once: relations are asked per request.
    ancestors: HashMap<String, Vec<String>>,
    /// Each code's themes (inherited), computed once.
    themes_by_code: HashMap<String, Vec<String>>,
    /// Every label of every industry, built on first use (imports and filters read labels).
    labels: std::sync::OnceLock<super::Labels>,
}

impl Taxonomy {
    /// The taxonomy shipped in the binary.
    pub fn embedded() -> Taxonomy {
        Taxonomy::from_json(include_str!("../../fixtures/taxonomy.json"))
            .expect("fixtures/taxonomy.json is valid: checked by unit tests")
    }

    /// Parses and checks a taxonomy: unique codes, known parents and themes, no cycles.
    pub fn from_json(json: &str) -> Result<Taxonomy, String> {
        let file: TaxonomyFile = serde_json::from_str(json).map_err(|e| e.to_string())?;
        let mut by_code = HashMap::new();
        for (i, node) in file.industries.iter().enumerate() {
            if by_code.insert(node.code.clone(), i).is_some() {
                return Err(format!("industry `{}` is listed twice", node.code));
            }
        }
        let theme_codes: HashSet<&str> = file.themes.iter().map(|t| t.code.as_str()).collect();
        for node in &file.industries {
            if let Some(parent) = &node.parent
                && !by_code.contains_key(parent) {
                    return Err(format!("industry `{}` has unknown parent `{parent}`", node.code));
                }
            if let Some(theme) = node.themes.iter().find(|t| !theme_codes.contains(t.as_str())) {
                return Err(format!("industry `{}` has unknown theme `{theme}`", node.code));
            }
            // Walking up at most `len` steps finds every cycle.
            let mut current = node.parent.clone();
            for _ in 0..=file.industries.len() {
                match current {
                    Some(code) if code == node.code => return Err(format!("industry `{}` is its own ancestor", node.code)),
                    Some(code) => current = file.industries[by_code[&code]].parent.clone(),
                    None => break,
                }
            }
        }

        let mut matcher = TermMatcher::default();
        for (i, node) in file.industries.iter().enumerate() {
            for (lang, term) in node.all_terms() {
                matcher.add(term, i, lang);
            }
        }
        let mut taxonomy = Taxonomy {
            themes: file.themes,
            nodes: file.industries,
            by_code,
            matcher,
            ancestors: HashMap::new(),
            themes_by_code: HashMap::new(),
            labels: std::sync::OnceLock::new(),
        };
        let ancestors = taxonomy
            .nodes
            .iter()
            .map(|node| (node.code.clone(), taxonomy.ancestors_and_self(&node.code).into_iter().map(String::from).collect()))
            .collect();
        taxonomy.ancestors = ancestors;
        let themes_by_code = taxonomy
            .nodes
            .iter()
            .map(|node| (node.code.clone(), taxonomy.themes_of(&node.code).into_iter().map(String::from).collect()))
            .collect();
        taxonomy.themes_by_code = themes_by_code;
        Ok(taxonomy)
    }

    /// The industries by their labels in every language (`鞋业`, `calzature`, `footwear`).
    pub fn labels(&self) -> &super::Labels {
        self.labels.get_or_init(|| super::Labels::industries(self))
    }

    /// All industries, in file order (parents before children).
    pub fn industries(&self) -> &[IndustryNode] {
        &self.nodes
    }

    /// All themes.
    pub fn themes(&self) -> &[Theme] {
        &self.themes
    }

    /// Looks an industry up by code.
    pub fn get(&self, code: &str) -> Option<&IndustryNode> {
        self.by_code.get(code).map(|i| &self.nodes[*i])
    }

    /// The code itself and all its ancestors, nearest first.
    pub fn ancestors_and_self(&self, code: &str) -> Vec<&str> {
        let mut path = Vec::new();
        let mut current = self.get(code);
        while let Some(node) = current {
            path.push(node.code.as_str());
            current = node.parent.as_deref().and_then(|p| self.get(p));
        }
        path
    }

    /// Whether `ancestor` is `code` or one of its ancestors (precomputed, no allocation).
    pub fn is_within(&self, code: &str, ancestor: &str) -> bool {
        self.ancestors.get(code).is_some_and(|path| path.iter().any(|a| a == ancestor))
    }

    /// Whether two industries share an outbound-route theme (precomputed).
    pub fn share_theme(&self, a: &str, b: &str) -> bool {
        match (self.themes_by_code.get(a), self.themes_by_code.get(b)) {
            (Some(x), Some(y)) => x.iter().any(|t| y.contains(t)),
            _ => false,
        }
    }

    /// The parent code of an industry.
    pub fn parent_of(&self, code: &str) -> Option<&str> {
        self.get(code).and_then(|n| n.parent.as_deref())
    }

    /// The code itself and every industry below it.
    pub fn descendants_and_self(&self, code: &str) -> Vec<&str> {
        self.nodes
            .iter()
            .filter(|node| self.ancestors_and_self(&node.code).contains(&code))
            .map(|node| node.code.as_str())
            .collect()
    }

    /// The themes of an industry, inherited from the nearest ancestor that names any.
    pub fn themes_of(&self, code: &str) -> Vec<&str> {
        for ancestor in self.ancestors_and_self(code) {
            let node = &self.nodes[self.by_code[ancestor]];
            if !node.themes.is_empty() {
                return node.themes.iter().map(String::as_str).collect();
            }
        }
        Vec::new()
    }

    /// Finds every industry named in `text`, in any language of the taxonomy.
    ///
    /// Chinese and Japanese terms match as substrings; Latin-script terms match whole words
    /// after lower-casing, accent folding and English stemming. Each industry is reported once,
    /// with the first term that found it.
    pub fn match_text(&self, text: &str) -> Vec<TaxonomyMatch> {
        self.matcher
            .find(text)
            .into_iter()
            .map(|hit| TaxonomyMatch { code: self.nodes[hit.payload].code.clone(), term: hit.term, lang: hit.lang })
            .collect()
    }

    /// Resolves one entry of a profile's `industries_sought` (a code, or a term in any language)
    /// to industry codes.
    pub fn resolve(&self, code_or_term: &str) -> Vec<String> {
        if self.get(code_or_term).is_some() {
            return vec![code_or_term.to_string()];
        }
        self.match_text(code_or_term).into_iter().map(|m| m.code).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn codes(matches: Vec<TaxonomyMatch>) -> Vec<String> {
        matches.into_iter().map(|m| m.code).collect()
    }

    #[test]
    fn embedded_taxonomy_loads_and_every_node_has_a_theme() {
        let taxonomy = Taxonomy::embedded();
        assert!(taxonomy.industries().len() >= 40);
        for node in taxonomy.industries() {
            assert!(!taxonomy.themes_of(&node.code).is_empty(), "{} has no theme", node.code);
        }
    }

    #[test]
    fn finds_footwear_in_five_languages() {
        let taxonomy = Taxonomy::embedded();
        for text in ["footwear", "Calzature di lusso", "Schuhe aus Wenzhou", "chaussures", "calzado", "靴メーカー", "鞋"] {
            assert!(codes(taxonomy.match_text(text)).contains(&"footwear".to_string()), "{text}");
        }
    }

    #[test]
    fn stemming_lets_plural_and_singular_meet() {
        let taxonomy = Taxonomy::embedded();
        assert!(codes(taxonomy.match_text("valve")).contains(&"pumps_valves".to_string()));
        assert!(codes(taxonomy.match_text("industrial valves and pumps")).contains(&"pumps_valves".to_string()));
    }

    #[test]
    fn function_words_do_not_name_industries() {
        let taxonomy = Taxonomy::embedded();
        assert!(taxonomy.match_text("we would like to see it all").is_empty());
    }

    #[test]
    fn hierarchy_helpers_follow_parents() {
        let taxonomy = Taxonomy::embedded();
        assert_eq!(taxonomy.ancestors_and_self("low_voltage"), vec!["low_voltage", "electrical", "manufacturing"]);
        assert!(taxonomy.descendants_and_self("garments").contains(&"knitwear"));
        assert_eq!(taxonomy.themes_of("low_voltage"), vec!["fashion_smart_manufacturing"]);
        assert_eq!(taxonomy.resolve("汽车零部件"), vec!["auto_parts"]);
    }

    #[test]
    fn rejects_a_cycle() {
        let json = r#"{"themes":[],"industries":[
            {"code":"a","parent":"b","zh":"甲","en":"a","pinyin":"a","themes":[],"synonyms":{}},
            {"code":"b","parent":"a","zh":"乙","en":"b","pinyin":"b","themes":[],"synonyms":{}}]}"#;
        assert!(Taxonomy::from_json(json).unwrap_err().contains("ancestor"));
    }
}
