//! `f64` rounding for a `no_std` crate: std's `floor`, `ceil`, `round` and `fract` are not in
//! `core`. Each gives exactly std's result for every input, signed zeros and NaN included (the
//! tests compare them with std over the whole `f64` range).

/// 2^52: from here on every `f64` is an integer.
const INTEGRAL: f64 = 4_503_599_627_370_496.0;

/// The earlier of two optional times, as `[a, b].into_iter().flatten().reduce(f64::min)`
/// (whose iterator machinery is ~250 B of wasm).
pub fn earliest(a: Option<f64>, b: Option<f64>) -> Option<f64> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, None) => a,
        (None, b) => b,
    }
}

/// `f64::trunc`.
pub fn trunc(x: f64) -> f64 {
    // Below 2^52 the value fits an i64 and the cast drops exactly the fraction; the sign is put
    // back for -0.x (which truncates to -0.0). NaN, infinities and larger values are integral.
    if x.abs() < INTEGRAL {
        (x as i64 as f64).copysign(x)
    } else {
        x
    }
}

/// `f64::floor`.
pub fn floor(x: f64) -> f64 {
    let t = trunc(x);
    if t > x {
        t - 1.0
    } else {
        t
    }
}

/// `f64::ceil`.
pub fn ceil(x: f64) -> f64 {
    let t = trunc(x);
    if t < x {
        t + 1.0
    } else {
        t
    }
}

/// `f64::round`: half away from zero.
pub fn round(x: f64) -> f64 {
    let t = trunc(x);
    // `x - t` is exact (the fraction of a double is representable), so no double rounding.
    if (x - t).abs() >= 0.5 {
        t + 1.0f64.copysign(x)
    } else {
        t
    }
}

/// `f64::fract`.
pub fn fract(x: f64) -> f64 {
    x - trunc(x)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn same(a: f64, b: f64) -> bool {
        a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan())
    }

    #[test]
    fn earliest_is_the_flattened_min() {
        let times = [None, Some(1.0), Some(-2.5), Some(f64::INFINITY), Some(0.0)];
        for a in times {
            for b in times {
                assert_eq!(earliest(a, b), [a, b].into_iter().flatten().reduce(f64::min), "{a:?} {b:?}");
            }
        }
    }

    fn check(x: f64) {
        assert!(same(trunc(x), x.trunc()), "trunc({x:e})");
        assert!(same(floor(x), x.floor()), "floor({x:e})");
        assert!(same(ceil(x), x.ceil()), "ceil({x:e})");
        assert!(same(round(x), x.round()), "round({x:e})");
        assert!(same(fract(x), x.fract()), "fract({x:e})");
    }

    #[test]
    fn edge_cases_match_std() {
        let edges = [
            0.0,
            0.3,
            0.5,
            0.49999999999999994,
            0.5000000000000001,
            1.0,
            1.5,
            2.5,
            4503599627370495.5,
            4503599627370496.0,
            9007199254740993.0,
            f64::MIN_POSITIVE,
            5e-324,
            f64::MAX,
            f64::INFINITY,
            f64::NAN,
            1e300,
        ];
        for x in edges {
            check(x);
            check(-x);
        }
    }

    proptest! {
        #[test]
        fn any_bits_match_std(bits in any::<u64>()) {
            check(f64::from_bits(bits));
        }

        #[test]
        fn small_values_match_std(x in -1e6f64..1e6, halves in -4_000_000i64..4_000_000) {
            check(x);
            check(halves as f64 / 2.0);
        }
    }
}
