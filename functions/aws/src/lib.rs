//! aiir on AWS.
