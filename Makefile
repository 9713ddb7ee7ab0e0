# nprec: build, test and demo. Every target that needs system packages depends on `deps`,
# so each works as the first command on a fresh Debian machine.

SWIFT       ?= swift
SUDO        := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
PYTHON      ?= python3
VENV        := .venv-reference
RELEASE_BIN := .build/release/nprec
DEBUG_BIN   := .build/debug/nprec
WERROR      := -Xswiftc -warnings-as-errors

# The git commit that `nprec --version` shows (with -dirty for uncommitted changes): an object
# defining it is linked in with -Xlinker, one object per commit, so a new commit only relinks.
# Outside a git checkout there is none, and the version says "unknown" (as after `swift build`).
COMMIT         := $(shell [ "$$(git rev-parse --show-toplevel 2>/dev/null)" = "$(CURDIR)" ] && \
                    git describe --always --abbrev=12 --dirty --exclude='*' 2>/dev/null)
BUILD_INFO_OBJ := $(if $(COMMIT),.build/commit/nprec-$(COMMIT).o)
BUILD_INFO     := $(if $(COMMIT),-Xlinker $(CURDIR)/$(BUILD_INFO_OBJ))
# The C compiler of that object: the system's, else the Swift toolchain's clang.
BUILD_INFO_CC  ?= $(shell command -v cc 2>/dev/null || command -v clang 2>/dev/null || echo cc)

# pkg-config module => Debian package
PKGS := zlib:zlib1g-dev libdeflate:libdeflate-dev libisal:libisal-dev libpng:libpng-dev libjpeg:libjpeg62-turbo-dev libtiff-4:libtiff-dev hdf5:libhdf5-dev netcdf:libnetcdf-dev libxml-2.0:libxml2-dev draco:libdraco-dev

.PHONY: all deps test-deps build release test conformance cluster-test fixtures bench bench-serve viewer lint format run clean fuzz-volumes fuzz-info fuzz sanitize fuzz-meshes
.PHONY: install uninstall dist install-check dist-check

all: build

