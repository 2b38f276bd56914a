//! `aigis incident`: did an AI tool contribute to this outage? From a stack trace or log excerpt
//! (Python tracebacks, Rust panics and backtraces, Go panics, Node/TypeScript stacks, Java `at`
//! frames) each frame is mapped to a workspace file and line, whatever checkout or container it
//! ran from, and reported with who wrote that line (human or AI, tool, model, session, source,
//! confidence), the commit, the review and the blast radius of its region. Without a trace, the
//! AI regions changed since a revision, riskiest first: where an incident review starts.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use serde_json::{json, Value};

use crate::scan::{FileRegion, ScanOptions};
use crate::workspace::Workspace;

/// One frame as the trace names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Frame {
    pub path: String,
    pub line: usize,
    pub function: Option<String>,
}

fn digits(s: &str) -> Option<usize> {
    let d: String = s.chars().take_while(|c| c.is_ascii_digit()).collect();
    d.parse().ok().filter(|n| *n > 0)
}

/// `path:line[:col]` at the end of `s` (after an optional `at `, inside parentheses, before ` +0x..`).
fn path_line(s: &str) -> Option<(String, usize)> {
    let s = s.trim().trim_end_matches(')').trim_end_matches(':');
    let s = s.split(" +0x").next().unwrap_or(s);
    // path:line:col or path:line
    let mut parts: Vec<&str> = s.rsplitn(3, ':').collect();
    parts.reverse();
    let (path, line) = match parts.as_slice() {
        [p, l, c] if digits(l).is_some() && digits(c).is_some() => (p.to_string(), digits(l)?),
        [p, l, c] if digits(c).is_some() => (format!("{p}:{l}"), digits(c)?),
        [p, l] => (p.to_string(), digits(l)?),
        _ => return None,
    };
    let path = path
        .trim()
        .trim_start_matches('(')
        .trim_start_matches("file://")
        .to_string();
    let looks_like_file = path.contains('/') || path.contains('\\') || path.contains('.');
    (looks_like_file && !path.contains(' ') && !path.is_empty()).then_some((path, line))
}

/// The frames of a trace, in order, each kind recognised by its own shape.
pub fn parse(trace: &str) -> Vec<Frame> {
    let lines: Vec<&str> = trace.lines().collect();
    let mut out = Vec::new();
    for (i, raw) in lines.iter().enumerate() {
        let t = raw.trim();
        // Python: File "/app/ops.py", line 12, in purge
        if let Some(rest) = t.strip_prefix("File \"") {
            if let Some((path, tail)) = rest.split_once('"') {
                let line = tail.split("line ").nth(1).and_then(digits);
                let function = tail.split(", in ").nth(1).map(|f| f.trim().to_string());
                if let Some(line) = line {
                    out.push(Frame {
                        path: path.to_string(),
                        line,
                        function,
                    });
                }
            }
            continue;
        }
        // Rust: thread 'main' panicked at src/ops.rs:14:9:
        if let Some(rest) = t.split(" panicked at ").nth(1) {
            if let Some((path, line)) = path_line(rest.trim_end_matches(':')) {
                out.push(Frame {
                    path,
                    line,
                    function: None,
                });
            }
            continue;
        }
        // Java: at com.example.Ops.purge(Ops.java:42)
        if let Some(rest) = t.strip_prefix("at ") {
            if let (Some(open), true) = (rest.find('('), rest.ends_with(')')) {
                let inner = &rest[open + 1..rest.len() - 1];
                let function = rest[..open].trim().to_string();
                if let Some((path, line)) = path_line(inner) {
                    // Java names the file only; its package gives the folder.
                    let path = if !path.contains('/') && function.matches('.').count() >= 2 {
                        let pkg: Vec<&str> = function.split('.').collect();
                        format!("{}/{path}", pkg[..pkg.len() - 2].join("/"))
                    } else {
                        path
                    };
                    out.push(Frame {
                        path,
                        line,
                        function: Some(function),
                    });
                    continue;
                }
            }
            // Node: at /app/src/ops.js:10:5 ; Rust backtrace: at ./src/ops.rs:14:9
            if let Some((path, line)) = path_line(rest) {
                // A Rust backtrace names the function on the line before.
                let function = i
                    .checked_sub(1)
                    .and_then(|p| lines[p].trim().split_once(": "))
                    .filter(|(n, _)| n.chars().all(|c| c.is_ascii_digit()))
                    .map(|(_, f)| f.trim().to_string());
                out.push(Frame {
                    path,
                    line,
                    function,
                });
            }
            continue;
        }
        // Go: \t/home/u/app/cmd/main.go:42 +0x1d, the function on the line before.
        if raw.starts_with('\t') && t.contains(".go:") {
            if let Some((path, line)) = path_line(t) {
                let function = i
                    .checked_sub(1)
                    .map(|p| lines[p].trim())
                    .map(|f| f.split('(').next().unwrap_or(f).to_string());
                out.push(Frame {
                    path,
                    line,
                    function,
                });
            }
        }
    }
    out
}

