# tests/e2e/modules.mk: rules are added by the subsystem that owns it.
