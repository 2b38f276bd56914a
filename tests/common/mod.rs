//! Test support: a fixture workspace on disk and a real JSON-RPC client that drives the
//! `aigis` binary over stdio, the way editors do.
#![allow(dead_code)]

use std::collections::{HashMap, VecDeque};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

pub const BIN: &str = env!("CARGO_BIN_EXE_aigis");
/// How long a test waits for an event before it calls the server hung. Tests wait for events,
/// never for a fixed time: this bound only turns a hang into a failure, so it is generous (a
/// debug build answering a 50 MB `didChange` on a loaded 2-core machine takes tens of seconds).
/// `AIGIS_TEST_TIMEOUT` (seconds) changes it.
pub static TIMEOUT: std::sync::LazyLock<Duration> = std::sync::LazyLock::new(|| {
    Duration::from_secs(
        std::env::var("AIGIS_TEST_TIMEOUT")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(180),
    )
});

/// A temporary workspace: a git repository with files and a git identity.
pub struct Fixture {
    pub dir: tempfile::TempDir,
}

impl Fixture {
    pub fn new(files: &[(&str, &str)]) -> Fixture {
        let dir = tempfile::tempdir().unwrap();
        let f = Fixture { dir };
        f.git(&["init", "-q", "-b", "main"]);
        f.set_identity("Bob Builder", "bob@example.com");
        for (path, text) in files {
            f.write(path, text);
        }
        f
    }

    pub fn root(&self) -> PathBuf {
        self.dir.path().canonicalize().unwrap()
    }

    pub fn path(&self, rel: &str) -> PathBuf {
        self.root().join(rel)
    }

    pub fn uri(&self, rel: &str) -> String {
        format!("file://{}", self.path(rel).display())
    }

