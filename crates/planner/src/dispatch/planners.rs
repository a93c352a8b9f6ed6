//! The dispatcher's city planners: one per set of time-windowed zones that matter to
//! an order, built on first use or by [`Dispatcher::warm_up`], and shareable between
//! dispatchers over one world ([`Dispatcher::planners`], [`Dispatcher::with_planners`]).

use std::sync::Arc;

use rayon::prelude::*;

use super::{Dispatcher, ORDER_HORIZON_S};
use crate::mission::Order;
use crate::search::city::{CityPlanner, CityPlannerConfig};
use crate::world::{Rect, TimeSpan, World};

/// City planners shared between dispatchers over one world (see
/// [`Dispatcher::planners`]).
#[derive(Clone)]
pub struct Planners<'w> {
    world: &'w World,
    area: Rect,
    shape: [f64; 3],
    list: Vec<(Vec<bool>, Arc<CityPlanner<'w>>)>,
}

impl<'w> Dispatcher<'w> {
    /// The zones that matter to `order`'s flight: which time-windowed zones are active
    /// from its placing to [`ORDER_HORIZON_S`] later.
    pub(super) fn zone_signature(&self, order: &Order) -> Vec<bool> {
        let span = TimeSpan {
            from_s: order.placed_at.seconds(),
            to_s: order.placed_at.seconds() + ORDER_HORIZON_S,
        };
        self.world.zones.iter().map(|z| z.window_s.is_some() && z.active_during(span)).collect()
    }

    /// One order of the mission per distinct [`Dispatcher::zone_signature`]: the orders
    /// whose planners, together, serve the whole day.
    pub(super) fn zone_sets(&self) -> Vec<&Order> {
        let mut seen: Vec<Vec<bool>> = Vec::new();
        let mut firsts = Vec::new();
        for o in &self.mission.orders {
            let sig = self.zone_signature(o);
            if !seen.contains(&sig) {
                seen.push(sig);
                firsts.push(o);
            }
        }
        firsts
    }

    /// Builds now what the first quotes would otherwise build: the planner of every set
    /// of time-windowed zones the mission's orders meet, and on every cruise layer of
    /// each its corner graph and each nest's shortest distances over it
    /// ([`CityPlanner::prepare_depot`]). A live dispatcher calls it once before its
    /// first quote, so that quotes pay for searches only.
    pub fn warm_up(&self) {
        let planners = self.build_planners();
        // Each planner's graphs first, once: the nests' jobs would build them together.
        planners.par_iter().for_each(|p| p.prepare_layers());
        let jobs: Vec<(&Arc<CityPlanner<'w>>, usize)> =
            planners.iter().flat_map(|p| self.nests.iter().map(move |&n| (p, n))).collect();
        jobs.par_iter().for_each(|&(p, n)| p.prepare_depot(self.depot_xy[n]));
    }

    /// Builds the planner of every set of time-windowed zones the mission's orders meet
    /// (the occupancy layers, no trees yet), so that [`Dispatcher::planners`] can share
    /// them all; returns them.
    pub fn build_planners(&self) -> Vec<Arc<CityPlanner<'w>>> {
        // The planners with windowed zones are built over the one without: built
        // first, it is built once, not by each of them at the same time.
        if let Some(o) = self.first_order_without_windowed_zones() {
            self.planner_for(o);
        }
        self.zone_sets().par_iter().map(|o| self.planner_for(o)).collect()
    }

    /// The city planners built so far (one per set of active zones, each with the trees
    /// it has grown), to share with another dispatcher over the same world and mission
    /// (see [`Dispatcher::with_planners`]): a day simulated again with other faults need
    /// not search the same trees again.
    pub fn planners(&self) -> Planners<'w> {
        let cache = self.planners.lock().unwrap_or_else(|p| p.into_inner());
        Planners {
            world: self.world,
            area: self.area,
            shape: self.planner_shape(),
            list: cache.clone(),
        }
    }

    /// This dispatcher, using `planners` (from [`Dispatcher::planners`]) instead of
    /// building its own; ignored unless they were built over the same world and area.
    /// Planners are pure functions of the world, the area, the mission's altitudes and
    /// margin and the active zones, so the answers are the same either way.
    pub fn with_planners(self, planners: Planners<'w>) -> Self {
        let same = std::ptr::eq(planners.world, self.world)
            && planners.area == self.area
            && planners.shape == self.planner_shape();
        if same {
            *self.planners.lock().unwrap_or_else(|p| p.into_inner()) = planners.list;
        }
        self
    }

    /// What shapes a planner besides the world, the area and the zones: the cruise
    /// altitudes and the clearance margin, m.
    pub(super) fn planner_shape(&self) -> [f64; 3] {
        let m = &self.mission;
        [m.policy.cruise_alt_min_m, m.policy.cruise_alt_max_m, m.airspace.clearance_margin_m]
    }

    /// The planner for the zones active around `order`, built on first use. A planner
    /// with time-windowed zones active searches first in the planner of an order of
    /// the mission that meets none (when there is one): see [`CityPlanner::with_base`].
    pub(super) fn planner_for(&self, order: &Order) -> Arc<CityPlanner<'w>> {
        let sig = self.zone_signature(order);
        let cached = |sig: &[bool]| {
            let cache = self.planners.lock().unwrap_or_else(|p| p.into_inner());
            cache.iter().find(|(s, _)| *s == sig).map(|(_, p)| p.clone())
        };
        if let Some(p) = cached(&sig) {
            return p;
        }
        let base = if sig.contains(&true) {
            self.first_order_without_windowed_zones().map(|o| self.planner_for(o))
        } else {
            None
        };
        // Built without holding the cache's lock: a thread waiting on a lock does no
        // other work, so another planner's layers (or this one's, rasterised in
        // parallel) would wait for it. Two threads asking for the same planner at once
        // may both build it; planners are pure functions of the world, the area and
        // the zones, so the first one stored serves both.
        let p = Arc::new(self.build_planner(order, base));
        let mut cache = self.planners.lock().unwrap_or_else(|p| p.into_inner());
        if let Some((_, q)) = cache.iter().find(|(s, _)| *s == sig) {
            return q.clone();
        }
        cache.push((sig, p.clone()));
        p
    }

    /// The mission's first order that meets no time-windowed zone: its planner is the
    /// base the others search first in.
    fn first_order_without_windowed_zones(&self) -> Option<&Order> {
        self.mission.orders.iter().find(|o| !self.zone_signature(o).contains(&true))
    }

    /// The planner for the zones active around `order`, over `base` when given.
    fn build_planner(&self, order: &Order, base: Option<Arc<CityPlanner<'w>>>) -> CityPlanner<'w> {
        let span = TimeSpan {
            from_s: order.placed_at.seconds(),
            to_s: order.placed_at.seconds() + ORDER_HORIZON_S,
        };
        let over_base = base.clone().and_then(|b| CityPlanner::over_base(b, span));
        over_base.unwrap_or_else(|| {
            let p = CityPlanner::new(
                self.world,
                self.area,
                self.mission.policy.cruise_alt_min_m,
                self.mission.policy.cruise_alt_max_m,
                self.mission.airspace.clearance_margin_m,
                span,
                CityPlannerConfig::default(),
            );
            match base {
                Some(base) => p.with_base(base),
                None => p,
            }
        })
    }
}
