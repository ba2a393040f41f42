# ofdoctor — `make test` runs everything CI runs; `make demo` shows the main job.
SWIFT    ?= swift
FIXTURES := .build/fixtures
# roots build-generated-roots.py mixes from a seed (`make test GENERATED_SEED=7` for others)
GENERATED_ROOTS ?= 60
GENERATED_SEED  ?= 1
GENERATED_BULLSEYE_ROOTS ?= 30
GENERATED_TRIXIE_ROOTS   ?= 30
GENERATED_SPLIT_ROOTS    ?= 30
# roots of other seeds that once showed a fault (SEED:N), kept as regressions
GENERATED_ALSO          ?= 3:56,6:7,6:19,27:18,66:35
GENERATED_BULLSEYE_ALSO ?= 5:48
PREFIX   ?= /usr/local

.PHONY: all deps build man fixtures bullseye generated-bullseye generated-split trixie generated-trixie rules-trixie test test-mkl demo differential release bench fuzz install clean

all: build

deps:
	@bash scripts/deps.sh

build: deps
	$(SWIFT) build

# docs/ofdoctor.1 from the same definitions as --help (a test fails when it is stale).
man: build
	.build/debug/ofdoctor --generate-manual > docs/ofdoctor.1

fixtures: deps
	bash Tests/Fixtures/build-roots.sh $(FIXTURES)
	bash Tests/Fixtures/build-rule-roots.sh $(FIXTURES)
	python3 Tests/Fixtures/build-generated-roots.py $(FIXTURES) $(GENERATED_ROOTS) $(GENERATED_SEED) --also $(GENERATED_ALSO)

# A Debian 11 root (glibc 2.31, the image's) and a Debian 13 root (glibc 2.41, a loader
# without legacy hwcaps) for the differentials: debootstrap once each (about 60 s),
# cached in /var/cache/ofdoctor-bullseye and /var/cache/ofdoctor-trixie.
bullseye:
	bash scripts/debian-root.sh bullseye

trixie:
	bash scripts/debian-root.sh trixie

# Generated roots with that root's glibc 2.31 loader, libc and ldconfig.
generated-bullseye: bullseye
	python3 Tests/Fixtures/build-generated-roots.py $(FIXTURES) $(GENERATED_BULLSEYE_ROOTS) $(GENERATED_SEED) --glibc-root /var/cache/ofdoctor-bullseye --also $(GENERATED_BULLSEYE_ALSO)

# And laid out without merged /usr (/lib, /lib64, /bin directories of their own), with 2.31.
generated-split: bullseye
	python3 Tests/Fixtures/build-generated-roots.py $(FIXTURES) $(GENERATED_SPLIT_ROOTS) $(GENERATED_SEED) --glibc-root /var/cache/ofdoctor-bullseye --split-usr

# And with the trixie root's glibc 2.41; the rule roots again with that glibc too.
generated-trixie: trixie
	python3 Tests/Fixtures/build-generated-roots.py $(FIXTURES) $(GENERATED_TRIXIE_ROOTS) $(GENERATED_SEED) --glibc-root /var/cache/ofdoctor-trixie

rules-trixie: fixtures trixie
	bash Tests/Fixtures/retarget-rule-roots.sh $(FIXTURES) /var/cache/ofdoctor-trixie trixie

# Unit tests, the readelf and ld.so differentials (samples, on this machine and on the
# bullseye and trixie roots), fixture roots judged by the real loader in chroot, the CLI end to end,
# and the static release binary in an empty root and in a chroot without /proc.
test: deps fixtures bullseye generated-bullseye generated-split trixie generated-trixie rules-trixie release
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build

# Issue 10 against the real Intel MKL wheel (254 MB, cached in /var/cache/ofdoctor-mkl).
test-mkl: build
	bash scripts/test-mkl.sh

# Every ELF file of the machine against ld.so --list, every library against ldd -r; the
# same for the bullseye (glibc 2.31) and trixie (2.41) roots with their own loaders in chroot.
differential: deps bullseye trixie
	$(SWIFT) build --build-tests
	OFDOCTOR_DIFFERENTIAL=full $(SWIFT) test --skip-build --filter 'MachineDifferential|SymbolDifferential|DebianRootDifferential'

demo: deps fixtures build
	bash scripts/demo.sh

release: deps
	bash scripts/release.sh

bench: release
	@bash scripts/deps.sh python3-pyelftools libopencv-dev gdb
	bash scripts/bench/run.sh

fuzz: deps
	bash scripts/fuzz/run.sh 60

# Binary, man page and shell completions, the last two written by the binary itself from
# its command definitions. BIN defaults to the release build.
BIN ?= dist/ofdoctor
install:
	@[ -x "$(BIN)" ] || $(MAKE) release
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1 \
	  $(DESTDIR)$(PREFIX)/share/bash-completion/completions $(DESTDIR)$(PREFIX)/share/zsh/site-functions \
	  $(DESTDIR)$(PREFIX)/share/fish/vendor_completions.d
	install -m 755 $(BIN) $(DESTDIR)$(PREFIX)/bin/ofdoctor
	$(BIN) --generate-manual > $(DESTDIR)$(PREFIX)/share/man/man1/ofdoctor.1
	chmod 644 $(DESTDIR)$(PREFIX)/share/man/man1/ofdoctor.1
	$(BIN) --generate-completion-script bash > $(DESTDIR)$(PREFIX)/share/bash-completion/completions/ofdoctor
	$(BIN) --generate-completion-script zsh > $(DESTDIR)$(PREFIX)/share/zsh/site-functions/_ofdoctor
	$(BIN) --generate-completion-script fish > $(DESTDIR)$(PREFIX)/share/fish/vendor_completions.d/ofdoctor.fish

clean:
	rm -rf .build dist
