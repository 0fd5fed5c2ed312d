//! Test and drill support (feature `testing`). Filled in below.
