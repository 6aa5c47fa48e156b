# The benchmark's smoke test: keeps contrib/bench working, asserts nothing
# about speed.
TESTS += tests/e2e/t-bench-smoke.sh
dist_check_SCRIPTS += tests/e2e/t-bench-smoke.sh
