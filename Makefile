# geoha: one non-recursive Makefile.
#
# Everything is discovered, nothing is listed twice:
#   lib/*.c                  -> build/libgeoha.a
#   agents/NAME/*.c          -> build/agents/NAME  (installed as ocf:geoha:NAME)
#   fence/fence_geoha/*.c    -> build/fence_geoha
#   tests/unit/test_*.c      -> build/tests/unit/test_*   (cmocka, TAP)
#   tests/tools/*.c          -> build/tests/tools/*       (test drivers)
#   tests/**/run             -> test suites run by `make check` (TAP)

PREFIX ?= /usr
DESTDIR ?=
OCF_ROOT ?= $(PREFIX)/lib/ocf
SBINDIR ?= $(PREFIX)/sbin
DOCDIR ?= $(PREFIX)/share/doc/geoha
# The configuration templates an admin renders (geoha.crm, corosync.conf,
# geoha.params, mariadb-geoha.cnf): data, not documentation.
DATADIR ?= $(PREFIX)/share/geoha
CC ?= gcc
BUILD ?= build
CFLAGS ?= -O2 -g
LDFLAGS ?=

# pacemaker: its headers only (OCF exit codes); the cluster is asked
# through crm_mon (lib/cib.c).
PKGS := libqb libcurl libxml-2.0 jansson libmariadb libquorum pacemaker
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
# libcurl and libxml2 are compiled against but loaded on first use
# (lib/curl_dl.c, lib/cib.c), so agents that never talk to Azure or ask
# the cluster do not pay for loading them.
PKG_LIBS = $(shell pkg-config --libs \
             $(filter-out libcurl libxml-2.0,$(PKGS)) 2>/dev/null)
CMOCKA_LIBS = $(shell pkg-config --libs cmocka 2>/dev/null)

WARN := -std=gnu11 -Wall -Wextra -Werror -Wformat=2 -Wshadow \
        -Wstrict-prototypes
ALL_CFLAGS = $(WARN) -D_GNU_SOURCE -pthread $(CFLAGS) -Iinclude $(PKG_CFLAGS) -MMD -MP \
             -DGEOHA_VERSION='"$(VERSION)"'
ALL_LDFLAGS = -pthread -Wl,--as-needed $(LDFLAGS)
VERSION := 0.1.0

