//! The report as one self-contained HTML page: headline figures, inline SVG charts (weekly AI
//! share by tool, regions by tier and approvals per week, time to approval, share by directory
//! and owner, each riskiest region's blast radius as a graph), then the tables. No scripts;
//! printable; every text escaped and inline Markdown rendered.

use std::fmt::Write;

use aigis_core::history::Week;
use aigis_core::policy::Tier;
use aigis_core::scan::FileRegion;
use aigis_core::team::Share;

use super::{blast_line, pct, Summary};
use crate::charts::{self, esc, inline_md, Bar, Node, Row, APPROVED, NONE, PEER, SENIOR};

const STYLE: &str = "body{font:14px/1.5 system-ui,sans-serif;margin:2rem auto;max-width:56rem;color:#222;padding:0 1rem}\
table{border-collapse:collapse;margin:.5rem 0 1.5rem}td,th{border:1px solid #ccc;padding:.25rem .6rem;text-align:left}\
.senior{color:#b00020;font-weight:600}.peer{color:#a05a00}code{background:#f4f4f4;padding:0 .2rem}.problem{color:#b00020}\
figure{margin:.5rem 0 1.5rem}.note{color:#555;font-size:12px}.kpi{display:flex;gap:2rem;flex-wrap:wrap}\
.kpi div{border-left:4px solid #6a5acd;padding-left:.6rem}.kpi b{display:block;font-size:22px}\
@media print{body{margin:0;max-width:none;font-size:11px}h2{break-after:avoid}figure,table{break-inside:avoid}}";

fn day(t: i64) -> String {
    let time = std::time::UNIX_EPOCH + std::time::Duration::from_secs(t.max(0) as u64);
    humantime::format_rfc3339(time).to_string()[..10].to_string()
}

fn short_day(t: i64) -> String {
    // "2026-11-30" → "11-30"
    day(t)[5..].to_string()
}

pub fn html(s: &Summary) -> String {
    let mut o = String::new();
    let _ = write!(
        o,
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{t}</title><style>{STYLE}</style></head><body><h1>{t}</h1>",
        t = esc(&s.title)
    );
    let open_senior = s
        .open
        .iter()
        .filter(|r| r.assessment.risk.tier == Tier::Senior)
        .count();
    let _ = write!(
        o,
        "<div class=\"kpi\"><div><b>{:.1}%</b>AI-written ({} of {} lines)</div><div><b>{}</b>AI regions ({} senior, {} peer)</div><div><b>{}</b>need a review ({} senior)</div><div><b>{}</b>approved</div></div>",
        pct(s.ai_lines, s.total_lines),
        s.ai_lines,
        s.total_lines,
        s.tiers.iter().sum::<usize>(),
        s.tiers[2],
        s.tiers[1],
        s.open.len(),
        open_senior,
        s.approved.len()
    );
    weekly_share(&mut o, &s.figures.weeks);
    region_weeks(&mut o, s);
    review_times(&mut o, s);
    shares(&mut o, "AI share by directory", &s.figures.by_directory, "");
    if !s.figures.by_owner.is_empty() {
        shares(
            &mut o,
            "AI share by CODEOWNERS owner",
            &s.figures.by_owner,
            "A file with several owners counts for each.",
        );
    }
    blast_graphs(&mut o, s);
    tables(&mut o, s);
    o.push_str("</body></html>\n");
    o
}

