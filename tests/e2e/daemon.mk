# tests/e2e/daemon.mk: end-to-end scenarios of sockservd, one per file.
# Each starts the real daemon from the build tree on a temporary loopback
# config (tests/e2e/lib.sh) and needs the test modules of tests/mod.
EXTRA_DIST += tests/e2e/lib.sh

E2E_DAEMON_TESTS = \
	tests/e2e/t-modes-echo.sh \
	tests/e2e/t-conf-errors.sh \
	tests/e2e/t-conf-include.sh \
	tests/e2e/t-conf-idle.sh \
	tests/e2e/t-conf-dump.sh \
	tests/e2e/t-fork-nozombie.sh \
	tests/e2e/t-fork-ahead.sh \
	tests/e2e/t-max-children.sh \
	tests/e2e/t-reload-load.sh \
	tests/e2e/t-reload-module.sh \
	tests/e2e/t-reload-bad.sh \
	tests/e2e/t-prefork-respawn.sh \
	tests/e2e/t-prefork-dgram-recycle.sh \
	tests/e2e/t-crashloop.sh \
	tests/e2e/t-dgram-reply-error.sh \
	tests/e2e/t-sigterm-drain.sh \
	tests/e2e/t-sigint-group.sh \
	tests/e2e/t-sigterm-reload.sh \
	tests/e2e/t-daemon-mode.sh \
	tests/e2e/t-daemon-detach.sh \
	tests/e2e/t-log-reopen.sh \
	tests/e2e/t-logrotate.sh \
	tests/e2e/t-systemd-notify.sh \
	tests/e2e/t-systemd-socket.sh \
	tests/e2e/t-journal-prefix.sh \
	tests/e2e/t-valgrind-reload.sh

TESTS += $(E2E_DAEMON_TESTS)
dist_check_SCRIPTS += $(E2E_DAEMON_TESTS)
