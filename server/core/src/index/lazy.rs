//! Files known by their words until a question needs their symbols. A bulk index reads each
//! file once and notes the identifiers it holds (the workspace's inverted word list, by each
//! word's hash) with its project and module path; its tree is parsed and its symbol table built
//! the first time a question names a word it holds (`resolve`, `references_to`) or asks for the
//! file itself. A tree's symbols are always words of its text, so the files that hold a name's
//! word are every file that can define or reference it (with, rarely, a file that holds another
//! word of the same hash: it is parsed for nothing): an answer is the same as from an index
//! that parsed everything first (`index::tests` compares the two). `fill` parses the rest at a
//! lower priority once the index is usable, for the cache and for the questions to come.

use std::hash::BuildHasher;
use std::sync::Mutex;

use super::*;

/// A file whose symbol table is owed.
pub(super) struct Pending {
    path: PathBuf,
    crate_id: usize,
    module: Vec<String>,
    /// `true` once the file's table is in the index, or the file was indexed from an editor's
    /// text or removed meanwhile. Held while the file is parsed: a second asker waits for the
    /// table instead of parsing it again or reading a half-built index.
    settled: Mutex<bool>,
}

/// The identifiers of a text as the word list keeps them: runs of ASCII letters, digits and
/// `_` that do not start with a digit. Anything else separates words, so every name a tree
/// yields (an identifier, `var.x` in Terraform, `r#type` in Rust) has its last run among the
/// words of the text it came from.
///
/// Read byte by byte (every byte of a multi-byte character separates, as the character does):
/// a cold index reads every word of every file.
pub(crate) fn words(text: &str) -> impl Iterator<Item = &str> {
    let bytes = text.as_bytes();
    let is_word = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
    let mut at = 0;
    std::iter::from_fn(move || loop {
        while at < bytes.len() && !is_word(bytes[at]) {
            at += 1;
        }
        if at == bytes.len() {
            return None;
        }
        let start = at;
        while at < bytes.len() && is_word(bytes[at]) {
            at += 1;
        }
        if !bytes[start].is_ascii_digit() {
            // ASCII on both sides: the run starts and ends on character boundaries.
            return Some(&text[start..at]);
        }
    })
}

/// The word of `name` that the files which hold `name` all hold (its last); `None` for a name
/// with no word (then every owed file may hold it).
fn key_word(name: &str) -> Option<&str> {
    words(name).last()
}

impl WorkspaceIndex {
    /// Indexes these files on the current thread pool, at normal priority: each is read and
    /// its words noted; its symbols are built when a question needs them.
    pub fn index_files(
        &self,
        files: Vec<PathBuf>,
        progress: &(dyn Fn(usize, usize) + Sync),
    ) -> IndexStats {
        let total = files.len();
        let done = std::sync::atomic::AtomicUsize::new(0);
        let bytes = std::sync::atomic::AtomicU64::new(0);
        let folders = FolderProjects::default();
        files.par_iter().for_each(|path| {
            if let Ok(text) = std::fs::read_to_string(path) {
                if text.len() <= crate::document::MAX_ANALYSED_BYTES {
                    bytes.fetch_add(text.len() as u64, std::sync::atomic::Ordering::Relaxed);
                    self.register(path, &text, Some(&folders));
                }
            }
            let n = done.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
            if n.is_multiple_of(64) || n == total {
                progress(n, total);
            }
        });
        IndexStats {
            files: total,
            bytes: bytes.into_inner(),
        }
    }

    /// Definitions and references of the files parsed so far.
    pub fn counts(&self) -> (usize, usize) {
        self.files
            .iter()
            .fold((0, 0), |(d, r), f| (d + f.defs.len(), r + f.refs.len()))
    }

    /// Files whose symbols are still owed.
    pub fn owed(&self) -> usize {
        self.pending.len()
    }

    /// Whether the index has `path` already: a table (from an editor's text, a watcher, the
    /// cache) or owed symbols. A bulk run leaves such a file as it is: what it has is as new
    /// as the disk the run reads, or newer (an editor's unsaved text).
    pub(super) fn holds(&self, path: &Path) -> bool {
        self.file_id(path)
            .is_some_and(|id| self.files.contains_key(&id) || self.pending.contains_key(&id))
    }

    /// Notes a file by its words, its project and its module path: its symbols are owed
    /// (unless the index [holds](Self::holds) it already).
    pub(super) fn register(&self, path: &Path, text: &str, folders: Option<&FolderProjects>) {
        let Some(lang) = language::for_path(path).filter(|l| l.has_symbols()) else {
            return;
        };
        if self.holds(path) {
            return;
        }
        let (crate_id, module) = self.place(lang, path, folders);
        let id = self.id_of(path);
        self.add_to_module(id, crate_id, &module);
        let pending = Pending {
            path: path.to_path_buf(),
            crate_id,
            module,
            settled: Mutex::new(false),
        };
        self.pending.insert(id, Arc::new(pending));
        // An editor's table that came in meanwhile stays; the words are not needed then.
        if self.files.contains_key(&id) {
            self.settle_by_hand(id);
            return;
        }
        self.generation
            .fetch_add(1, std::sync::atomic::Ordering::Release);
        // Each word once, by its hash (a set, not a sorted list: sorting a file's words was
        // half of this function, string compares all of it; with the words themselves kept, a
        // string each, registration was 4.8% of a cold index's profile, 3.4% by hash).
        let mut seen: HashSet<u64, foldhash::fast::FixedState> =
            HashSet::with_capacity_and_hasher(text.len() / 32, Default::default());
        seen.extend(words(text).map(|w| self.word_hash.hash_one(w)));
        for w in seen {
            self.words.entry(w).or_default().push(id);
        }
    }

