//! The fleet's drones as the plan format names them, derived by the verifier itself.

use crate::energy::DroneSpec;
use crate::mission::Mission;

/// One drone of the fleet.
pub(super) struct FleetDrone {
    /// `"<nest>/<type>#<n>"`, `n` counting from 1 over the nest's drones in fleet order.
    pub id: String,
    /// Its type.
    pub spec: DroneSpec,
    /// Its nest.
    pub depot: String,
}

/// Every drone of `mission`'s fleet, with the ids the plan format gives them.
pub(super) fn drone_ids(mission: &Mission) -> Vec<FleetDrone> {
    let mut out: Vec<FleetDrone> = Vec::new();
    for g in &mission.fleet.drones {
        let Some(spec) = mission.drone_spec(g) else { continue };
        let at_nest = out.iter().filter(|d| d.depot == g.depot).count();
        for k in 0..g.count as usize {
            out.push(FleetDrone {
                id: format!("{}/{}#{}", g.depot, spec.name, at_nest + k + 1),
                spec: spec.clone(),
                depot: g.depot.clone(),
            });
        }
    }
    out
}
