//! Great-circle distance for geofencing (rule 12).

use serde::{Deserialize, Serialize};

/// The Earth's mean radius, in meters.
pub const EARTH_RADIUS_M: f64 = 6_371_000.0;

/// A position in decimal degrees.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
#[serde(deny_unknown_fields)]
pub struct Position {
    /// Latitude, -90 to 90.
    pub lat: f64,
    /// Longitude, -180 to 180.
    pub lon: f64,
}

impl Position {
    /// The position when both coordinates are finite and in range.
    pub fn checked(lat: f64, lon: f64) -> Option<Position> {
        let ok = lat.is_finite() && lon.is_finite() && lat.abs() <= 90.0 && lon.abs() <= 180.0;
        ok.then_some(Position { lat, lon })
    }

    /// The haversine distance to `other`, in meters.
    ///
    /// Computed with the `libm` crate rather than the platform's math library,
    /// which may round differently in the last place: the phone (wasm) and the
    /// server (native) must find the same distance, or a user at the radius's
    /// edge could be let in by one and refused by the other.
    pub fn distance_m(self, other: Position) -> f64 {
        let (phi1, phi2) = (self.lat.to_radians(), other.lat.to_radians());
        let dphi = (other.lat - self.lat).to_radians();
        let dlambda = (other.lon - self.lon).to_radians();
        let (s_phi, s_lambda) = (libm::sin(dphi / 2.0), libm::sin(dlambda / 2.0));
        let a = s_phi * s_phi + libm::cos(phi1) * libm::cos(phi2) * (s_lambda * s_lambda);
        2.0 * EARTH_RADIUS_M * libm::asin(libm::sqrt(a).clamp(0.0, 1.0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_degree_of_longitude_at_the_equator() {
        let d = Position { lat: 0.0, lon: 0.0 }.distance_m(Position { lat: 0.0, lon: 1.0 });
        assert!((d - 111_194.93).abs() < 0.01, "{d}");
    }

    #[test]
    fn rejects_out_of_range() {
        assert!(Position::checked(91.0, 0.0).is_none());
        assert!(Position::checked(0.0, f64::NAN).is_none());
        assert!(Position::checked(-90.0, 180.0).is_some());
    }
}
