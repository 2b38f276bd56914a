//! `aigis mcp` as an agent meets it, over pipes: `check_change` on a 5,000-line file and
//! `blast_radius` in a workspace of 1,500 real Rust files (index warm), p50 and p99 over many
//! calls, against two floors from the same run: the protocol round trip (`explain_rule`, no
//! file work) and reading + parsing the file twice in-process (what `check_change` cannot avoid).
//!
//! Corpus: `AIGIS_BENCH_CORPUS`, else the crates under `$CARGO_HOME/registry/src`;
//! `AIGIS_BENCH_FILES` (default 1500) files are copied into a git workspace.

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

#[path = "common/corpus.rs"]
mod corpus;
use corpus::{corpus, rust_files};

fn pct(v: &mut [Duration], p: f64) -> f64 {
    v.sort();
    v[((v.len() as f64 - 1.0) * p).round() as usize].as_secs_f64() * 1e3
}

struct Server {
    stdin: std::process::ChildStdin,
    out: BufReader<std::process::ChildStdout>,
    child: std::process::Child,
    id: i64,
}

impl Server {
    fn call(&mut self, name: &str, args: Value) -> Value {
        self.id += 1;
        let msg = json!({ "jsonrpc": "2.0", "id": self.id, "method": "tools/call", "params": { "name": name, "arguments": args } });
        writeln!(self.stdin, "{msg}").unwrap();
        self.stdin.flush().unwrap();
        let mut line = String::new();
        loop {
            line.clear();
            self.out.read_line(&mut line).unwrap();
            let v: Value = serde_json::from_str(&line).unwrap();
            if v["id"] == json!(self.id) {
                assert_ne!(v["result"]["isError"], true, "{name}: {v}");
                return v["result"]["structuredContent"].clone();
            }
        }
    }
}

