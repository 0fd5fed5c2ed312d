//! Test harness: starts emulators on 127.0.0.1 and tears them down.
