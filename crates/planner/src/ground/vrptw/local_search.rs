//! Granular local search on a fixed set of `vehicles` route slots (empty slots allowed,
//! so the fleet limit holds by construction).
//!
//! Moves, for a customer `u` (successor `x`) and a granular neighbour `v` (successor
//! `y`) or the start depot of `v`'s route: relocate `u`, `(u, x)` or `(x, u)` after
//! `v`; swap `u`/`v`, `(u, x)`/`v`, `(u, x)`/`(v, y)`; 2-opt inside a route; 2-opt*
//! between routes; and relocate / 2-opt* into an empty route. Every move is evaluated
//! exactly (penalised distance + load excess + time warp) by concatenating prefix and
//! suffix segments, so inter-route moves cost O(1) and intra-route moves O(span).
//! First improvement; a pair is skipped when neither route changed since `u` was last
//! examined (HGS-CVRP's bookkeeping).

use super::rng::Rng;
use super::segment::{Data, Penalties, Seg};

/// Minimum improvement for a move to count; avoids cycling on floating-point noise.
const EPS: f64 = 1e-7;
/// Relative margin of the distance bound (see `LocalSearch::cannot_improve`): summing a
/// route's edges in another order changes the result by about 1e-16 of it per edge.
const DISTANCE_MARGIN: f64 = 1e-9;

struct Route {
    /// Depot, customers, depot.
    nodes: Vec<usize>,
    /// `fwd[i]`: segment of `nodes[..=i]`.
    fwd: Vec<Seg>,
    /// `bwd[i]`: segment of `nodes[i..]` (ending at this vehicle's depot).
    bwd: Vec<Seg>,
    /// `mid[i]`: segment of `nodes[i..len - 1]`, without the end depot, for moves
    /// that hand a tail to another vehicle (`1 <= i < len - 1`).
    mid: Vec<Seg>,
    /// `dist_ahead[k]`: distance along `nodes[..=k]`, edge by edge.
    dist_ahead: Vec<f64>,
    /// `dist_back[k]`: distance along `nodes[..=k]` driven backwards (the matrices may
    /// be asymmetric), for 2-opt's bound.
    dist_back: Vec<f64>,
    cost: f64,
    modified: u64,
}

/// Local search workspace, reused across calls to avoid reallocation.
pub(crate) struct LocalSearch<'d, 'a> {
    data: &'d Data<'a>,
    /// Granular neighbours of each customer (index 0 unused).
    neighbours: Vec<Vec<usize>>,
    routes: Vec<Route>,
    route_of: Vec<usize>,
    pos_of: Vec<usize>,
    last_tested: Vec<u64>,
    moves: u64,
    pen: Penalties,
    buf: Vec<usize>,
}

impl<'d, 'a> LocalSearch<'d, 'a> {
    pub(crate) fn new(data: &'d Data<'a>, neighbours: Vec<Vec<usize>>) -> Self {
        let n = data.customers + 1;
        let routes = (0..data.slots.len())
            .map(|_| Route {
                nodes: vec![],
                fwd: vec![],
                bwd: vec![],
                mid: vec![],
                dist_ahead: vec![],
                dist_back: vec![],
                cost: 0.0,
                modified: 0,
            })
            .collect();
        LocalSearch {
            data,
            neighbours,
            routes,
            route_of: vec![0; n],
            pos_of: vec![0; n],
            last_tested: vec![0; n],
            moves: 0,
            pen: Penalties { load: [0.0; 2], warp: 0.0 },
            buf: Vec::new(),
        }
    }

