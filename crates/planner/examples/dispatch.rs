//! Embedding the planner in a dispatch system: quote every order of a mission as it
//! arrives, commit the ones the customer accepts, and advance the clock.
//!
//! `cargo run --release -p skylane-planner --example dispatch -- missions/monaco.ron`

use skylane_planner::dispatch::{Dispatcher, QuoteMode};
use skylane_planner::load::load_mission;
use skylane_planner::mission::ClockTime;

fn main() {
    let path = std::env::args().nth(1).unwrap_or_else(|| "missions/monaco.ron".to_string());
    let loaded = match load_mission(path.as_ref()) {
        Ok(l) => l,
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(2);
        }
    };
    let mut dispatcher = Dispatcher::new(&loaded.mission, &loaded.world);
    // Before the day starts: build the search trees so that no quote waits for them.
    dispatcher.warm_up();
    let mut orders = loaded.mission.orders.clone();
    orders.sort_by(|a, b| a.placed_at.seconds().total_cmp(&b.placed_at.seconds()));
    for order in &orders {
        dispatcher.advance_to(order.placed_at.seconds());
        let started = std::time::Instant::now();
        let quote = dispatcher.quote(order);
        let ms = started.elapsed().as_secs_f64() * 1e3;
        match &quote.mode {
            QuoteMode::Drone { drone_id, eta_s, energy_wh, .. } => {
                println!(
                    "{} {}: drone {drone_id}, ETA {}, {energy_wh:.1} Wh ({ms:.1} ms)",
                    ClockTime(order.placed_at.seconds()),
                    order.id,
                    ClockTime(*eta_s)
                );
            }
            QuoteMode::Van { reason } => {
                println!("{} {}: van ({reason})", ClockTime(order.placed_at.seconds()), order.id)
            }
            QuoteMode::Refused { reason } => println!(
                "{} {}: refused ({reason})",
                ClockTime(order.placed_at.seconds()),
                order.id
            ),
        }
        // The customer accepts: book it. A commit gives the quoted ETA.
        let booked = dispatcher.commit(order);
        assert_eq!(booked.eta_s(), quote.eta_s());
    }
    println!(
        "{} flights booked, {} orders handed to vans",
        dispatcher.flights().len(),
        dispatcher.van_orders().len()
    );
}
