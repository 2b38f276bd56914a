mod cache;
mod ops;

#[tokio::main]
async fn main() {
    let config = aws_config::load_from_env().await;
    let env = std::env::args().nth(1).unwrap_or_else(|| "staging".to_string());
    let mut cache = cache::Cache::default();
    cache.put("last-env", &env);
    if let Err(e) = ops::recreate_environment(&config, &env).await {
        eprintln!("deploy failed: {e}");
    }
    cache.invalidate("last-env");
}
