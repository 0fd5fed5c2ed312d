//! aiir on azure (in progress).
