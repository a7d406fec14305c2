//! How long records live: pure retention rules of (record metadata, now) and the worker that runs them. Built in the retention issue; empty until then.
