//! Prompt and output anomaly detection.