    /// A file that was owed is settled by other means (an editor's text, a removal): its
    /// module entry goes, and no parse of it will follow.
    pub(super) fn settle_by_hand(&self, id: usize) {
        let Some(p) = self.pending.get(&id).map(|p| p.clone()) else {
            return;
        };
        let mut settled = p.settled.lock().unwrap_or_else(|e| e.into_inner());
        if !*settled {
            *settled = true;
            self.forget_pending(id, &p);
        }
        drop(settled);
        self.pending.remove_if(&id, |_, q| Arc::ptr_eq(q, &p));
    }

    /// A settled file's place in `modules` goes, unless its table is in the same module.
    fn forget_pending(&self, id: usize, p: &Pending) {
        let same = |f: &FileSymbols| f.crate_id == p.crate_id && f.module == p.module;
        if self.files.get(&id).is_some_and(|f| same(&f)) {
            return;
        }
        if let Some(mut v) = self.modules.get_mut(&(p.crate_id, p.module.clone())) {
            v.retain(|f| *f != id);
        }
    }

    /// Makes sure every file that may define or reference `name` has its symbols.
    pub(super) fn ensure_name(&self, name: &str) {
        if self.pending.is_empty() {
            return;
        }
        let Some(word) = key_word(name) else {
            self.settle_all(self.all_owed());
            return;
        };
        let word = self.word_hash.hash_one(word);
        let Some(ids) = self.words.get(&word).map(|v| v.clone()) else {
            return;
        };
        let owed: Vec<(usize, Arc<Pending>)> = ids
            .into_iter()
            .filter_map(|id| Some((id, self.pending.get(&id)?.clone())))
            .collect();
        self.settle_all(owed);
        // Every file with the word has its table now: the word is not looked at again (unless
        // a bulk run noted a new file with it meanwhile).
        self.words.remove_if(&word, |_, v| {
            v.iter().all(|id| !self.pending.contains_key(id))
        });
    }

    /// Makes sure file `id` has its symbols, if it is owed them.
    pub(super) fn ensure_file(&self, id: usize) {
        if let Some(p) = self.pending.get(&id).map(|p| p.clone()) {
            self.settle(&mut crate::parse::Parser::new(), id, &p);
        }
    }

    /// Parses every file still owed, on all cores at a lower priority; then the word list,
    /// which nothing needs any more, is let go.
    pub fn fill(&self) {
        in_background(|| self.settle_all(self.all_owed()));
        if self.pending.is_empty() {
            self.words.clear();
            self.words.shrink_to_fit();
        }
    }

    fn all_owed(&self) -> Vec<(usize, Arc<Pending>)> {
        self.pending.iter().map(|p| (*p.key(), p.clone())).collect()
    }

    /// Parses these owed files: on the pool of questions, or on the pool it is called from
    /// (`fill`'s background pool, a scan's).
    fn settle_all(&self, owed: Vec<(usize, Arc<Pending>)>) {
        if owed.len() < 4 {
            let mut parser = crate::parse::Parser::new();
            for (id, p) in owed {
                self.settle(&mut parser, id, &p);
            }
            return;
        }
        let work = || {
            owed.par_iter()
                .for_each_init(crate::parse::Parser::new, |parser, (id, p)| {
                    self.settle(parser, *id, p)
                })
        };
        if rayon::current_thread_index().is_some() {
            // Already on a pool: it does the work.
            work()
        } else {
            for_question(work)
        }
    }

    /// Reads, parses and tables an owed file (once: a second caller waits for the first).
    fn settle(&self, parser: &mut crate::parse::Parser, id: usize, p: &Arc<Pending>) {
        let mut settled = p.settled.lock().unwrap_or_else(|e| e.into_inner());
        if *settled {
            return;
        }
        let table = language::for_path(&p.path)
            .filter(|l| l.has_symbols())
            .and_then(|lang| {
                let text = std::fs::read_to_string(&p.path).ok()?;
                if text.len() > crate::document::MAX_ANALYSED_BYTES {
                    return None;
                }
                let tree = parser.parse(lang, &text, None)?;
                let mut symbols = extract(lang, &tree, &text, &p.path, p.module.clone());
                symbols.crate_id = p.crate_id;
                Some(symbols)
            });
        match table {
            // Its module entry is already there; the index's content does not change (the
            // file was in it, by its words): no new generation.
            Some(symbols) => self.put(id, symbols, false),
            None => self.forget_pending(id, p),
        }
        *settled = true;
        drop(settled);
        self.pending.remove_if(&id, |_, q| Arc::ptr_eq(q, p));
    }
}
