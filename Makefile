# Two commands do all set-up: `make run` and `make test` (see README.md).
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test bench gpu-subset bundle bundle-test clean

$(STAMP): pyproject.toml requirements.lock requirements-dev.lock
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q -r requirements.lock -r requirements-dev.lock
	$(PY) -m pip install -q --no-deps --no-build-isolation -e .
	touch $(STAMP)

run: $(STAMP)
	$(VENV)/bin/scfegan gui resources/samples/portrait.jpg

test: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(PY) -m pytest -q -m "not slow"

bench: $(STAMP)
	$(VENV)/bin/scfegan bench

# A training set small enough to travel to a borrowed GPU (model/training/README.md):
# research data, in an ignored folder, never committed.
SHARED_DATA ?= ../shared/data
gpu-subset: $(STAMP)
	$(PY) -m model.training.subset gpu-subset --portraits $(SHARED_DATA)/faces-hq \
		--faces $(SHARED_DATA)/faces-celeba-aligned --masks $(SHARED_DATA)/masks-irregular

# Installer bundle (PyInstaller, build.spec) in dist/; packaging tools pinned in
# requirements-bundle.lock, installed here only. Needs weights/*.safetensors.
BUNDLE_STAMP := $(VENV)/.bundle-installed
ifeq ($(shell uname -s),Darwin)
BUNDLE_EXE := dist/SC-FEGAN Studio.app/Contents/MacOS/SC-FEGAN Studio
else
BUNDLE_EXE := dist/SC-FEGAN Studio/SC-FEGAN Studio
endif

$(BUNDLE_STAMP): $(STAMP) requirements-bundle.lock
	$(PY) -m pip install -q -r requirements-bundle.lock
	touch $(BUNDLE_STAMP)

bundle: $(BUNDLE_STAMP)
	$(PY) -m PyInstaller --noconfirm build.spec

bundle-test: bundle
	QT_QPA_PLATFORM=offscreen "$(BUNDLE_EXE)" --self-test
	QT_QPA_PLATFORM=offscreen $(PY) -m pytest -q -m slow tests/test_bundle.py

clean:
	rm -rf $(VENV) build dist
