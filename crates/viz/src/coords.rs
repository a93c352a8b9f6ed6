//! Coordinate conversion between the plan's local metres and Bevy's world space.
//!
//! The planner works in local metres with x east, y north and z up. Bevy is y-up and
//! right-handed, so a map point `(x, y, z)` becomes the Bevy point `(x, z, -y)`: east stays
//! +x, up becomes +y and north becomes -z. A camera with the default orientation (looking
//! along -z) therefore looks north.

use bevy::math::Vec3;

/// A map point `[east_m, north_m, up_m]` in Bevy world space.
pub fn map_to_bevy(p: [f64; 3]) -> Vec3 {
    Vec3::new(p[0] as f32, p[2] as f32, -p[1] as f32)
}

/// A ground point `[east_m, north_m]` lifted to `height_m` in Bevy world space.
pub fn ground_to_bevy(p: [f64; 2], height_m: f64) -> Vec3 {
    map_to_bevy([p[0], p[1], height_m])
}

/// A Bevy world point back in map metres `[east_m, north_m, up_m]`.
pub fn bevy_to_map(v: Vec3) -> [f64; 3] {
    [v.x as f64, -v.z as f64, v.y as f64]
}

/// Formats seconds since midnight as `HH:MM:SS` (hours may exceed 23 past midnight).
pub fn clock_text(t_s: f64) -> String {
    if !t_s.is_finite() {
        return "--:--:--".to_string();
    }
    let total = t_s.max(0.0).round() as u64;
    format!("{:02}:{:02}:{:02}", total / 3600, total / 60 % 60, total % 60)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn north_is_minus_z_and_up_is_y() {
        assert_eq!(map_to_bevy([1.0, 2.0, 3.0]), Vec3::new(1.0, 3.0, -2.0));
        assert_eq!(ground_to_bevy([5.0, -4.0], 0.5), Vec3::new(5.0, 0.5, 4.0));
    }

    #[test]
    fn round_trip() {
        let p = [123.5, -87.25, 42.0];
        assert_eq!(bevy_to_map(map_to_bevy(p)), p);
    }

    #[test]
    fn clock_formatting() {
        assert_eq!(clock_text(9.0 * 3600.0 + 61.4), "09:01:01");
        assert_eq!(clock_text(0.0), "00:00:00");
        assert_eq!(clock_text(f64::NAN), "--:--:--");
    }
}
