//! The ways of flying one order: for every nest and drone type based there, the flight
//! from the nest point (path, trajectory, energy, contingency) or the reason it cannot
//! be flown. Computed once per order and shifted in time when a drone is assigned.

use rayon::prelude::*;

use super::flight::{dist, flight_template, FlightTemplate};
use super::{lockers, Dispatcher};
use crate::energy::DroneSpec;
use crate::mission::Order;
use crate::plan::{Reason, ReasonKind};
use crate::search::city::CityPlanner;
use crate::world::pads::PAD_SEARCH_RADIUS_M;
/// One way to fly an order: a drone type from a nest, and its flight from the nest
/// point or why it cannot fly.
pub(super) struct TemplateOption {
    /// Nest (depot index).
    pub nest: usize,
    /// Drone type name.
    pub type_name: String,
    /// The flight from take-off time 0, or why not.
    pub flight: Result<FlightTemplate, Reason>,
}

impl TemplateOption {
    /// Whether drone type `type_name` of nest `nest` flies this option.
    pub fn flown_by(&self, nest: usize, type_name: &str) -> bool {
        self.nest == nest && self.type_name == type_name
    }
}

impl<'w> Dispatcher<'w> {
    /// Every (nest, type) way of flying `order`, or why not. Nests are searched in
    /// parallel (rayon; results are collected in nest order, so the answer does not
    /// depend on the thread count).
    pub(super) fn options(&self, order: &Order) -> Vec<TemplateOption> {
        let dest = self.world.frame.to_local(order.lat_deg, order.lon_deg);
        let planner = self.planner_for(order);
        let per_nest: Vec<Vec<TemplateOption>> =
            self.nests.par_iter().map(|&n| self.nest_options(order, n, &planner, dest)).collect();
        per_nest.into_iter().flatten().collect()
    }

    /// The ways of flying `order` from nest `n`, one per drone type based there (types in
    /// parallel, collected in type order).
    pub(super) fn nest_options(
        &self,
        order: &Order,
        n: usize,
        planner: &CityPlanner<'w>,
        dest: [f64; 2],
    ) -> Vec<TemplateOption> {
        let too_heavy = |spec: &DroneSpec| {
            Reason::new(
                ReasonKind::TooHeavy,
                format!(
                    "payload {:.2} kg exceeds the {} limit of {:.2} kg",
                    order.payload_kg, spec.name, spec.max_payload_kg
                ),
            )
        };
        let option = |spec: &DroneSpec, flight| TemplateOption {
            nest: n,
            type_name: spec.name.clone(),
            flight,
        };
        let kinds: Vec<&DroneSpec> = self
            .types
            .iter()
            .filter(|t| self.drones.iter().any(|d| d.depot == n && d.spec.name == t.name))
            .collect();
        let heaviest = kinds.iter().map(|k| k.max_payload_kg).fold(0.0, f64::max);
        if kinds.is_empty() || order.payload_kg > heaviest {
            return kinds.iter().map(|k| option(k, Err(too_heavy(k)))).collect();
        }
        if let Some(why) = lockers::kind_refuses(&self.mission, order, true) {
            return kinds.iter().map(|k| option(k, Err(why.clone()))).collect();
        }
        let path = planner.plan_delivery(self.depot_xy[n], dest, &self.rules_for(order));
        kinds
            .par_iter()
            .map(|spec| {
                let t = match &path {
                    Err(e) => Err(Reason::new(ReasonKind::NoPath, e.to_string())),
                    Ok(_) if order.payload_kg > spec.max_payload_kg => Err(too_heavy(spec)),
                    Ok(p) => {
                        flight_template(spec, &self.mission, &self.atm, self.depot_xy[n], order, p)
                    }
                };
                option(spec, t)
            })
            .collect()
    }

    /// A lower bound on when a drone of nest `n` could put `order`'s package down: its
    /// earliest free drone takes off at once and flies the straight line, less the pad
    /// and drop-point offsets, at the fastest cruise speed of the nest's types (the
    /// trajectory never exceeds a type's cruise speed over the ground).
    pub(super) fn nest_lower_bound_s(&self, order: &Order, n: usize, dest: [f64; 2]) -> f64 {
        let here = self.drones.iter().filter(|d| d.depot == n);
        let free = here.clone().map(|d| d.free_at_s).fold(f64::INFINITY, f64::min);
        let speed = here.map(|d| d.spec.cruise_speed_mps).fold(0.0, f64::max);
        let slack = PAD_SEARCH_RADIUS_M + self.rules.drop_radius_m;
        let reach_m = (dist(self.depot_xy[n], dest) - slack).max(0.0);
        self.ready_s(order).max(free) + reach_m / speed.max(1e-9)
    }
}
