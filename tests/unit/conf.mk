# tests/unit/conf.mk: rules are added by the subsystem that owns it.
