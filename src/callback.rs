//! Placeholder (issue 4): reading an OAuth/PKCE redirect URL's query and fragment parameters.
