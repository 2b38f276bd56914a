//! Reading a region log as a merge (see `ledger`): snapshots in log order, regions upserted by
//! id, retired ids sticky, records sharing an id kept apart.

use super::{RegionRecord, Snapshot};

/// The merged state of a region log, as one snapshot (see the module comment): snapshots in log
/// order, regions upserted by id, retired ids sticky, known-human spans the union of all.
/// Two different records with one id in a snapshot (a merge, a hand edit) are both kept, the
/// later under a derived id, so neither hides the other.
pub fn merge(file: &str, records: Vec<Snapshot>) -> Option<Snapshot> {
    use std::collections::{HashMap, HashSet};
    let mut acc: Option<Snapshot> = None;
    // Where each id stands in `acc.regions`, and the retired ids: lookups, not scans, so that a
    // log of many snapshots of many regions merges in linear time.
    let mut at: HashMap<String, usize> = HashMap::new();
    let mut retired: HashSet<String> = HashSet::new();
    let mut human: HashSet<String> = HashSet::new();
    for snap in records.into_iter().filter(|s| s.kind == "regions") {
        let regions = distinct_ids(snap.regions);
        let Some(merged) = acc.as_mut().filter(|_| snap.retired.is_some()) else {
            // The first snapshot, or one written before merging existed: the whole state.
            retired = snap
                .retired
                .clone()
                .unwrap_or_default()
                .into_iter()
                .collect();
            at = regions
                .iter()
                .enumerate()
                .map(|(i, r)| (r.id.clone(), i))
                .collect();
            human = snap.human.iter().map(|h| h.anchor.hash.clone()).collect();
            acc = Some(Snapshot {
                file: file.to_string(),
                regions,
                retired: Some(snap.retired.unwrap_or_default()),
                ..snap
            });
            continue;
        };
        let list = merged.retired.get_or_insert_with(Vec::new);
        for id in snap.retired.unwrap_or_default() {
            if retired.insert(id.clone()) {
                list.push(id);
            }
        }
        for h in snap.human {
            if human.insert(h.anchor.hash.clone()) {
                merged.human.push(h);
            }
        }
        for rec in regions {
            match at.get(&rec.id) {
                Some(&i) => merged.regions[i] = rec,
                None => {
                    at.insert(rec.id.clone(), merged.regions.len());
                    merged.regions.push(rec);
                }
            }
        }
        merged.at = snap.at;
    }
    if let Some(merged) = &mut acc {
        merged.regions.retain(|r| !retired.contains(&r.id));
    }
    acc
}

/// One snapshot's regions with distinct ids: an exact repeat is dropped, a different record
/// under a repeated id is kept under `<id>~<hash>`.
fn distinct_ids(records: Vec<RegionRecord>) -> Vec<RegionRecord> {
    let mut seen: std::collections::HashMap<String, usize> = Default::default();
    let mut out: Vec<RegionRecord> = Vec::with_capacity(records.len());
    for mut rec in records {
        if let Some(&i) = seen.get(&rec.id) {
            if out[i] == rec {
                continue;
            }
            let h = rec.anchor.hash.trim_start_matches("sha256:");
            rec.id = format!("{}~{}", rec.id, h.get(..8).unwrap_or(h));
            if seen.contains_key(&rec.id) {
                continue;
            }
        }
        seen.insert(rec.id.clone(), out.len());
        out.push(rec);
    }
    out
}