    pub fn write(&self, rel: &str, text: &str) {
        let p = self.path(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }

    pub fn read(&self, rel: &str) -> String {
        std::fs::read_to_string(self.path(rel)).unwrap_or_default()
    }

    pub fn git(&self, args: &[&str]) -> String {
        let out = Command::new("git")
            .arg("-C")
            .arg(self.dir.path())
            .args(args)
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "git {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Runs `aigis ARGS` in the workspace with `stdin` and extra environment; returns (exit
    /// code, stdout, stderr).
    pub fn aigis_with(
        &self,
        args: &[&str],
        stdin: &str,
        env: &[(&str, &str)],
    ) -> (i32, String, String) {
        let mut child = Command::new(BIN)
            .args(args)
            .current_dir(self.root())
            .envs(env.iter().copied())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        // A process that refuses its arguments exits before reading: a broken pipe is its answer.
        let _ = child.stdin.take().unwrap().write_all(stdin.as_bytes());
        let out = child.wait_with_output().unwrap();
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }

    /// Commits everything as `who` (name, email).
    pub fn commit_as(&self, who: (&str, &str), message: &str) {
        self.set_identity(who.0, who.1);
        self.git(&["add", "-A"]);
        self.git(&["commit", "-q", "-m", message]);
    }

    /// Rewrites a ledger log as its last record only, edited by `edit` (a hand edit).
    pub fn edit_last_record(&self, log: &str, edit: impl FnOnce(&mut Value)) {
        let last = self.read(log).lines().last().unwrap().to_string();
        let mut v: Value = serde_json::from_str(&last).unwrap();
        edit(&mut v);
        std::fs::write(self.path(log), format!("{v}\n")).unwrap();
    }

    pub fn set_identity(&self, name: &str, email: &str) {
        self.git(&["config", "user.name", name]);
        self.git(&["config", "user.email", email]);
    }

    /// Runs `aigis ARGS` in the workspace; returns (exit code, stdout, stderr).
    pub fn aigis(&self, args: &[&str]) -> (i32, String, String) {
        let out = Command::new(BIN)
            .args(args)
            .current_dir(self.root())
            .output()
            .unwrap();
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }
}

/// Claude Code's guard answer: `allow` (exit 0, nothing printed), or the `permissionDecision`
/// it printed (`deny`, `ask`) with its reason; `exit 2` with stderr for an error.
pub fn claude_guard(fx: &Fixture, payload: &str) -> (String, String) {
    let (code, out, err) = fx.aigis_with(&["guard", "--agent", "claude-code"], payload, &[]);
    if code != 0 {
        return (format!("exit {code}"), err);
    }
    if out.trim().is_empty() {
        return ("allow".into(), err);
    }
    let v: Value = serde_json::from_str(out.trim()).unwrap_or_else(|e| panic!("{e}: {out}"));
    let o = &v["hookSpecificOutput"];
    assert_eq!(o["hookEventName"], "PreToolUse", "{out}");
    (
        o["permissionDecision"].as_str().unwrap().to_string(),
        o["permissionDecisionReason"].as_str().unwrap().to_string(),
    )
}

/// Claude Code's guard answer as the other agents give theirs: exit 2 with the reason for a
/// `deny` or `ask`, 0 otherwise.
pub fn claude_guard_exit(fx: &Fixture, payload: &str) -> (i32, String, String) {
    match claude_guard(fx, payload) {
        (d, why) if d == "allow" => (0, String::new(), why),
        (d, why) if d == "deny" || d == "ask" => (2, String::new(), why),
        (d, why) => (
            d.trim_start_matches("exit ").parse().unwrap_or(-1),
            String::new(),
            why,
        ),
    }
}

/// A language client over the server's stdio.
pub struct Client {
    child: Child,
    stdin: Option<ChildStdin>,
    incoming: Receiver<Value>,
    /// Notifications and server requests read while waiting for something else.
    pending: VecDeque<Value>,
    /// The diagnostics last taken for each document (the server does not send a set again
    /// when it has not changed).
    shown: HashMap<String, Vec<Value>>,
    next_id: i64,
    pub root: PathBuf,
}

impl Client {
    pub fn start(root: &Path) -> Client {
        Self::start_with(root, json!({}), json!({}))
    }

    pub fn start_with(root: &Path, capabilities: Value, init_options: Value) -> Client {
        // The index cache of the tests' throwaway workspaces stays out of the user's cache.
        let cache = std::env::var_os("AIGIS_CACHE_DIR")
            .unwrap_or_else(|| std::env::temp_dir().join("aigis-test-cache").into());
        Self::start_env(
            root,
            capabilities,
            init_options,
            &[("AIGIS_CACHE_DIR", cache.to_string_lossy().as_ref())],
        )
    }

    /// As `start_with`, with extra environment for the server.
    pub fn start_env(
        root: &Path,
        capabilities: Value,
        init_options: Value,
        env: &[(&str, &str)],
    ) -> Client {
        let mut child = Command::new(BIN)
            .args(["lsp", "--stdio"])
            .envs(env.iter().copied())
            .current_dir(root)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(if std::env::var_os("AIGIS_TEST_STDERR").is_some() {
                Stdio::inherit()
            } else {
                Stdio::null()
            })
            .spawn()
            .expect("start aigis lsp");
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut reader = BufReader::new(stdout);
            while let Some(msg) = read_message(&mut reader) {
                if tx.send(msg).is_err() {
                    break;
                }
            }
        });
        let stdin = child.stdin.take();
        let mut c = Client {
            child,
            stdin,
            incoming: rx,
            pending: VecDeque::new(),
            shown: HashMap::new(),
            next_id: 1,
            root: root.to_path_buf(),
        };
        let root_uri = format!("file://{}", root.display());
        // Told when a document's diagnostics are the same as the last set (which the server
        // does not send again), unless a test says otherwise.
        let mut capabilities = capabilities;
        if let Some(caps) = capabilities.as_object_mut() {
            let experimental = caps.entry("experimental").or_insert_with(|| json!({}));
            if let Some(e) = experimental.as_object_mut() {
                e.entry("aigisAnalyzedNotification").or_insert(json!(true));
            }
        }
        let result = c.request(
            "initialize",
            json!({
                "processId": null,
                "rootUri": root_uri,
                "workspaceFolders": [{ "uri": root_uri, "name": "ws" }],
                "capabilities": capabilities,
                "initializationOptions": init_options,
            }),
        );
        assert!(
            result.get("result").is_some(),
            "initialize failed: {result}"
        );
        c.notify("initialized", json!({}));
        c
    }

