# Parapet build and test entry points. Run `make help` for the list.
GO ?= go
BIN := bin

.PHONY: help build test vet test-go test-extension demo run clean

help:
	@echo "make build           build parapet-server, parapet-agent, the parapet CLI and the sample app into $(BIN)/"
	@echo "make test            go vet, every Go test (end-to-end in Chromium included), extension tests"
	@echo "make demo            run a blocked and an allowed download in Chromium and print the activity log"
	@echo "make run             start server, agent and sample app for use with your own browser"
	@echo "make packages        build the agent .deb and .rpm and the macOS/Windows MDM files into dist/"
	@echo "make vet             go vet ./..."
	@echo "make test-go         every Go test, end-to-end tests included"
	@echo "make test-extension  the extension's unit tests (node --test)"
	@echo "make clean           remove build output, demo output and test artifacts"

build:
	$(GO) build -o $(BIN)/ ./server/cmd/parapet-server ./server/cmd/parapet ./agent/cmd/parapet-agent ./test/cmd/parapet-sampleapp

vet:
	$(GO) vet ./...

test-go:
	$(GO) test -count=1 ./...
	cd test/bench && $(GO) vet ./... && $(GO) test -count=1 ./...

test-extension:
	cd extension && node --test

test: vet test-go test-extension

demo: build
	./test/ensure-chromium.sh
	$(GO) run ./test/cmd/parapet-demo --bin $(BIN) --out demo-output

# Ctrl-C stops everything; make then reports the interrupt, which is expected.
run: build
	$(GO) run ./test/cmd/parapet-demo --bin $(BIN) --serve

clean:
	rm -rf $(BIN) dist demo-output test/e2e/artifacts

# Builds dist/parapet-agent_*.deb and dist/parapet-agent-*.rpm, and renders
# the macOS and Windows deployment files into dist/macos and dist/windows.
# Set PARAPET_SERVER_URL, PARAPET_EXTENSION_UPDATE_URL and the other variables
# that installer/build-packages.sh lists to point them at your deployment.
.PHONY: packages
packages:
	GO="$(GO)" ./installer/build-packages.sh
