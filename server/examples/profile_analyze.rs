fn main() {
    let mut src = String::from("use aws_sdk_ec2 as ec2;\nuse std::process::Command;\n\n");
    let mut i = 0;
    while src.lines().count() < 5000 {
        src += &format!(
            "pub async fn step{i}(client: &ec2::Client, ids: Vec<String>) -> usize {{\n    let mut total = 0;\n    for id in &ids {{\n        total += id.len() * {i};\n    }}\n    if total > 10 {{\n        client.stop_instances().set_instance_ids(Some(ids.clone())).send().await.ok();\n    }}\n    Command::new(\"kubectl\").args([\"get\", \"pods\"]).status().ok();\n    total\n}}\n\n"
        );
        i += 1;
    }
    let lang = aigis::language::by_name("rust").unwrap();
    let mut p = tree_sitter::Parser::new();
    p.set_language(&lang.grammar).unwrap();
    let tree = p.parse(&src, None).unwrap();
    let t = std::time::Instant::now();
    let mut n = 0;
    for _ in 0..20 {
        n += aigis::analysis::analyze(lang, &tree, &src, None).len();
    }
    println!(
        "analyze: {:.2} ms ({} findings)",
        t.elapsed().as_secs_f64() * 1e3 / 20.0,
        n / 20
    );
    let t = std::time::Instant::now();
    for _ in 0..20 {
        let mut c = tree_sitter::QueryCursor::new();
        let mut m = c.matches(&lang.query, tree.root_node(), src.as_bytes());
        use streaming_iterator::StreamingIterator;
        let mut k = 0;
        while m.next().is_some() {
            k += 1;
        }
        std::hint::black_box(k);
    }
    println!(
        "query only: {:.2} ms",
        t.elapsed().as_secs_f64() * 1e3 / 20.0
    );
}
