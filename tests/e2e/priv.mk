# tests/e2e/priv.mk: rules are added by the subsystem that owns it.