fn main() {
    let n: usize = std::env::var("AIGIS_BENCH_FILES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1500);
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().canonicalize().unwrap();
    let src_root = corpus();
    for (i, f) in rust_files(&src_root).into_iter().take(n).enumerate() {
        let dst = root.join(format!("vendor{i}")).join(f.file_name().unwrap());
        std::fs::create_dir_all(dst.parent().unwrap()).unwrap();
        std::fs::copy(&f, &dst).unwrap();
    }
    // The project: a 5,000-line module and 60 callers of one of its functions.
    std::fs::create_dir_all(root.join("src")).unwrap();
    std::fs::write(
        root.join("Cargo.toml"),
        "[package]\nname = \"bench\"\nversion = \"0.1.0\"\n",
    )
    .unwrap();
    let mut big = String::from("use aws_sdk_ec2 as ec2;\nuse std::process::Command;\n\npub fn shared() -> usize {\n    1\n}\n\n");
    let mut i = 0;
    while big.lines().count() < 5000 {
        big += &format!("pub async fn step{i}(client: &ec2::Client, ids: Vec<String>) -> usize {{\n    let mut total = shared();\n    for id in &ids {{\n        total += id.len() * {i};\n    }}\n    if total > 10 {{\n        client.stop_instances().set_instance_ids(Some(ids.clone())).send().await.ok();\n    }}\n    Command::new(\"kubectl\").args([\"get\", \"pods\"]).status().ok();\n    total\n}}\n\n");
        i += 1;
    }
    std::fs::write(root.join("src/big.rs"), &big).unwrap();
    let mut lib = String::from("pub mod big;\n");
    for m in 0..60 {
        lib += &format!("pub mod user{m};\n");
        std::fs::write(
            root.join(format!("src/user{m}.rs")),
            format!("pub fn run{m}() -> usize {{\n    crate::big::shared() + {m}\n}}\n"),
        )
        .unwrap();
    }
    std::fs::write(
        root.join("src/lib.rs"),
        lib + "fn main() { user0::run0(); }\n",
    )
    .unwrap();
    let git = |args: &[&str]| {
        Command::new("git")
            .arg("-C")
            .arg(&root)
            .args(args)
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .output()
            .unwrap();
    };
    git(&["init", "-q"]);
    git(&["-c", "user.email=b@e", "-c", "user.name=b", "add", "-A"]);
    git(&[
        "-c",
        "user.email=b@e",
        "-c",
        "user.name=b",
        "commit",
        "-qm",
        "corpus",
    ]);
    let files = rust_files(&root).len();
    println!(
        "workspace: {files} .rs files (a git repository), src/big.rs {} lines",
        big.lines().count()
    );

    let t = Instant::now();
    let mut child = Command::new(env!("CARGO_BIN_EXE_aigis"))
        .arg("mcp")
        .current_dir(&root)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut s = Server {
        stdin: child.stdin.take().unwrap(),
        out: BufReader::new(child.stdout.take().unwrap()),
        child,
        id: 0,
    };
    writeln!(s.stdin, "{}", json!({ "jsonrpc": "2.0", "id": 0, "method": "initialize", "params": { "protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": { "name": "bench", "version": "1" } } })).unwrap();
    let mut line = String::new();
    s.out.read_line(&mut line).unwrap();
    println!(
        "spawn + initialize: {:.1} ms",
        t.elapsed().as_secs_f64() * 1e3
    );
    writeln!(
        s.stdin,
        "{}",
        json!({ "jsonrpc": "2.0", "method": "notifications/initialized" })
    )
    .unwrap();
    // Wait for the index (a question waits for it, up to a bound).
    loop {
        let b = s.call(
            "blast_radius",
            json!({ "file": "src/big.rs", "symbol": "shared" }),
        );
        if b["index"]["complete"] == true {
            println!(
                "index complete after {:.1} s ({} files indexed)",
                t.elapsed().as_secs_f64(),
                b["index"]["files"]
            );
            break;
        }
    }
    let calls = 200;
    let time = |s: &mut Server, name: &str, args: &Value| -> Vec<Duration> {
        for _ in 0..10 {
            s.call(name, args.clone());
        }
        (0..calls)
            .map(|_| {
                let t = Instant::now();
                s.call(name, args.clone());
                t.elapsed()
            })
            .collect()
    };
    let mut floor = time(
        &mut s,
        "explain_rule",
        &json!({ "rule": "aws.ec2.terminate-instances" }),
    );
    let old = "pub async fn step7(client: &ec2::Client, ids: Vec<String>) -> usize {\n    let mut total = shared();";
    let new = "pub async fn step7(client: &ec2::Client, ids: Vec<String>) -> usize {\n    client.terminate_instances().set_instance_ids(Some(ids.clone())).send().await.ok();\n    let mut total = shared();";
    let check_args = json!({ "file": "src/big.rs", "old_string": old, "new_string": new });
    let answer = s.call("check_change", check_args.clone());
    assert_eq!(
        answer["added"][0]["rule"], "aws.ec2.terminate-instances",
        "{answer}"
    );
    let mut check = time(&mut s, "check_change", &check_args);
    let blast_args = json!({ "file": "src/big.rs", "symbol": "shared" });
    let answer = s.call("blast_radius", blast_args.clone());
    let direct = answer["direct"].clone();
    let mut blast = time(&mut s, "blast_radius", &blast_args);
    // In-process floor for check_change: read the file and parse it twice.
    let rust = aigis_core::language::by_name("rust").unwrap();
    let mut parse: Vec<Duration> = (0..50)
        .map(|_| {
            let t = Instant::now();
            let text = std::fs::read_to_string(root.join("src/big.rs")).unwrap();
            let a = aigis_core::parse::parse(rust, &text);
            let b = aigis_core::parse::parse(rust, &text.replace(old, new));
            std::hint::black_box((a, b));
            t.elapsed()
        })
        .collect();
    let (f50, p50) = (pct(&mut floor, 0.5), pct(&mut parse, 0.5));
    println!(
        "protocol round trip (explain_rule): p50 {f50:.2} ms  p99 {:.2} ms",
        pct(&mut floor, 0.99)
    );
    println!("read + full parse of the file twice, in-process (what a naive check costs): p50 {p50:.2} ms");
    let c50 = pct(&mut check, 0.5);
    println!(
        "check_change, 5,000-line file: p50 {c50:.2} ms  p99 {:.2} ms  ({:.1}x the round trip; {:.2}x the naive read + parse)  target p99 < 50 ms",
        pct(&mut check, 0.99),
        c50 / f50,
        c50 / p50
    );
    let b50 = pct(&mut blast, 0.5);
    println!(
        "blast_radius, {files}-file workspace ({direct} direct dependents): p50 {b50:.2} ms  p99 {:.2} ms  ({:.1}x the round trip)  target p99 < 50 ms",
        pct(&mut blast, 0.99),
        b50 / f50
    );
    drop(s.stdin);
    let _ = s.child.wait();
}
