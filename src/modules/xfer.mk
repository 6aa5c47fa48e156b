# src/modules/xfer.mk: rules are added by the subsystem that owns it.
