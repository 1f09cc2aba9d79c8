//! Plain-text tables for the terminal, with Chinese text (two columns a character) aligned.

use unicode_width::UnicodeWidthStr;

/// A table: a header row and rows of cells, printed with columns padded to their widest cell.
pub(super) struct Table {
    rows: Vec<Vec<String>>,
    numeric: Vec<bool>,
}

impl Table {
    /// A table with these column headers; `numeric` columns are right-aligned.
    pub(super) fn new(headers: &[&str], numeric: &[bool]) -> Table {
        Table { rows: vec![headers.iter().map(|h| h.to_string()).collect()], numeric: numeric.to_vec() }
    }

    /// Adds a row.
    pub(super) fn row(&mut self, cells: Vec<String>) {
        self.rows.push(cells);
    }

    /// The table as text, a line a row, with a rule under the header.
    pub(super) fn render(&self) -> String {
        let columns = self.rows.iter().map(Vec::len).max().unwrap_or(0);
        let widths: Vec<usize> = (0..columns).map(|c| self.rows.iter().filter_map(|r| r.get(c)).map(|cell| cell.width()).max().unwrap_or(0)).collect();
        let mut out = String::new();
        for (index, row) in self.rows.iter().enumerate() {
            let cells: Vec<String> = row
                .iter()
                .enumerate()
                .map(|(c, cell)| {
                    let pad = " ".repeat(widths[c].saturating_sub(cell.width()));
                    if self.numeric.get(c).copied().unwrap_or(false) { format!("{pad}{cell}") } else { format!("{cell}{pad}") }
                })
                .collect();
            out.push_str(cells.join("  ").trim_end());
            out.push('\n');
            if index == 0 {
                out.push_str(&widths.iter().map(|w| "-".repeat(*w)).collect::<Vec<_>>().join("  "));
                out.push('\n');
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chinese_cells_count_two_columns_a_character() {
        let mut table = Table::new(&["地区 Division", "入库"], &[false, true]);
        table.row(vec!["鹿城区 Lucheng".into(), "12".into()]);
        table.row(vec!["Ouhai".into(), "3".into()]);
        let text = table.render();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[2], "鹿城区 Lucheng    12");
        assert_eq!(lines[3], "Ouhai              3");
        assert_eq!(lines[0].width(), lines[2].width());
    }
}
