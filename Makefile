# sqlvibe: build, test, benchmark and install.
#
#   make          library (build/libsqlvibe.{so,a}), shell (build/sqlvibe),
#                 then builds and runs examples/quickstart.c against the library
#   make test     every suite; each ends with "N passed, N failed"
#   make bench    sqlvibe vs the system SQLite, same program, same settings
#   make header   regenerate include/sqlvibe.h after changing src/capi/
#   make install  PREFIX=/usr/local DESTDIR= : library, header, sqlvibe.pc
#
# Needs only a Rust toolchain, a C compiler, make, valgrind and libsqlite3-dev.

CARGO   ?= cargo
CC      ?= cc
CFLAGS  ?= -O2 -g
WARN    := -Wall -Wextra -Werror
PREFIX  ?= /usr/local
DESTDIR ?=
VERSION := $(shell sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -1)

BUILD   := build
RELEASE := $(or $(CARGO_TARGET_DIR),target)/release
# Programs find build/libsqlvibe.so without LD_LIBRARY_PATH.
LINK    := -L$(BUILD) -lsqlvibe -Wl,-rpath,$(CURDIR)/$(BUILD)
VALGRIND := valgrind -q --error-exitcode=1 --leak-check=full --errors-for-leak-kinds=definite

CTESTS  := open_close exec prepare_step bind column errors misuse destructors wal concurrency max_rows

.PHONY: FORCE all lib header header-check layers quickstart test cargo-test clippy ctest ctest-sqlite \
        shelltest shelltest-sqlite slt bench install uninstall clean

all: lib $(BUILD)/sqlvibe quickstart

lib: $(BUILD)/libsqlvibe.so

# cargo decides what is stale (so this always asks it); a library is copied
# only when it changed, so C programs relink only when they must.
$(BUILD)/libsqlvibe.so: FORCE
	$(CARGO) build --release
	@mkdir -p $(BUILD)
	@for f in libsqlvibe.so libsqlvibe.a; do \
	  cmp -s $(RELEASE)/$$f $(BUILD)/$$f || cp -p $(RELEASE)/$$f $(BUILD)/$$f; done
	@cmp -s $(RELEASE)/sqlvibe.h include/sqlvibe.h || \
	  echo "warning: include/sqlvibe.h is stale; run 'make header' and commit it"

$(BUILD)/libsqlvibe.a: $(BUILD)/libsqlvibe.so

FORCE:

# Rewrites the committed header from src/capi/ (build.rs does the work).
header:
	SQLVIBE_UPDATE_HEADER=1 $(CARGO) build --release
	@echo "include/sqlvibe.h regenerated"

$(BUILD)/sqlvibe: shell/sqlvibe.c include/sqlvibe.h $(BUILD)/libsqlvibe.so
	$(CC) $(CFLAGS) $(WARN) -Iinclude -o $@ shell/sqlvibe.c $(LINK)

$(BUILD)/quickstart: examples/quickstart.c include/sqlvibe.h $(BUILD)/libsqlvibe.so
	$(CC) $(CFLAGS) $(WARN) -Iinclude -o $@ examples/quickstart.c $(LINK)

quickstart: $(BUILD)/quickstart
	@echo "== examples/quickstart.c"
	cd $(BUILD) && ./quickstart quickstart.db

# ---- tests -----------------------------------------------------------------
# Every suite runs even when an earlier one fails; the exit status is
# non-zero if any failed.
test:
	@fail=0; \
	for suite in header-check layers cargo-test clippy ctest ctest-sqlite shelltest shelltest-sqlite slt; do \
	  echo "== $$suite"; \
	  $(MAKE) --no-print-directory $$suite || fail=1; \
	done; \
	if [ $$fail = 0 ]; then echo "== all suites passed"; else echo "== some suites FAILED"; fi; \
	exit $$fail

