# The configuration: the production sockserv.conf (the installed paths
# substituted) and sockserv.d/, where each service has a file, installed
# with a disabled example.
#
# Each is installed only where none exists yet, so an upgrade never
# overwrites an administrator's file; uninstall removes one only while
# it is still the unmodified original.  The loopback demo configuration
# is contrib/examples/sockserv.conf.
noinst_DATA = etc/sockserv.conf
EXTRA_DIST += etc/sockserv.conf.in etc/sockserv.d/echo.conf
EXTRA_DIST += etc/sockservd.service.in
CLEANFILES += etc/sockserv.conf
etc/sockserv.conf: $(srcdir)/etc/sockserv.conf.in Makefile
	$(AM_V_GEN)$(MKDIR_P) etc && \
	    $(etc_subst) $(srcdir)/etc/sockserv.conf.in > $@

# conf_files: each installed file, as SOURCE:DESTINATION.
conf_files = etc/sockserv.conf:sockserv.conf \
	$(srcdir)/etc/sockserv.d/echo.conf:sockserv.d/echo.conf
install-data-local: install-conf
install-conf: etc/sockserv.conf
	$(MKDIR_P) '$(DESTDIR)$(sysconfdir)/sockserv.d'
	@for f in $(conf_files); do \
	  src=$${f%%:*}; dst='$(DESTDIR)$(sysconfdir)'/$${f#*:}; \
	  if test -f "$$dst"; then \
	    echo "keeping existing $$dst"; \
	  else \
	    echo " $(INSTALL_DATA) $$src $$dst"; \
	    $(INSTALL_DATA) "$$src" "$$dst" || exit 1; \
	  fi; \
	done
uninstall-local:
	@for f in $(conf_files); do \
	  src=$${f%%:*}; dst='$(DESTDIR)$(sysconfdir)'/$${f#*:}; \
	  if cmp -s "$$src" "$$dst"; then rm -f "$$dst"; fi; \
	done
	-rmdir '$(DESTDIR)$(sysconfdir)/sockserv.d' 2>/dev/null

# The systemd unit, with the installed paths substituted.
systemdunitdir = $(prefix)/lib/systemd/system
systemdunit_DATA = etc/sockservd.service
CLEANFILES += etc/sockservd.service
etc/sockservd.service: $(srcdir)/etc/sockservd.service.in Makefile
	$(AM_V_GEN)$(MKDIR_P) etc && \
	    $(etc_subst) $(srcdir)/etc/sockservd.service.in > $@

# The installed paths, substituted into a template (configure leaves
# them as make variables, so make does it).
etc_subst = sed \
	-e 's|@sbindir[@]|$(sbindir)|g' \
	-e 's|@sysconfdir[@]|$(sysconfdir)|g' \
	-e 's|@localstatedir[@]|$(localstatedir)|g' \
	-e 's|@runstatedir[@]|$(runstatedir)|g' \
	-e 's|@systemd_type[@]|$(systemd_type)|g' \
	-e 's|@systemd_reload[@]|$(systemd_reload)|g'

# logrotate(8) for a file log, with the installed paths substituted.
logrotatedir = $(sysconfdir)/logrotate.d
logrotate_DATA = etc/logrotate.d/sockserv
EXTRA_DIST += etc/logrotate.d/sockserv.in
CLEANFILES += etc/logrotate.d/sockserv
etc/logrotate.d/sockserv: $(srcdir)/etc/logrotate.d/sockserv.in Makefile
	$(AM_V_GEN)$(MKDIR_P) etc/logrotate.d && \
	    $(etc_subst) $(srcdir)/etc/logrotate.d/sockserv.in > $@

# The unit: valid (systemd-analyze verify) and hardened (exposure <= 2.0).
TESTS += contrib/check-unit.sh
dist_check_SCRIPTS += contrib/check-unit.sh

# An example socket unit (socket activation), with the other examples.
systemdexampledir = $(docdir)/examples
dist_systemdexample_DATA = etc/sockservd.socket
