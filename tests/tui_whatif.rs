//! The TUI's what-ifs driven through its actions: consumers joining, leaving
//! and dying at the cursor (rebalances), and re-partitioning what-ifs laid
//! out next to the recorded layout. The `hot-key` walk is the speaker's demo:
//! more consumers do not cool the hot partition, a composite key does.

mod common;
use common::tui::{consumers_join_at, run_jobs, screen};

fn app_for(name: &str) -> App {
    common::tui::app_for(name, 150, 44)
}

use kord::sim::Change;
use kord::source::{load_recording, LoadOptions};
use kord::strategy::StrategyKind;
use kord::tui::{dispatch, prepare, Action, App};
use std::path::Path;
use std::sync::Arc;

/// Share of the events on the busiest partition of the layout shown.
fn busiest_share(app: &App) -> f64 {
    kord::tui::ui::consumers::busiest(app.ds.as_ref().unwrap()).1
}

fn p99(app: &App) -> i64 {
    app.view.as_ref().unwrap().sim.sim.p99_wait_ms
}

/// Members of the simulated group at the cursor, and the partitions each owns.
fn members(app: &App) -> Vec<(u32, Vec<u32>)> {
    let v = app.view.as_ref().unwrap();
    let g = v
        .sim
        .generation_at(app.cursor)
        .expect("partitioned delivery");
    let mut out: Vec<(u32, Vec<u32>)> = g
        .members
        .iter()
        .map(|&m| {
            let ps = (0..g.owner.len() as u32)
                .filter(|&p| g.owner[p as usize] == m)
                .collect();
            (m, ps)
        })
        .collect();
    out.sort();
    out
}

#[test]
fn the_hot_key_demo_more_consumers_do_not_help_a_composite_key_does() {
    let mut app = app_for("hot-key");
    assert_eq!(app.strategy.name(), "partitioned");
    dispatch(&mut app, Action::ToggleConsumers);
    let hot_share = busiest_share(&app);
    assert!(hot_share > 0.8, "{hot_share}");
    let p99_before = p99(&app);
    assert!(
        p99_before > 1000,
        "the hot partition falls behind: {p99_before}"
    );
    assert_eq!(members(&app).len(), 8);
    let hol_before = app.view.as_ref().unwrap().sim.sim.blocks.len();

    // Two consumers join at #1000: a rebalance each, and two idle members.
    consumers_join_at(&mut app, 1000, 2);
    dispatch(&mut app, Action::Seek(3000));
    let m = members(&app);
    assert_eq!(m.len(), 10);
    let idle: Vec<u32> = m
        .iter()
        .filter(|(_, ps)| ps.is_empty())
        .map(|(c, _)| *c)
        .collect();
    assert_eq!(
        idle.len(),
        2,
        "8 partitions cannot feed 10 consumers: {m:?}"
    );
    // The hot partition still has one owner, and the wait did not improve
    // (the eager rebalances paused everything twice on top).
    assert!((busiest_share(&app) - hot_share).abs() < 1e-9);
    assert!(p99(&app) >= p99_before, "{} < {p99_before}", p99(&app));
    let s = screen(&app);
    assert!(s.contains("consumers: 10 at #3000"), "{s}");
    assert!(s.contains("idle: no partitions"), "{s}");
    assert!(s.contains("c9 joined"), "{s}");

    // w: the first measured fix is the composite key; the load spreads.
    let entity_at_cursor = app.ds.as_ref().unwrap().store.entity[3000];
    dispatch(&mut app, Action::NextWhatIf);
    run_jobs(&mut app);
    let w = app.whatif.shown.clone().expect("a what-if is shown");
    assert_eq!(w.by.describe(), "key,/session");
    assert_eq!(w.partitions, 8);
    assert!(busiest_share(&app) < 0.25, "{}", busiest_share(&app));
    assert!(app.ds.as_ref().unwrap().load.hot_partitions.is_empty());
    // Waits drop even with the two rebalance pauses still simulated...
    assert!(p99(&app) < p99_before, "p99 {} vs {p99_before}", p99(&app));
    let hol = |app: &App| app.view.as_ref().unwrap().sim.sim.blocks.len();
    assert!(hol(&app) * 5 < hol_before, "{} vs {hol_before}", hol(&app));
    // ...and by more than 10x without them.
    dispatch(&mut app, Action::Command("rebalances clear".into()));
    run_jobs(&mut app);
    assert!(
        p99(&app) * 10 < p99_before,
        "p99 {} vs {p99_before}",
        p99(&app)
    );
    assert!(
        hol(&app) * 100 < hol_before,
        "{} vs {hol_before}",
        hol(&app)
    );
    assert!(
        app.whatif.shown.is_some(),
        "clearing rebalances keeps the what-if"
    );
    // The same event under the cursor; the recorded layout kept beside it.
    assert_eq!(app.cursor, 3000);
    assert_eq!(
        app.ds.as_ref().unwrap().store.entity[3000],
        entity_at_cursor
    );
    let rec = app.whatif.recorded.as_ref().expect("recorded layout kept");
    assert!(kord::tui::ui::consumers::busiest(rec).1 > 0.8);
    let s = screen(&app);
    assert!(s.contains("WHAT-IF murmur2 by key,/session"), "{s}");
    assert!(s.contains("recorded 8p, busiest p7 82% (1 hot)"), "{s}");
    assert!(s.contains("what-if by key,/session"), "{s}");

    // Back to the recorded layout.
    dispatch(&mut app, Action::Command("whatif off".into()));
    run_jobs(&mut app);
    assert!(app.whatif.shown.is_none() && app.whatif.recorded.is_none());
    assert!(busiest_share(&app) > 0.8);
}

