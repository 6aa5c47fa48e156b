# tests/unit/acl.mk: rules are added by the subsystem that owns it.