# The committed header must equal a fresh generation (build.rs writes the
# fresh one next to the release library).
header-check: lib
	@if cmp -s $(RELEASE)/sqlvibe.h include/sqlvibe.h; then \
	  echo "header: 1 passed, 0 failed"; \
	else \
	  diff -u include/sqlvibe.h $(RELEASE)/sqlvibe.h | head -40; \
	  echo "include/sqlvibe.h differs from a fresh generation: run 'make header' and commit it"; \
	  echo "header: 0 passed, 1 failed"; exit 1; \
	fi

cargo-test:
	@mkdir -p $(BUILD)
	@$(CARGO) test --no-fail-fast 2>&1 | tee $(BUILD)/cargo-test.log; \
	awk '/^test result:/ { for (i = 1; i <= NF; i++) { \
	       if ($$(i+1) ~ /^passed/) p += $$i; if ($$(i+1) ~ /^failed/) f += $$i } } \
	     END { printf "cargo test: %d passed, %d failed\n", p, f; exit (f > 0) }' $(BUILD)/cargo-test.log \
	  && grep -q '^test result:' $(BUILD)/cargo-test.log \
	  && ! grep -q '^error' $(BUILD)/cargo-test.log

# Imports in src/ point down the layers of lib.rs (scripts/layers.py;
# scripts/layers.allow lists the ones still being removed).
layers:
	@python3 scripts/layers.py

clippy:
	@if $(CARGO) clippy --all-targets -- -D warnings; then \
	  echo "clippy: 1 passed, 0 failed"; \
	else echo "clippy: 0 passed, 1 failed"; exit 1; fi

$(BUILD)/c-tests/%: c-tests/%.c c-tests/check.h include/sqlvibe.h $(BUILD)/libsqlvibe.so
	@mkdir -p $(BUILD)/c-tests
	$(CC) $(CFLAGS) $(WARN) -pthread -Iinclude -Ic-tests -o $@ $< $(LINK)

# Each C test under valgrind; a program passes when all its checks pass and
# valgrind reports no errors or definite leaks.
ctest: $(addprefix $(BUILD)/c-tests/,$(CTESTS))
	@passed=0; failed=0; \
	for t in $(CTESTS); do \
	  if $(VALGRIND) $(BUILD)/c-tests/$$t; then passed=$$((passed+1)); \
	  else echo "FAIL c-tests/$$t.c"; failed=$$((failed+1)); fi; \
	done; \
	echo "c-tests: $$passed passed, $$failed failed"; [ $$failed = 0 ]

# The same C tests against the system SQLite: proves the expectations are
# SQLite's behaviour (sqlvibe-only checks are compiled out there).
ctest-sqlite:
	@mkdir -p $(BUILD)/c-tests-sqlite
	@passed=0; failed=0; \
	for t in $(CTESTS); do \
	  $(CC) $(CFLAGS) $(WARN) -pthread -DUSE_SQLITE -Ic-tests -o $(BUILD)/c-tests-sqlite/$$t c-tests/$$t.c -lsqlite3 || exit 1; \
	  if $(BUILD)/c-tests-sqlite/$$t; then passed=$$((passed+1)); else failed=$$((failed+1)); fi; \
	done; \
	echo "c-tests on sqlite3: $$passed passed, $$failed failed"; [ $$failed = 0 ]

shelltest: $(BUILD)/sqlvibe
	@tests/shell/run.sh $(BUILD)/sqlvibe

# The shell built on SQLite must pass its own diff suite (checks the runner
# and the shell's formatting independently of the engine).
$(BUILD)/sqlvibe-on-sqlite3: shell/sqlvibe.c
	@mkdir -p $(BUILD)
	$(CC) $(CFLAGS) $(WARN) -DUSE_SQLITE -Ic-tests -o $@ shell/sqlvibe.c -lsqlite3

shelltest-sqlite: $(BUILD)/sqlvibe-on-sqlite3
	@tests/shell/run.sh $(BUILD)/sqlvibe-on-sqlite3

