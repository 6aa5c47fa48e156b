# tests/e2e/priv.mk -- end-to-end scenarios for privileges, address rules
# and limits: the real sockservd on loopback, inspected through
# /proc/PID/status and real clients.  t-priv-* (except t-priv-nonroot)
# need root and exit 77 otherwise; lib-priv.sh holds their helpers.
EXTRA_DIST += tests/e2e/lib-priv.sh

E2E_PRIV_TESTS = \
	tests/e2e/t-priv-root-drop.sh \
	tests/e2e/t-priv-service-user.sh \
	tests/e2e/t-priv-every-process.sh \
	tests/e2e/t-priv-strictmodes.sh \
	tests/e2e/t-priv-nonroot.sh \
	tests/e2e/t-priv-unit.sh \
	tests/e2e/t-priv-log-symlink.sh \
	tests/e2e/t-priv-socket-symlink.sh \
	tests/e2e/t-priv-socket-mode.sh \
	tests/e2e/t-priv-pidfile-symlink.sh \
	tests/e2e/t-priv-dir-writable.sh \
	tests/e2e/t-priv-removable.sh \
	tests/e2e/t-acl-v4.sh \
	tests/e2e/t-acl-v6.sh \
	tests/e2e/t-acl-mapped.sh \
	tests/e2e/t-limits-per-source.sh \
	tests/e2e/t-limits-timeout.sh \
	tests/e2e/t-limits-slowloris.sh \
	tests/e2e/t-limits-max-children.sh \
	tests/e2e/t-limits-emfile.sh

TESTS += $(E2E_PRIV_TESTS)
dist_check_SCRIPTS += $(E2E_PRIV_TESTS)
