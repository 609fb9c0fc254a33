# synk: `make demo` sets everything up and runs the main job on the bundled sample data;
# `make test` sets everything up and runs the test suite. Both install the Debian packages first.

DEBIAN_PACKAGES := libfftw3-dev libsndfile1-dev libhdf5-dev libedf-dev pkg-config
# The report tests print the HTML to PDF in a real browser and read page one back (pdftotext).
TEST_PACKAGES := chromium poppler-utils
SWIFT ?= swift
SYNK := .build/release/synk
DEMO_OUT := demo-out

.PHONY: all deps test-deps install-packages build test demo sample-data clean

all: build

# Installs the C libraries synk links against, only when one is missing (apt needs root or sudo).
deps:
	@$(MAKE) --no-print-directory install-packages PACKAGES="$(DEBIAN_PACKAGES)"

test-deps:
	@$(MAKE) --no-print-directory install-packages PACKAGES="$(DEBIAN_PACKAGES) $(TEST_PACKAGES)"

# Installs the Debian packages in PACKAGES that are missing (apt needs root or sudo).
install-packages:
	@missing=""; for p in $(PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "Installing Debian packages:$$missing"; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing >/dev/null || exit 1; \
	fi

build: deps
	$(SWIFT) build -c release --product synk

test: test-deps
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build

demo: build
	@mkdir -p $(DEMO_OUT)
	@echo "== 1. synk info: a real BIOPAC facial sEMG export (corrugator, zygomaticus, levator labii) =="
	$(SYNK) info SampleData/real/biopac_facial_femg_sub_f_005.txt
	@echo
	@echo "== 2. synk info: simulated patient, left-sided synkinesis, session 1 (EMG-BIDS: WAV + sidecars) =="
	$(SYNK) info SampleData/bids/sub-01/ses-1/emg/sub-01_ses-1_task-sunnybrook_emg.wav
	@echo
	@echo "== 3. synk synkinesis: affected (left) versus healthy side, per task and muscle pair =="
	$(SYNK) synkinesis SampleData/bids/sub-01/ses-1/emg/sub-01_ses-1_task-sunnybrook_emg.wav
	$(SYNK) synkinesis SampleData/hdf5/sub-01_ses-2_sunnybrook.h5 --format json -o $(DEMO_OUT)/session2_synkinesis.json
	@echo "(session 2 as JSON: $(DEMO_OUT)/session2_synkinesis.json)"
	@echo
	@echo "== 4. synk ncs: nerve conduction per branch, ENoG % =="
	$(SYNK) ncs SampleData/hdf5/sub-01_ses-1_enog.h5
	@echo
	@echo "== 5. synk blink: blink reflex R1/R2 =="
	$(SYNK) blink SampleData/hdf5/sub-01_ses-1_blink.h5
	@echo
	@echo "== 6. synk filter: 20-450 Hz zero-phase band-pass + 100 ms RMS envelope decimated to 200 Hz, to HDF5 =="
	$(SYNK) filter SampleData/real/biopac_facial_femg_sub_f_005.txt -o $(DEMO_OUT)/biopac_envelope.h5 --envelope rms:100ms --decimate 200
	$(SYNK) info $(DEMO_OUT)/biopac_envelope.h5

# Regenerates the simulated part of SampleData/ (deterministic; see SampleData/README.md).
sample-data: build
	Scripts/make-sample-data.sh $(SYNK)

clean:
	rm -rf .build $(DEMO_OUT)

# A real single-node Slurm cluster (installs slurm-wlm and munge if missing; needs root): a 4-task
# array of `synk batch` over 40 simulated recordings, merged and compared with a single-process run.
.PHONY: test-cluster
test-cluster: deps
	$(SWIFT) build --product synk
	SYNK=$$($(SWIFT) build --show-bin-path)/synk Tests/cluster/batch-cluster-test.sh

# libFuzzer targets for every reader family (Fuzz/README.md); FUZZ_SECONDS per target (default 60).
FUZZ_SECONDS ?= 60
.PHONY: fuzz
fuzz: deps
	FUZZ_SECONDS=$(FUZZ_SECONDS) Fuzz/run.sh
