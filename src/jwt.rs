//! Placeholder (issue 4): decoding a JWT's payload claims without verifying it.
