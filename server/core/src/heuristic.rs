//! The burst heuristic: one change that inserts several new lines at once is likely an accepted
//! AI suggestion the editor did not report. It is a guess (`confidence: low`) and stays quiet on
//! the usual look-alikes: formatting, undo of a deletion, a reported paste.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

const REMEMBER: usize = 32;
const PASTE_WINDOW: Duration = Duration::from_secs(30);

#[derive(Default)]
pub struct BurstDetector {
    /// Text recently deleted: inserting it again is an undo or a move, not new code.
    deleted: VecDeque<String>,
    /// Text the client reported as pasted.
    pasted: VecDeque<(String, Instant)>,
}

impl BurstDetector {
    pub fn note_paste(&mut self, text: String) {
        self.pasted.push_back((text, Instant::now()));
        if self.pasted.len() > REMEMBER {
            self.pasted.pop_front();
        }
    }

    /// Looks at one change; true when `inserted` should become a heuristic AI region.
    pub fn is_burst(&mut self, removed: &str, inserted: &str, min_lines: usize) -> bool {
        if !removed.trim().is_empty() {
            self.deleted.push_back(removed.to_string());
            if self.deleted.len() > REMEMBER {
                self.deleted.pop_front();
            }
        }
        let new_lines = inserted.matches('\n').count();
        if new_lines < min_lines.max(1) || inserted.trim().is_empty() {
            return false;
        }
        let squash = |s: &str| s.chars().filter(|c| !c.is_whitespace()).collect::<String>();
        // Formatting: the same text modulo whitespace.
        if !removed.is_empty() && squash(removed) == squash(inserted) {
            return false;
        }
        // Undo or re-insert of text that was just deleted.
        if self
            .deleted
            .iter()
            .any(|d| d == inserted || squash(d) == squash(inserted))
        {
            return false;
        }
        let now = Instant::now();
        self.pasted
            .retain(|(_, at)| now.duration_since(*at) < PASTE_WINDOW);
        if self.pasted.iter().any(|(p, _)| p == inserted) {
            return false;
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BLOCK: &str = "fn a() {\n    one();\n    two();\n    three();\n}\n";

    #[test]
    fn bursts_and_look_alikes() {
        let mut d = BurstDetector::default();
        assert!(d.is_burst("", BLOCK, 4));
        assert!(!d.is_burst("", "x\ny\n", 4), "too few lines");
        assert!(
            !d.is_burst("fn a(){one();two();three();}", BLOCK, 4),
            "formatting"
        );
        assert!(!d.is_burst("", "\n\n\n\n\n", 4), "blank lines");
        let mut d = BurstDetector::default();
        d.is_burst(BLOCK, "", 4);
        assert!(!d.is_burst("", BLOCK, 4), "undo of a deletion");
        let mut d = BurstDetector::default();
        d.note_paste(BLOCK.into());
        assert!(!d.is_burst("", BLOCK, 4), "reported paste");
    }
}
