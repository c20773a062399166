//! dync-runtime: executes a dync runtime config (pod mode and `dync run`); built in a later issue (DESIGN.md §5).
