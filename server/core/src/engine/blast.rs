//! `blast_radius` for an agent: what depends on the code at a line or symbol (direct and through
//! callers, tests apart), the entry points reached, the risky operations there and reachable,
//! and the review a change there would need.

use serde::Serialize;

use super::{capped, Engine, IndexInfo, INDEX_WAIT};
use crate::blast::{BlastRadius, Dependent};
use crate::index::{Certainty, DefKind};
use crate::policy::{self, TierInputs};

/// What the answer is about.
#[derive(Debug, Clone, Serialize)]
pub struct BlastTarget {
    /// `region` (the AI region at the line), `symbol` (a definition) or `file`.
    pub kind: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// One-based first and last line.
    pub lines: [usize; 2],
}

#[derive(Debug, Clone, Serialize)]
pub struct SiteOut {
    pub file: String,
    pub line: usize,
    pub caller: Option<String>,
    pub uses: String,
    /// `exact` (resolved through a path, import or type) or `name` (the only candidate).
    pub confidence: &'static str,
    pub depth: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct RiskyOut {
    pub rule: String,
    pub severity: &'static str,
    pub file: String,
    pub line: usize,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub message: String,
    /// For an operation reached through calls: the chain from the target.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub via: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct SymbolOut {
    pub name: String,
    pub kind: DefKind,
    pub line: usize,
}

/// Who wrote the target, when an AI did.
#[derive(Debug, Clone, Serialize)]
pub struct RegionOut {
    pub id: String,
    pub tool: String,
    pub model: Option<String>,
    pub source: &'static str,
    pub confidence: &'static str,
    pub tier: &'static str,
    pub review: &'static str,
    pub reviewed_by: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct BlastAnswer {
    pub summary: String,
    pub file: String,
    pub target: BlastTarget,
    pub symbols: Vec<SymbolOut>,
    /// Sites that use the target directly, files holding them, and every counted dependent.
    pub direct: usize,
    pub files: usize,
    pub transitive: usize,
    pub dependents: Vec<SiteOut>,
    pub transitive_dependents: Vec<SiteOut>,
    pub entry_points: Vec<String>,
    /// Callers in test code: listed, not counted.
    pub tests: Vec<SiteOut>,
    /// Uses by name alone that could mean several definitions: listed, not counted.
    pub ambiguous: Vec<SiteOut>,
    pub risky_in_target: Vec<RiskyOut>,
    pub risky_reachable: Vec<RiskyOut>,
    /// The review a change here needs: `senior`, `peer` or `none`, why, and who may give it.
    pub tier: &'static str,
    pub reasons: Vec<String>,
    pub reviewers: Vec<String>,
    pub region: Option<RegionOut>,
    pub index: IndexInfo,
    pub notes: Vec<String>,
}

fn confidence(c: Certainty) -> &'static str {
    match c {
        Certainty::Exact => "exact",
        Certainty::Name => "name",
        Certainty::Ambiguous => "ambiguous",
    }
}

impl Engine {
    pub(crate) fn site(&self, d: &Dependent) -> SiteOut {
        SiteOut {
            file: self
                .ws
                .relative(&d.file)
                .unwrap_or_else(|| d.file.display().to_string()),
            line: d.line + 1,
            caller: d.caller.clone(),
            uses: d.uses.clone(),
            confidence: confidence(d.certainty),
            depth: d.depth,
        }
    }

