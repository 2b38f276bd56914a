//! Diagnostics: what an AI region, its findings, its blast radius and its review state look like
//! in the editor.

use std::collections::HashMap;

use aigis_core::analysis::Finding;
use aigis_core::tracked_file::Judged;

use super::*;

/// The findings a review diagnostic links to as related information: the first few (each has
/// a diagnostic of its own). Each link is five JSON objects a client parses on every
/// keystroke: with twenty, a 5,000-line region that typing had split in 30 parts sent 600 of
/// them, more than its 500 findings' diagnostics.
const RELATED_FINDINGS: usize = 5;

/// "changes `purge`, used at 3 sites in 2 files, reaches `main` via ops::rotate".
pub(crate) fn attribution(r: &Region) -> String {
    let model = r
        .provenance
        .model
        .as_deref()
        .map(|m| format!(" ({m})"))
        .unwrap_or_default();
    format!(
        "written by {}{model}; attribution: {}, confidence {}",
        r.provenance.tool,
        r.source.as_str(),
        r.source.confidence().as_str()
    )
}

/// The regions' and their findings' diagnostics, from what the last [`TrackedFile::judge`]
/// left: verdicts and the findings' positions included (a keystroke converts again only the
/// positions on the lines it edited).
pub(crate) fn diagnostics(
    file: &TrackedFile,
    judged: &[Judged],
    audit: bool,
    uri: &Uri,
    texts: &mut FindingTexts,
) -> Vec<Entry> {
    texts.round += 1;
    let mut out = Vec::new();
    for a in judged {
        if a.region.source == Source::Heuristic {
            let (l1, l2) = (
                file.doc.line_of(a.region.start) + 1,
                file.doc.line_of(a.region.end.saturating_sub(1)) + 1,
            );
            let holds = if a.findings.is_empty() {
                String::new()
            } else {
                format!(
                    "; it holds {}",
                    a.findings
                        .iter()
                        .map(|f| &*f.rule)
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            };
            out.push(Entry::Built(Box::new(Diagnostic {
                range: head_range(file.doc.positions(), a.region),
                severity: Some(DiagnosticSeverity::HINT),
                code: Some(NumberOrString::String("ai/possible".into())),
                source: Some(SOURCE.into()),
                message: format!(
                    "Possibly AI-written: lines {l1}-{l2} arrived in one change the editor did not report (low confidence){holds}. Mark as AI to track and review it, or as human."
                ),
                data: Some(json!({ "regionId": a.region.id })),
                ..Default::default()
            })));
            continue;
        }
        let (risk, review) = (&a.verdict.risk, &a.verdict.review);
        let need = match risk.tier {
            Tier::Senior => "a senior must review it before it ships",
            Tier::Peer => "a peer must review it before it ships",
            Tier::None => "",
        };
        // Said once per region, not once per finding (a region of 500 calls republishes them
        // all on every keystroke).
        let who = attribution(a.region);
        // What the region adds to each of its findings' messages.
        let context = texts.context(&format!("{who}\n{need}"));
        out.reserve(a.findings.len());
        // The first few findings' ranges, for the review's related information.
        let mut related_ranges = Vec::with_capacity(RELATED_FINDINGS);
        for (f, span) in a.findings.iter().zip(a.spans) {
            let text = texts.get_or_make(context, f, || {
                let notes = if f.notes.is_empty() {
                    String::new()
                } else {
                    format!(" [{}]", f.notes.join("; "))
                };
                // No `data`: a code action finds a finding's region by where it is (`data`
                // is a map of its own in each of hundreds of diagnostics, parsed by the
                // client on every keystroke).
                risky(
                    f,
                    format!(
                        "AI-written {} operation: {}{notes} ({who}; {need})",
                        f.severity.as_str(),
                        f.message,
                    ),
                )
            });
            let r = range(span.from, span.to);
            if related_ranges.len() < RELATED_FINDINGS {
                related_ranges.push(r);
            }
            out.push(text.placed(r));
        }
        if let Some(b) = a
            .blast
            .as_ref()
            .filter(|b| b.direct > 0 || !b.risky_callees.is_empty())
        {
            let mut related: Vec<DiagnosticRelatedInformation> = b
                .dependents
                .iter()
                .take(50)
                .filter_map(|d| {
                    Some(DiagnosticRelatedInformation {
                        location: location(&d.file, d.line, d.col)?,
                        message: format!(
                            "{}uses `{}` ({:?})",
                            d.caller
                                .as_deref()
                                .map(|c| format!("`{c}` "))
                                .unwrap_or_default(),
                            d.uses,
                            d.certainty
                        )
                        .to_lowercase(),
                    })
                })
                .collect();
            related.extend(b.risky_callees.iter().take(20).filter_map(|c| {
                Some(DiagnosticRelatedInformation {
                    location: location(&c.file, c.line, c.col)?,
                    message: format!(
                        "{} ({}), reached via {}",
                        c.rule,
                        c.severity.as_str(),
                        c.via.join(" → ")
                    ),
                })
            }));
            let severe = risk
                .reasons
                .iter()
                .any(|r| r.contains("dependents") || r.contains("indirect"));
            out.push(Entry::Built(Box::new(Diagnostic {
                range: head_range(file.doc.positions(), a.region),
                severity: Some(if severe {
                    DiagnosticSeverity::WARNING
                } else {
                    DiagnosticSeverity::INFORMATION
                }),
                code: Some(NumberOrString::String("blast-radius".into())),
                source: Some(SOURCE.into()),
                message: format!("AI region {}", b.summary()),
                related_information: Some(related).filter(|r: &Vec<_>| !r.is_empty()),
                data: Some(json!({ "regionId": a.region.id })),
                ..Default::default()
            })));
        }
        let (code, sev, message) = match (review.state, risk.tier) {
            (ReviewState::None, _) => continue,
            (ReviewState::Required, Tier::Senior) => (
                "review/senior-required",
                DiagnosticSeverity::WARNING,
                format!("AI region needs senior review: {}", risk.reasons.join(", ")),
            ),
            (ReviewState::Required, _) => (
                "review/peer-required",
                DiagnosticSeverity::INFORMATION,
                format!("AI region needs peer review: {}", risk.reasons.join(", ")),
            ),
            (ReviewState::Requested, tier) => (
                "review/requested",
                DiagnosticSeverity::INFORMATION,
                format!(
                    "{} review requested by {} at {}; waiting for {}",
                    tier.as_str(),
                    review.by.as_deref().unwrap_or("?"),
                    review.at.as_deref().unwrap_or("?"),
                    if review.reviewers.is_empty() {
                        "an owner".to_string()
                    } else {
                        review.reviewers.join(", ")
                    }
                ),
            ),
            (ReviewState::Approved, tier) => (
                "review/approved",
                DiagnosticSeverity::HINT,
                format!(
                    "{} review approved by {} at {}",
                    tier.as_str(),
                    review.by.as_deref().unwrap_or("?"),
                    review.at.as_deref().unwrap_or("?")
                ),
            ),
        };
        let stale = if review.stale {
            " (an earlier approval is stale: the code changed after it)"
        } else {
            ""
        };
        out.push(Entry::Built(Box::new(Diagnostic {
            range: head_range(file.doc.positions(), a.region),
            severity: Some(sev),
            code: Some(NumberOrString::String(code.into())),
            source: Some(SOURCE.into()),
            message: format!("{message}{stale} — {}", attribution(a.region)),
            // Each finding has a diagnostic of its own: the first few are linked here (a
            // region of hundreds would send every location again on every keystroke).
            related_information: Some(
                a.findings
                    .iter()
                    .zip(related_ranges)
                    .map(|(f, range)| DiagnosticRelatedInformation {
                        location: Location::new(uri.clone(), range),
                        message: format!("risky/{}", f.rule),
                    })
                    .collect(),
            )
            .filter(|v: &Vec<_>| !v.is_empty()),
            data: Some(json!({ "regionId": a.region.id })),
            ..Default::default()
        })));
    }
    if audit {
        let context = texts.context(AUDIT);
        // The positions `judge` kept; converted here if the findings changed since (a zip
        // with none would leave every finding out).
        let spans = file.finding_spans();
        for (i, f) in file.findings.iter().enumerate() {
            if file.regions.at(f.start).is_some() {
                continue;
            }
            let text = texts.get_or_make(context, f, || {
                risky(
                    f,
                    format!(
                        "{} operation (audit mode; not in an AI region): {}",
                        f.severity.as_str(),
                        f.message
                    ),
                )
            });
            let r = match spans.get(i) {
                Some(s) => range(s.from, s.to),
                None => range_of(file.doc.positions(), f.start, f.end),
            };
            out.push(text.placed(r));
        }
    }
    texts.forget_unused();
    out
}

/// A `risky/<rule>` diagnostic on a finding, its range left to [`Text::placed`].
fn risky(f: &Finding, message: String) -> Diagnostic {
    Diagnostic {
        range: Range::default(),
        severity: Some(severity(f.severity)),
        code: Some(NumberOrString::String(format!("risky/{}", f.rule))),
        source: Some(SOURCE.into()),
        message,
        ..Default::default()
    }
}

/// The context of the findings audit mode shows outside AI regions.
const AUDIT: &str = "audit";

/// A diagnostic to publish. Equal entries are the same JSON.
#[derive(PartialEq)]
pub(crate) enum Entry {
    /// Built for this publish: a region's review, blast radius or hint.
    Built(Box<Diagnostic>),
    /// A finding's: its range, and the rest of it as [`FindingTexts`] serialized it.
    Placed(Range, Arc<str>),
}

impl Entry {
    /// Appends the diagnostic's JSON to `out`.
    pub(crate) fn write(&self, out: &mut Vec<u8>) -> serde_json::Result<()> {
        match self {
            Entry::Built(d) => serde_json::to_writer(&mut *out, d),
            Entry::Placed(range, rest) => {
                out.extend_from_slice(b"{\"range\":");
                serde_json::to_writer(&mut *out, range)?;
                out.extend_from_slice(rest.as_bytes());
                Ok(())
            }
        }
    }
}

/// Findings' diagnostics serialized once, all but their range: a keystroke moves ranges, and a
/// region of 500 findings formatted and serialized 500 messages on every one (two thirds of
/// its answer). Keyed by everything a finding's diagnostic says but its range, compared in
/// full (the bucket is picked by where the finding's texts are); the texts a publish did not
/// use are then dropped.
#[derive(Default)]
pub(crate) struct FindingTexts {
    buckets: HashMap<usize, Vec<Text>>,
    /// Each context in use (what a region adds to its findings' texts) with a number of its
    /// own, never given again: a text names its context by number, compared as one.
    contexts: HashMap<String, (u64, u64)>,
    next_context: u64,
    round: u64,
}

/// One finding's diagnostic but its range, and what it was made of.
pub(crate) struct Text {
    context: u64,
    rule: Arc<str>,
    severity: Severity,
    message: Arc<str>,
    notes: Vec<String>,
    /// The diagnostic's JSON after its range (`,"severity":…}`), or the diagnostic itself
    /// should its JSON ever not start with its range.
    rest: std::result::Result<Arc<str>, Diagnostic>,
    round: u64,
}

/// How a diagnostic with a default range starts: what [`Entry::Placed`] replaces.
const NO_RANGE: &str =
    r#"{"range":{"start":{"line":0,"character":0},"end":{"line":0,"character":0}}"#;

impl Text {
    fn placed(&self, range: Range) -> Entry {
        match &self.rest {
            Ok(rest) => Entry::Placed(range, rest.clone()),
            Err(whole) => Entry::Built(Box::new(Diagnostic {
                range,
                ..whole.clone()
            })),
        }
    }

    fn is(&self, context: u64, f: &Finding) -> bool {
        self.context == context
            && self.rule == f.rule
            && self.severity == f.severity
            && self.message == f.message
            && self.notes == f.notes
    }
}

impl FindingTexts {
    /// The number of a context (what a region adds to each of its findings' texts), for
    /// [`FindingTexts::get_or_make`]: looked up once per region, not once per finding.
    fn context(&mut self, context: &str) -> u64 {
        let round = self.round;
        if let Some((id, used)) = self.contexts.get_mut(context) {
            *used = round;
            return *id;
        }
        self.next_context += 1;
        self.contexts
            .insert(context.to_string(), (self.next_context, round));
        self.next_context
    }

    /// The text of `f`'s diagnostic in `context` (a number from [`FindingTexts::context`]),
    /// made by `make` (a diagnostic with a default range) the first time.
    fn get_or_make(
        &mut self,
        context: u64,
        f: &Finding,
        make: impl FnOnce() -> Diagnostic,
    ) -> &Text {
        // A finding keeps its texts while it is moved by edits: their addresses pick the
        // bucket, and the texts themselves are compared in it.
        let key = (Arc::as_ptr(&f.message) as *const u8 as usize)
            ^ (Arc::as_ptr(&f.rule) as *const u8 as usize).rotate_left(21)
            ^ (f.notes.len() << 3)
            ^ f.severity as usize;
        let bucket = self.buckets.entry(key).or_default();
        let round = self.round;
        let at = match bucket.iter().position(|t| t.is(context, f)) {
            Some(at) => at,
            None => {
                let whole = make();
                let json = serde_json::to_string(&whole).unwrap_or_default();
                let rest = match json.strip_prefix(NO_RANGE) {
                    Some(rest) => Ok(rest.into()),
                    None => Err(whole),
                };
                bucket.push(Text {
                    context,
                    rule: f.rule.clone(),
                    severity: f.severity,
                    message: f.message.clone(),
                    notes: f.notes.clone(),
                    rest,
                    round,
                });
                bucket.len() - 1
            }
        };
        let text = &mut bucket[at];
        text.round = round;
        text
    }

    /// Drops the texts the last publish did not use.
    fn forget_unused(&mut self) {
        let round = self.round;
        self.contexts.retain(|_, (_, used)| *used == round);
        self.buckets.retain(|_, b| {
            b.retain(|t| t.round == round);
            !b.is_empty()
        });
    }
}

/// Whether a diagnostic a client sent back is one of aigis's findings (`risky/<rule>`).
pub(crate) fn is_finding(d: &Diagnostic) -> bool {
    d.source.as_deref() == Some(SOURCE)
        && matches!(&d.code, Some(NumberOrString::String(c)) if c.starts_with("risky/"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn finding() -> Finding {
        Finding {
            rule: "aws.ec2.terminate-instances".into(),
            category: "compute".into(),
            severity: Severity::Critical,
            start: 3,
            end: 9,
            message: "destroys \"instances\" — é".into(),
            notes: vec!["a note".into()],
        }
    }

    fn json(entry: &Entry) -> String {
        let mut out = Vec::new();
        entry.write(&mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn a_findings_text_made_once_is_the_diagnostic_it_stands_for() {
        let f = finding();
        let make = || risky(&f, format!("AI-written: {} \"quoted\" \\ é", f.message));
        let mut texts = FindingTexts::default();
        texts.round += 1;
        let who = texts.context("who\nneed");
        let range = Range::new(Position::new(4, 2), Position::new(4, 30));
        let placed = texts.get_or_make(who, &f, make).placed(range);
        assert!(
            matches!(placed, Entry::Placed(..)),
            "a diagnostic's JSON starts with its range"
        );
        let whole = Entry::Built(Box::new(Diagnostic { range, ..make() }));
        assert_eq!(json(&placed), json(&whole));
        let parsed: Value = serde_json::from_str(&json(&placed)).unwrap();
        assert_eq!(parsed["range"]["end"]["character"], 30);

        // The same finding again (moved: another range), or a copy of it: not made again.
        let moved = Finding {
            start: 40,
            end: 46,
            ..f.clone()
        };
        let there = Range::new(Position::new(9, 0), Position::new(9, 6));
        let again = texts
            .get_or_make(who, &moved, || panic!("made twice"))
            .placed(there);
        assert_eq!(
            json(&again),
            json(&Entry::Built(Box::new(Diagnostic {
                range: there,
                ..make()
            })))
        );
        // In another region's context, or with another note: a text of its own.
        let mut made = 0;
        let someone = texts.context("someone else\nneed");
        assert_ne!(someone, who);
        assert_eq!(
            texts.context("who\nneed"),
            who,
            "the same context, the same number"
        );
        texts.get_or_make(someone, &f, || {
            made += 1;
            make()
        });
        let noted = Finding {
            notes: vec!["another note".into()],
            ..f.clone()
        };
        texts.get_or_make(who, &noted, || {
            made += 1;
            make()
        });
        assert_eq!(made, 2);
        // A publish that uses one text: the others are dropped.
        texts.forget_unused();
        texts.round += 1;
        let who_again = texts.context("who\nneed");
        assert_eq!(who_again, who);
        texts.get_or_make(who, &f, make);
        texts.forget_unused();
        let kept: usize = texts.buckets.values().map(Vec::len).sum();
        assert_eq!(kept, 1);
        // A context no publish used is forgotten, and its number is not given again.
        assert_eq!(texts.contexts.len(), 1);
        texts.round += 1;
        assert!(texts.context("someone else\nneed") > someone);
    }
}
