//! Each rule family: what must be found, and the look-alikes that must not.

use super::*;
use crate::language;

fn findings(src: &str) -> Vec<String> {
    findings_at(src, "src/lib.rs")
}

fn findings_at(src: &str, path: &str) -> Vec<String> {
    let lang = language::by_name("rust").unwrap();
    let mut parser = tree_sitter::Parser::new();
    parser.set_language(&lang.grammar).unwrap();
    let tree = parser.parse(src, None).unwrap();
    let found = analyze(lang, &tree, src, Some(Path::new(path)));
    // Querying only the items with trigger words finds exactly what a whole-file pass finds.
    let whole = analyze_ranges(lang, &tree, src, Some(Path::new(path)), None);
    assert_eq!(
        found, whole,
        "trigger-ranged and whole-file analysis differ"
    );
    found
        .into_iter()
        .map(|f| format!("{}:{}", f.rule, f.severity.as_str()))
        .collect()
}

#[test]
fn aws_sdk_chain_is_found_with_escalators_and_mitigators() {
    let src = r#"
use aws_sdk_ec2 as ec2;
use aws_sdk_rds::Client as Rds;
async fn purge(client: &ec2::Client, rds: &Rds) {
    client.terminate_instances().instance_ids("i-1").send().await.unwrap();
    client.terminate_instances().dry_run(true).send().await.unwrap();
    rds.delete_db_instance().db_instance_identifier("prod").skip_final_snapshot(true).send().await?;
    rds.delete_db_instance().skip_final_snapshot(false).send().await?;
}
"#;
    assert_eq!(
        findings(src),
        [
            "aws.ec2.terminate-instances:critical",
            "aws.ec2.terminate-instances:high",
            "aws.rds.delete-db-instance:critical",
            "aws.rds.delete-db-instance:critical",
        ]
    );
}

#[test]
fn aws_names_without_the_sdk_or_without_send_are_not_findings() {
    // No aws_sdk crate in the file: a same-named method is someone else's.
    let no_sdk = r#"
fn f(cloud: &Oci) { cloud.terminate_instances().send(); }
"#;
    assert!(findings(no_sdk).is_empty());
    // The SDK is used, but the receiver is a cache, and another chain is never sent.
    let lookalike = r#"
use aws_sdk_s3::Client;
fn f(client: &Client) {
    let cache = LocalCache::new();
    cache.delete_object().key("k").send();
    let builder = client.delete_bucket().bucket("b");
}
"#;
    assert!(findings(lookalike).is_empty(), "{:?}", findings(lookalike));
}

#[test]
fn std_collections_and_http_deletes_are_not_findings() {
    let src = r#"
use std::collections::HashMap;
async fn f(map: &mut HashMap<String, u32>, v: &mut Vec<u8>, http: reqwest::Client) {
    map.remove("k");
    v.drain(..);
    http.delete("https://example.com/item/1").send().await.unwrap();
    drop(map);
    // std::fs::remove_dir_all("/") in a comment
    tracing::info!("terminate_instances and DROP TABLE users in a log line");
}
"#;
    assert!(findings(src).is_empty(), "{:?}", findings(src));
}

#[test]
fn filesystem_calls_resolve_through_imports() {
    let src = r#"
use std::fs;
use std::fs::remove_file as rm;
use tokio::fs::remove_dir_all;
fn f() {
    fs::remove_dir_all("/var/data").unwrap();
    std::fs::remove_dir_all("x").unwrap();
    rm("a.txt").unwrap();
    remove_dir_all("y");
    mylib::remove_dir_all("z");
}
"#;
    assert_eq!(
        findings(src),
        [
            "rust.std.fs.remove-dir-all:high",
            "rust.std.fs.remove-dir-all:high",
            "rust.std.fs.remove-file:medium",
            "rust.std.fs.remove-dir-all:high",
        ]
    );
}

#[test]
fn commands_are_matched_against_shell_rules() {
    let src = r#"
use std::process::Command;
fn f() {
    Command::new("terraform").arg("destroy").arg("-auto-approve").status().unwrap();
    Command::new("kubectl").args(["delete", "namespace", "payments"]).output().unwrap();
    let mut cmd = Command::new("aws");
    cmd.args(&["s3", "rb", "s3://prod-logs"]);
    cmd.arg("--force");
    cmd.status().unwrap();
    Command::new("sh").arg("-c").arg("rm -rf ./build").status().unwrap();
    Command::new("terraform").arg("plan").status().unwrap();
    Command::new("echo").arg("terraform destroy").status().unwrap();
}
"#;
    assert_eq!(
        findings(src),
        [
            "shell.terraform-destroy:critical",
            "shell.kubectl-delete-namespace:critical",
            "shell.aws-s3-rb-force:critical",
            "shell.rm-rf:high",
        ]
    );
}

