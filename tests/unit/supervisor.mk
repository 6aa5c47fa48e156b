# tests/unit/supervisor.mk: rules are added by the subsystem that owns it.