/// The workspace file a trace path means: the longest tail of its components that names a file
/// in the workspace (so `/srv/deploy-7f3/src/ops.py` and `/app/src/ops.py` both find
/// `src/ops.py`). `None` for a library outside it.
pub fn map_path(root: &Path, path: &str, files: &mut Option<Vec<String>>) -> Option<String> {
    let parts: Vec<&str> = path
        .split(['/', '\\'])
        .filter(|p| !p.is_empty() && *p != ".")
        .collect();
    if parts.contains(&"..") {
        return None;
    }
    let canon_root = root.canonicalize().ok()?;
    let at_root = (0..parts.len()).find_map(|k| {
        let rel = parts[k..].join("/");
        let real = root.join(&rel).canonicalize().ok()?;
        (real.is_file() && real.starts_with(&canon_root)).then_some(rel)
    });
    if at_root.is_some() {
        return at_root;
    }
    // A path the trace gives relative to a source folder (Java's package path, a container's
    // `/app/...` mounted below `src/`): the workspace file that ends with its longest tail.
    let files = files.get_or_insert_with(|| {
        crate::walk::WalkRules::default()
            .files(root, root)
            .iter()
            .filter_map(|p| {
                p.strip_prefix(root)
                    .ok()?
                    .to_str()
                    .map(|s| s.replace('\\', "/"))
            })
            .collect()
    });
    (0..parts.len()).find_map(|k| {
        let tail = parts[k..].join("/");
        let mut hits = files
            .iter()
            .filter(|f| f.ends_with(&format!("/{tail}")) || **f == tail);
        match (hits.next(), hits.next()) {
            (Some(one), None) => Some(one.clone()),
            _ => None,
        }
    })
}

/// The report of a trace: each frame with its attribution, and a summary.
pub fn from_trace(ws: &Workspace, trace: &str, verify: bool) -> Result<Value, String> {
    let frames = parse(trace);
    if frames.is_empty() {
        return Err("no stack frame found in the trace (Python, Rust, Go, Node/TypeScript and Java frames are read)".into());
    }
    let mut listing = None;
    let mapped: Vec<Option<String>> = frames
        .iter()
        .map(|f| map_path(&ws.root, &f.path, &mut listing))
        .collect();
    let mut files: Vec<PathBuf> = mapped.iter().flatten().map(|r| ws.root.join(r)).collect();
    files.sort();
    files.dedup();
    let regions = regions_of(ws, files, None, verify)?;
    let mut blame: HashMap<String, HashMap<usize, (String, crate::identity::Identity)>> =
        HashMap::new();
    let mut out = Vec::new();
    let (mut ai, mut in_ws) = (0, 0);
    for (f, rel) in frames.iter().zip(&mapped) {
        let Some(rel) = rel else {
            out.push(json!({ "file": f.path, "line": f.line, "function": f.function, "ai": false, "library": true }));
            continue;
        };
        in_ws += 1;
        let commit = blame
            .entry(rel.clone())
            .or_insert_with(|| crate::approvals::line_authors(&ws.root, rel))
            .get(&f.line)
            .map(|(sha, who)| json!({ "sha": sha, "author": who.to_string() }));
        let region = regions
            .iter()
            .find(|r| r.file == *rel && r.lines[0] <= f.line && f.line <= r.lines[1]);
        let mut frame = json!({ "file": rel, "line": f.line, "function": f.function, "ai": region.is_some(), "commit": commit });
        if let Some(r) = region {
            ai += 1;
            frame["region"] = region_brief(r);
            frame["review"] = json!({
                "state": r.assessment.review.state.as_str(),
                "by": r.assessment.review.by,
                "at": r.assessment.review.at,
                "approvals": r.assessment.review.approvals,
            });
        }
        out.push(frame);
    }
    if in_ws == 0 {
        return Err(format!(
            "none of the {} frames is a file of the workspace {} (all are libraries or another project)",
            frames.len(),
            ws.root.display()
        ));
    }
    Ok(json!({
        "frames": out,
        "summary": { "frames": frames.len(), "inWorkspace": in_ws, "ai": ai, "library": frames.len() - in_ws,
            "verdict": if ai > 0 { "AI-written code is in this trace" } else { "no AI-written code in this trace" } },
    }))
}