    /// Improves `routes` (customer sequences indexed by vehicle slot; missing ones are
    /// empty) under `pen`; returns one route per slot, empty ones included.
    pub(crate) fn run(
        &mut self,
        routes: &[Vec<usize>],
        pen: Penalties,
        rng: &mut Rng,
    ) -> Vec<Vec<usize>> {
        self.pen = pen;
        self.moves = 1;
        for r in 0..self.routes.len() {
            let mut nodes = vec![0];
            nodes.extend(routes.get(r).into_iter().flatten());
            nodes.push(0);
            self.routes[r].nodes = nodes;
            self.refresh(r);
            self.routes[r].modified = 0;
        }
        self.last_tested.fill(0);
        let mut order: Vec<usize> = (1..=self.data.customers).collect();
        rng.shuffle(&mut order);
        for nb in self.neighbours.iter_mut() {
            rng.shuffle(nb);
        }
        let mut first_pass = true;
        loop {
            let before = self.moves;
            for &u in &order {
                let last = self.last_tested[u];
                self.last_tested[u] = self.moves;
                for k in 0..self.neighbours[u].len() {
                    let v = self.neighbours[u][k];
                    let (ru, rv) = (self.route_of[u], self.route_of[v]);
                    if !first_pass && self.routes[ru].modified.max(self.routes[rv].modified) <= last
                    {
                        continue;
                    }
                    self.try_pair(u, v);
                }
                // Opening a new route: one empty slot per vehicle type is enough, empty
                // slots of the same type are interchangeable.
                let ru = self.route_of[u];
                if self.routes[ru].nodes.len() > 3 {
                    let mut tried: Vec<usize> = Vec::new();
                    for e in 0..self.routes.len() {
                        let vtype = self.data.slots[e].vtype;
                        if self.routes[e].nodes.len() == 2 && !tried.contains(&vtype) {
                            tried.push(vtype);
                            let ru = self.route_of[u];
                            if e != ru && self.inter(ru, self.pos_of[u], e, 0) {
                                break;
                            }
                        }
                    }
                }
            }
            first_pass = false;
            if self.moves == before {
                break;
            }
        }
        self.routes.iter().map(|r| r.nodes[1..r.nodes.len() - 1].to_vec()).collect()
    }

    /// Recomputes prefix/suffix segments, cost and positions of route `r`.
    fn refresh(&mut self, r: usize) {
        let data = self.data;
        let slot = &data.slots[r];
        let route = &mut self.routes[r];
        let len = route.nodes.len();
        route.fwd.clear();
        let mut s = slot.start;
        route.fwd.push(s);
        for &c in &route.nodes[1..len - 1] {
            s = data.push(&s, c);
            route.fwd.push(s);
        }
        route.fwd.push(data.merge(&s, &slot.end));
        route.bwd.resize(len, slot.end);
        route.mid.resize(len, slot.end);
        route.bwd[len - 1] = slot.end;
        if len > 2 {
            let mut s = data.single[route.nodes[len - 2]];
            route.mid[len - 2] = s;
            for i in (1..len - 2).rev() {
                s = data.merge(&data.single[route.nodes[i]], &s);
                route.mid[i] = s;
            }
            for i in 1..len - 1 {
                route.bwd[i] = data.merge(&route.mid[i], &slot.end);
            }
        }
        route.bwd[0] = route.fwd[len - 1];
        route.dist_ahead.clear();
        route.dist_back.clear();
        let (mut ahead, mut back) = (0.0, 0.0);
        route.dist_ahead.push(0.0);
        route.dist_back.push(0.0);
        for w in route.nodes.windows(2) {
            ahead += data.dist.get(w[0], w[1]);
            back += data.dist.get(w[1], w[0]);
            route.dist_ahead.push(ahead);
            route.dist_back.push(back);
        }
        route.cost = self.pen.cost(&route.fwd[len - 1], &slot.capacity);
        for (i, &c) in route.nodes.iter().enumerate().take(len - 1).skip(1) {
            self.route_of[c] = r;
            self.pos_of[c] = i;
        }
    }

    /// Penalised cost of route `r` with `nodes[lo..hi]` replaced by `ins`
    /// (`1 <= lo <= hi <= len - 1`).
    #[inline]
    fn cost_replaced(&self, r: usize, lo: usize, hi: usize, ins: &[usize]) -> f64 {
        let route = &self.routes[r];
        let mut s = route.fwd[lo - 1];
        for &c in ins {
            s = self.data.push(&s, c);
        }
        let s = self.data.merge(&s, &route.bwd[hi]);
        self.pen.cost(&s, &self.data.slots[r].capacity)
    }