#[test]
fn what_if_commands_edit_one_part_at_a_time() {
    let mut app = app_for("hot-key");
    dispatch(&mut app, Action::Command("partitions 16".into()));
    run_jobs(&mut app);
    assert_eq!(app.ds.as_ref().unwrap().store.partitions, 16);
    // One key stays on one partition however many there are.
    assert!(busiest_share(&app) > 0.75);
    dispatch(&mut app, Action::Command("partitioner fnv1a".into()));
    run_jobs(&mut app);
    let w = app.whatif.shown.clone().unwrap();
    assert_eq!((w.partitions, w.partitioner.name()), (16, "fnv1a"));
    dispatch(&mut app, Action::Command("partition-by entity".into()));
    run_jobs(&mut app);
    assert_eq!(app.whatif.shown.as_ref().unwrap().by.describe(), "entity");
    dispatch(&mut app, Action::Command("partition-by nonsense".into()));
    assert!(app.status.as_ref().unwrap().1, "a bad pointer is an error");
    assert_eq!(app.ds.as_ref().unwrap().store.partitions, 16);
}

#[test]
fn an_eager_rebalance_pauses_every_partition_for_rebalance_ms() {
    let mut app = app_for("slow-consumer");
    dispatch(&mut app, Action::SetStrategy(StrategyKind::Partitioned));
    run_jobs(&mut app);
    dispatch(&mut app, Action::Seek(500));
    dispatch(&mut app, Action::AddConsumer);
    run_jobs(&mut app);
    assert_eq!(app.sim_opts.rebalances.len(), 1);
    assert_eq!(app.sim_opts.rebalances[0].at, 500);
    let v = app.view.clone().unwrap();
    let g = v.sim.generation_at(500).unwrap();
    assert_eq!(g.at, 500);
    assert!(
        g.paused_for.iter().all(|&d| d == 3000),
        "{:?}",
        g.paused_for
    );
    // Before the rebalance, the first generation is in force.
    assert!(v.sim.generation_at(499).unwrap().cause.is_none());
    // Removing the newest member is a second rebalance.
    let newest = *g.members.iter().max().unwrap();
    dispatch(&mut app, Action::Seek(800));
    dispatch(&mut app, Action::RemoveConsumer);
    run_jobs(&mut app);
    assert_eq!(
        app.sim_opts.rebalances[1].change,
        Change::Remove(newest),
        "{:?}",
        app.sim_opts.rebalances
    );
    let v = app.view.clone().unwrap();
    assert_eq!(v.sim.sim.rebalance.count, 2);
    assert!(!v.sim.generation_at(800).unwrap().members.contains(&newest));
}

#[test]
fn killing_a_columns_owner_waits_for_the_session_timeout() {
    let mut app = app_for("slow-consumer");
    dispatch(&mut app, Action::SetStrategy(StrategyKind::Partitioned));
    run_jobs(&mut app);
    dispatch(&mut app, Action::Seek(100));
    app.viewport.sel_col = 0;
    let owner = app.view.as_ref().unwrap().sim.owner_at(0, 100);
    dispatch(&mut app, Action::KillConsumer);
    run_jobs(&mut app);
    assert_eq!(app.sim_opts.rebalances[0].change, Change::Kill(owner));
    let v = app.view.clone().unwrap();
    let ds = app.ds.clone().unwrap();
    let killed_at = ds.store.arrival[100];
    // The group rebalances without it once its session (10 s) timed out.
    let g = v.sim.sim.generations.last().unwrap();
    assert!(g.cause.as_deref().unwrap().contains("died"), "{g:?}");
    assert!(g.time_ms >= killed_at + 10_000);
    assert!(!g.members.contains(&owner));
    // The partition it owned waited: nothing of it started in between.
    let evs = ds.partition_events(0);
    let &stalled = evs
        .iter()
        .find(|&&e| {
            let a = ds.store.arrival[e as usize];
            a > killed_at && a < killed_at + 10_000
        })
        .expect("partition 0 has events during the session timeout");
    assert!(v.sim.sim.start(&ds.store, stalled as usize).unwrap() >= killed_at + 10_000);
    // Killing it again while it dies changes nothing.
    let before = v.sim.sim.rebalance.clone();
    dispatch(&mut app, Action::Seek(120));
    app.viewport.sel_col = 0;
    dispatch(&mut app, Action::KillConsumer);
    run_jobs(&mut app);
    assert_eq!(app.view.as_ref().unwrap().sim.sim.rebalance, before);
}