/// The AI regions changed since `rev`, riskiest (risk score, then blast radius) first.
pub fn since(ws: &Workspace, rev: &str, verify: bool) -> Result<Value, String> {
    let mut regions = regions_of(ws, Vec::new(), Some(rev), verify)?;
    regions.sort_by_key(|r| {
        std::cmp::Reverse((
            r.assessment.risk.score,
            r.assessment.blast.as_ref().map_or(0, |b| b.transitive),
        ))
    });
    Ok(json!({
        "since": rev,
        "regions": regions.iter().map(region_brief).collect::<Vec<_>>(),
    }))
}

fn regions_of(
    ws: &Workspace,
    paths: Vec<PathBuf>,
    base: Option<&str>,
    verify: bool,
) -> Result<Vec<FileRegion>, String> {
    if base.is_none() && paths.is_empty() {
        return Ok(Vec::new());
    }
    crate::scan::scan(
        ws,
        &ScanOptions {
            plan: None,
            paths,
            all: false,
            base: base.map(str::to_string),
            verify_approvals: verify,
        },
    )
    .map(|r| r.regions)
    .map_err(|e| e.to_string())
}

fn region_brief(r: &FileRegion) -> Value {
    let a = &r.assessment;
    json!({
        "file": r.file,
        "lines": r.lines,
        "id": a.region.id,
        "tool": a.region.provenance.tool,
        "model": a.region.provenance.model,
        "session": a.region.provenance.session,
        "source": a.region.source.as_str(),
        "confidence": a.region.source.confidence().as_str(),
        "tier": a.risk.tier.as_str(),
        "score": a.risk.score,
        "findings": a.findings.iter().map(|f| f.rule.clone()).collect::<Vec<_>>(),
        "review": a.review.state.as_str(),
        "reviewedBy": a.review.by,
        "blast": a.blast.as_ref().map(|b| b.summary()),
    })
}

