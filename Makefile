# openum: the README's commands. `make run` and `make check` install what is missing
# (scripts/install-deps), build, and then run or test.
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
CC_CHECK ?= clang
BUILD_CHECK := build/check
BUILD_RELEASE := build/release

.PHONY: all deps build check run bench fuzz format lint clean

all: build

deps:
	@scripts/install-deps

$(BUILD_RELEASE)/build.ninja:
	cmake -S . -B $(BUILD_RELEASE) -G Ninja -DCMAKE_BUILD_TYPE=Release -DOPENUM_TESTS=OFF

build: deps $(BUILD_RELEASE)/build.ninja
	cmake --build $(BUILD_RELEASE) -j $(JOBS)

$(BUILD_CHECK)/build.ninja:
	CC=$(CC_CHECK) cmake -S . -B $(BUILD_CHECK) -G Ninja -DCMAKE_BUILD_TYPE=Debug \
	  -DOPENUM_SANITIZE=ON -DOPENUM_FUZZ=ON

check: deps $(BUILD_CHECK)/build.ninja
	cmake --build $(BUILD_CHECK) -j $(JOBS)
	cd $(BUILD_CHECK) && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  ctest --output-on-failure -j $(JOBS)

run: build
	$(BUILD_RELEASE)/openum demo

clean:
	rm -rf build
