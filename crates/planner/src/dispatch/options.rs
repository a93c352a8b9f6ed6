//! The ways of flying one order: for every nest and drone type based there, the flight
//! from the nest point (path, trajectory, energy, contingency) or the reason it cannot
//! be flown. Computed once per order and shifted in time when a drone is assigned.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use rayon::prelude::*;

use super::flight::{dist, flight_template, FlightTemplate};
use super::{lockers, Dispatcher};
use crate::energy::DroneSpec;
use crate::mission::Order;
use crate::plan::{Reason, ReasonKind};
use crate::search::city::{CityPlanner, DeliveryPath, NoPath};
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
        let kinds = self.nest_types(n);
        if !self.nest_lifts(n, order) {
            return kinds.iter().map(|k| option(k, Err(too_heavy(k)))).collect();
        }
        if let Some(why) = lockers::kind_refuses(&self.mission, order, true) {
            return kinds.iter().map(|k| option(k, Err(why.clone()))).collect();
        }
        let path = self
            .paths_ahead
            .take(order, n, planner)
            .unwrap_or_else(|| self.nest_path(order, n, planner, dest));
        kinds
            .par_iter()
            .map(|spec| {
                let t = match &path {
                    Err(e @ NoPath::BeyondReach { .. }) => {
                        Err(Reason::new(ReasonKind::Energy, e.to_string()))
                    }
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

    /// The delivery path from nest `n` to `dest`, searched only as far as the nest's
    /// drones can fly out and back ([`Dispatcher::reach_m`]). An address whose straight
    /// line out and back is already longer than that is refused without a search: the
    /// ground track is at least twice the straight line from the pad to the drop point.
    fn nest_path(
        &self,
        order: &Order,
        n: usize,
        planner: &CityPlanner<'w>,
        dest: [f64; 2],
    ) -> Result<DeliveryPath, NoPath> {
        let rules = self.rules_for(order);
        let reach_m = self.reach_m[n];
        let slack = PAD_SEARCH_RADIUS_M + rules.drop_radius_m;
        if 2.0 * (dist(self.depot_xy[n], dest) - slack) > reach_m {
            return Err(NoPath::BeyondReach { reach_m });
        }
        planner.plan_delivery_within(self.depot_xy[n], dest, &rules, reach_m)
    }

    /// The drone types based at nest `n`, in fleet order.
    fn nest_types(&self, n: usize) -> Vec<&DroneSpec> {
        self.types
            .iter()
            .filter(|t| self.drones.iter().any(|d| d.depot == n && d.spec.name == t.name))
            .collect()
    }

    /// Whether some drone type of nest `n` lifts `order`'s payload: only then does
    /// [`Dispatcher::nest_options`] look for a path from `n`.
    fn nest_lifts(&self, n: usize, order: &Order) -> bool {
        let kinds = self.nest_types(n);
        let heaviest = kinds.iter().map(|k| k.max_payload_kg).fold(0.0, f64::max);
        !kinds.is_empty() && order.payload_kg <= heaviest
    }

    /// Works out now, in parallel, the paths that [`Dispatcher::options`] of `orders`
    /// will take: the corner graphs of each planner first (built once, by all threads,
    /// rather than by the first jobs at once), then one job per (planner, nest), which
    /// plans that nest's paths to its orders one after the other. The options
    /// themselves are searched order by order in parallel and take these paths
    /// ([`PathsAhead`]). A path does not depend on when or on which thread it was worked
    /// out, so the plan is the same on any number of threads.
    ///
    /// A planner that searches first in a base planner walks the base's graph (or grid
    /// tree) from the same nest, so its job starts when the base's job for that nest is
    /// done: no job waits on, or builds again, what another job is building.
    pub(super) fn work_out_paths_for(&self, orders: &[&Order]) {
        let mut jobs: Vec<PathJob<'w, '_>> = Vec::new();
        for &order in orders {
            let planner = self.planner_for(order);
            for &n in self.nests.iter().filter(|&&n| self.nest_lifts(n, order)) {
                match jobs.iter_mut().find(|j| Arc::ptr_eq(&j.planner, &planner) && j.nest == n) {
                    Some(job) => job.orders.push(order),
                    None => jobs.push(PathJob {
                        planner: planner.clone(),
                        nest: n,
                        orders: vec![order],
                    }),
                }
            }
        }
        let after = |k: usize| -> Vec<usize> {
            let (base, n) = (&jobs[k].planner, jobs[k].nest);
            (0..jobs.len())
                .filter(|&j| jobs[j].nest == n && jobs[j].planner.searches_first_in(base))
                .collect()
        };
        // The graphs every job of a planner walks first, built before the jobs start: a
        // job would otherwise build them while the others wait or build them too. A
        // planner over a base walks the base's graphs first and needs its own for few
        // paths: built on first use.
        let mut planners: Vec<&Arc<CityPlanner<'w>>> = Vec::new();
        for job in jobs.iter().filter(|j| !j.planner.searches_in_a_base()) {
            if !planners.iter().any(|p| Arc::ptr_eq(p, &job.planner)) {
                planners.push(&job.planner);
            }
        }
        planners.par_iter().for_each(|p| p.prepare_layers());
        let waits: Vec<bool> =
            (0..jobs.len()).map(|k| (0..jobs.len()).any(|j| after(j).contains(&k))).collect();
        let work = |k: usize| {
            let PathJob { planner, nest: n, orders } = &jobs[k];
            for &order in orders {
                let dest = self.world.frame.to_local(order.lat_deg, order.lon_deg);
                let path = self.nest_path(order, *n, planner, dest);
                self.paths_ahead.put(order, *n, planner, path);
            }
            after(k)
        };
        rayon::scope(|s| {
            for k in (0..jobs.len()).filter(|&k| !waits[k]) {
                let work = &work;
                s.spawn(move |s| run_then_spawn(s, k, work));
            }
        });
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

/// One job of [`Dispatcher::work_out_paths_for`]: the paths from one nest to its orders'
/// addresses, in one planner.
struct PathJob<'w, 'o> {
    planner: Arc<CityPlanner<'w>>,
    nest: usize,
    orders: Vec<&'o Order>,
}

/// Delivery paths worked out ahead of the options that fly them
/// ([`Dispatcher::nest_path`] of an order, nest and planner): a path is a pure function
/// of those (a tree's path to a goal does not depend on when it grew), so the options
/// take it instead of searching and smoothing it again. Each is taken once, so the map
/// holds only the paths not yet flown.
#[derive(Default)]
pub(super) struct PathsAhead(Mutex<HashMap<PathKey, PathResult>>);

/// What a [`PathsAhead`] path depends on: the order (its id, and its address and
/// whether it goes to a locker, which shape the search), the nest and the planner (by
/// its address, fixed while the dispatcher holds it).
#[derive(PartialEq, Eq, Hash)]
struct PathKey {
    order_id: String,
    address_bits: [u64; 2],
    locker: bool,
    nest: usize,
    planner: usize,
}

impl PathsAhead {
    fn key(order: &Order, nest: usize, planner: &CityPlanner<'_>) -> PathKey {
        PathKey {
            order_id: order.id.clone(),
            address_bits: [order.lat_deg.to_bits(), order.lon_deg.to_bits()],
            locker: order.locker.is_some(),
            nest,
            planner: std::ptr::from_ref(planner) as usize,
        }
    }

    fn put(&self, order: &Order, n: usize, planner: &CityPlanner<'_>, path: PathResult) {
        let mut map = self.0.lock().unwrap_or_else(|p| p.into_inner());
        map.insert(Self::key(order, n, planner), path);
    }

    fn take(&self, order: &Order, n: usize, planner: &CityPlanner<'_>) -> Option<PathResult> {
        let mut map = self.0.lock().unwrap_or_else(|p| p.into_inner());
        map.remove(&Self::key(order, n, planner))
    }

    /// Forgets every path not taken (the day's drones are assigned).
    pub(super) fn clear(&self) {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).clear();
    }
}

/// What [`Dispatcher::nest_path`] answers.
type PathResult = Result<DeliveryPath, NoPath>;

/// Runs job `k` in scope `s`, then spawns there the jobs `work` says were waiting for it.
fn run_then_spawn<'s>(
    s: &rayon::Scope<'s>,
    k: usize,
    work: &'s (dyn Fn(usize) -> Vec<usize> + Sync),
) {
    for next in work(k) {
        s.spawn(move |s| run_then_spawn(s, next, work));
    }
}