    pub fn send_raw(&mut self, bytes: &[u8]) {
        let stdin = self.stdin.as_mut().expect("stdin open");
        stdin.write_all(bytes).unwrap();
        stdin.flush().unwrap();
    }

    pub fn send(&mut self, msg: &Value) {
        let body = serde_json::to_vec(msg).unwrap();
        let mut frame = format!("Content-Length: {}\r\n\r\n", body.len()).into_bytes();
        frame.extend(body);
        self.send_raw(&frame);
    }

    pub fn notify(&mut self, method: &str, params: Value) {
        self.send(&json!({ "jsonrpc": "2.0", "method": method, "params": params }));
    }

    /// Sends a request and returns the whole response message (`result` or `error`).
    pub fn request(&mut self, method: &str, params: Value) -> Value {
        let id = self.next_id;
        self.next_id += 1;
        self.send(&json!({ "jsonrpc": "2.0", "id": id, "method": method, "params": params }));
        let deadline = Instant::now() + *TIMEOUT;
        loop {
            let msg = self
                .recv(deadline)
                .unwrap_or_else(|| panic!("no response to {method}"));
            if msg.get("id") == Some(&json!(id)) && msg.get("method").is_none() {
                return msg;
            }
            self.pending.push_back(msg);
        }
    }

    pub fn result(&mut self, method: &str, params: Value) -> Value {
        let mut resp = self.request(method, params);
        assert!(resp.get("error").is_none(), "{method} failed: {resp}");
        resp["result"].take()
    }

    fn recv(&mut self, deadline: Instant) -> Option<Value> {
        let left = deadline.checked_duration_since(Instant::now())?;
        match self.incoming.recv_timeout(left) {
            Ok(msg) => {
                // Answer the server's own requests as an editor would.
                if msg.get("id").is_some() && msg.get("method").is_some() {
                    let reply = json!({ "jsonrpc": "2.0", "id": msg["id"], "result": null });
                    self.send(&reply);
                }
                Some(msg)
            }
            Err(RecvTimeoutError::Timeout | RecvTimeoutError::Disconnected) => None,
        }
    }

    /// Waits for a notification of `method` that satisfies `pred`.
    pub fn wait_for(&mut self, method: &str, pred: impl Fn(&Value) -> bool) -> Value {
        let deadline = Instant::now() + *TIMEOUT;
        if let Some(i) = self
            .pending
            .iter()
            .position(|m| m["method"] == method && pred(&m["params"]))
        {
            let params = self.pending.remove(i).unwrap()["params"].take();
            if method == "textDocument/publishDiagnostics" {
                self.note_shown(&params, Some(i));
            }
            return params;
        }
        loop {
            let mut msg = self
                .recv(deadline)
                .unwrap_or_else(|| panic!("timed out waiting for {method}"));
            if msg["method"] == method && pred(&msg["params"]) {
                if method == "textDocument/publishDiagnostics" {
                    self.note_shown(&msg["params"], None);
                }
                return msg["params"].take();
            }
            self.pending.push_back(msg);
        }
    }

    /// Waits for any message (response, notification) that satisfies `pred`.
    pub fn wait_msg(&mut self, pred: impl Fn(&Value) -> bool) -> Value {
        let deadline = Instant::now() + *TIMEOUT;
        if let Some(i) = self.pending.iter().position(&pred) {
            return self.pending.remove(i).unwrap();
        }
        loop {
            let msg = self
                .recv(deadline)
                .expect("timed out waiting for a message");
            if pred(&msg) {
                return msg;
            }
            self.pending.push_back(msg);
        }
    }

