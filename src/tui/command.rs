//! The `:` command line: [`parse`] turns what was typed into one typed
//! [`Action`] (or a message saying why it cannot). It checks what the text
//! alone can tell (numbers in range, known names); what depends on the
//! loaded stream (an index past the end, a time outside it) is `update`'s
//! to say. It must not read or change app state.

use super::action::{Action, Sort, TimeArg};
use super::app::{MAX_CONSUMERS, SPEEDS};
use crate::detect::Kind;
use crate::model::partition::Partitioner;
use crate::sim::whatif::{PartitionBy, MAX_PARTITIONS};
use crate::strategy::StrategyKind;

/// Parses a command line (what follows `:`): `Ok(None)` for an empty line,
/// `Err` with the message for the status line.
pub fn parse(line: &str) -> Result<Option<Action>, String> {
    let line = line.trim();
    let (cmd, arg) = line.split_once(' ').unwrap_or((line, ""));
    let arg = arg.trim();
    let action = match cmd {
        "" => return Ok(None),
        "q" | "quit" => Action::Quit,
        "goto" | "g" | "go" => match arg.parse::<usize>() {
            Ok(i) => Action::Goto(i),
            Err(_) => return Err(format!(":goto needs an event index, got {arg:?}")),
        },
        "time" | "t" => Action::GotoTime(parse_time(arg)?),
        "strategy" | "s" => {
            Action::SetStrategy(arg.parse::<StrategyKind>().map_err(|e| e.to_string())?)
        }
        "filter" | "f" => Action::SetFilter(arg.to_string()),
        "sort" => Action::SetSort(match arg {
            "name" => Sort::Name,
            "activity" | "events" => Sort::Activity,
            "findings" => Sort::Findings,
            _ => return Err("sort by name, activity or findings".into()),
        }),
        "speed" => Action::SetSpeed(parse_speed(arg)?),
        "consumers" | "c" => match arg.parse::<u32>() {
            Ok(n) if (1..=MAX_CONSUMERS).contains(&n) => Action::SetConsumers(n),
            _ => {
                return Err(format!(
                    ":consumers needs a count from 1 to {MAX_CONSUMERS}, got {arg:?}"
                ))
            }
        },
        "partition-by" | "partition_by" | "by" => {
            Action::SetPartitionBy(PartitionBy::parse(arg).map_err(|e| e.to_string())?)
        }
        "partitions" => match arg.parse::<u32>() {
            Ok(n) if (1..=MAX_PARTITIONS).contains(&n) => Action::SetPartitions(n),
            _ => {
                return Err(format!(
                    ":partitions needs a count from 1 to {MAX_PARTITIONS}"
                ))
            }
        },
        "partitioner" => {
            Action::SetPartitioner(arg.parse::<Partitioner>().map_err(|e| e.to_string())?)
        }
        "whatif" | "what-if" | "recorded" => {
            if arg == "off" || cmd == "recorded" {
                Action::RecordedLayout
            } else if arg.is_empty() {
                Action::ToggleWhatIf
            } else {
                Action::NextWhatIf
            }
        }
        "delivery" => Action::SetDelivery(
            arg.parse::<crate::sim::Model>()
                .map_err(|e| e.to_string())?,
        ),
        "rebalances" if arg == "clear" || arg == "reset" => Action::ClearRebalances,
        "find" if is_expression(arg) => Action::FindExpr(arg.to_string()),
        "where" => Action::Narrow(arg.to_string()),
        "find" | "kind" => {
            if arg.is_empty() || arg == "all" || arg == "any" {
                Action::SetJumpKind(None)
            } else {
                match Kind::parse(arg) {
                    Some(k) => Action::SetJumpKind(Some(k)),
                    None => return Err(format!("unknown finding kind {arg:?}")),
                }
            }
        }
        "theme" => Action::SetTheme(arg.to_string()),
        "mark" | "bookmark" => Action::ToggleBookmark,
        "help" | "h" => Action::ShowHelp,
        "compare" => Action::ShowCompare,
        _ => {
            if let Ok(i) = cmd.parse::<usize>() {
                Action::Goto(i)
            } else if cmd.bytes().all(|b| b.is_ascii_digit()) {
                // Too big for an index: past the end, which goto says.
                Action::Goto(usize::MAX)
            } else {
                return Err(format!("unknown command :{cmd} (try :help)"));
            }
        }
    };
    Ok(Some(action))
}

/// Whether a `:find` argument is a jq expression rather than a finding kind.
fn is_expression(arg: &str) -> bool {
    !arg.is_empty() && !matches!(arg, "all" | "any") && Kind::parse(arg).is_none()
}

/// `:speed N`: events per second within [`SPEEDS`].
fn parse_speed(arg: &str) -> Result<u32, String> {
    let max = SPEEDS[SPEEDS.len() - 1];
    match arg.parse::<u32>() {
        Ok(s) if s == 0 || s > max => Err(format!(
            ":speed needs events per second from {} to {max}, got {s}",
            SPEEDS[0]
        )),
        Ok(s) => Ok(s),
        Err(_) => Err(":speed needs events per second".into()),
    }
}

/// `:time T`: epoch ms, RFC 3339, or a time of day (`HH:MM[:SS.f]`).
fn parse_time(arg: &str) -> Result<TimeArg, String> {
    let epoch = arg.parse::<i64>().ok().or_else(|| {
        chrono::DateTime::parse_from_rfc3339(arg)
            .ok()
            .map(|t| t.timestamp_millis())
    });
    match epoch {
        Some(ms) if ms < 0 => Err(before_1970(arg)),
        Some(ms) => Ok(TimeArg::Epoch(ms)),
        None => {
            let t = chrono::NaiveTime::parse_from_str(arg, "%H:%M:%S%.f")
                .or_else(|_| chrono::NaiveTime::parse_from_str(arg, "%H:%M"))
                .map_err(|_| not_a_time(arg))?;
            use chrono::Timelike;
            let ms =
                t.num_seconds_from_midnight() as u64 * 1000 + (t.nanosecond() / 1_000_000) as u64;
            Ok(TimeArg::OfDay {
                ms,
                text: arg.to_string(),
            })
        }
    }
}

