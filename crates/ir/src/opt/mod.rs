//! Optimizer passes over a [`Block`](crate::Block).