    /// Distance of route `r` with `nodes[lo..hi]` replaced by `ins`, from the edges that
    /// change: a lower bound of [`Self::cost_replaced`] (penalties are never negative)
    /// at a fraction of its cost, rounded differently (see [`Self::cannot_improve`]).
    #[inline]
    fn distance_replaced(&self, r: usize, lo: usize, hi: usize, ins: &[usize]) -> f64 {
        let route = &self.routes[r];
        let (nodes, d) = (&route.nodes, self.data.dist);
        let removed: f64 = (lo - 1..hi).map(|k| d.get(nodes[k], nodes[k + 1])).sum();
        let mut prev = nodes[lo - 1];
        let mut added = 0.0;
        for &c in ins {
            added += d.get(prev, c);
            prev = c;
        }
        added += d.get(prev, nodes[hi]);
        route.fwd[nodes.len() - 1].dist - removed + added
    }

    /// True when a change whose new routes' distances add up to `distance` (from
    /// [`Self::distance_replaced`]) certainly does not beat `old_cost` by [`EPS`], so its
    /// exact cost need not be computed. The margin covers the two sums' different
    /// rounding (a few units in the last place of the route distances, far below it), so
    /// every move is decided exactly as by the exact cost.
    #[inline]
    fn cannot_improve(distance: f64, old_cost: f64) -> bool {
        distance - DISTANCE_MARGIN * (old_cost.abs() + 1.0) >= old_cost - EPS
    }

    fn apply(&mut self, r: usize, lo: usize, hi: usize, ins: &[usize]) {
        self.routes[r].nodes.splice(lo..hi, ins.iter().copied());
        self.refresh(r);
        self.routes[r].modified = self.moves;
    }

    /// Applies a two-route change if it improves; returns whether it did.
    fn try2(
        &mut self,
        (ra, lo_a, hi_a, ins_a): (usize, usize, usize, &[usize]),
        (rb, lo_b, hi_b, ins_b): (usize, usize, usize, &[usize]),
    ) -> bool {
        let old = self.routes[ra].cost + self.routes[rb].cost;
        let distance = self.distance_replaced(ra, lo_a, hi_a, ins_a)
            + self.distance_replaced(rb, lo_b, hi_b, ins_b);
        if Self::cannot_improve(distance, old) {
            return false;
        }
        let new =
            self.cost_replaced(ra, lo_a, hi_a, ins_a) + self.cost_replaced(rb, lo_b, hi_b, ins_b);
        if new < old - EPS {
            self.moves += 1;
            self.apply(ra, lo_a, hi_a, ins_a);
            self.apply(rb, lo_b, hi_b, ins_b);
            true
        } else {
            false
        }
    }

    /// Applies a one-route change held in `self.buf` if it improves.
    fn try1(&mut self, r: usize, lo: usize, hi: usize) -> bool {
        let buf = std::mem::take(&mut self.buf);
        let better = self.cost_replaced(r, lo, hi, &buf) < self.routes[r].cost - EPS;
        if better {
            self.moves += 1;
            self.apply(r, lo, hi, &buf);
        }
        self.buf = buf;
        better
    }

    fn try_pair(&mut self, u: usize, v: usize) -> bool {
        let (ru, i) = (self.route_of[u], self.pos_of[u]);
        let (rv, j) = (self.route_of[v], self.pos_of[v]);
        if ru != rv {
            // Also try the start depot of v's route when v is its first customer, so
            // moves can place u (or its tail) at the start of a route.
            self.inter(ru, i, rv, j) || (j == 1 && self.inter(ru, i, rv, 0))
        } else {
            self.intra(ru, i, j)
        }
    }