#[test]
fn sql_in_executing_positions_only() {
    let src = r#"
use sqlx::PgPool;
async fn f(pool: &PgPool, conn: &rusqlite::Connection) {
    sqlx::query("DROP TABLE users").execute(pool).await?;
    sqlx::query("DELETE FROM sessions WHERE id = $1").bind(1).execute(pool).await?;
    sqlx::query!("DELETE FROM sessions").execute(pool).await?;
    conn.execute("UPDATE accounts SET balance = 0", [])?;
    let msg = "DROP TABLE users";
    println!("DROP TABLE users");
}
"#;
    assert_eq!(
        findings(src),
        [
            "sql.drop-table:critical",
            "sql.delete-without-where:critical",
            "sql.update-without-where:high",
        ]
    );
}

#[test]
fn kube_git2_tls_redis_diesel() {
    let src = r#"
use kube::{Api, api::{DeleteParams, ListParams}};
use k8s_openapi::api::core::v1::{Namespace, Pod};
use git2::{Repository, ResetType};
async fn f(client: kube::Client, repo: Repository, mut remote: git2::Remote, con: &mut redis::Connection) {
    let namespaces: Api<Namespace> = Api::all(client.clone());
    namespaces.delete("payments", &DeleteParams::default()).await?;
    let pods: Api<Pod> = Api::namespaced(client, "default");
    pods.delete("web-0", &DeleteParams::default()).await?;
    pods.delete_collection(&DeleteParams::default(), &ListParams::default()).await?;
    repo.reset(&obj, ResetType::Hard, None)?;
    remote.push(&["+refs/heads/main:refs/heads/main"], None)?;
    remote.push(&["refs/heads/main:refs/heads/main"], None)?;
    let http = reqwest::Client::builder().danger_accept_invalid_certs(true).build()?;
    let ok = reqwest::Client::builder().danger_accept_invalid_certs(false).build()?;
    redis::cmd("PING").query::<()>(con)?;
    con.flushall::<()>()?;
    diesel::delete(users).execute(conn)?;
    diesel::delete(users.filter(id.eq(1))).execute(conn)?;
}
"#;
    assert_eq!(
        findings(src),
        [
            "rust.kube.api-delete-namespace:critical",
            "rust.kube.api-delete:high",
            "rust.kube.api-delete-collection:critical",
            "rust.git2.reset-hard:high",
            "rust.git2.force-push:critical",
            "rust.reqwest.accept-invalid-certs:high",
            "redis.flushall:critical",
            "rust.diesel.delete-whole-table:critical",
        ]
    );
}

#[test]
fn test_code_lowers_severity_but_keeps_the_finding() {
    let src = r#"
#[cfg(test)]
mod tests {
    #[test]
    fn cleanup() { std::fs::remove_dir_all("target/x").unwrap(); }
}
"#;
    assert_eq!(findings(src), ["rust.std.fs.remove-dir-all:medium"]);
    assert_eq!(
        findings_at("fn f() { std::fs::remove_dir_all(\"x\"); }", "tests/it.rs"),
        ["rust.std.fs.remove-dir-all:medium"]
    );
}

#[test]
fn files_without_trigger_words_are_skipped_before_parsing() {
    let lang = language::by_name("rust").unwrap();
    assert!(!may_have_findings(lang, "fn main() { println!(\"hi\"); }"));
    assert!(may_have_findings(
        lang,
        "use aws_sdk_ec2;\nclient.terminate_instances()"
    ));
    assert!(
        !may_have_findings(lang, "client.terminate_instances()"),
        "SDK words need the SDK crate"
    );
    assert!(
        may_have_findings(lang, "use aws_sdk_ec2;\nc.delete_vpc()"),
        "`delete` must not hide `delete_vpc`"
    );
}

#[test]
fn unquote_handles_raw_and_escaped_strings() {
    let unquote = |s: &str| {
        crate::language::by_name("rust")
            .unwrap()
            .conventions
            .unquote(s)
    };
    assert_eq!(unquote(r###"r#"DROP "x""#"###), r#"DROP "x""#);
    assert_eq!(unquote(r#""a\"b\\c""#), r#"a"b\c"#);
    assert_eq!(unquote("\"DELETE \\\n      FROM t\""), "DELETE FROM t");
}
