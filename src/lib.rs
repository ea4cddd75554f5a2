//! kord: a terminal visual debugger for message ordering.
//!
//! The pipeline, in folder order: `source` (recordings, scenarios, Kafka)
//! -> `model` (records, the lens, the event store) -> `strategy` + `sim`
//! (decisions, time, head-of-line blocking) -> `detect` (findings) ->
//! `report` / `tui` (views). Declares the modules and holds no code. The core
//! (`model`, `strategy`, `sim`, `detect`, `report`, `engine`, `partition`) must
//! not import the terminal, tokio, rdkafka or an adapter (`source`, `tui`,
//! `cli`); `tests/architecture.rs` checks it.

#![warn(clippy::unwrap_used)]

pub mod config;
pub mod decode;
pub mod detect;
pub mod engine;
pub mod filter;
pub mod model;
pub mod report;
pub mod signals;
pub mod sim;
pub mod source;
pub mod strategy;
pub mod tui;