    /// How many already-received messages satisfy `pred` (after reading what has arrived).
    pub fn pending_count(&mut self, pred: impl Fn(&Value) -> bool) -> usize {
        while let Ok(m) = self.incoming.try_recv() {
            self.pending.push_back(m);
        }
        self.pending.iter().filter(|m| pred(m)).count()
    }

    /// The diagnostics `uri` shows now: of the sets already received, the last (older ones
    /// are dropped: a background republish must not pass for the answer to an action); if
    /// none has arrived yet, the next one. The server sends a set only when it differs from
    /// the last one it sent, so the last one taken is remembered.
    pub fn diagnostics(&mut self, uri: &str) -> Vec<Value> {
        // A round trip first: what the server published for the messages sent before it has
        // arrived by the time it answers (a request the server does not know is answered at
        // once, with an error).
        self.request("aigis/test/barrier", json!({}));
        while let Ok(m) = self.incoming.try_recv() {
            self.pending.push_back(m);
        }
        self.take_published(uri, i64::MAX);
        match self.shown.get(uri) {
            Some(d) => d.clone(),
            None => self.diagnostics_until(uri, |_| true),
        }
    }

    /// Waits until the diagnostics of `uri` satisfy `done` (the effect of a notification that
    /// changes no version), as an editor's test waits on what it shows: the newest set already
    /// received if it does, else the next set sent that does (a publication may reach the
    /// client after the answer to a later request; a set the same as the last is not sent).
    pub fn diagnostics_until(&mut self, uri: &str, done: impl Fn(&[Value]) -> bool) -> Vec<Value> {
        while let Ok(m) = self.incoming.try_recv() {
            self.pending.push_back(m);
        }
        self.take_published(uri, i64::MAX);
        if let Some(d) = self.shown.get(uri).filter(|d| done(d)) {
            return d.clone();
        }
        let diags = |p: &Value| p["diagnostics"].as_array().cloned().unwrap_or_default();
        let p = self.wait_for("textDocument/publishDiagnostics", |p| {
            p["uri"] == uri && done(&diags(p))
        });
        self.take_published(uri, i64::MAX);
        diags(&p)
    }

    /// The diagnostics of `uri` once the server has assessed document `version` (or a later
    /// one): the set it sent then, or the one before when it was the same
    /// (`aigis/analyzed` says which, to a client that asks for it, as this one does).
    pub fn diagnostics_at(&mut self, uri: &str, version: i32) -> Vec<Value> {
        let analyzed = self.wait_msg(|m| {
            m["method"] == "aigis/analyzed"
                && m["params"]["uri"] == uri
                && m["params"]["version"]
                    .as_i64()
                    .is_none_or(|v| v >= i64::from(version))
        });
        // A set sent comes before the notification about it.
        let upto = analyzed["params"]["version"].as_i64().unwrap_or(i64::MAX);
        self.take_published(uri, upto);
        self.shown.get(uri).cloned().unwrap_or_default()
    }

