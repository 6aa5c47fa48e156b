# tests/e2e/bench.mk: rules are added by the subsystem that owns it.
