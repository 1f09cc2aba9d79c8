//! Text normalisation shared by the taxonomy matcher and the search analyser.
//!
//! Both sides must agree on what a "word" is, or a taxonomy synonym would never meet the
//! indexed token it is meant to find. Chinese and Japanese runs are left to jieba in
//! the search analyzer; this module handles Latin-script words: lower case, accents
//! folded, English stemming.

use std::sync::OnceLock;

/// The byte-order mark every CSV written for people starts with: without it Excel on a Chinese
/// system reads the file as GBK and shows the Chinese as garbage. Our readers skip it.
pub const UTF8_BOM: &str = "\u{feff}";

use rust_stemmers::{Algorithm, Stemmer};

/// Whether `c` belongs to a CJK script (Han, kana, Hangul) that has no spaces between words.
pub fn is_cjk(c: char) -> bool {
    matches!(c as u32,
        0x3040..=0x30FF   // hiragana, katakana
        | 0x3400..=0x4DBF // CJK extension A
        | 0x4E00..=0x9FFF // CJK unified ideographs
        | 0xAC00..=0xD7AF // Hangul syllables
        | 0xF900..=0xFAFF // CJK compatibility ideographs
        | 0x20000..=0x2A6DF)
}

/// Whether `text` contains any CJK character.
pub fn has_cjk(text: &str) -> bool {
    text.chars().any(is_cjk)
}

fn stemmer() -> &'static Stemmer {
    static STEMMER: OnceLock<Stemmer> = OnceLock::new();
    STEMMER.get_or_init(|| Stemmer::create(Algorithm::English))
}

/// Folds the accents of common Latin letters (`é` → `e`, `ß` → `ss`), so that a guest who
/// types without accents still matches.
pub fn fold_accents(word: &str) -> String {
    let mut out = String::with_capacity(word.len());
    for c in word.chars() {
        match c {
            'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' => out.push('a'),
            'ç' => out.push('c'),
            'è' | 'é' | 'ê' | 'ë' => out.push('e'),
            'ì' | 'í' | 'î' | 'ï' => out.push('i'),
            'ñ' => out.push('n'),
            'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' => out.push('o'),
            'ù' | 'ú' | 'û' | 'ü' => out.push('u'),
            'ý' | 'ÿ' => out.push('y'),
            'ß' => out.push_str("ss"),
            'œ' => out.push_str("oe"),
            'æ' => out.push_str("ae"),
            other => out.push(other),
        }
    }
    out
}

/// Normalises one Latin-script word: lower case, accents folded, English stem.
pub fn normalize_latin_word(word: &str) -> String {
    let folded = fold_accents(&word.to_lowercase());
    stemmer().stem(&folded).into_owned()
}

/// Splits `text` into normalised Latin-script words, skipping CJK characters and punctuation.
/// Apostrophes split words (`d'énergie` → `d`, `energi`).
pub fn latin_words(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric() || is_cjk(c))
        .filter(|w| !w.is_empty())
        .map(normalize_latin_word)
        .collect()
}

/// Small function words in the office's guest languages. A taxonomy synonym made only of these
/// (`IT`, `AI`) would fire on ordinary sentences, so the matcher ignores such synonyms, and the
/// analyser does not index them.
pub fn is_stopword(normalized: &str) -> bool {
    const STOPWORDS: &[&str] = &[
        "a", "an", "and", "are", "as", "at", "be", "by", "for", "from", "in", "is", "it", "of", "on", "or",
        "that", "the", "to", "we", "with", "our", "their", "they", "this", "these", "those", "us", "our", "ai",
        "al", "alla", "con", "da", "dei", "del", "della", "di", "e", "i", "il", "la", "le", "lo", "per", "un",
        "una", "der", "die", "das", "den", "und", "mit", "fur", "von", "zu", "ein", "eine", "im", "au", "aux",
        "d", "de", "des", "du", "en", "et", "l", "les", "pour", "y", "el", "los", "las", "para", "o", "s",
    ];
    STOPWORDS.contains(&normalized)
}

