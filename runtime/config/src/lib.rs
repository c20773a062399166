//! dync-runtime-config: the versioned contract between compiler and runtime; filled in by issue C1.
