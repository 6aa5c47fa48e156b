# etc: rules are added by the subsystem that owns it.