    /// A set taken by `wait_for` is what the document shows; the sets of it still queued from
    /// before it (all of them when it came from the channel, else those ahead of it: `before`)
    /// are older and are dropped, so the queue only holds sets newer than the one shown.
    fn note_shown(&mut self, params: &Value, before: Option<usize>) {
        let Some(uri) = params["uri"].as_str() else {
            return;
        };
        let d = params["diagnostics"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        self.shown.insert(uri.to_string(), d);
        let mut at = 0;
        self.pending.retain(|m| {
            at += 1;
            let older = before.is_none_or(|b| at <= b);
            !(older
                && m["method"] == "textDocument/publishDiagnostics"
                && m["params"]["uri"] == uri)
        });
    }

    /// Waits for the server to have assessed `version` of `uri` (`aigis/analyzed`, the next
    /// one not yet taken); whether it sent a new set of diagnostics for it.
    pub fn analyzed(&mut self, uri: &str, version: i32) -> bool {
        let m = self.wait_msg(|m| {
            m["method"] == "aigis/analyzed"
                && m["params"]["uri"] == uri
                && m["params"]["version"] == version
        });
        m["params"]["changed"] == true
    }

    /// Takes the sets of `uri` already received out of the queue (the newest is what the
    /// editor shows), with the `aigis/analyzed` notifications up to version `upto`.
    pub fn take_published(&mut self, uri: &str, upto: i64) {
        let mut newest = None;
        self.pending.retain_mut(|m| {
            if m["params"]["uri"] != uri {
                return true;
            }
            if m["method"] == "textDocument/publishDiagnostics" {
                newest = Some(m["params"]["diagnostics"].take());
                return false;
            }
            !(m["method"] == "aigis/analyzed"
                && m["params"]["version"].as_i64().is_none_or(|v| v <= upto))
        });
        if let Some(d) = newest {
            self.shown
                .insert(uri.to_string(), d.as_array().cloned().unwrap_or_default());
        }
    }

    /// Drops every message already received.
    pub fn drain(&mut self) {
        self.pending.clear();
        while let Ok(m) = self.incoming.try_recv() {
            let _ = m;
        }
    }

    pub fn open(&mut self, uri: &str, text: &str) -> Vec<Value> {
        // The languageId an editor sends for the file's extension.
        let language = match uri.rsplit('.').next() {
            Some("py" | "pyi") => "python",
            Some("tf") => "terraform",
            Some("ts" | "mts" | "cts") => "typescript",
            Some("tsx") => "typescriptreact",
            Some("js" | "mjs" | "cjs") => "javascript",
            Some("jsx") => "javascriptreact",
            Some("go") => "go",
            _ => "rust",
        };
        self.notify(
            "textDocument/didOpen",
            json!({ "textDocument": { "uri": uri, "languageId": language, "version": 1, "text": text } }),
        );
        self.diagnostics(uri)
    }

    pub fn change(&mut self, uri: &str, version: i32, changes: Value) -> Vec<Value> {
        self.notify(
            "textDocument/didChange",
            json!({ "textDocument": { "uri": uri, "version": version }, "contentChanges": changes }),
        );
        self.diagnostics_at(uri, version)
    }

    pub fn regions(&mut self, uri: &str) -> Vec<Value> {
        self.result("aigis/regions", json!({ "textDocument": { "uri": uri } }))
            .as_array()
            .cloned()
            .unwrap()
    }

    /// shutdown + exit, with stdin kept open (as Helix does); the process must end by itself.
    pub fn shutdown(mut self) -> std::process::ExitStatus {
        let _ = self.request("shutdown", Value::Null);
        self.notify("exit", Value::Null);
        let deadline = Instant::now() + *TIMEOUT;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            assert!(
                Instant::now() < deadline,
                "server did not exit after `exit` with stdin open"
            );
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    pub fn is_running(&mut self) -> bool {
        self.child.try_wait().unwrap().is_none()
    }

    /// The server's peak resident memory so far in MB (Linux's `VmHWM`), if it can be read.
    pub fn peak_rss_mb(&self) -> Option<f64> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).ok()?;
        let kb: f64 = status
            .lines()
            .find(|l| l.starts_with("VmHWM:"))?
            .split_whitespace()
            .nth(1)?
            .parse()
            .ok()?;
        Some(kb / 1024.0)
    }
}

impl Drop for Client {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn read_message(reader: &mut impl BufRead) -> Option<Value> {
    let mut len = None;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).ok()? == 0 {
            return None;
        }
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some(v) = line.strip_prefix("Content-Length:") {
            len = v.trim().parse::<usize>().ok();
        }
    }
    let mut body = vec![0; len?];
    reader.read_exact(&mut body).ok()?;
    serde_json::from_slice(&body).ok()
}

pub fn pos(line: u32, character: u32) -> Value {
    json!({ "line": line, "character": character })
}

pub fn range(l1: u32, c1: u32, l2: u32, c2: u32) -> Value {
    json!({ "start": pos(l1, c1), "end": pos(l2, c2) })
}

pub fn codes(diags: &[Value]) -> Vec<String> {
    let mut v: Vec<String> = diags
        .iter()
        .map(|d| d["code"].as_str().unwrap_or("").to_string())
        .collect();
    v.sort();
    v
}
