# tests/unit/lib.mk: rules are added by the subsystem that owns it.
