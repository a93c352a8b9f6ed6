//! Ground delivery by van: the road network ([`roads`]).

pub mod roads;
