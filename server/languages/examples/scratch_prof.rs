//! scratch: where the cold index's time goes, single-threaded.
use aigis_languages::{analysis, language, parse::Parser, symbols};
use std::time::{Duration, Instant};
use streaming_iterator::StreamingIterator;

fn main() {
    let root = std::env::args().nth(1).unwrap();
    let n: usize = std::env::args()
        .nth(2)
        .and_then(|s| s.parse().ok())
        .unwrap_or(1500);
    let mut files: Vec<std::path::PathBuf> = Vec::new();
    fn walk(d: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
        let Ok(rd) = std::fs::read_dir(d) else { return };
        let mut es: Vec<_> = rd.flatten().map(|e| e.path()).collect();
        es.sort();
        for p in es {
            if p.is_dir() {
                walk(&p, out)
            } else if p.extension().is_some_and(|x| x == "rs") {
                out.push(p)
            }
        }
    }
    walk(std::path::Path::new(&root), &mut files);
    files.truncate(n);
    let texts: Vec<(std::path::PathBuf, String)> = files
        .into_iter()
        .filter_map(|f| {
            std::fs::read_to_string(&f)
                .ok()
                .filter(|t| t.len() < 1_000_000)
                .map(|t| (f, t))
        })
        .collect();
    let s0 = Instant::now();
    for l in language::all() {
        println!("{} triggers {} bytes", l.name, l.triggers().memory_usage());
    }
    println!("table built in {:?}", s0.elapsed());
    let mut p = Parser::new();
    let mut t_parse = Duration::ZERO;
    let mut t_tags = Duration::ZERO;
    let mut t_risky = Duration::ZERO;
    let mut t_extract = Duration::ZERO;
    let mut t_walk = Duration::ZERO;
    let mut t_imports = Duration::ZERO;
    let mut nm = 0usize;
    let mut per = Vec::new();
    let mut skipped = 0usize;
    let mut nhit = 0;
    let mut t_trig = Duration::ZERO;
    let mut nodes = 0usize;
    for (f, t) in &texts {
        let lang = language::for_path(f).unwrap();
        let s = Instant::now();
        let tree = p.parse(lang, t, None).unwrap();
        t_parse += s.elapsed();
        let s = Instant::now();
        let q = lang.tags().unwrap();
        q.for_each_match(tree.root_node(), t.as_bytes(), &mut |_m| {
            nm += 1;
        });
        t_tags += s.elapsed();
        let s = Instant::now();
        let mut cur = tree.walk();
        'w: loop {
            nodes += 1;
            let k = cur.node().kind();
            let skip = matches!(
                k,
                "token_tree"
                    | "string_literal"
                    | "raw_string_literal"
                    | "attribute_item"
                    | "inner_attribute_item"
                    | "line_comment"
                    | "block_comment"
            );
            if skip {
                skipped += cur.node().descendant_count() - 1;
            }
            if !skip && cur.goto_first_child() {
                continue;
            }
            loop {
                if cur.goto_next_sibling() {
                    continue 'w;
                }
                if !cur.goto_parent() {
                    break 'w;
                }
            }
        }
        t_walk += s.elapsed();
        let s = Instant::now();
        let _ = lang.conventions.imports(
            tree.root_node(),
            t.as_bytes(),
            aigis_languages::conventions::ImportScope::Everywhere,
        );
        t_imports += s.elapsed();
        let s = Instant::now();
        if analysis::may_have_findings(lang, t) {
            nhit += 1;
        }
        t_trig += s.elapsed();
        let s = Instant::now();
        let r = analysis::analyze(lang, &tree, t, Some(f));
        let nf = r.len();
        std::hint::black_box(r);
        t_risky += s.elapsed();
        per.push((s.elapsed(), f.clone(), t.len(), nf));
        let s = Instant::now();
        let x = symbols::extract(lang, &tree, t, f, vec![]);
        std::hint::black_box(x);
        t_extract += s.elapsed();
    }
    println!("skipped {skipped} nodes");
    per.sort();
    per.reverse();
    for x in per.iter().take(12) {
        println!("{:?} {} bytes {} findings {}", x.0, x.2, x.3, x.1.display());
    }
    println!("trigger scan {:?}, {nhit} files with hits", t_trig);
    println!("files {} parse {:?} tags-query {:?} ({nm} matches) cursor-walk {:?} ({nodes} nodes) imports {:?} risky {:?} extract(all) {:?}", texts.len(), t_parse, t_tags, t_walk, t_imports, t_risky, t_extract);
}
