# openum: the README's commands. `make run` and `make check` install what is missing
# (scripts/install-deps), build, and then run or test. Every target works from a clean
# clone; each one that needs tools runs the deps script first.
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
CC_CHECK ?= clang
BUILD_CHECK := build/check
BUILD_RELEASE := build/release
FUZZ_SECONDS ?= 60
# ctest runs this many tests at once: most integration tests wait on timers and
# sockets, not the CPU, so twice the cores keeps `make check` short.
CTEST_JOBS ?= $(shell echo $$(( $(JOBS) * 2 )))
# Arguments for bench/parse, e.g. make bench BENCH_ARGS="/path/to/traces --time=5".
BENCH_ARGS ?=
# Arguments for bench/uas, e.g. make bench UAS_BENCH_ARGS="--rates=1000,2000 --only=tcp".
UAS_BENCH_ARGS ?=
# Arguments for bench/proxy, e.g. make bench PROXY_BENCH_ARGS="--rates=500,1000,2000".
PROXY_BENCH_ARGS ?=
# Arguments for bench/um, e.g. make bench UM_BENCH_ARGS="--rates=20,40 --seconds=10".
UM_BENCH_ARGS ?=
# Arguments for bench/um-playback, e.g. make bench UM_PLAYBACK_BENCH_ARGS="--calls=1000,2000".
UM_PLAYBACK_BENCH_ARGS ?=
# bench/soak takes 10 minutes: `make soak`, or `make bench SOAK=1` to add it to the
# benches; arguments e.g. SOAK_ARGS="--minutes=3 --rate=5".
SOAK ?=
SOAK_ARGS ?=

# Our C sources (not bench's build output).
SOURCES = $(shell find src tests bench -path bench/build -prune -o -type f \
	  \( -name '*.c' -o -name '*.h' \) -print 2>/dev/null | sort)

.PHONY: all deps build check run bench soak fuzz format lint clean help

all: build

help:
	@echo "make run     build (release) and run openum demo"
	@echo "make check   release build (gcc), then ASan+UBSan build (clang) and every test"
	@echo "make build   release build into $(BUILD_RELEASE)"
	@echo "make lint    clang-format check, clang-tidy, cppcheck"
	@echo "make format  clang-format -i on src, tests, bench"
	@echo "make fuzz    run every fuzz harness FUZZ_SECONDS (default 60) each"
	@echo "make bench   bench/parse (openum's parser against the installed peers), bench/uas,"
	@echo "             bench/proxy (openum proxy against Kamailio), bench/um,"
	@echo "             bench/um-playback (N concurrent playback calls: RTP pkt/s, CPU, jitter)"
	@echo "             bench/transcribe (speech-to-text real-time factor per message)"
	@echo "             (SOAK=1: then bench/soak too)"
	@echo "make soak    bench/soak: proxy + UM server under calls for 10 minutes (SOAK_ARGS)"
	@echo "make clean   remove build/"

deps:
	@scripts/install-deps

$(BUILD_RELEASE)/build.ninja:
	cmake -S . -B $(BUILD_RELEASE) -G Ninja -DCMAKE_BUILD_TYPE=Release -DOPENUM_TESTS=OFF

build: deps $(BUILD_RELEASE)/build.ninja
	cmake --build $(BUILD_RELEASE) -j $(JOBS)

$(BUILD_CHECK)/build.ninja:
	CC=$(CC_CHECK) cmake -S . -B $(BUILD_CHECK) -G Ninja -DCMAKE_BUILD_TYPE=Debug \
	  -DOPENUM_SANITIZE=ON -DOPENUM_FUZZ=ON

# The release build (gcc -O3) runs too: its optimiser finds warnings clang's debug
# build does not, and `make run` must never be the first to meet them.
check: deps $(BUILD_CHECK)/build.ninja $(BUILD_RELEASE)/build.ninja
	cmake --build $(BUILD_RELEASE) -j $(JOBS)
	cmake --build $(BUILD_CHECK) -j $(JOBS)
	cd $(BUILD_CHECK) && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  ctest --output-on-failure -j $(CTEST_JOBS)

run: build
	$(BUILD_RELEASE)/openum demo

format: deps
	clang-format -i $(SOURCES)

lint: deps
	JOBS=$(JOBS) scripts/lint

fuzz: deps
	FUZZ_SECONDS=$(FUZZ_SECONDS) JOBS=$(JOBS) scripts/fuzz-campaign

bench: deps
	bench/parse $(BENCH_ARGS)
	bench/uas $(UAS_BENCH_ARGS)
	bench/proxy $(PROXY_BENCH_ARGS)
	bench/um $(UM_BENCH_ARGS)
	bench/um-playback $(UM_PLAYBACK_BENCH_ARGS)
	bench/transcribe
	@if [ -n "$(SOAK)" ]; then bench/soak $(SOAK_ARGS); fi

soak: deps
	bench/soak $(SOAK_ARGS)

clean:
	rm -rf build
