//! The CPU time this process and the machine's PostgreSQL server spend, read from `/proc`, so that
//! a benchmark can say what one request cost in CPU. Throughput on a two-core machine moves with
//! whatever else runs (a build next door halves it); CPU per request moves far less, and tells a
//! change that saves work from a lucky minute.

use std::time::Duration;

/// Clock ticks per second in `/proc/*/stat` (`USER_HZ`): fixed at 100 in Linux's user ABI.
const TICKS_PER_SECOND: u64 = 100;

/// CPU time used so far (user and system).
#[derive(Debug, Clone, Copy)]
pub struct CpuTime {
    /// This process: the node and the bench's own HTTP clients.
    pub node: Duration,
    /// Every process named `postgres` (the server and its backends; none when PostgreSQL is elsewhere).
    pub postgres: Duration,
}

/// User plus system ticks of the process whose `stat` file this is, and its name.
fn ticks(stat: &str) -> Option<(String, u64)> {
    // The name is in parentheses and may hold spaces; the fields after it are space-separated.
    let (open, close) = (stat.find('(')?, stat.rfind(')')?);
    let name = stat.get(open + 1..close)?.to_owned();
    let fields: Vec<&str> = stat.get(close + 1..)?.split_whitespace().collect();
    // After the name: state is field 3 of the man page, utime 14 and stime 15.
    let utime: u64 = fields.get(11)?.parse().ok()?;
    let stime: u64 = fields.get(12)?.parse().ok()?;
    Some((name, utime + stime))
}

impl CpuTime {
    /// What has been used until now; `None` where `/proc` cannot be read (not Linux).
    pub fn now() -> Option<Self> {
        let (_, own) = ticks(&std::fs::read_to_string("/proc/self/stat").ok()?)?;
        let mut postgres = 0;
        for entry in std::fs::read_dir("/proc").ok()?.flatten() {
            if !entry.file_name().to_str().is_some_and(|n| n.bytes().all(|b| b.is_ascii_digit())) {
                continue;
            }
            // A process may end between the listing and the read: it is simply not counted.
            if let Some((name, t)) = std::fs::read_to_string(entry.path().join("stat")).ok().and_then(|s| ticks(&s))
                && name == "postgres"
            {
                postgres += t;
            }
        }
        let time = |t: u64| Duration::from_millis(t * 1000 / TICKS_PER_SECOND);
        Some(Self { node: time(own), postgres: time(postgres) })
    }

    /// The CPU time used since `earlier`, per one of `requests`, as a line of the bench's report.
    pub fn per_request(&self, earlier: &Self, requests: usize) -> String {
        let per = |later: Duration, before: Duration| {
            later.saturating_sub(before).as_secs_f64() * 1000.0 / requests.max(1) as f64
        };
        format!(
            "node {:.2} ms + PostgreSQL {:.2} ms CPU per request (from /proc)",
            per(self.node, earlier.node),
            per(self.postgres, earlier.postgres)
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_a_stat_line_whose_name_holds_spaces_and_parentheses() {
        let line = "4242 (tokio (rt) w) S 1 2 3 4 5 6 7 8 9 10 250 31 0 0 20 0 9 0 100 0 0";
        assert_eq!(ticks(line), Some(("tokio (rt) w".to_owned(), 281)));
        assert_eq!(ticks("garbage"), None);
    }

    #[test]
    fn this_process_has_used_some_cpu() {
        if cfg!(target_os = "linux") {
            assert!(CpuTime::now().is_some());
        }
    }
}
