//! SDK clients made for a service: `boto3.client("ec2")` and what is taken from it. A client
//! call counts only on a receiver the code shows was made for the rule's service (a binding
//! followed back through values taken from it), never on a method name alone.

use super::matchers::Analyzer;
use super::*;

impl<'a, 't> Analyzer<'a, 't> {
    /// A call on an SDK client or resource of the rule's service (see `CodeMatcher::ClientCall`).
    pub(super) fn client_rule(
        &self,
        rule: &CodeRule,
        m: &MethodCall<'t>,
        found: &mut Vec<Finding>,
    ) {
        let CodeMatcher::ClientCall {
            services,
            crates,
            factories,
            escalators,
            mitigators,
            via,
            ..
        } = &rule.matcher
        else {
            return;
        };
        if !self.gated(crates) {
            return;
        }
        let Some(evidence) = self.made_by(m.recv, factories, services) else {
            return;
        };
        if let Some(tokens) = via.get(m.name) {
            let recv: String = self
                .text(m.recv)
                .chars()
                .filter(|c| !c.is_whitespace())
                .collect();
            // A resource class (`Bucket(`) names the receiver itself: `s3.Bucket(n).delete()`,
            // or `bucket.delete()` after `bucket = s3.Bucket(n)`, not `bucket.objects.all()`.
            let bare = recv
                .trim_start_matches("self.")
                .chars()
                .all(|c| c.is_alphanumeric() || c == '_');
            let shows = |t: &String| {
                if t.ends_with('(') {
                    recv.rfind(t.as_str())
                        .is_some_and(|at| !recv[at..].contains(")."))
                        || (bare && evidence.contains(t.as_str()))
                } else {
                    recv.contains(t.as_str()) || evidence.contains(t.as_str())
                }
            };
            if !tokens.iter().any(shows) {
                return;
            }
        }
        let (severity, notes) = self.escalated(rule.info.severity, m.args, escalators, mitigators);
        let what = rule.info.target.as_deref().unwrap_or(m.name);
        let message = format!("`.{}()` ({what}): {}", m.name, rule.info.why);
        let start = self.conv().method_name_start(m.node);
        self.push(
            found,
            &rule.info,
            severity,
            notes,
            start,
            m.node.end_byte(),
            m.node,
            message,
        );
    }

    /// The severity after the arguments set to true (`Force=True`, `Force: true`,
    /// `Force: aws.Bool(true)`) that raise it or lower it, with a note for each.
    pub(super) fn escalated(
        &self,
        base: Severity,
        args: Node<'t>,
        escalators: &[String],
        mitigators: &[String],
    ) -> (Severity, Vec<String>) {
        if escalators.is_empty() && mitigators.is_empty() {
            return (base, Vec::new());
        }
        let args: String = self
            .text(args)
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect();
        let set = |k: &str| {
            [
                "=True",
                ":true",
                ":aws.Bool(true)",
                ":aws.Boolean(true)",
                ":ptr.Bool(true)",
            ]
            .iter()
            .any(|v| {
                args.match_indices(&format!("{k}{v}")).any(|(at, _)| {
                    !args[..at]
                        .chars()
                        .next_back()
                        .is_some_and(|c| c.is_alphanumeric() || c == '_')
                })
            })
        };
        let mut severity = base;
        let mut notes = Vec::new();
        for e in escalators.iter().filter(|e| set(e)) {
            severity = severity.raised();
            notes.push(format!("`{e}` set: more destructive"));
        }
        for g in mitigators.iter().filter(|g| set(g)) {
            severity = severity.lowered();
            notes.push(format!("`{g}` set: a dry run or a safeguard"));
        }
        (severity, notes)
    }

    /// True when `root` is bound (directly, or through values taken from it) to what a
    /// `factory` call made for one of `services`: `ec2 = boto3.client("ec2")`,
    /// `bucket = s3.Bucket("b")` after `s3 = boto3.resource("s3")`.
    fn made_by(&self, recv: Node<'t>, factories: &[String], services: &[String]) -> Option<String> {
        let made = |compact: &str| {
            // A constructor that names the service (`new EC2(..)`, `new AWS.EC2()`): the class
            // is the evidence, no service name is passed.
            let constructed =
                factories
                    .iter()
                    .filter_map(|f| f.strip_prefix("new "))
                    .any(|class| {
                        let needle = format!("new{class}(");
                        compact.match_indices(&needle).any(|(at, _)| {
                            !compact[..at]
                                .chars()
                                .next_back()
                                .is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '.')
                        })
                    });
            constructed
                || factories
                    .iter()
                    .filter(|f| !f.starts_with("new "))
                    .any(|f| {
                        compact.contains(&format!(".{f}("))
                            || compact.contains(&format!("={f}("))
                            || compact.starts_with(&format!("{f}("))
                    })
                    && services.iter().any(|s| {
                        ["(\"", "('", "=\"", "='"]
                            .iter()
                            .any(|q| compact.contains(&format!("{q}{s}{}", &q[1..])))
                    })
        };
        // Made in place: `boto3.client("s3").delete_bucket(..)`.
        let inline: String = self
            .text(recv)
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect();
        if made(&inline) {
            return Some(inline);
        }
        let root = self.chain_root(recv);
        let Receiver::Binding(mut name) = self.conv().receiver(root, self.src) else {
            return None;
        };
        let mut seen = String::new();
        for _ in 0..4 {
            let evidence = self.binding_text(root, &name)?;
            let compact: String = evidence.chars().filter(|c| !c.is_whitespace()).collect();
            seen.push_str(&compact);
            seen.push('\n');
            if made(&compact) {
                return Some(seen);
            }
            // The value's own receiver: `s3.Bucket(..)` → `s3`.
            let value = compact.split_once('=').map_or("", |(_, v)| v);
            let lead: String = value
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == '.')
                .collect();
            let mut parts = lead.split('.');
            let next = match parts.next() {
                Some("self") => parts.next().map(|p| format!("self.{p}")),
                Some(first) if !first.is_empty() && lead.contains('.') => Some(first.to_string()),
                _ => None,
            };
            match next {
                Some(n) if n != name => name = n,
                _ => return None,
            }
        }
        None
    }
}
