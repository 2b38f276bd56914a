//! SQL statements in string literals: a small tokenizer (comments and quoted text skipped) and
//! the statement rules of `queries/embedded/sql.toml`.

use crate::catalog::{Severity, SqlRule, SQL_RULES};

#[derive(Debug, Clone)]
pub struct SqlFinding {
    pub rule: &'static SqlRule,
    pub severity: Severity,
    /// The statement's first words, for messages.
    pub statement: String,
}

/// Upper-cased keywords and identifiers of each statement; literals and comments dropped.
fn statements(sql: &str) -> Vec<Vec<String>> {
    statements_at(sql).into_iter().map(|(_, _, s)| s).collect()
}

/// Each statement's words with the byte range from its first word to its last.
fn statements_at(sql: &str) -> Vec<(usize, usize, Vec<String>)> {
    let mut out: Vec<(usize, usize, Vec<String>)> = vec![(0, 0, Vec::new())];
    let mut chars = sql.char_indices().peekable();
    while let Some((at, c)) = chars.next() {
        let last = out.last_mut().unwrap();
        if last.2.is_empty() && !c.is_whitespace() && !matches!(c, ';' | '-' | '/') {
            last.0 = at;
        }
        match c {
            ';' => out.push((at + 1, at + 1, Vec::new())),
            '\'' | '"' | '`' => {
                for (_, n) in chars.by_ref() {
                    if n == c {
                        break;
                    }
                }
                last.2.push("?".into());
                last.1 = end_of(sql, &mut chars);
            }
            '-' if chars.peek().map(|p| p.1) == Some('-') => {
                for (_, n) in chars.by_ref() {
                    if n == '\n' {
                        break;
                    }
                }
            }
            '/' if chars.peek().map(|p| p.1) == Some('*') => {
                chars.next();
                let mut prev = ' ';
                for (_, n) in chars.by_ref() {
                    if prev == '*' && n == '/' {
                        break;
                    }
                    prev = n;
                }
            }
            c if c.is_alphanumeric() || c == '_' || c == '$' => {
                let mut word = c.to_string();
                while let Some(&(_, n)) = chars.peek() {
                    if n.is_alphanumeric() || n == '_' || n == '$' || n == '.' {
                        word.push(n);
                        chars.next();
                    } else {
                        break;
                    }
                }
                last.2.push(word.to_ascii_uppercase());
                last.1 = end_of(sql, &mut chars);
            }
            _ => {}
        }
    }
    out.retain(|s| !s.2.is_empty());
    out
}

/// Where the text not yet read starts.
fn end_of(sql: &str, chars: &mut std::iter::Peekable<std::str::CharIndices>) -> usize {
    chars.peek().map(|p| p.0).unwrap_or(sql.len())
}

/// The byte range of every statement of a SQL text that holds a word (comments and blank
/// statements left out).
pub fn statement_spans(sql: &str) -> Vec<(usize, usize)> {
    statements_at(sql)
        .into_iter()
        .map(|(s, e, _)| (s, e))
        .collect()
}

/// [`scan_sql`], each finding with its statement's byte range.
pub fn scan_sql_spans(sql: &str) -> Vec<(usize, usize, SqlFinding)> {
    statements_at(sql)
        .into_iter()
        .flat_map(|(s, e, words)| scan_statement(&words).into_iter().map(move |f| (s, e, f)))
        .collect()
}

fn word_matches(pattern: &str, word: &str) -> bool {
    pattern.split('|').any(|p| p == word)
}

/// Finds destructive statements in a SQL string.
pub fn scan_sql(sql: &str) -> Vec<SqlFinding> {
    statements(sql)
        .iter()
        .flat_map(|s| scan_statement(s))
        .collect()
}

fn scan_statement(stmt: &[String]) -> Vec<SqlFinding> {
    let mut found = Vec::new();
    {
        // `IF EXISTS` and temporary names are how teardown code drops scratch tables.
        let scratch = stmt
            .iter()
            .any(|w| w.starts_with("TMP_") || w.starts_with("TEMP_"))
            || stmt.iter().any(|w| w == "TEMPORARY" || w == "TEMP");
        for rule in SQL_RULES.iter() {
            let head = rule.statement.len();
            if stmt.len() < head
                || !rule
                    .statement
                    .iter()
                    .zip(stmt)
                    .all(|(p, w)| word_matches(p, w))
            {
                continue;
            }
            if !rule.contains.is_empty()
                && !stmt.windows(rule.contains.len()).any(|win| {
                    win.iter()
                        .zip(&rule.contains)
                        .all(|(w, p)| word_matches(p, w))
                })
            {
                continue;
            }
            if stmt.iter().any(|w| rule.unless.iter().any(|u| u == w)) || scratch {
                continue;
            }
            let severity = if stmt.iter().any(|w| rule.escalators.contains(w)) {
                rule.info.severity.raised()
            } else {
                rule.info.severity
            };
            found.push(SqlFinding {
                rule,
                severity,
                statement: stmt.iter().take(4).cloned().collect::<Vec<_>>().join(" "),
            });
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(sql: &str) -> Vec<&'static str> {
        scan_sql(sql)
            .into_iter()
            .map(|f| f.rule.info.id.as_str())
            .collect()
    }

    #[test]
    fn destructive_statements() {
        assert_eq!(ids("drop table users"), ["sql.drop-table"]);
        assert_eq!(ids("DELETE FROM sessions"), ["sql.delete-without-where"]);
        assert_eq!(
            ids("update users set admin = true;"),
            ["sql.update-without-where"]
        );
        assert_eq!(ids("TRUNCATE orders CASCADE"), ["sql.truncate"]);
        assert_eq!(ids("ALTER TABLE t DROP COLUMN email"), ["sql.drop-column"]);
        assert_eq!(ids("SELECT 1; DROP DATABASE prod"), ["sql.drop-database"]);
    }

    #[test]
    fn ordinary_statements() {
        assert!(ids("DELETE FROM sessions WHERE id = $1").is_empty());
        assert!(ids("UPDATE users SET name = 'DROP TABLE x' WHERE id = 1").is_empty());
        assert!(ids("SELECT * FROM users -- DROP TABLE users").is_empty());
        assert!(ids("DROP TABLE IF EXISTS tmp_import").is_empty());
        assert!(ids("DROP INDEX CONCURRENTLY idx").is_empty());
        assert!(
            ids("failed to delete the row").is_empty(),
            "prose starting with a keyword-like word"
        );
    }
}