fn weekly_share(o: &mut String, weeks: &[Week]) {
    let mut tools: Vec<&str> = weeks
        .iter()
        .flat_map(|w| w.ai.keys().map(String::as_str))
        .collect();
    tools.sort_unstable();
    tools.dedup();
    let bars: Vec<Bar> = weeks
        .iter()
        .map(|w| Bar {
            label: short_day(w.start),
            segments: tools
                .iter()
                .enumerate()
                .map(|(i, t)| {
                    let n = w.ai.get(*t).copied().unwrap_or(0);
                    (pct(n, w.lines), charts::tool_color(i))
                })
                .collect(),
            caption: if w.lines == 0 {
                "–".into()
            } else {
                format!("{:.0}%", pct(w.ai_lines(), w.lines))
            },
        })
        .collect();
    let legend: Vec<(String, &str)> = tools
        .iter()
        .enumerate()
        .map(|(i, t)| (t.to_string(), charts::tool_color(i)))
        .collect();
    let added: usize = weeks.iter().map(|w| w.lines).sum();
    let ai: usize = weeks.iter().map(|w| w.ai_lines()).sum();
    let _ = write!(
        o,
        "<h2>AI share of the lines added each week, by tool</h2><p class=\"note\">{} weeks from {}: {} of {} added lines ({:.1}%) AI-written, by commit trailers, AI identities and git-ai notes. Each bar is one week (its Monday); the label over it is that week's share.</p>",
        weeks.len(),
        weeks.first().map(|w| day(w.start)).unwrap_or_default(),
        ai,
        added,
        pct(ai, added)
    );
    o.push_str(&charts::stacked_bars(
        "AI share of added lines per week",
        &bars,
        0.0,
        &legend,
    ));
}

fn region_weeks(o: &mut String, s: &Summary) {
    let weeks = &s.figures.region_weeks;
    let bars: Vec<Bar> = weeks
        .iter()
        .map(|w| Bar {
            label: short_day(w.start),
            segments: vec![
                (w.created[2] as f64, SENIOR),
                (w.created[1] as f64, PEER),
                (w.created[0] as f64, NONE),
            ],
            caption: format!("{}·{}✓", w.created.iter().sum::<usize>(), w.approved),
        })
        .collect();
    let _ = write!(
        o,
        "<h2>AI regions by tier, and approvals, per week</h2><p class=\"note\">Regions aigis tracks now, by the week they were written; over each bar: regions written · approvals given that week. Now: {} need a review, {} approved.</p>",
        s.open.len(),
        s.approved.len()
    );
    o.push_str(&charts::stacked_bars(
        "AI regions written per week by tier",
        &bars,
        0.0,
        &[
            ("senior".into(), SENIOR),
            ("peer".into(), PEER),
            ("none".into(), NONE),
        ],
    ));
}

fn review_times(o: &mut String, s: &Summary) {
    const BUCKETS: [(&str, f64); 6] = [
        ("< 1 h", 1.0),
        ("1–8 h", 8.0),
        ("8–24 h", 24.0),
        ("1–3 d", 72.0),
        ("3–7 d", 168.0),
        ("> 7 d", f64::INFINITY),
    ];
    let reviews = &s.figures.reviews;
    let bucket = |h: f64| BUCKETS.iter().position(|b| h < b.1).unwrap_or(5);
    let mut done = [0usize; 6];
    let mut waiting = [0usize; 6];
    let mut hours: Vec<f64> = Vec::new();
    for r in reviews {
        match r.hours {
            Some(h) => {
                done[bucket(h)] += 1;
                hours.push(h);
            }
            None => waiting[bucket(r.waiting)] += 1,
        }
    }
    hours.sort_by(f64::total_cmp);
    let median = hours
        .get(hours.len() / 2)
        .map_or("none yet".into(), |h| format!("{h:.1} h"));
    let _ = write!(
        o,
        "<h2>Time from review request to approval</h2><p class=\"note\">{} requests: {} approved (median {median}), {} still waiting (shown by how long so far).</p>",
        reviews.len(),
        hours.len(),
        reviews.len() - hours.len()
    );
    let bars: Vec<Bar> = BUCKETS
        .iter()
        .enumerate()
        .map(|(i, (label, _))| Bar {
            label: label.to_string(),
            segments: vec![(done[i] as f64, APPROVED), (waiting[i] as f64, PEER)],
            caption: if waiting[i] > 0 {
                format!("{} + {} waiting", done[i], waiting[i])
            } else {
                done[i].to_string()
            },
        })
        .collect();
    o.push_str(&charts::stacked_bars(
        "Time from review request to approval",
        &bars,
        0.0,
        &[("approved".into(), APPROVED), ("waiting".into(), PEER)],
    ));
}

