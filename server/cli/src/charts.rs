//! Inline SVG charts for the team report: no scripts, no fonts or files from outside, readable
//! printed. Every bar carries its number as a text label, so the page reads without colour and
//! a test can find the figures in it.

use std::fmt::Write;

pub const SENIOR: &str = "#b00020";
pub const PEER: &str = "#c77700";
pub const NONE: &str = "#4a6fd1";
pub const APPROVED: &str = "#2e7d32";
const TOOLS: [&str; 6] = [
    "#6a5acd", "#00838f", "#c2185b", "#7cb342", "#f57c00", "#5d4037",
];

pub fn tool_color(i: usize) -> &'static str {
    TOOLS[i % TOOLS.len()]
}

pub fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// One stacked bar: its label under it, its segments (value, colour), and the text over it.
pub struct Bar {
    pub label: String,
    pub segments: Vec<(f64, &'static str)>,
    pub caption: String,
}

/// Vertical stacked bars on a common scale (`max`, at least the tallest bar), with a legend.
pub fn stacked_bars(
    title: &str,
    bars: &[Bar],
    max: f64,
    legend: &[(String, &'static str)],
) -> String {
    let (w, h, left, bottom, top) = (760.0, 240.0, 40.0, 36.0, 22.0);
    let tallest = bars
        .iter()
        .map(|b| b.segments.iter().map(|s| s.0).sum::<f64>())
        .fold(0.0, f64::max);
    let max = max.max(tallest).max(1e-9);
    let n = bars.len().max(1) as f64;
    let slot = (w - left - 10.0) / n;
    let bar_w = (slot * 0.7).min(48.0);
    let plot_h = h - bottom - top;
    let mut o = String::new();
    let _ = write!(
        o,
        "<figure><svg role=\"img\" aria-label=\"{t}\" viewBox=\"0 0 {w} {total_h}\" width=\"100%\" style=\"max-width:{w}px\" xmlns=\"http://www.w3.org/2000/svg\" font-family=\"system-ui,sans-serif\" font-size=\"11\"><title>{t}</title>",
        t = esc(title),
        total_h = h + 22.0,
    );
    let _ = write!(
        o,
        "<line x1=\"{left}\" y1=\"{y}\" x2=\"{x2}\" y2=\"{y}\" stroke=\"#999\"/>",
        y = h - bottom,
        x2 = w - 10.0
    );
    for (i, b) in bars.iter().enumerate() {
        let x = left + slot * i as f64 + (slot - bar_w) / 2.0;
        let mut y = h - bottom;
        for (v, color) in &b.segments {
            let sh = v / max * plot_h;
            if sh <= 0.0 {
                continue;
            }
            y -= sh;
            let _ = write!(
                o,
                "<rect x=\"{x:.1}\" y=\"{y:.1}\" width=\"{bar_w:.1}\" height=\"{sh:.1}\" fill=\"{color}\"><title>{v}</title></rect>"
            );
        }
        let cx = x + bar_w / 2.0;
        let _ = write!(
            o,
            "<text x=\"{cx:.1}\" y=\"{:.1}\" text-anchor=\"middle\" font-weight=\"600\">{}</text><text x=\"{cx:.1}\" y=\"{:.1}\" text-anchor=\"middle\" fill=\"#555\">{}</text>",
            y - 4.0,
            esc(&b.caption),
            h - bottom + 14.0,
            esc(&b.label)
        );
    }
    legend_row(&mut o, legend, h + 12.0, left);
    o.push_str("</svg></figure>");
    o
}

fn legend_row(o: &mut String, legend: &[(String, &'static str)], y: f64, left: f64) {
    let mut x = left;
    for (name, color) in legend {
        let _ = write!(
            o,
            "<rect x=\"{x:.1}\" y=\"{:.1}\" width=\"10\" height=\"10\" fill=\"{color}\"/><text x=\"{:.1}\" y=\"{y:.1}\">{}</text>",
            y - 9.0,
            x + 14.0,
            esc(name)
        );
        x += 24.0 + name.chars().count() as f64 * 6.5;
    }
}

/// One horizontal bar: a name, a part of a whole, and its label (`120 of 900 lines, 13.3%`).
pub struct Row {
    pub name: String,
    pub part: f64,
    pub whole: f64,
    pub color: &'static str,
    pub label: String,
}

/// Horizontal bars of parts against their wholes (the grey bar is the whole).
pub fn rows(title: &str, rows: &[Row]) -> String {
    let (w, name_w, row_h) = (760.0, 200.0, 22.0);
    let bar_max = w - name_w - 220.0;
    let whole_max = rows.iter().map(|r| r.whole).fold(0.0, f64::max).max(1e-9);
    let h = row_h * rows.len().max(1) as f64 + 8.0;
    let mut o = String::new();
    let _ = write!(
        o,
        "<figure><svg role=\"img\" aria-label=\"{t}\" viewBox=\"0 0 {w} {h}\" width=\"100%\" style=\"max-width:{w}px\" xmlns=\"http://www.w3.org/2000/svg\" font-family=\"system-ui,sans-serif\" font-size=\"11\"><title>{t}</title>",
        t = esc(title)
    );
    for (i, r) in rows.iter().enumerate() {
        let y = 4.0 + row_h * i as f64;
        let whole = r.whole / whole_max * bar_max;
        let part = if r.whole > 0.0 {
            r.part / r.whole * whole
        } else {
            0.0
        };
        let _ = write!(
            o,
            "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">{}</text><rect x=\"{name_w}\" y=\"{y:.1}\" width=\"{whole:.1}\" height=\"14\" fill=\"#e3e3e3\"/><rect x=\"{name_w}\" y=\"{y:.1}\" width=\"{part:.1}\" height=\"14\" fill=\"{}\"/><text x=\"{:.1}\" y=\"{:.1}\">{}</text>",
            name_w - 8.0,
            y + 11.0,
            esc(&r.name),
            r.color,
            name_w + whole + 6.0,
            y + 11.0,
            esc(&r.label)
        );
    }
    o.push_str("</svg></figure>");
    o
}

/// A node of a blast-radius graph.
pub struct Node {
    pub label: String,
    pub detail: String,
}

/// Region → dependents → entry points, in three columns, with the counts that were left out.
pub fn blast_graph(
    title: &str,
    region: &Node,
    region_color: &'static str,
    dependents: &[Node],
    more_dependents: usize,
    entries: &[Node],
    more_entries: usize,
) -> String {
    let (w, col_w, node_h, gap) = (760.0, 220.0, 34.0, 10.0);
    let rows = dependents.len().max(entries.len()).max(1) as f64;
    let h = rows * (node_h + gap) + 40.0;
    let xs = [10.0, 270.0, 530.0];
    let center = |count: usize, i: usize| {
        let span = count.max(1) as f64 * (node_h + gap) - gap;
        (h - 26.0 - span) / 2.0 + i as f64 * (node_h + gap)
    };
    let mut o = String::new();
    let _ = write!(
        o,
        "<figure><svg role=\"img\" aria-label=\"{t}\" viewBox=\"0 0 {w} {h}\" width=\"100%\" style=\"max-width:{w}px\" xmlns=\"http://www.w3.org/2000/svg\" font-family=\"system-ui,sans-serif\" font-size=\"11\"><title>{t}</title>",
        t = esc(title)
    );
    let ry = center(1, 0);
    let node = |o: &mut String, x: f64, y: f64, n: &Node, stroke: &str| {
        let _ = write!(
            o,
            "<rect x=\"{x:.1}\" y=\"{y:.1}\" width=\"{col_w}\" height=\"{node_h}\" rx=\"4\" fill=\"#fff\" stroke=\"{stroke}\" stroke-width=\"1.5\"/><text x=\"{:.1}\" y=\"{:.1}\" font-weight=\"600\">{}</text><text x=\"{:.1}\" y=\"{:.1}\" fill=\"#555\">{}</text>",
            x + 6.0,
            y + 14.0,
            esc(&clip(&n.label, 34)),
            x + 6.0,
            y + 27.0,
            esc(&clip(&n.detail, 36))
        );
    };
    // From the right edge of a node in column `from` at `y1` to the next column's node at `y2`.
    let edge = |o: &mut String, from: usize, y1: f64, y2: f64, style: &str| {
        let _ = write!(
            o,
            "<line x1=\"{:.1}\" y1=\"{:.1}\" x2=\"{:.1}\" y2=\"{:.1}\" {style}/>",
            xs[from] + col_w,
            y1 + node_h / 2.0,
            xs[from + 1],
            y2 + node_h / 2.0
        );
    };
    for (i, d) in dependents.iter().enumerate() {
        let y = center(dependents.len(), i);
        edge(&mut o, 0, ry, y, "stroke=\"#888\"");
        for j in 0..entries.len() {
            let ey = center(entries.len(), j);
            edge(&mut o, 1, y, ey, "stroke=\"#ccc\" stroke-dasharray=\"3 3\"");
        }
        node(&mut o, xs[1], y, d, "#888");
    }
    node(&mut o, xs[0], ry, region, region_color);
    for (j, e) in entries.iter().enumerate() {
        node(&mut o, xs[2], center(entries.len(), j), e, "#333");
    }
    let counted = |drawn: usize, more: usize, what: &str| {
        let hidden = if more > 0 {
            format!(" ({more} not drawn)")
        } else {
            String::new()
        };
        format!("{} {what}{hidden}", drawn + more)
    };
    let headers = [
        "AI region".to_string(),
        counted(dependents.len(), more_dependents, "dependents"),
        counted(entries.len(), more_entries, "entry points"),
    ];
    for (x, text) in xs.iter().zip(headers) {
        let _ = write!(
            o,
            "<text x=\"{x:.1}\" y=\"{:.1}\" fill=\"#333\">{}</text>",
            h - 8.0,
            esc(&text)
        );
    }
    o.push_str("</svg></figure>");
    o
}

fn clip(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        format!("{}…", s.chars().take(n - 1).collect::<String>())
    }
}

/// Inline Markdown markers removed, for text inside a chart (SVG has no code spans).
pub fn plain(s: &str) -> String {
    s.replace("**", "").replace('`', "")
}

/// Inline Markdown in a message, as HTML: escaped, `code` and **strong** rendered, any other
/// marker left as text.
pub fn inline_md(s: &str) -> String {
    let mut out = String::new();
    let mut rest = s;
    while let Some(i) = rest.find(['`', '*']) {
        let (before, at) = rest.split_at(i);
        out.push_str(&esc(before));
        let (open, tag) = if at.starts_with("**") {
            ("**", "strong")
        } else if at.starts_with('`') {
            ("`", "code")
        } else {
            out.push('*');
            rest = &at[1..];
            continue;
        };
        match at[open.len()..].find(open) {
            Some(j) if j > 0 => {
                let inner = &at[open.len()..open.len() + j];
                let _ = write!(out, "<{tag}>{}</{tag}>", esc(inner));
                rest = &at[open.len() * 2 + j..];
            }
            _ => {
                out.push_str(&esc(open));
                rest = &at[open.len()..];
            }
        }
    }
    out.push_str(&esc(rest));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_is_rendered_never_leaked() {
        assert_eq!(
            inline_md("`delete_stack()` <b> **all** of it * x"),
            "<code>delete_stack()</code> &lt;b&gt; <strong>all</strong> of it * x"
        );
        assert_eq!(inline_md("a ` b"), "a ` b");
        assert_eq!(inline_md("``"), "``");
    }

    #[test]
    fn bars_carry_their_numbers() {
        let svg = stacked_bars(
            "share",
            &[Bar {
                label: "W48".into(),
                segments: vec![(3.0, SENIOR)],
                caption: "42%".into(),
            }],
            0.0,
            &[("senior".into(), SENIOR)],
        );
        assert!(svg.contains(">42%</text>") && svg.contains(">W48</text>"));
    }
}
