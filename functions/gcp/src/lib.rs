//! aiir on gcp (in progress).