fn shares(o: &mut String, title: &str, shares: &[Share], note: &str) {
    let rows: Vec<Row> = shares
        .iter()
        .map(|sh| Row {
            name: sh.name.clone(),
            part: sh.ai as f64,
            whole: sh.total as f64,
            color: charts::tool_color(0),
            label: format!(
                "{} of {} lines, {:.1}%",
                sh.ai,
                sh.total,
                pct(sh.ai, sh.total)
            ),
        })
        .collect();
    let _ = write!(o, "<h2>{}</h2>", esc(title));
    if !note.is_empty() {
        let _ = write!(o, "<p class=\"note\">{}</p>", esc(note));
    }
    o.push_str(&charts::rows(title, &rows));
}

fn tier_color(r: &FileRegion) -> &'static str {
    match r.assessment.risk.tier {
        Tier::Senior => SENIOR,
        Tier::Peer => PEER,
        Tier::None => NONE,
    }
}

fn blast_graphs(o: &mut String, s: &Summary) {
    let with_blast: Vec<&&FileRegion> = s
        .riskiest
        .iter()
        .filter(|r| r.assessment.blast.as_ref().is_some_and(|b| b.direct > 0))
        .take(3)
        .collect();
    if with_blast.is_empty() {
        return;
    }
    o.push_str("<h2>Blast radius of the riskiest regions</h2><p class=\"note\">Each AI region, the code that calls it, and the entry points (main, handlers, routes) it reaches.</p>");
    for r in with_blast {
        let a = &r.assessment;
        let Some(b) = &a.blast else { continue };
        let mut callers: Vec<Node> = Vec::new();
        let mut seen = std::collections::BTreeSet::new();
        for d in b.dependents.iter().filter(|d| d.depth == 1) {
            let name = d.caller.clone().unwrap_or_else(|| d.uses.clone());
            let file = d.file.strip_prefix(&s.root).unwrap_or(&d.file);
            if seen.insert((name.clone(), file.to_path_buf())) {
                callers.push(Node {
                    label: name,
                    detail: format!("{}:{}", file.display(), d.line + 1),
                });
            }
        }
        let shown = callers.len().min(6);
        let more = callers.len() - shown;
        callers.truncate(shown);
        let entries: Vec<Node> = b
            .entry_points
            .iter()
            .take(5)
            .map(|e| Node {
                label: charts::plain(e),
                detail: "entry point".into(),
            })
            .collect();
        let region = Node {
            label: format!("{}:{}-{}", r.file, r.lines[0], r.lines[1]),
            detail: format!(
                "{} · {} · {}",
                a.risk.tier.as_str(),
                a.region.provenance.tool,
                a.review.state.as_str()
            ),
        };
        let _ = write!(
            o,
            "<h3>{}:{}-{}</h3><p>{}</p>",
            esc(&r.file),
            r.lines[0],
            r.lines[1],
            inline_md(&blast_line(r))
        );
        o.push_str(&charts::blast_graph(
            &format!("Blast radius of {}:{}", r.file, r.lines[0]),
            &region,
            tier_color(r),
            &callers,
            more,
            &entries,
            b.entry_points.len().saturating_sub(entries.len()),
        ));
    }
}

fn tables(o: &mut String, s: &Summary) {
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
            inline_md(&blast_line(r))
        );
        for f in &a.findings {
            let _ = write!(
                o,
                "<li><code>{}</code> ({}): {}</li>",
                esc(&f.rule),
                f.severity.as_str(),
                inline_md(&f.message)
            );
        }
        for p in &r.approval_problems {
            let _ = write!(o, "<li class=\"problem\">{}</li>", inline_md(p));
        }
        o.push_str("</ul>");
    }
}
