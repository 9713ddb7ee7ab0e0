# nprec: build, test and demo. Every target that needs system packages depends on `deps`,
# so each works as the first command on a fresh Debian machine.

SWIFT       ?= swift
SUDO        := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
PYTHON      ?= python3
VENV        := .venv-reference
RELEASE_BIN := .build/release/nprec
DEBUG_BIN   := .build/debug/nprec
WERROR      := -Xswiftc -warnings-as-errors

# pkg-config module => Debian package
PKGS := zlib:zlib1g-dev libdeflate:libdeflate-dev libisal:libisal-dev libpng:libpng-dev libjpeg:libjpeg62-turbo-dev libtiff-4:libtiff-dev hdf5:libhdf5-dev netcdf:libnetcdf-dev libxml-2.0:libxml2-dev draco:libdraco-dev

.PHONY: all deps test-deps build release test conformance cluster-test fixtures bench bench-serve viewer lint format run clean fuzz-volumes fuzz-info fuzz sanitize fuzz-meshes

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

## test-deps: deps, plus the shells of the completion tests (zsh, fish), in one apt-get run
test-deps:
	@need=""; $(CHECK_BUILD) $(CHECK_SHELLS) $(APT_INSTALL)

build: deps
	$(SWIFT) build $(WERROR)

release: deps
	$(SWIFT) build -c release $(WERROR)

## test: unit tests, CLI tests on the real binary, golden comparisons with the reference
test: test-deps
	$(SWIFT) build $(WERROR)
	$(SWIFT) build -c release $(WERROR)
	NPREC_BIN=$(CURDIR)/$(RELEASE_BIN) $(SWIFT) test $(WERROR)

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
	rm -rf .build out

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
