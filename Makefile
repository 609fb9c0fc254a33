# synk: `make demo` sets everything up and runs the main job on the bundled sample data;
# `make test` sets everything up and runs the test suite. Both install the Debian packages first.

DEBIAN_PACKAGES := libfftw3-dev libsndfile1-dev libhdf5-dev libedf-dev pkg-config
SWIFT ?= swift
SYNK := .build/release/synk
DEMO_OUT := demo-out

.PHONY: all deps build test demo clean

all: build

# Installs the C libraries synk links against, only when one is missing (apt needs root or sudo).
deps:
	@missing=""; for p in $(DEBIAN_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "Installing Debian packages:$$missing"; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing >/dev/null || exit 1; \
	fi

build: deps
	$(SWIFT) build -c release --product synk

test: deps
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build

demo: build
	@mkdir -p $(DEMO_OUT)
	@echo "== synk info: a real BIOPAC facial sEMG export (corrugator, zygomaticus, levator labii) =="
	$(SYNK) info SampleData/real/biopac_facial_femg_sub_f_005.txt
	@echo
	@echo "== synk filter: 20-450 Hz zero-phase band-pass, then 100 ms moving-RMS envelope, to WAV =="
	$(SYNK) filter SampleData/real/biopac_facial_femg_sub_f_005.txt -o $(DEMO_OUT)/biopac_envelope.wav --band 20:450 --envelope rms:100ms
	$(SYNK) info $(DEMO_OUT)/biopac_envelope.wav

clean:
	rm -rf .build $(DEMO_OUT)

# libFuzzer targets for every reader family (Fuzz/README.md); FUZZ_SECONDS per target (default 60).
FUZZ_SECONDS ?= 60
.PHONY: fuzz
fuzz: deps
	FUZZ_SECONDS=$(FUZZ_SECONDS) Fuzz/run.sh