LIB_SRCS := $(sort $(wildcard lib/*.c))
LIB_OBJS := $(LIB_SRCS:%.c=$(BUILD)/obj/%.o)
LIBGEOHA := $(BUILD)/libgeoha.a

AGENTS := $(sort $(notdir $(patsubst %/,%,$(dir $(wildcard agents/*/*.c)))))
AGENT_BINS := $(AGENTS:%=$(BUILD)/agents/%)
FENCE_SRCS := $(wildcard fence/fence_geoha/*.c)
FENCE_BINS := $(if $(FENCE_SRCS),$(BUILD)/fence_geoha)
UNIT_SRCS := $(sort $(wildcard tests/unit/test_*.c))
UNIT_BINS := $(UNIT_SRCS:%.c=$(BUILD)/%)
RENDER_BIN := $(BUILD)/geoha-render
TOOL_SRCS := $(sort $(wildcard tests/tools/*.c))
TOOL_BINS := $(TOOL_SRCS:%.c=$(BUILD)/%)

.PHONY: all deps check check-build lint install uninstall clean demo \
        bench asan format
.DEFAULT_GOAL := all
.SECONDARY:

all: $(AGENT_BINS) $(FENCE_BINS) $(RENDER_BIN) $(UNIT_BINS) $(TOOL_BINS)

# Objects live under build/obj/ so they never clash with program names.
$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(LIBGEOHA): $(LIB_OBJS)
	@mkdir -p $(dir $@)
	rm -f $@
	ar rcs $@ $^

define agent_rule
$(BUILD)/agents/$(1): $(patsubst %.c,$(BUILD)/obj/%.o,$(wildcard agents/$(1)/*.c)) $(LIBGEOHA)
	@mkdir -p $$(dir $$@)
	$$(CC) $$(ALL_LDFLAGS) -o $$@ $$^ $$(PKG_LIBS)
endef
$(foreach a,$(AGENTS),$(eval $(call agent_rule,$(a))))

$(BUILD)/fence_geoha: $(FENCE_SRCS:%.c=$(BUILD)/obj/%.o) $(LIBGEOHA)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(PKG_LIBS)

# The configuration renderer admins run on crm-config/ (installed too).
$(RENDER_BIN): $(BUILD)/obj/crm-config/geoha-render.o $(LIBGEOHA)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(PKG_LIBS)

$(BUILD)/tests/unit/%: $(BUILD)/obj/tests/unit/%.o $(LIBGEOHA)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_LDFLAGS) -o $@ $(filter %.o,$^) $(filter %.a,$^) $(PKG_LIBS) $(CMOCKA_LIBS)

# The mysql agent's pure scoring function, tested on its own.
$(BUILD)/tests/unit/test_mysql_score: $(BUILD)/obj/agents/mysql/score.o
# The azure-events agent's document reader and planner, likewise.
$(BUILD)/tests/unit/test_azure_events: $(BUILD)/obj/agents/azure-events/events.o

$(BUILD)/tests/tools/%: $(BUILD)/obj/tests/tools/%.o $(LIBGEOHA)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(PKG_LIBS)

# Installs every Debian package the build, the tests and the demo need.
deps:
	@tools/deps.sh

# The same programs again under AddressSanitizer + UBSan, in build-asan/.
asan:
	$(MAKE) BUILD=build-asan \
	  CFLAGS="-O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all" \
	  LDFLAGS="-fsanitize=address,undefined" all

# TEST-ONLY: the watchdog emulation's LD_PRELOAD shim for sbd
# (tests/watchdog/README.md); never installed. tests/watchdog/run and the
# cluster harness build it themselves when it is missing.
WDSHIM := $(BUILD)/tests/watchdog/wdshim.so
$(WDSHIM): tests/watchdog/wdshim.c
	@mkdir -p $(dir $@)
	$(CC) $(WARN) -D_GNU_SOURCE $(CFLAGS) -shared -fPIC -o $@ $< -ldl

check-build: all asan $(WDSHIM)

# Every test suite the project has; ends with "N passed, N failed".
check: deps
	$(MAKE) -j$$(nproc) check-build
	python3 tests/runner.py

lint:
	@tools/lint.sh

format:
	clang-format -i $(LIB_SRCS) $(wildcard include/geoha/*.h agents/*/*.c agents/*/*.h fence/*/*.c fence/*/*.h crm-config/*.c tests/unit/*.c tests/tools/*.c)

bench: deps all
	@if [ -x tests/bench/run ]; then tests/bench/run; else \
	  echo "make bench: no benchmarks yet (tests/bench/run)"; exit 1; fi

demo: deps all
	@if [ -x tests/cluster/demo ]; then tests/cluster/demo; else \
	  echo "make demo: the two-region cluster demo (tests/cluster/demo) is not built yet;"; \
	  echo "see issue 10. What exists today: make check."; exit 1; fi

install: $(AGENT_BINS) $(FENCE_BINS) $(RENDER_BIN)
	install -d $(DESTDIR)$(OCF_ROOT)/resource.d/geoha
	for a in $(AGENTS); do \
	  install -m 0755 $(BUILD)/agents/$$a $(DESTDIR)$(OCF_ROOT)/resource.d/geoha/$$a; \
	done
	$(if $(FENCE_BINS),install -d $(DESTDIR)$(SBINDIR) && install -m 0755 $(BUILD)/fence_geoha $(DESTDIR)$(SBINDIR)/fence_geoha)
	install -d $(DESTDIR)$(SBINDIR)
	install -m 0755 $(RENDER_BIN) $(DESTDIR)$(SBINDIR)/geoha-render
	install -d $(DESTDIR)$(DATADIR) $(DESTDIR)$(DOCDIR)
	install -m 0644 crm-config/geoha.crm crm-config/geoha.params \
	  crm-config/corosync.conf crm-config/mariadb-geoha.cnf \
	  crm-config/sbd.default $(DESTDIR)$(DATADIR)/
	install -m 0644 README.md docs/SAFETY.md crm-config/runbook.md \
	  crm-config/witness.md $(DESTDIR)$(DOCDIR)/

uninstall:
	rm -rf $(DESTDIR)$(OCF_ROOT)/resource.d/geoha $(DESTDIR)$(DOCDIR) \
	  $(DESTDIR)$(DATADIR)
	rm -f $(DESTDIR)$(SBINDIR)/fence_geoha $(DESTDIR)$(SBINDIR)/geoha-render

clean:
	rm -rf build build-asan

-include $(shell find $(BUILD) -name '*.d' -type f 2>/dev/null)

# ==== Man pages and the Debian package (issue 21) ====
# The man pages are generated from what each program says about itself
# (tools/mkman.py): ocf_geoha_NAME(7) from the agent's meta-data,
# fence_geoha(8) from its metadata, geoha-render(8) from its --help on the
# shipped geoha.params. `make install` installs them; `make deb` builds the
# Debian package (debian/) in a copy of the tree, into $(DEB_DIR).
MANDIR ?= $(PREFIX)/share/man
DEB_DIR ?= $(BUILD)/deb
MAN_DIR := $(BUILD)/man
# The footer's date: SOURCE_DATE_EPOCH (dpkg-buildpackage sets it from
# debian/changelog) when set, so that a package build is reproducible.
MAN_DATE := $(shell date -u -d "@$${SOURCE_DATE_EPOCH:-$$(date +%s)}" +%Y-%m-%d)
MAN7 := $(AGENTS:%=$(MAN_DIR)/ocf_geoha_%.7)
MAN8 := $(if $(FENCE_BINS),$(MAN_DIR)/fence_geoha.8) $(MAN_DIR)/geoha-render.8
MAN_PAGES := $(MAN7) $(MAN8)
MKMAN = python3 tools/mkman.py --version $(VERSION) --date $(MAN_DATE) \
        --ocf-dir $(OCF_ROOT)/resource.d/geoha --datadir $(DATADIR) \
        --agents "$(AGENTS)"

.PHONY: man deb install-man uninstall-man

man: $(MAN_PAGES)

# The installed paths the pages name: a page is made again when they change.
$(MAN_DIR)/paths: FORCE
	@mkdir -p $(dir $@)
	@echo '$(VERSION) $(OCF_ROOT) $(DATADIR)' | cmp -s - $@ \
	  || echo '$(VERSION) $(OCF_ROOT) $(DATADIR)' > $@
FORCE:

$(MAN_DIR)/ocf_geoha_%.7: $(BUILD)/agents/% tools/mkman.py $(MAN_DIR)/paths
	env -i $< meta-data > $@.xml
	$(MKMAN) ocf $@.xml > $@.tmp
	rm -f $@.xml && mv $@.tmp $@

$(MAN_DIR)/fence_geoha.8: $(BUILD)/fence_geoha tools/mkman.py $(MAN_DIR)/paths
	env -i $< -o metadata > $@.xml
	$(MKMAN) fence $@.xml > $@.tmp
	rm -f $@.xml && mv $@.tmp $@

$(MAN_DIR)/geoha-render.8: $(RENDER_BIN) crm-config/geoha.params tools/mkman.py \
                           $(MAN_DIR)/paths
	$(RENDER_BIN) --help --params crm-config/geoha.params > $@.txt
	$(MKMAN) render $@.txt > $@.tmp
	rm -f $@.txt && mv $@.tmp $@

install: install-man
install-man: $(MAN_PAGES)
	install -d $(DESTDIR)$(MANDIR)/man7 $(DESTDIR)$(MANDIR)/man8
	install -m 0644 $(MAN7) $(DESTDIR)$(MANDIR)/man7/
	install -m 0644 $(MAN8) $(DESTDIR)$(MANDIR)/man8/

uninstall: uninstall-man
uninstall-man:
	rm -f $(patsubst $(MAN_DIR)/%,$(DESTDIR)$(MANDIR)/man7/%,$(MAN7)) \
	  $(patsubst $(MAN_DIR)/%,$(DESTDIR)$(MANDIR)/man8/%,$(MAN8))

# geoha_$(VERSION)-N_ARCH.deb in $(DEB_DIR); needs debhelper and dpkg-dev
# (make deps).
deb:
	tools/mkdeb.sh $(DEB_DIR)