/// Finds known terms in free text, in any script: CJK terms as substrings, Latin-script terms
/// as whole normalised word sequences ([`latin_words`]). Each term carries a payload (an index
/// into the caller's table) and its language.
#[derive(Debug, Clone, Default)]
pub struct TermMatcher {
    /// CJK terms, longest first.
    cjk: Vec<(String, usize, String)>,
    /// Positions in `cjk` of the terms starting with each character: a text is scanned once,
    /// rather than once per term.
    cjk_by_first_char: std::collections::HashMap<char, Vec<usize>>,
    /// Latin terms by normalised word sequence.
    latin: std::collections::HashMap<Vec<String>, Vec<(usize, String, String)>>,
    longest_phrase: usize,
}

/// One term found by a [`TermMatcher`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TermHit {
    /// The payload given with the term.
    pub payload: usize,
    /// The term as registered.
    pub term: String,
    /// The term's language.
    pub lang: String,
}

impl TermMatcher {
    /// Registers `term` (in `lang`) for `payload`. Latin terms made only of stopwords are
    /// ignored: they would fire on ordinary sentences.
    pub fn add(&mut self, term: &str, payload: usize, lang: &str) {
        if has_cjk(term) {
            self.cjk.push((term.to_string(), payload, lang.to_string()));
            self.cjk.sort_by(|a, b| b.0.chars().count().cmp(&a.0.chars().count()).then(a.0.cmp(&b.0)));
            self.cjk_by_first_char.clear();
            for (position, (term, _, _)) in self.cjk.iter().enumerate() {
                if let Some(first) = term.chars().next() {
                    self.cjk_by_first_char.entry(first).or_default().push(position);
                }
            }
            return;
        }
        let words = latin_words(term);
        if words.is_empty() || words.iter().all(|w| is_stopword(w)) {
            return;
        }
        self.longest_phrase = self.longest_phrase.max(words.len());
        let entry = self.latin.entry(words).or_default();
        if !entry.iter().any(|(p, _, _)| *p == payload) {
            entry.push((payload, term.to_string(), lang.to_string()));
        }
    }

    /// Every payload named in `text`, once each, with the first term that named it.
    pub fn find(&self, text: &str) -> Vec<TermHit> {
        let mut seen = std::collections::HashSet::new();
        let mut hits = Vec::new();
        let mut push = |payload: usize, term: &str, lang: &str| {
            if seen.insert(payload) {
                hits.push(TermHit { payload, term: term.to_string(), lang: lang.to_string() });
            }
        };
        if has_cjk(text) {
            // Terms found anywhere in the text, reported longest first as a full scan would.
            let mut found: Vec<usize> = Vec::new();
            for (offset, c) in text.char_indices() {
                if let Some(positions) = self.cjk_by_first_char.get(&c) {
                    found.extend(positions.iter().filter(|p| text[offset..].starts_with(self.cjk[**p].0.as_str())));
                }
            }
            found.sort_unstable();
            found.dedup();
            for position in found {
                let (term, payload, lang) = &self.cjk[position];
                push(*payload, term, lang);
            }
        }
        let words = latin_words(text);
        for start in 0..words.len() {
            for len in (1..=self.longest_phrase.min(words.len() - start)).rev() {
                if let Some(found) = self.latin.get(&words[start..start + len]) {
                    for (payload, term, lang) in found {
                        push(*payload, term, lang);
                    }
                }
            }
        }
        hits
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stems_and_folds_latin_words() {
        assert_eq!(latin_words("Shoes, Shoemaking!"), vec!["shoe", "shoemak"]);
        assert_eq!(normalize_latin_word("Équipement"), normalize_latin_word("equipement"));
        assert_eq!(latin_words("鞋业 footwear 眼镜"), vec!["footwear"]);
    }

    #[test]
    fn detects_cjk_scripts() {
        assert!(has_cjk("温州"));
        assert!(has_cjk("メガネ"));
        assert!(!has_cjk("Wenzhou"));
    }
}