/// The report as text, a line or two per frame.
pub fn text(report: &Value) -> String {
    let mut out = String::new();
    if let Some(frames) = report["frames"].as_array() {
        for (i, f) in frames.iter().enumerate() {
            let at = format!(
                "#{i} {}:{}{}",
                f["file"].as_str().unwrap_or("?"),
                f["line"],
                f["function"]
                    .as_str()
                    .map(|n| format!(" in {n}"))
                    .unwrap_or_default()
            );
            if f["library"] == true {
                out += &format!("{at}  library (outside the workspace)\n");
                continue;
            }
            let commit = f["commit"]["sha"]
                .as_str()
                .map(|s| {
                    format!(
                        "commit {} by {}",
                        &s[..10.min(s.len())],
                        f["commit"]["author"].as_str().unwrap_or("?")
                    )
                })
                .unwrap_or_else(|| "not committed".into());
            match f.get("region") {
                Some(r) if f["ai"] == true => {
                    out += &format!(
                        "{at}  AI: {}{} ({}, confidence {}), {commit}, tier {}, review {}{}\n",
                        r["tool"].as_str().unwrap_or("?"),
                        r["model"]
                            .as_str()
                            .map(|m| format!("/{m}"))
                            .unwrap_or_default(),
                        r["source"].as_str().unwrap_or("?"),
                        r["confidence"].as_str().unwrap_or("?"),
                        r["tier"].as_str().unwrap_or("?"),
                        f["review"]["state"].as_str().unwrap_or("?"),
                        f["review"]["by"]
                            .as_str()
                            .map(|b| format!(" by {b}"))
                            .unwrap_or_default(),
                    );
                    if let Some(b) = r["blast"].as_str() {
                        out += &format!(
                            "    region {} lines {}-{}; blast radius: {b}\n",
                            r["id"].as_str().unwrap_or("?"),
                            r["lines"][0],
                            r["lines"][1]
                        );
                    }
                }
                _ => out += &format!("{at}  human, {commit}\n"),
            }
        }
        out += &format!("{}\n", report["summary"]["verdict"].as_str().unwrap_or(""));
    }
    if let Some(regions) = report["regions"].as_array() {
        out += &format!(
            "AI regions changed since {}, riskiest first:\n",
            report["since"].as_str().unwrap_or("?")
        );
        for r in regions {
            out += &format!(
                "  {}:{}-{}  {}  {}  tier {} (score {})  review {}{}\n",
                r["file"].as_str().unwrap_or("?"),
                r["lines"][0],
                r["lines"][1],
                r["id"].as_str().unwrap_or("?"),
                r["tool"].as_str().unwrap_or("?"),
                r["tier"].as_str().unwrap_or("?"),
                r["score"],
                r["review"].as_str().unwrap_or("?"),
                r["blast"]
                    .as_str()
                    .map(|b| format!("; blast radius: {b}"))
                    .unwrap_or_default()
            );
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_of_each_kind() {
        let py = "Traceback (most recent call last):\n  File \"/srv/app-7f3/ops/cleanup.py\", line 12, in purge\n    ec2.terminate_instances(InstanceIds=ids)\n";
        assert_eq!(
            parse(py),
            [Frame {
                path: "/srv/app-7f3/ops/cleanup.py".into(),
                line: 12,
                function: Some("purge".into())
            }]
        );
        let rust = "thread 'main' panicked at src/ops.rs:14:9:\nboom\nstack backtrace:\n   3: app::ops::purge\n             at /home/ci/work/app/src/ops.rs:14:9\n";
        let f = parse(rust);
        assert_eq!(
            f[0],
            Frame {
                path: "src/ops.rs".into(),
                line: 14,
                function: None
            }
        );
        assert_eq!(
            f[1],
            Frame {
                path: "/home/ci/work/app/src/ops.rs".into(),
                line: 14,
                function: Some("app::ops::purge".into())
            }
        );
        let go = "panic: boom\n\ngoroutine 1 [running]:\nmain.purge(0xc000010000)\n\t/go/src/app/cmd/purge/main.go:42 +0x1d\n";
        assert_eq!(
            parse(go),
            [Frame {
                path: "/go/src/app/cmd/purge/main.go".into(),
                line: 42,
                function: Some("main.purge".into())
            }]
        );
        let node = "Error: boom\n    at teardown (/app/src/teardown.ts:10:5)\n    at /app/node_modules/x/index.js:1:2\n    at Object.<anonymous> (file:///app/src/main.js:3:1)\n";
        let f = parse(node);
        assert_eq!(
            f[0],
            Frame {
                path: "/app/src/teardown.ts".into(),
                line: 10,
                function: Some("teardown".into())
            }
        );
        assert_eq!(f[1].path, "/app/node_modules/x/index.js");
        assert_eq!(f[2].path, "/app/src/main.js");
        let java = "java.lang.IllegalStateException: boom\n\tat com.example.ops.Purge.run(Purge.java:42)\n";
        assert_eq!(
            parse(java),
            [Frame {
                path: "com/example/ops/Purge.java".into(),
                line: 42,
                function: Some("com.example.ops.Purge.run".into())
            }]
        );
        assert!(parse("nothing to see here\n").is_empty());
    }
}