/// `:time` before the epoch: what to say.
pub fn before_1970(arg: &str) -> String {
    format!(":time needs a time after 1970 (epoch ms >= 0), got {arg:?}")
}

/// `:time` that is no time: what to say.
pub fn not_a_time(arg: &str) -> String {
    format!(":time needs RFC 3339, HH:MM:SS or epoch ms, got {arg:?}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(line: &str) -> Action {
        parse(line).unwrap().unwrap()
    }

    #[test]
    fn an_empty_line_is_nothing() {
        assert_eq!(parse(""), Ok(None));
        assert_eq!(parse("   "), Ok(None));
    }

    #[test]
    fn navigation_commands() {
        assert_eq!(ok("q"), Action::Quit);
        assert_eq!(ok("goto 42"), Action::Goto(42));
        assert_eq!(ok("g 7"), Action::Goto(7));
        assert_eq!(ok("42"), Action::Goto(42));
        assert_eq!(ok("99999999999999999999999"), Action::Goto(usize::MAX));
        assert!(parse("goto x")
            .unwrap_err()
            .contains(":goto needs an event index"));
        assert_eq!(ok("mark"), Action::ToggleBookmark);
        assert_eq!(ok("help"), Action::ShowHelp);
        assert_eq!(ok("compare"), Action::ShowCompare);
    }

    #[test]
    fn times() {
        assert_eq!(ok("time 1000"), Action::GotoTime(TimeArg::Epoch(1000)));
        assert_eq!(
            ok("t 1970-01-01T00:00:01.5Z"),
            Action::GotoTime(TimeArg::Epoch(1500))
        );
        assert_eq!(
            ok("time 01:02:03.004"),
            Action::GotoTime(TimeArg::OfDay {
                ms: 3_723_004,
                text: "01:02:03.004".into()
            })
        );
        assert_eq!(
            ok("time 10:30"),
            Action::GotoTime(TimeArg::OfDay {
                ms: 37_800_000,
                text: "10:30".into()
            })
        );
        assert_eq!(parse("time -1"), Err(before_1970("-1")));
        assert_eq!(parse("time nonsense"), Err(not_a_time("nonsense")));
    }

    #[test]
    fn a_strategy_is_typed() {
        assert_eq!(
            ok("strategy buffered"),
            Action::SetStrategy(StrategyKind::Buffered)
        );
        assert_eq!(
            ok("s monotonic"),
            Action::SetStrategy(StrategyKind::VersionedMonotonic)
        );
        assert!(parse("strategy nope")
            .unwrap_err()
            .contains("unknown strategy"));
    }

    #[test]
    fn view_commands() {
        assert_eq!(ok("filter a b"), Action::SetFilter("a b".into()));
        assert_eq!(ok("sort events"), Action::SetSort(Sort::Activity));
        assert!(parse("sort x").is_err());
        assert_eq!(ok("speed 100"), Action::SetSpeed(100));
        assert!(parse("speed 0").is_err());
        assert!(parse("speed 99999999").is_err());
        assert!(parse("speed fast").is_err());
        assert_eq!(ok("theme light"), Action::SetTheme("light".into()));
    }

    #[test]
    fn find_is_a_kind_or_an_expression() {
        assert_eq!(
            ok("find rejected"),
            Action::SetJumpKind(Some(Kind::Rejected))
        );
        assert_eq!(ok("find all"), Action::SetJumpKind(None));
        assert_eq!(ok("kind"), Action::SetJumpKind(None));
        assert!(parse("kind nope")
            .unwrap_err()
            .contains("unknown finding kind"));
        assert_eq!(
            ok("find .payload.x == 1"),
            Action::FindExpr(".payload.x == 1".into())
        );
        assert_eq!(ok("where"), Action::Narrow(String::new()));
    }

    #[test]
    fn simulation_and_what_if_commands() {
        assert_eq!(ok("consumers 3"), Action::SetConsumers(3));
        assert!(parse("consumers 0").is_err());
        assert!(parse("consumers 100000").is_err());
        assert_eq!(ok("rebalances clear"), Action::ClearRebalances);
        assert!(parse("rebalances x")
            .unwrap_err()
            .contains("unknown command"));
        assert_eq!(ok("partitions 16"), Action::SetPartitions(16));
        assert!(parse("partitions 0").is_err());
        assert_eq!(
            ok("partitioner fnv1a"),
            Action::SetPartitioner(Partitioner::Fnv1a)
        );
        assert_eq!(
            ok("partition-by entity"),
            Action::SetPartitionBy(PartitionBy::Entity)
        );
        assert_eq!(ok("whatif off"), Action::RecordedLayout);
        assert_eq!(ok("recorded"), Action::RecordedLayout);
        assert_eq!(ok("whatif"), Action::ToggleWhatIf);
        assert_eq!(ok("whatif next"), Action::NextWhatIf);
        assert!(matches!(ok("delivery kafka"), Action::SetDelivery(_)));
    }

    #[test]
    fn unknown_commands_say_so() {
        assert_eq!(
            parse("frobnicate"),
            Err("unknown command :frobnicate (try :help)".into())
        );
    }
}
