# flowlens: the user's entry points. See README.md.
#   make demo     set up, build, generate a sample VPC day, run the main job on it
#   make test     set up, build (release and sanitizer builds), run every test
#   make build    release build only
#   make release  same as build
#   make bench    run the micro-benchmarks and the peer comparison (bench/run; knobs:
#                 RECORDS=, RUNS=, PEERS_ONLY=1, SKIP_PEERS=1, OUT=FILE, see bench/run)
JOBS ?= $(shell nproc)
RELEASE_DIR := build/release
DEBUG_DIR := build/debug
DEMO_DIR := out/demo
DEMO_RECORDS ?= 1000000

.PHONY: setup build release debug demo test test-release test-debug bench format clean

setup:
	@scripts/setup

$(RELEASE_DIR)/build.ninja:
	cmake -S . -B $(RELEASE_DIR) -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_COMPILER=g++

$(DEBUG_DIR)/build.ninja:
	cmake -S . -B $(DEBUG_DIR) -G Ninja -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_COMPILER=clang++ \
	  -DFLOWLENS_SANITIZE=ON -DFLOWLENS_FUZZ=ON

build release: setup $(RELEASE_DIR)/build.ninja
	cmake --build $(RELEASE_DIR) -j $(JOBS)

debug: setup $(DEBUG_DIR)/build.ninja
	cmake --build $(DEBUG_DIR) -j $(JOBS)

demo: build
	scripts/demo $(RELEASE_DIR)/flowlens $(DEMO_DIR) $(DEMO_RECORDS)

test-release: build
	cd $(RELEASE_DIR) && ctest --output-on-failure -j $(JOBS) -LE fuzz

test-debug: debug
	cd $(DEBUG_DIR) && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
	  ctest --output-on-failure -j $(JOBS) -L 'unit|fuzz|query'

test: test-release test-debug

# The peer engines (ClickHouse, mawk, zstd, perf) come first, then the release build.
bench:
	@scripts/setup bench
	$(MAKE) build
	bench/run $(RELEASE_DIR)

format:
	clang-format -i $$(git ls-files '*.cc' '*.h')

clean:
	rm -rf build out
