//! Tokenisers for mixed Chinese / Latin text.
//!
//! Base texts are mostly Chinese with English names and terms mixed in; guest queries arrive in
//! any language. [`MixedTokenizer`] segments CJK runs with jieba (search mode, with the
//! taxonomy's terms added to its dictionary so `汽摩配` stays one word) and normalises Latin
//! words exactly as the taxonomy matcher does ([`crate::text`]). [`CjkCharTokenizer`] emits single
//! CJK characters, a low-weight fallback so a one-character query such as `鞋` still meets
//! `皮鞋` in a description.

use std::sync::Arc;

use jieba_rs::Jieba;
use tantivy::tokenizer::{Token, TokenStream, Tokenizer};

use crate::domain::Taxonomy;
use crate::text::{is_cjk, is_stopword, normalize_latin_word};

/// Name under which [`MixedTokenizer`] is registered with the index.
pub const MIXED: &str = "vm_mixed";
/// Name under which [`CjkCharTokenizer`] is registered with the index.
pub const CJK_CHARS: &str = "vm_cjk_chars";

/// Builds the jieba segmenter with the taxonomy's Chinese terms in its dictionary.
pub fn jieba_with_taxonomy(taxonomy: &Taxonomy) -> Jieba {
    let mut jieba = Jieba::new();
    for node in taxonomy.industries() {
        for (_, term) in node.all_terms() {
            if term.chars().all(is_cjk) && term.chars().count() > 1 {
                // A high frequency makes jieba keep the term whole rather than split it.
                jieba.add_word(term, Some(50_000), None);
            }
        }
    }
    jieba
}

/// A token stream over tokens computed up front.
pub struct PrecomputedTokens {
    tokens: Vec<Token>,
    cursor: Option<usize>,
}

impl PrecomputedTokens {
    fn new(tokens: Vec<Token>) -> Self {
        PrecomputedTokens { tokens, cursor: None }
    }
}

impl TokenStream for PrecomputedTokens {
    fn advance(&mut self) -> bool {
        let next = self.cursor.map_or(0, |c| c + 1);
        self.cursor = Some(next);
        next < self.tokens.len()
    }
    fn token(&self) -> &Token {
        &self.tokens[self.cursor.unwrap_or(0)]
    }
    fn token_mut(&mut self) -> &mut Token {
        &mut self.tokens[self.cursor.unwrap_or(0)]
    }
}

/// Jieba for CJK runs, stemmed lower-case words for Latin runs, stopwords dropped.
#[derive(Clone)]
pub struct MixedTokenizer {
    jieba: Arc<Jieba>,
}

impl MixedTokenizer {
    /// A tokenizer sharing `jieba`.
    pub fn new(jieba: Arc<Jieba>) -> Self {
        MixedTokenizer { jieba }
    }

    /// The normalised tokens of `text`, as the index sees them.
    pub fn terms(&self, text: &str) -> Vec<String> {
        mixed_tokens(&self.jieba, text).into_iter().map(|t| t.text).collect()
    }
}

impl Tokenizer for MixedTokenizer {
    type TokenStream<'a> = PrecomputedTokens;
    fn token_stream<'a>(&'a mut self, text: &'a str) -> PrecomputedTokens {
        PrecomputedTokens::new(mixed_tokens(&self.jieba, text))
    }
}

/// Splits `text` into maximal runs that are either all CJK or all non-CJK, with byte offsets.
fn script_runs(text: &str) -> Vec<(usize, &str, bool)> {
    let mut runs = Vec::new();
    let mut start = 0;
    let mut current: Option<bool> = None;
    for (offset, c) in text.char_indices() {
        let cjk = is_cjk(c);
        match current {
            Some(kind) if kind != cjk => {
                runs.push((start, &text[start..offset], kind));
                start = offset;
                current = Some(cjk);
            }
            None => current = Some(cjk),
            _ => {}
        }
    }
    if let Some(kind) = current {
        runs.push((start, &text[start..], kind));
    }
    runs
}

fn mixed_tokens(jieba: &Jieba, text: &str) -> Vec<Token> {
    let mut tokens = Vec::new();
    let mut push = |from: usize, to: usize, term: String| {
        let position = tokens.len();
        tokens.push(Token { offset_from: from, offset_to: to, position, text: term, position_length: 1 });
    };
    for (run_start, run, cjk) in script_runs(text) {
        if cjk {
            for word in jieba.cut_for_search(run, true) {
                if word.word.chars().any(is_cjk) {
                    push(run_start + word.byte_start, run_start + word.byte_end, word.word.to_string());
                }
            }
        } else {
            let mut offset = 0;
            for piece in run.split(|c: char| !c.is_alphanumeric()) {
                let from = run_start + offset;
                offset += piece.len() + 1;
                if piece.is_empty() {
                    continue;
                }
                let term = normalize_latin_word(piece);
                if !is_stopword(&term) {
                    push(from, from + piece.len(), term);
                }
            }
        }
    }
    tokens
}

/// Single CJK characters; everything else is skipped.
#[derive(Clone, Default)]
pub struct CjkCharTokenizer;

impl CjkCharTokenizer {
    /// The distinct CJK characters of `text`.
    pub fn terms(text: &str) -> Vec<String> {
        let mut seen = std::collections::BTreeSet::new();
        text.chars().filter(|c| is_cjk(*c)).filter(|c| seen.insert(*c)).map(String::from).collect()
    }
}

impl Tokenizer for CjkCharTokenizer {
    type TokenStream<'a> = PrecomputedTokens;
    fn token_stream<'a>(&'a mut self, text: &'a str) -> PrecomputedTokens {
        let tokens = text
            .char_indices()
            .filter(|(_, c)| is_cjk(*c))
            .enumerate()
            .map(|(position, (offset, c))| Token {
                offset_from: offset,
                offset_to: offset + c.len_utf8(),
                position,
                text: c.to_string(),
                position_length: 1,
            })
            .collect();
        PrecomputedTokens::new(tokens)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tokenizer() -> MixedTokenizer {
        MixedTokenizer::new(Arc::new(jieba_with_taxonomy(&Taxonomy::embedded())))
    }

    #[test]
    fn keeps_taxonomy_terms_whole_and_stems_english() {
        let terms = tokenizer().terms("瑞安汽摩配企业 exporting Shoes");
        assert!(terms.contains(&"汽摩配".to_string()), "{terms:?}");
        assert!(terms.contains(&"shoe".to_string()), "{terms:?}");
        assert!(terms.contains(&"export".to_string()), "{terms:?}");
    }

    #[test]
    fn offsets_point_into_the_original_text() {
        let text = "温州 footwear 鞋业";
        for token in mixed_tokens(&tokenizer().jieba, text) {
            assert!(text.get(token.offset_from..token.offset_to).is_some());
        }
    }

    #[test]
    fn char_tokenizer_emits_only_cjk() {
        assert_eq!(CjkCharTokenizer::terms("皮鞋 shoes 鞋"), vec!["皮", "鞋"]);
    }
}