# SQLite's sqllogictest corpus (SLT_DIR: ../shared/sqllogictest from the main
# checkout, ../../shared/sqllogictest from a worktree) through
# tests/sqllogictest, in release. Plain `cargo test` skips it; SQLVIBE_SLT=1
# runs it. One line per file, then the records whose expectation is not
# SQLite's and the expected failures of features not implemented yet (both
# listed in the runner), then "sqllogictest: N passed, N failed".
SLT_DIR ?= $(firstword $(wildcard ../shared/sqllogictest ../../shared/sqllogictest) ../shared/sqllogictest)
slt:
	@SQLVIBE_SLT=1 SQLVIBE_SLT_DIR=$(abspath $(SLT_DIR)) $(CARGO) test --release --test sqllogictest

# ---- benchmark ---------------------------------------------------------------
$(BUILD)/bench-sqlvibe: benches/bench.c benches/api.h include/sqlvibe.h $(BUILD)/libsqlvibe.so
	$(CC) -O2 $(WARN) -Iinclude -o $@ benches/bench.c $(LINK)

$(BUILD)/bench-sqlite: benches/bench.c benches/api.h
	@mkdir -p $(BUILD)
	$(CC) -O2 $(WARN) -DUSE_SQLITE -o $@ benches/bench.c -lsqlite3

$(BUILD)/rss-sqlvibe: benches/rss.c benches/api.h include/sqlvibe.h $(BUILD)/libsqlvibe.so
	$(CC) -O2 $(WARN) -Iinclude -o $@ benches/rss.c $(LINK)

$(BUILD)/rss-sqlite: benches/rss.c benches/api.h
	@mkdir -p $(BUILD)
	$(CC) -O2 $(WARN) -DUSE_SQLITE -o $@ benches/rss.c -lsqlite3

bench: lib $(BUILD)/bench-sqlvibe $(BUILD)/bench-sqlite $(BUILD)/rss-sqlvibe $(BUILD)/rss-sqlite
	@benches/compare.sh $(BUILD)/bench-sqlvibe $(BUILD)/bench-sqlite
	@echo
	@benches/compare-rss.sh $(BUILD)/rss-sqlvibe $(BUILD)/rss-sqlite

# ---- install -----------------------------------------------------------------
install: lib
	install -d $(DESTDIR)$(PREFIX)/lib $(DESTDIR)$(PREFIX)/include $(DESTDIR)$(PREFIX)/lib/pkgconfig
	install -m 644 $(BUILD)/libsqlvibe.a $(DESTDIR)$(PREFIX)/lib/
	install -m 755 $(BUILD)/libsqlvibe.so $(DESTDIR)$(PREFIX)/lib/
	install -m 644 include/sqlvibe.h $(DESTDIR)$(PREFIX)/include/
	printf 'prefix=%s\nlibdir=$${prefix}/lib\nincludedir=$${prefix}/include\n\nName: sqlvibe\nDescription: Embedded SQL database with a SQLite-shaped C API\nVersion: %s\nLibs: -L$${libdir} -lsqlvibe\nLibs.private: -lgcc_s -lutil -lrt -lpthread -lm -ldl\nCflags: -I$${includedir}\n' \
	  '$(PREFIX)' '$(VERSION)' > $(DESTDIR)$(PREFIX)/lib/pkgconfig/sqlvibe.pc
	@if [ -f $(BUILD)/sqlvibe ]; then install -d $(DESTDIR)$(PREFIX)/bin && install -m 755 $(BUILD)/sqlvibe $(DESTDIR)$(PREFIX)/bin/; fi

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/lib/libsqlvibe.a $(DESTDIR)$(PREFIX)/lib/libsqlvibe.so \
	  $(DESTDIR)$(PREFIX)/include/sqlvibe.h $(DESTDIR)$(PREFIX)/lib/pkgconfig/sqlvibe.pc \
	  $(DESTDIR)$(PREFIX)/bin/sqlvibe

clean:
	$(CARGO) clean
	rm -rf $(BUILD)