# Appends the missing build packages to $$need (pkg-config modules, libxml-2.0 among them for
# GIfTI; libbz2 and meshoptimizer by their headers since they have no pkg-config file; the
# libxml2 runtime that FoundationXML loads, for the OME-XML of TIFF stacks).
CHECK_BUILD = command -v pkg-config >/dev/null 2>&1 || need="$$need pkg-config"; \
	for entry in $(PKGS); do \
	  mod=$${entry%%:*}; pkg=$${entry\#*:}; \
	  if ! command -v pkg-config >/dev/null 2>&1 || ! pkg-config --exists $$mod; then need="$$need $$pkg"; fi; \
	done; \
	[ -f /usr/include/bzlib.h ] || need="$$need libbz2-dev"; \
	[ -f /usr/include/meshoptimizer.h ] || need="$$need libmeshoptimizer-dev"; \
	ldconfig -p 2>/dev/null | grep -q 'libxml2.so.2 ' || need="$$need libxml2";
# Appends the shells of the completion tests.
CHECK_SHELLS = command -v zsh >/dev/null 2>&1 || need="$$need zsh"; \
	command -v fish >/dev/null 2>&1 || need="$$need fish";
# Appends groff, which checks the man pages (make install, make dist, the CLI tests).
CHECK_GROFF = command -v groff >/dev/null 2>&1 || need="$$need groff-base";
# Appends the browser of the viewer checks (Chromium and its WebDriver) and python3-venv.
CHECK_VIEWER = $(PYTHON) -c 'import ensurepip' >/dev/null 2>&1 || need="$$need python3-venv"; \
	command -v chromium >/dev/null 2>&1 || need="$$need chromium"; \
	command -v chromedriver >/dev/null 2>&1 || need="$$need chromium-driver";
# Installs $$need, if anything: one apt-get update, then apt-get install.
APT_INSTALL = if [ -n "$$need" ]; then \
	  echo "make: installing$$need"; \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get update -q && \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $$need; \
	fi

## deps: install the Debian packages the build needs (only those missing)
deps:
	@need=""; $(CHECK_BUILD) $(APT_INSTALL)

## test-deps: deps, plus the shells of the completion tests (zsh, fish) and groff, in one apt-get run
test-deps:
	@need=""; $(CHECK_BUILD) $(CHECK_SHELLS) $(CHECK_GROFF) $(APT_INSTALL)

build: deps
	$(SWIFT) build $(WERROR)

release: deps $(BUILD_INFO_OBJ)
	$(SWIFT) build -c release $(WERROR) $(BUILD_INFO)

## test: unit tests, CLI tests on the real binary, golden comparisons with the reference, then
## make install/uninstall into a temporary DESTDIR and the tarball of make dist, unpacked and run
test: test-deps $(BUILD_INFO_OBJ)
	$(SWIFT) build $(WERROR)
	$(SWIFT) build -c release $(WERROR) $(BUILD_INFO)
	NPREC_BIN=$(CURDIR)/$(RELEASE_BIN) NPREC_COMMIT=$(COMMIT) $(SWIFT) test $(WERROR)
	$(MAKE) --no-print-directory install-check dist-check

$(VENV)/.done:
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install -q "neuroglancer-scripts==1.2.0" nibabel h5py tifffile pynrrd \
	    "numpy<2" "ml-dtypes<0.5" "imagecodecs<2024.9" "tensorstore<0.1.70"
	touch $@

## conformance: live differential tests against neuroglancer-scripts 1.2.0 and tensorstore
conformance: deps $(VENV)/.done .venv-igneous/.done
	$(SWIFT) build -c release $(WERROR)
	NPREC_BIN=$(CURDIR)/$(RELEASE_BIN) CLOUDVOLUME_PYTHON=$(CURDIR)/.venv-igneous/bin/python \
	  $(VENV)/bin/python Tests/conformance/run.py

## fuzz-volumes: corrupt the headers of every volume format's fixtures and check nprec never crashes
FUZZ_RUNS ?= 2000
fuzz-volumes: deps
	$(SWIFT) build -c release $(WERROR)
	NPREC_BIN=$(CURDIR)/$(RELEASE_BIN) $(PYTHON) Tests/fuzz/fuzz_volumes.py --runs $(FUZZ_RUNS)

## fuzz-meshes: corrupt the mesh fixtures (GIfTI, OBJ, PLY, STL, OFF) and check nprec mesh convert never crashes
fuzz-meshes: deps
	$(SWIFT) build -c release $(WERROR)
	NPREC_BIN=$(CURDIR)/$(RELEASE_BIN) $(PYTHON) Tests/fuzz/fuzz_meshes.py --runs $(FUZZ_RUNS)

## fuzz-info: mutate infos, chunks, shards and link CSVs of small datasets and check nprec never crashes
fuzz-info: deps
	$(SWIFT) build -c release $(WERROR)
	NPREC_BIN=$(CURDIR)/$(RELEASE_BIN) $(PYTHON) Tests/fuzz/fuzz_info.py --runs $(FUZZ_RUNS)

## fuzz: libFuzzer on every parser and decoder (nprec-fuzz, AddressSanitizer), each for
## FUZZ_INPUTS inputs (10^5) or FUZZ_SECONDS (300), FUZZ_TARGETS to pick some; crashes are
## saved under Fixtures/fuzz/TARGET/, where the tests replay them. Not part of `make test`.
FUZZ_FLAGS := -c release --product nprec-fuzz --scratch-path .build-fuzz \
	-Xswiftc -sanitize=fuzzer,address -Xswiftc -DNPREC_FUZZ -Xswiftc -use-ld=lld
fuzz: deps
	$(SWIFT) build $(FUZZ_FLAGS)
	$(PYTHON) Tests/fuzz/run_fuzz.py

## sanitize: the whole test suite under AddressSanitizer, then ThreadSanitizer (debug builds in
## .build-asan and .build-tsan; the CLI tests run the sanitized binary, with 10 times the time
## limit; resident-memory tests are skipped; leaks are checked in the nprec processes, not in
## the test process, with suppressions for the Swift runtime's own in Tests/sanitize).
## `make sanitize SANITIZERS=thread` runs one. Not part of `make test`.
SANITIZERS ?= address thread
sanitize: test-deps
	for s in $(SANITIZERS); do \
	  dir=.build-$$(echo $$s | cut -c1)san; \
	  $(SWIFT) build --build-tests --scratch-path $$dir --sanitize=$$s $(WERROR) && \
	  NPREC_SANITIZER=$$s NPREC_TEST_TIME_SCALE=10 LSAN_OPTIONS=suppressions=$(CURDIR)/Tests/sanitize/lsan.supp \
	  ASAN_OPTIONS=detect_leaks=0 NPREC_CHILD_ASAN_OPTIONS=detect_leaks=1 \
	  TSAN_OPTIONS=suppressions=$(CURDIR)/Tests/sanitize/tsan.supp \
	  NPREC_BIN=$(CURDIR)/$$dir/debug/nprec $(SWIFT) test --skip-build --scratch-path $$dir --sanitize=$$s \
	    || exit 1; \
	done

## fixtures: regenerate the committed fixtures and golden files (needs the reference venv)
fixtures: $(VENV)/.done
	$(VENV)/bin/python Fixtures/make_scales_fixtures.py
	$(VENV)/bin/python Fixtures/make_nifti_fixtures.py
	$(VENV)/bin/python Fixtures/make_cseg_fixtures.py
	$(VENV)/bin/python Fixtures/make_image_fixtures.py
	$(VENV)/bin/python Fixtures/make_mesh_fixtures.py
	$(VENV)/bin/python Fixtures/make_slice_fixtures.py
	$(VENV)/bin/python Fixtures/make_sample.py

CLUSTER_PYTHON := /usr/bin/python3
# Appends the missing packages of the cluster tests: Slurm and munge, GNU parallel, PyYAML for
# Debian's python3 (the one that runs check_k8s_manifest.py).
CHECK_CLUSTER = command -v slurmctld >/dev/null 2>&1 && command -v slurmd >/dev/null 2>&1 && \
	  command -v sbatch >/dev/null 2>&1 || need="$$need slurm-wlm"; \
	command -v munged >/dev/null 2>&1 || need="$$need munge"; \
	command -v parallel >/dev/null 2>&1 || need="$$need parallel"; \
	$(CLUSTER_PYTHON) -c 'import yaml' >/dev/null 2>&1 || need="$$need python3-yaml";

## cluster-test: split pyramids through GNU parallel, the Kubernetes manifest's commands run locally,
## and a real one-node Slurm cluster (array job + dependent job), each byte-identical to one run.
## Packages go through apt_install.sh, which keeps their install scripts from starting services.
cluster-test: release
	@need=""; $(CHECK_CLUSTER) if [ -n "$$need" ]; then $(SUDO) Tests/cluster/apt_install.sh $$need; fi
	Tests/cluster/parallel_test.sh $(RELEASE_BIN)
	$(CLUSTER_PYTHON) Tests/cluster/check_k8s_manifest.py $(RELEASE_BIN) deploy/kubernetes/nprec-pyramid-job.yaml
	$(SUDO) Tests/cluster/slurm_test.sh $(RELEASE_BIN)

lint:
	$(SWIFT) format lint --strict --recursive Sources Tests Package.swift

format:
	$(SWIFT) format --in-place --recursive Sources Tests Package.swift

## run: convert the bundled sample and say how to view it
run: deps
	$(SWIFT) build -c release $(WERROR)
	@sh Fixtures/demo.sh $(RELEASE_BIN)

clean:
	rm -rf .build .build-dist dist out

.venv-bench/.done:
	$(PYTHON) -m venv .venv-bench
	.venv-bench/bin/pip install -q tinybrain compressed-segmentation numpy
	touch $@

# igneous (seung-lab's igneous-pipeline, binary wheels only: no compiler or apt package) beside the
# reference in make bench, with nibabel for its `image create` from NIfTI files.
.venv-igneous/.done:
	$(PYTHON) -m venv .venv-igneous
	.venv-igneous/bin/pip install -q "igneous-pipeline==4.37.0" nibabel
	touch $@

# Appends the missing packages of the benchmarks: GNU time, wrk, nginx. They go through
# Tests/cluster/apt_install.sh (one apt-get update), which keeps nginx's install script from
# starting the system's nginx service: serve_bench.py runs its own nginx, as the current user.
CHECK_BENCH = [ -x /usr/bin/time ] || need="$$need time"; \
	command -v wrk >/dev/null 2>&1 || need="$$need wrk"; \
	[ -x /usr/sbin/nginx ] || command -v nginx >/dev/null 2>&1 || need="$$need nginx";

## bench: nprec against the reference and igneous side by side (wall, CPU, peak memory), stage
## throughputs, then `nprec serve` against nginx under wrk
bench: deps $(VENV)/.done .venv-bench/.done .venv-igneous/.done
	@need=""; $(CHECK_BENCH) if [ -n "$$need" ]; then $(SUDO) Tests/cluster/apt_install.sh $$need; fi
	$(SWIFT) build -c release $(WERROR)
	NPREC_BIN=$(CURDIR)/$(RELEASE_BIN) NPREC_BENCH_BIN=$(CURDIR)/.build/release/nprec-bench \
	  ANCHOR_PYTHON=$(CURDIR)/.venv-bench/bin/python IGNEOUS_BIN=$(CURDIR)/.venv-igneous/bin/igneous \
	  $(VENV)/bin/python Tests/bench/bench.py
	NPREC_BIN=$(CURDIR)/$(RELEASE_BIN) $(PYTHON) Tests/bench/serve_bench.py

## bench-serve: only `nprec serve` against nginx (wrk on loopback: requests/s, p99, errors)
bench-serve: deps
	@need=""; $(CHECK_BENCH) if [ -n "$$need" ]; then $(SUDO) Tests/cluster/apt_install.sh $$need; fi
	$(SWIFT) build -c release $(WERROR)
	NPREC_BIN=$(CURDIR)/$(RELEASE_BIN) $(PYTHON) Tests/bench/serve_bench.py

.venv-viewer/.done:
	$(PYTHON) -m venv .venv-viewer
	.venv-viewer/bin/pip install -q neuroglancer selenium
	touch $@

## viewer: datasets of every kind served by `nprec serve` and shown in the real Neuroglancer
## viewer (headless Chromium, software WebGL); in CI
viewer:
	@need=""; $(CHECK_BUILD) $(CHECK_VIEWER) $(APT_INSTALL)
	$(MAKE) --no-print-directory .venv-viewer/.done
	$(SWIFT) build -c release $(WERROR) --product nprec
	.venv-viewer/bin/python Tests/viewer/check_viewer.py $(CURDIR)/$(RELEASE_BIN)

$(BUILD_INFO_OBJ):
	@mkdir -p $(@D)
	printf 'const char nprec_build_commit_text[] = "%s";\n' '$(COMMIT)' | $(BUILD_INFO_CC) -x c -c -fPIC -o $@ -

PREFIX  ?= /usr/local
DESTDIR ?=
VERSION := $(shell sed -n 's/.*static let version = "\(.*\)"/\1/p' Sources/NPrecCLI/Registry.swift)
ARCH    := $(shell uname -m)
# The installed files, relative to PREFIX, as `make install` wrote them: `make uninstall` removes these.
MANIFEST := share/nprec/install-manifest

# $(call DOCS,BINARY,DIR): the man pages (DIR/man1) and completions (DIR/completions) that BINARY
# generates from its command registry; when groff is installed, a page it warns about
# (groff -man -ww) stops the build.
DOCS = rm -rf $(2) && mkdir -p $(2)/completions && \
	$(1) help --man $(2)/man1 >/dev/null && \
	$(1) completion bash >$(2)/completions/nprec && \
	$(1) completion zsh >$(2)/completions/_nprec && \
	$(1) completion fish >$(2)/completions/nprec.fish && \
	if command -v groff >/dev/null 2>&1; then for page in $(2)/man1/*.1; do \
	  warnings=$$(groff -man -ww -z $$page 2>&1); \
	  if [ -n "$$warnings" ]; then echo "$$warnings" >&2; exit 1; fi; done; fi

## install: the release binary, shell completions and man pages under $(DESTDIR)$(PREFIX)
## (PREFIX=/usr/local), with a manifest of the files (share/nprec/install-manifest)
install: release
	@$(call DOCS,$(RELEASE_BIN),.build/install-docs)
	@set -e; root="$(DESTDIR)$(PREFIX)"; docs=.build/install-docs; \
	if [ -f "$$root/$(MANIFEST)" ]; then $(MAKE) --no-print-directory uninstall; fi; \
	: >$$docs/manifest; \
	put() { install -D -m $$1 "$$2" "$$root/$$3"; echo "$$3" >>$$docs/manifest; echo "installed $$root/$$3"; }; \
	put 755 $(RELEASE_BIN) bin/nprec; \
	put 644 $$docs/completions/nprec share/bash-completion/completions/nprec; \
	put 644 $$docs/completions/_nprec share/zsh/site-functions/_nprec; \
	put 644 $$docs/completions/nprec.fish share/fish/vendor_completions.d/nprec.fish; \
	for page in $$docs/man1/*.1; do put 644 $$page share/man/man1/$${page##*/}; done; \
	echo "$(MANIFEST)" >>$$docs/manifest; install -D -m 644 $$docs/manifest "$$root/$(MANIFEST)"

