//! Data, concept and embedding drift (Evidently / River compatible).