#[test]
fn sequential_delivery_refuses_membership_changes() {
    let mut app = app_for("slow-consumer");
    dispatch(&mut app, Action::SetStrategy(StrategyKind::Sequential));
    run_jobs(&mut app);
    dispatch(&mut app, Action::AddConsumer);
    assert!(app.status.as_ref().unwrap().1);
    assert!(app.sim_opts.rebalances.is_empty());
    assert!(app.jobs.is_empty());
}

#[test]
fn a_delivery_model_what_if_re_simulates_every_view() {
    let mut app = app_for("slow-consumer");
    dispatch(&mut app, Action::SetStrategy(StrategyKind::Partitioned));
    run_jobs(&mut app);
    let hol = app.view.as_ref().unwrap().sim.sim.blocks.len();
    assert!(hol > 0, "slow-consumer has HOL blocking on partitions");
    dispatch(&mut app, Action::Command("delivery sqs-fifo".into()));
    run_jobs(&mut app);
    assert_eq!(app.sim_opts.model.name(), "sqs-fifo");
    // Per-entity message groups: nobody waits behind another entity.
    assert_eq!(app.view.as_ref().unwrap().sim.sim.blocks.len(), 0);
    assert!(screen(&app).contains("delivery sqs-fifo"));
    dispatch(&mut app, Action::Command("delivery carrier-pigeon".into()));
    assert!(app.status.as_ref().unwrap().1);
    // No consumer group to rebalance under a per-entity model.
    dispatch(&mut app, Action::AddConsumer);
    assert!(app.status.as_ref().unwrap().1);
    assert!(app.sim_opts.rebalances.is_empty());
}

#[test]
fn compare_shows_every_delivery_model_on_the_same_stream() {
    let mut app = app_for("slow-consumer");
    dispatch(&mut app, Action::ToggleCompare);
    run_jobs(&mut app);
    let c = app.compare.clone().expect("compare computed");
    let names: Vec<&str> = c.deliveries.iter().map(|d| d.model.name()).collect();
    assert_eq!(
        names,
        [
            "kafka",
            "sqs-fifo",
            "pubsub-key",
            "servicebus-session",
            "rabbitmq-sac"
        ]
    );
    let by = |n: &str| c.deliveries.iter().find(|d| d.model.name() == n).unwrap();
    // One slow account blocks its partition's other accounts under Kafka; a
    // per-entity model has no head-of-line blocking; one active consumer
    // waits longest of all.
    assert!(by("kafka").hol_blocked > 0);
    assert_eq!(by("pubsub-key").hol_blocked, 0);
    assert!(by("pubsub-key").p99_wait_ms < by("kafka").p99_wait_ms);
    assert_eq!(by("rabbitmq-sac").consumers, 1);
    assert!(by("rabbitmq-sac").p99_wait_ms > by("kafka").p99_wait_ms);
    let s = screen(&app);
    assert!(s.contains("delivery (:delivery)"), "{s}");
    assert!(s.contains("servicebus-session"), "{s}");
}

