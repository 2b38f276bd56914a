//! `aigis report`: the page a team lead or an incident review opens. For a range of commits (or
//! the whole workspace): how much of the code an AI wrote, by tool and model; regions by tier;
//! open and approved reviews; the riskiest regions with their blast radius. Self-contained HTML
//! (no scripts, no external files) or Markdown.

use std::collections::BTreeMap;
use std::fmt::Write;

use aigis_core::policy::{ReviewState, Tier};
use aigis_core::scan::{FileRegion, ScanReport};

pub struct Summary<'a> {
    pub title: String,
    pub total_lines: usize,
    pub ai_lines: usize,
    /// (tool, model) → lines
    pub by_tool: BTreeMap<(String, String), usize>,
    pub tiers: [usize; 3],
    pub open: Vec<&'a FileRegion>,
    pub approved: Vec<&'a FileRegion>,
    pub riskiest: Vec<&'a FileRegion>,
    /// The commit that wrote each riskiest region's first line: (sha, author), by region id.
    pub commits: BTreeMap<String, (String, String)>,
}

pub fn summarize<'a>(report: &'a ScanReport, title: String, total_lines: usize) -> Summary<'a> {
    let mut by_tool = BTreeMap::new();
    let mut ai_lines = 0;
    let mut tiers = [0; 3];
    for r in &report.regions {
        let n = r.lines[1] + 1 - r.lines[0];
        ai_lines += n;
        let p = &r.assessment.region.provenance;
        *by_tool
            .entry((
                p.tool.clone(),
                p.model.clone().unwrap_or_else(|| "-".into()),
            ))
            .or_insert(0) += n;
        tiers[match r.assessment.risk.tier {
            Tier::None => 0,
            Tier::Peer => 1,
            Tier::Senior => 2,
        }] += 1;
    }
    let open = report
        .regions
        .iter()
        .filter(|r| r.assessment.review.state.needs_review())
        .collect();
    let approved = report
        .regions
        .iter()
        .filter(|r| r.assessment.review.state == ReviewState::Approved)
        .collect();
    let mut riskiest: Vec<&FileRegion> = report
        .regions
        .iter()
        .filter(|r| r.assessment.risk.score > 0)
        .collect();
    riskiest.sort_by_key(|r| std::cmp::Reverse(r.assessment.risk.score));
    riskiest.truncate(10);
    let mut commits = BTreeMap::new();
    let mut blamed = BTreeMap::new();
    for r in &riskiest {
        let lines = blamed
            .entry(r.file.clone())
            .or_insert_with(|| aigis_core::approvals::line_authors(&report.root, &r.file));
        if let Some((sha, who)) = lines
            .get(&r.lines[0])
            .filter(|(sha, _)| !sha.chars().all(|c| c == '0'))
        {
            commits.insert(
                r.assessment.region.id.clone(),
                (sha.clone(), who.to_string()),
            );
        }
    }
    Summary {
        title,
        total_lines: total_lines.max(ai_lines),
        ai_lines,
        by_tool,
        tiers,
        open,
        approved,
        riskiest,
        commits,
    }
}

fn pct(a: usize, b: usize) -> f64 {
    if b == 0 {
        0.0
    } else {
        a as f64 * 100.0 / b as f64
    }
}

fn blast_line(r: &FileRegion) -> String {
    r.assessment
        .blast
        .as_ref()
        .map_or_else(|| "no dependents found".into(), |b| b.summary())
}

pub fn markdown(s: &Summary) -> String {
    let mut o = String::new();
    let _ = writeln!(o, "# {}\n", s.title);
    let _ = writeln!(
        o,
        "AI-written: **{} of {} lines ({:.1}%)**, {} regions: {} senior, {} peer, {} none.\n",
        s.ai_lines,
        s.total_lines,
        pct(s.ai_lines, s.total_lines),
        s.tiers.iter().sum::<usize>(),
        s.tiers[2],
        s.tiers[1],
        s.tiers[0]
    );
    let _ = writeln!(
        o,
        "## AI share by tool and model\n\n| tool | model | lines | share |\n|---|---|---:|---:|"
    );
    for ((tool, model), n) in &s.by_tool {
        let _ = writeln!(
            o,
            "| {} | {} | {} | {:.1}% |",
            md(tool),
            md(model),
            n,
            pct(*n, s.total_lines)
        );
    }
    let _ = writeln!(o, "\n## Reviews\n\n{} open, {} approved.\n\n| region | where | tier | state | by |\n|---|---|---|---|---|", s.open.len(), s.approved.len());
    for r in s.open.iter().chain(s.approved.iter()) {
        let a = &r.assessment;
        let _ = writeln!(
            o,
            "| `{}` | {}:{}-{} | {} | {} | {} |",
            a.region.id,
            md(&r.file),
            r.lines[0],
            r.lines[1],
            a.risk.tier.as_str(),
            a.review.state.as_str(),
            md(a.review.by.as_deref().unwrap_or(""))
        );
    }
    let _ = writeln!(o, "\n## Riskiest regions\n");
    for r in &s.riskiest {
        let a = &r.assessment;
        let _ = writeln!(
            o,
            "### {}:{}-{} (score {}, {})\n",
            md(&r.file),
            r.lines[0],
            r.lines[1],
            a.risk.score,
            a.risk.tier.as_str()
        );
        let _ = writeln!(
            o,
            "- written by {} ({}, {} confidence)",
            md(&a.region.provenance.tool),
            a.region.source.as_str(),
            a.region.source.confidence().as_str()
        );
        let _ = writeln!(
            o,
            "- review: {}{}",
            a.review.state.as_str(),
            a.review
                .by
                .as_deref()
                .map(|b| format!(" by {}", md(b)))
                .unwrap_or_default()
        );
        let _ = writeln!(o, "- blast radius: {}", md(&blast_line(r)));
        for f in &a.findings {
            let _ = writeln!(
                o,
                "- `{}` ({}): {}",
                f.rule,
                f.severity.as_str(),
                md(&f.message)
            );
        }
        for p in &r.approval_problems {
            let _ = writeln!(o, "- **{}**", md(p));
        }
        o.push('\n');
    }
    o
}

