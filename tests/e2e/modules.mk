# tests/e2e/modules.mk -- end-to-end scenarios of the exec and xfer
# modules and the sockserv-xfer client (helpers in lib-mod.sh).
E2E_MODULE_TESTS = \
	tests/e2e/t-exec-ucspi.sh \
	tests/e2e/t-exec-zombies.sh \
	tests/e2e/t-exec-timeout.sh \
	tests/e2e/t-exec-orphans.sh \
	tests/e2e/t-exec-leftovers.sh \
	tests/e2e/t-exec-config.sh \
	tests/e2e/t-exec-reset.sh \
	tests/e2e/t-xfer-roundtrip.sh \
	tests/e2e/t-xfer-resume.sh \
	tests/e2e/t-xfer-names.sh \
	tests/e2e/t-xfer-limits.sh \
	tests/e2e/t-xfer-quota.sh \
	tests/e2e/t-xfer-partial-links.sh \
	tests/e2e/t-xfer-busy.sh \
	tests/e2e/t-xfer-progress.sh \
	tests/e2e/t-xfer-client-errors.sh \
	tests/e2e/t-xfer-diskfull.sh \
	tests/e2e/t-xfer-excess.sh \
	tests/e2e/t-xfer-swap.sh
TESTS += $(E2E_MODULE_TESTS)
dist_check_SCRIPTS += $(E2E_MODULE_TESTS)
EXTRA_DIST += tests/e2e/lib-mod.sh