## uninstall: removes the files of $(DESTDIR)$(PREFIX)/share/nprec/install-manifest, and nothing else
uninstall:
	@set -e; root="$(DESTDIR)$(PREFIX)"; \
	if [ ! -f "$$root/$(MANIFEST)" ]; then echo "make: no $$root/$(MANIFEST): nprec is not installed there" >&2; exit 1; fi; \
	while IFS= read -r file; do \
	  case "$$file" in ""|/*|*..*) echo "make: bad line in the manifest: '$$file'" >&2; exit 1;; esac; \
	  rm -f "$$root/$$file"; echo "removed $$root/$$file"; \
	done <"$$root/$(MANIFEST)"; \
	rmdir "$$root/share/nprec" 2>/dev/null || true

DIST_NAME := nprec-$(VERSION)-linux-$(ARCH)
DIST_BIN  := .build-dist/release/nprec

## dist: dist/nprec-VERSION-linux-ARCH.tar.gz, the release binary with the Swift runtime linked in
## (--static-swift-stdlib, built in .build-dist), completions, man pages, README.md and LICENSE
dist: deps $(BUILD_INFO_OBJ)
	$(SWIFT) build -c release --static-swift-stdlib --scratch-path .build-dist --product nprec $(WERROR) $(BUILD_INFO)
	@$(call DOCS,$(DIST_BIN),.build-dist/docs)
	@set -e; stage=.build-dist/stage/$(DIST_NAME); rm -rf .build-dist/stage; \
	install -D -m 755 $(DIST_BIN) $$stage/bin/nprec; \
	install -D -m 644 .build-dist/docs/completions/nprec $$stage/share/bash-completion/completions/nprec; \
	install -D -m 644 .build-dist/docs/completions/_nprec $$stage/share/zsh/site-functions/_nprec; \
	install -D -m 644 .build-dist/docs/completions/nprec.fish $$stage/share/fish/vendor_completions.d/nprec.fish; \
	mkdir -p $$stage/share/man/man1; install -m 644 .build-dist/docs/man1/*.1 $$stage/share/man/man1/; \
	install -m 644 README.md LICENSE $$stage/; \
	mkdir -p dist; \
	tar -C .build-dist/stage --sort=name --owner=0 --group=0 --numeric-owner -czf dist/$(DIST_NAME).tar.gz.tmp $(DIST_NAME); \
	mv dist/$(DIST_NAME).tar.gz.tmp dist/$(DIST_NAME).tar.gz; echo "wrote dist/$(DIST_NAME).tar.gz"

## install-check: make install and make uninstall into a temporary DESTDIR (Tests/dist/check_install.sh)
install-check: release
	Tests/dist/check_install.sh

## dist-check: make dist, then the tarball unpacked in a temporary directory: its files, ldd (no
## library of the Swift toolchain) and a pyramid in a bare environment (Tests/dist/check_dist.sh)
dist-check: dist
	Tests/dist/check_dist.sh dist/$(DIST_NAME).tar.gz $(COMMIT)
