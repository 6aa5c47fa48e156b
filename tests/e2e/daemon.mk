# tests/e2e/daemon.mk: rules are added by the subsystem that owns it.