    /// The blast radius of the code at `line` (the AI region there, else the innermost
    /// definition), of `symbol` in `file`, or of the whole file.
    pub fn blast(
        &self,
        file: &str,
        line: Option<usize>,
        symbol: Option<&str>,
        limit: usize,
    ) -> Result<BlastAnswer, String> {
        let at = self.locate(file, false)?;
        let lang = crate::language::for_path(&at.abs);
        if lang.is_none_or(|l| !l.has_symbols()) {
            let covered: Vec<&str> = crate::language::all()
                .iter()
                .filter(|l| l.has_symbols())
                .map(|l| l.name)
                .collect();
            return Err(format!(
                "{}: aigis has no symbol index for this kind of file yet (blast radius covers {}); check_change and review_status still work here",
                at.rel,
                covered.join(", ")
            ));
        }
        let index_info = self.wait_for_index(INDEX_WAIT);
        self.refresh_file(&at.abs);
        let parsed = self.parsed(&at.abs)?;
        let text = parsed.text.as_str();
        let starts: Vec<usize> = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .filter(|&s| s < text.len())
            .collect();
        let lines = starts.len();
        let offset_of_line = |l: usize| {
            starts
                .get(l.saturating_sub(1))
                .copied()
                .unwrap_or(text.len())
        };
        if self.index.file_id(&at.abs).is_none() {
            // Not reached by the first index yet (it is still running): read it now.
            self.reindex(&at.abs);
        }
        let id = self.index.file_id(&at.abs).ok_or_else(|| {
            format!(
                "{} is not indexed (over {} bytes, or not readable as UTF-8)",
                at.rel,
                crate::document::MAX_ANALYSED_BYTES
            )
        })?;
        let symbols = self.index.file(id).ok_or("the file left the index")?;
        let mut notes = Vec::new();
        // The AI regions the ledger holds for the file (most files have none: nothing to load).
        let has_regions = matches!(self.ws.ledger.snapshot(&at.rel), Ok((Some(_), _)));
        let assessments = if has_regions {
            super::open_file_with(&self.ws, &at.abs, false)?
                .file
                .assessments(Some(&self.ws))
        } else {
            Vec::new()
        };
        let (kind, name, start, end, region) = match (line, symbol) {
            (Some(0), _) => return Err("lines start at 1".into()),
            (Some(l), _) if l > lines.max(1) => {
                return Err(format!(
                    "{} has {lines} lines; there is no line {l}",
                    at.rel
                ))
            }
            (Some(l), sym) => {
                let s = offset_of_line(l);
                let e = text[s..].find('\n').map_or(text.len(), |i| s + i);
                if sym.is_some() {
                    notes.push("both `line` and `symbol` given: `line` chose the target".into());
                }
                match assessments
                    .iter()
                    .find(|a| a.region.overlaps(s, e.max(s + 1)))
                {
                    Some(a) => ("region", None, a.region.start, a.region.end, Some(a)),
                    None => {
                        let def = symbols
                            .defs
                            .iter()
                            .filter(|d| d.kind != DefKind::Module && d.start <= e && s < d.end)
                            .min_by_key(|d| d.end - d.start);
                        match def {
                            Some(d) => ("symbol", Some(d.name.clone()), d.start, d.end, None),
                            None => ("line", None, s, e.max(s + 1), None),
                        }
                    }
                }
            }
            (None, Some(sym)) => {
                let matches: Vec<_> = symbols
                    .defs
                    .iter()
                    .filter(|d| d.kind != DefKind::Module)
                    .filter(|d| {
                        let qualified = d.impl_type.as_ref().map(|t| format!("{t}::{}", d.name));
                        let in_module = (!d.module.is_empty())
                            .then(|| format!("{}::{}", d.module.join("::"), d.name));
                        d.name == sym
                            || qualified.as_deref() == Some(sym)
                            || in_module.as_deref() == Some(sym)
                    })
                    .collect();
                match matches.as_slice() {
                    [d] => ("symbol", Some(sym.to_string()), d.start, d.end, None),
                    [] => {
                        let mut names: Vec<&str> = symbols
                            .defs
                            .iter()
                            .filter(|d| d.kind != DefKind::Module)
                            .map(|d| d.name.as_str())
                            .collect();
                        names.dedup();
                        names.truncate(30);
                        return Err(format!(
                            "no symbol `{sym}` is defined in {}; defined there: {}",
                            at.rel,
                            if names.is_empty() {
                                "nothing".into()
                            } else {
                                names.join(", ")
                            }
                        ));
                    }
                    many => {
                        let lines: Vec<String> = many
                            .iter()
                            .map(|d| format!("line {}", d.line + 1))
                            .collect();
                        return Err(format!(
                            "`{sym}` is defined {} times in {} ({}): pass `line` to choose one",
                            many.len(),
                            at.rel,
                            lines.join(", ")
                        ));
                    }
                }
            }
            (None, None) => ("file", None, 0, text.len(), None),
        };
        let depth = self.ws.config.policy.blast_depth;
        let b: BlastRadius = crate::blast::blast_radius(&self.index, id, start, end, depth);
        // Every risky operation in the target, AI-written or not.
        let in_target: Vec<_> = parsed
            .findings(self, &at.abs)
            .iter()
            .filter(|f| f.start < end && start < f.end)
            .cloned()
            .collect();
        let risk = policy::risk(&TierInputs {
            findings: &in_target,
            critical_path: self.ws.is_critical_path(&at.rel),
            transitive_dependents: b.transitive,
            indirect: &b.risky_callees,
            senior_dependents: self.ws.config.policy.senior_dependents,
            peer_dependents: self.ws.config.policy.peer_dependents,
            author_level: None,
            senior_signoff: &[],
        });
        // An AI region's own assessment knows its author and its review.
        let (tier, reasons) = match region {
            Some(a) if a.risk.tier > risk.tier => (a.risk.tier, a.risk.reasons.clone()),
            _ => (risk.tier, risk.reasons),
        };
        let reviewers = self.ws.reviewers_for(&at.rel, tier);
        let line_of = |o: usize| starts.partition_point(|&s| s <= o).max(1);
        let target = BlastTarget {
            kind,
            name,
            lines: [line_of(start), line_of(end.saturating_sub(1).max(start))],
        };
        let sites = |v: &[Dependent]| {
            let mut out: Vec<SiteOut> = v.iter().map(|d| self.site(d)).collect();
            out.sort_by(|a, b| (a.depth, &a.file, a.line).cmp(&(b.depth, &b.file, b.line)));
            out
        };
        let direct: Vec<Dependent> = b
            .dependents
            .iter()
            .filter(|d| d.depth == 1)
            .cloned()
            .collect();
        let further: Vec<Dependent> = b
            .dependents
            .iter()
            .filter(|d| d.depth > 1)
            .cloned()
            .collect();
        let risky_in_target = in_target
            .iter()
            .map(|f| RiskyOut {
                rule: f.rule.to_string(),
                severity: f.severity.as_str(),
                file: at.rel.clone(),
                line: line_of(f.start),
                message: f.message.to_string(),
                via: Vec::new(),
            })
            .collect();
        let risky_reachable = b
            .risky_callees
            .iter()
            .map(|c| RiskyOut {
                rule: c.rule.clone(),
                severity: c.severity.as_str(),
                file: self
                    .ws
                    .relative(&c.file)
                    .unwrap_or_else(|| c.file.display().to_string()),
                line: c.line + 1,
                message: String::new(),
                via: c.via.clone(),
            })
            .collect();
        if !index_info.complete {
            notes.push(format!(
                "the index is still being built ({} of {} files): dependents may be missing; ask again shortly",
                index_info.indexed, index_info.files
            ));
        }
        let summary = format!(
            "{}:{}-{} ({}{}): {}. Review a change here needs: {}{}.",
            at.rel,
            target.lines[0],
            target.lines[1],
            kind,
            target
                .name
                .as_deref()
                .map(|n| format!(" `{n}`"))
                .unwrap_or_default(),
            if b.symbols.is_empty() {
                "defines no symbol".to_string()
            } else {
                b.summary()
            },
            tier.as_str(),
            if reviewers.is_empty() {
                String::new()
            } else {
                format!(" ({})", reviewers.join(", "))
            },
        );
        Ok(BlastAnswer {
            summary,
            file: at.rel.clone(),
            target,
            symbols: b
                .symbols
                .iter()
                .map(|s| SymbolOut {
                    name: s.name.clone(),
                    kind: s.kind,
                    line: s.line + 1,
                })
                .collect(),
            direct: b.direct,
            files: b.files,
            transitive: b.transitive,
            dependents: capped(sites(&direct), limit, "direct dependents", &mut notes),
            transitive_dependents: capped(
                sites(&further),
                limit,
                "dependents through callers",
                &mut notes,
            ),
            entry_points: capped(b.entry_points.clone(), limit, "entry points", &mut notes),
            tests: capped(sites(&b.tests), limit, "test callers", &mut notes),
            ambiguous: capped(
                sites(&b.ambiguous),
                limit,
                "ambiguous references",
                &mut notes,
            ),
            risky_in_target: capped(
                risky_in_target,
                limit,
                "risky operations in the target",
                &mut notes,
            ),
            risky_reachable: capped(
                risky_reachable,
                limit,
                "reachable risky operations",
                &mut notes,
            ),
            tier: tier.as_str(),
            reasons,
            reviewers,
            region: region.map(|a| RegionOut {
                id: a.region.id.clone(),
                tool: a.region.provenance.tool.clone(),
                model: a.region.provenance.model.clone(),
                source: a.region.source.as_str(),
                confidence: a.region.source.confidence().as_str(),
                tier: a.risk.tier.as_str(),
                review: a.review.state.as_str(),
                reviewed_by: a.review.by.clone(),
            }),
            index: index_info,
            notes,
        })
    }
}
