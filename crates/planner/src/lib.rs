//! # skylane-planner
//!
//! The drone delivery planning engine: mission files, the city world, 3D path search,
//! trajectories, the battery model, dispatch, van routing, plan files and an
//! independent verifier. No CLI, no global state; I/O only in explicit load/save
//! functions.

#![warn(missing_docs)]

pub mod airspace;
pub mod coverage;
pub mod dispatch;
pub mod energy;
pub mod geo;
pub mod ground;
pub mod load;
pub mod mission;
pub mod plan;
mod ron_locate;
pub mod scene;
pub mod search;
pub mod sim;
pub mod sites;
pub mod stats;
pub mod trajectory;
pub mod verify;
pub mod volumes;
pub mod world;
