//! Written by a human. Nothing here is infrastructure: `remove` and `clear` are map operations.
use std::collections::HashMap;

#[derive(Default)]
pub struct Cache {
    entries: HashMap<String, String>,
}

impl Cache {
    pub fn put(&mut self, key: &str, value: &str) {
        self.entries.insert(key.to_string(), value.to_string());
    }

    pub fn invalidate(&mut self, key: &str) {
        self.entries.remove(key);
    }

    pub fn clear(&mut self) {
        self.entries.drain();
    }
}