fn md(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

pub fn html(s: &Summary) -> String {
    let mut o = String::new();
    let _ = write!(
        o,
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{t}</title><style>\
body{{font:14px/1.5 system-ui,sans-serif;margin:2rem auto;max-width:72rem;color:#222}}\
table{{border-collapse:collapse;margin:.5rem 0 1.5rem}}td,th{{border:1px solid #ccc;padding:.25rem .6rem;text-align:left}}\
.senior{{color:#b00020;font-weight:600}}.peer{{color:#a05a00}}.bar{{background:#eee;height:1rem;width:20rem}}\
.bar span{{display:block;height:100%;background:#6a5acd}}code{{background:#f4f4f4;padding:0 .2rem}}.problem{{color:#b00020}}\
</style></head><body><h1>{t}</h1>",
        t = esc(&s.title)
    );
    let _ = write!(
        o,
        "<p>AI-written: <strong>{} of {} lines ({:.1}%)</strong>; {} regions: <span class=\"senior\">{} senior</span>, <span class=\"peer\">{} peer</span>, {} none.</p><div class=\"bar\"><span style=\"width:{:.1}%\"></span></div>",
        s.ai_lines, s.total_lines, pct(s.ai_lines, s.total_lines), s.tiers.iter().sum::<usize>(), s.tiers[2], s.tiers[1], s.tiers[0], pct(s.ai_lines, s.total_lines)
    );
    let _ = write!(o, "<h2>AI share by tool and model</h2><table><tr><th>tool</th><th>model</th><th>lines</th><th>share</th></tr>");
    for ((tool, model), n) in &s.by_tool {
        let _ = write!(
            o,
            "<tr><td>{}</td><td>{}</td><td>{n}</td><td>{:.1}%</td></tr>",
            esc(tool),
            esc(model),
            pct(*n, s.total_lines)
        );
    }
    let _ = write!(o, "</table><h2>Reviews</h2><p>{} open, {} approved.</p><table><tr><th>region</th><th>where</th><th>tier</th><th>state</th><th>by</th></tr>", s.open.len(), s.approved.len());
    for r in s.open.iter().chain(s.approved.iter()) {
        let a = &r.assessment;
        let _ = write!(
            o,
            "<tr><td><code>{}</code></td><td>{}:{}-{}</td><td class=\"{}\">{}</td><td>{}</td><td>{}</td></tr>",
            esc(&a.region.id), esc(&r.file), r.lines[0], r.lines[1], a.risk.tier.as_str(), a.risk.tier.as_str(), a.review.state.as_str(), esc(a.review.by.as_deref().unwrap_or(""))
        );
    }
    let _ = write!(o, "</table><h2>Riskiest regions</h2>");
    for r in &s.riskiest {
        let a = &r.assessment;
        let _ = write!(
            o,
            "<h3 id=\"{}\">{}:{}-{} <small>score {}, <span class=\"{}\">{}</span></small></h3><ul><li>written by {} ({}, {} confidence)</li><li>commit: {}</li><li>review: <a href=\".aigis/reviews/{}.jsonl\">{}</a>{}{}</li><li>blast radius: {}</li>",
            esc(&a.region.id), esc(&r.file), r.lines[0], r.lines[1], a.risk.score, a.risk.tier.as_str(), a.risk.tier.as_str(),
            esc(&a.region.provenance.tool), a.region.source.as_str(), a.region.source.confidence().as_str(),
            s.commits.get(&a.region.id).map(|(sha, who)| format!("<code>{}</code> by {}", esc(&sha[..12.min(sha.len())]), esc(who))).unwrap_or_else(|| "not committed".into()),
            esc(&r.file), a.review.state.as_str(), a.review.by.as_deref().map(|b| format!(" by {}", esc(b))).unwrap_or_default(),
            a.review.at.as_deref().map(|t| format!(" at {}", esc(t))).unwrap_or_default(),
            esc(&blast_line(r))
        );
        for f in &a.findings {
            let _ = write!(
                o,
                "<li><code>{}</code> ({}): {}</li>",
                esc(&f.rule),
                f.severity.as_str(),
                esc(&f.message)
            );
        }
        for p in &r.approval_problems {
            let _ = write!(o, "<li class=\"problem\">{}</li>", esc(p));
        }
        o.push_str("</ul>");
    }
    o.push_str("</body></html>\n");
    o
}