    /// Inter-route moves for `u = routes[ru].nodes[i]` and `v = routes[rv].nodes[j]`
    /// (`j == 0`: the start depot).
    fn inter(&mut self, ru: usize, i: usize, rv: usize, j: usize) -> bool {
        let (a, b) = (&self.routes[ru].nodes, &self.routes[rv].nodes);
        let (la, lb) = (a.len(), b.len());
        let (u, x) = (a[i], a[i + 1]);
        let (v, y) = (b[j], b[j + 1]);
        let x_cust = i + 1 < la - 1;
        let v_cust = j > 0;
        let y_cust = j + 1 < lb - 1;
        // Relocations.
        if self.try2((ru, i, i + 1, &[]), (rv, j + 1, j + 1, &[u])) {
            return true;
        }
        if x_cust {
            if self.try2((ru, i, i + 2, &[]), (rv, j + 1, j + 1, &[u, x])) {
                return true;
            }
            if self.try2((ru, i, i + 2, &[]), (rv, j + 1, j + 1, &[x, u])) {
                return true;
            }
        }
        // Swaps.
        if v_cust {
            if self.try2((ru, i, i + 1, &[v]), (rv, j, j + 1, &[u])) {
                return true;
            }
            if x_cust && self.try2((ru, i, i + 2, &[v]), (rv, j, j + 1, &[u, x])) {
                return true;
            }
            if x_cust && y_cust && self.try2((ru, i, i + 2, &[v, y]), (rv, j, j + 2, &[u, x])) {
                return true;
            }
        }
        // 2-opt*: ru keeps its head up to u then takes v's tail; rv the reverse. Tails
        // travel without their depot: each vehicle returns within its own shift. Only the
        // edges (u, x) and (v, y) change, so the distance bounds the move first.
        let (a, b) = (&self.routes[ru], &self.routes[rv]);
        let d = self.data.dist;
        let distance = a.dist_ahead[la - 1] + b.dist_ahead[lb - 1] - d.get(u, x) - d.get(v, y)
            + d.get(u, y)
            + d.get(v, x);
        if Self::cannot_improve(distance, a.cost + b.cost) {
            return false;
        }
        let (sa, sb) = (&self.data.slots[ru], &self.data.slots[rv]);
        let with_tail = |head: &Seg, tail: &Route, from: usize, end: &Seg| {
            if from < tail.nodes.len() - 1 {
                self.data.merge(&self.data.merge(head, &tail.mid[from]), end)
            } else {
                self.data.merge(head, end)
            }
        };
        let new_a = with_tail(&a.fwd[i], b, j + 1, &sa.end);
        let new_b = with_tail(&b.fwd[j], a, i + 1, &sb.end);
        let delta = self.pen.cost(&new_a, &sa.capacity) + self.pen.cost(&new_b, &sb.capacity)
            - a.cost
            - b.cost;
        if delta < -EPS {
            let tail_a = a.nodes[i + 1..la - 1].to_vec();
            let tail_b = b.nodes[j + 1..lb - 1].to_vec();
            self.moves += 1;
            self.apply(ru, i + 1, la - 1, &tail_b);
            self.apply(rv, j + 1, lb - 1, &tail_a);
            return true;
        }
        false
    }