#[test]
fn each_delivery_row_is_its_models_own_simulation() {
    // The row of the model in force comes from the partitioned strategies'
    // own simulation, the others from simulations beside the runs: each
    // must be what simulating that model alone gives, with membership
    // changes and under another model too.
    use kord::engine::timeline::SimSettings;
    use kord::engine::{sim_config_with, CompareData, SimOptions};
    use kord::sim::{simulate, Model, Rebalance};
    let app = app_for("slow-consumer");
    let ds = app.ds.clone().unwrap();
    let join = Rebalance {
        at: ds.len() as u32 / 2,
        change: Change::Add,
    };
    let sqs: Model = "sqs-fifo".parse().unwrap();
    for (model, rebalances) in [
        (Model::Kafka, vec![]),
        (Model::Kafka, vec![join]),
        (sqs, vec![]),
        (Model::RabbitmqSac, vec![]),
    ] {
        let settings = SimSettings {
            consumers: Some(3),
            opts: SimOptions {
                model,
                rebalances,
                ..SimOptions::default()
            },
        };
        let c = CompareData::build(&ds, &settings);
        let names = Model::NAMES.iter().map(|n| n.parse::<Model>().unwrap());
        let direct: Vec<(Model, u32, u64, i64, i64)> = names
            .map(|m| {
                let opts = SimOptions {
                    model: m,
                    ..settings.opts.clone()
                };
                let cfg = sim_config_with(
                    &ds.store,
                    &ds.lens,
                    StrategyKind::Partitioned,
                    Some(3),
                    &opts,
                );
                let sim = simulate(&ds.store, &cfg);
                let consumers = if m == Model::RabbitmqSac {
                    1
                } else {
                    cfg.consumers
                };
                (m, consumers, sim.blocked, sim.max_wait_ms, sim.p99_wait_ms)
            })
            .collect();
        let rows: Vec<(Model, u32, u64, i64, i64)> = c
            .deliveries
            .iter()
            .map(|d| {
                (
                    d.model,
                    d.consumers,
                    d.hol_blocked,
                    d.max_wait_ms,
                    d.p99_wait_ms,
                )
            })
            .collect();
        assert_eq!(rows, direct, "{settings:?}");
        assert!(rows.iter().any(|r| r.2 > 0), "{settings:?}");
    }
}

#[test]
fn new_data_while_a_what_if_is_laid_out_keeps_the_what_if() {
    // Live mode (and a big file's first part) hands the app new data at any
    // time; a what-if asked for just before must survive it.
    let opts = LoadOptions {
        keep_raw: true,
        decoder: None,
        ..LoadOptions::default()
    };
    let load =
        || load_recording(Path::new("recordings/hot-key.jsonl"), &opts, &mut |_, _| {}).unwrap();
    let mut app = app_for("hot-key");
    dispatch(&mut app, Action::Command("partition-by entity".into()));
    assert!(app.whatif.pending);
    let stale = app.jobs.clone();
    app.jobs.clear();
    let (ds, view) = prepare(load(), "hot-key".into(), None, None);
    app.on_msg(kord::tui::Msg::Loaded { ds, view });
    // The first layout job's answer is stale now; the new one is asked for.
    for job in stale {
        let ds = Arc::clone(app.ds.as_ref().unwrap());
        app.on_msg(job.run(&ds));
    }
    assert!(app.whatif.shown.is_none(), "a stale layout is ignored");
    run_jobs(&mut app);
    assert_eq!(app.whatif.shown.as_ref().unwrap().by.describe(), "entity");
    assert!(!app.whatif.pending);
}

#[test]
fn a_strategy_switch_while_a_what_if_is_laid_out_gets_both() {
    let mut app = app_for("hot-key");
    dispatch(&mut app, Action::ToggleCompare);
    run_jobs(&mut app);
    dispatch(&mut app, Action::Command("partition-by entity".into()));
    dispatch(&mut app, Action::Command("strategy versioned".into()));
    assert!(app.whatif.pending);
    // Jobs run in the order asked (the loop runs them concurrently).
    let jobs: Vec<_> = app.jobs.drain(..).collect();
    for job in jobs {
        let ds = Arc::clone(app.ds.as_ref().unwrap());
        app.on_msg(job.run(&ds));
    }
    run_jobs(&mut app);
    assert!(!app.whatif.pending && app.pending.is_none());
    assert_eq!(app.whatif.shown.as_ref().unwrap().by.describe(), "entity");
    assert_eq!(app.strategy.name(), "versioned");
    // The compare table is the what-if's: entities never split under it.
    let c = app
        .compare
        .clone()
        .expect("compare recomputed for the layout");
    assert!(c.rows.iter().all(|r| r.lost == 0));
}

#[test]
fn a_delivery_flag_keeps_the_lens_strategy_on_first_load() {
    let mut app = App::new(kord::tui::Theme::default(), "hot-key");
    app.sim_opts.model = "sqs-fifo".parse().unwrap();
    let opts = LoadOptions {
        keep_raw: true,
        decoder: None,
        ..LoadOptions::default()
    };
    let loaded =
        load_recording(Path::new("recordings/hot-key.jsonl"), &opts, &mut |_, _| {}).unwrap();
    let (ds, view) = prepare(loaded, "hot-key".into(), None, None);
    app.on_msg(kord::tui::Msg::Loaded { ds, view });
    run_jobs(&mut app);
    assert_eq!(app.strategy.name(), "partitioned");
}