    /// Intra-route moves for the customers at positions `i` (u) and `j` (v) of route `r`.
    /// Each move's distance is found first from the edges it changes, in O(1), and only a
    /// move that could improve is evaluated exactly.
    fn intra(&mut self, r: usize, i: usize, j: usize) -> bool {
        let len = self.routes[r].nodes.len();
        let x_cust = i + 1 < len - 1;
        let old = self.routes[r].cost;
        // Relocate u after v.
        if j + 1 != i {
            let n = &self.routes[r].nodes;
            let (p, u, x) = (n[i - 1], n[i], n[i + 1]);
            let (v, y) = (n[j], n[j + 1]);
            let bound =
                self.distance_changed(r, [(p, u), (u, x), (v, y)], [(p, x), (v, u), (u, y)]);
            if !Self::cannot_improve(bound, old) {
                self.buf.clear();
                let (lo, hi) = if j < i {
                    self.buf.push(n[i]);
                    self.buf.extend_from_slice(&n[j + 1..i]);
                    (j + 1, i + 1)
                } else {
                    self.buf.extend_from_slice(&n[i + 1..=j]);
                    self.buf.push(n[i]);
                    (i, j + 1)
                };
                if self.try1(r, lo, hi) {
                    return true;
                }
            }
        }
        // Relocate (u, x) and (x, u) after v.
        if x_cust && j != i + 1 && j + 1 != i {
            for reversed in [false, true] {
                let n = &self.routes[r].nodes;
                let (p, u, x, z) = (n[i - 1], n[i], n[i + 1], n[i + 2]);
                let (v, y) = (n[j], n[j + 1]);
                let pair = if reversed { [x, u] } else { [u, x] };
                let bound = self.distance_changed(
                    r,
                    [(p, u), (u, x), (x, z), (v, y)],
                    [(p, z), (v, pair[0]), (pair[0], pair[1]), (pair[1], y)],
                );
                if Self::cannot_improve(bound, old) {
                    continue;
                }
                self.buf.clear();
                let (lo, hi) = if j < i {
                    self.buf.extend_from_slice(&pair);
                    self.buf.extend_from_slice(&n[j + 1..i]);
                    (j + 1, i + 2)
                } else {
                    self.buf.extend_from_slice(&n[i + 2..=j]);
                    self.buf.extend_from_slice(&pair);
                    (i, j + 1)
                };
                if self.try1(r, lo, hi) {
                    return true;
                }
            }
        }
        // Swap u and v.
        let (lo, hi) = (i.min(j), i.max(j));
        let n = &self.routes[r].nodes;
        let (a, b, c, d) = (n[lo - 1], n[lo], n[hi], n[hi + 1]);
        let bound = if hi == lo + 1 {
            self.distance_changed(r, [(a, b), (b, c), (c, d)], [(a, c), (c, b), (b, d)])
        } else {
            let (b2, c0) = (n[lo + 1], n[hi - 1]);
            self.distance_changed(
                r,
                [(a, b), (b, b2), (c0, c), (c, d)],
                [(a, c), (c, b2), (c0, b), (b, d)],
            )
        };
        if !Self::cannot_improve(bound, old) {
            self.buf.clear();
            self.buf.push(n[hi]);
            self.buf.extend_from_slice(&n[lo + 1..hi]);
            self.buf.push(n[lo]);
            if self.try1(r, lo, hi + 1) {
                return true;
            }
        }
        // 2-opt: u -> v, reverse what lay between, then x -> y.
        if i + 1 < j {
            let route = &self.routes[r];
            let n = &route.nodes;
            let (u, x, v, y) = (n[i], n[i + 1], n[j], n[j + 1]);
            // What lay between is driven the other way.
            let reversed = (route.dist_back[j] - route.dist_back[i + 1])
                - (route.dist_ahead[j] - route.dist_ahead[i + 1]);
            let bound = self.distance_changed(r, [(u, x), (v, y)], [(u, v), (x, y)]) + reversed;
            if !Self::cannot_improve(bound, old) {
                self.buf.clear();
                self.buf.extend(n[i + 1..=j].iter().rev());
                if self.try1(r, i + 1, j + 1) {
                    return true;
                }
            }
        }
        false
    }

    /// Distance of route `r` without the edges `removed` and with the edges `added`
    /// (node pairs): the distance after an intra-route move, in O(1); a bound as
    /// [`Self::distance_replaced`] is.
    #[inline]
    fn distance_changed<const R: usize, const A: usize>(
        &self,
        r: usize,
        removed: [(usize, usize); R],
        added: [(usize, usize); A],
    ) -> f64 {
        let d = self.data.dist;
        let route = &self.routes[r];
        let removed: f64 = removed.iter().map(|&(a, b)| d.get(a, b)).sum();
        let added: f64 = added.iter().map(|&(a, b)| d.get(a, b)).sum();
        route.fwd[route.nodes.len() - 1].dist - removed + added
    }
}
