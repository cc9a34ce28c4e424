# nodeguard: what people run. `make check` for a first look at this host,
# `make test` for the whole suite. Both install the Debian packages they need.
SWIFT ?= swift
# -Osize: the same CPU per cycle here and ~0.6 MiB less resident code.
# libstdc++ (which the Swift runtime uses) and libgcc are linked statically
# too: the binaries then link only libc, and the package depends on libc6
# and libsystemd0 alone (loaded with dlopen for D-Bus, to restart units).
STATIC_CXX = $(CURDIR)/.build/static-cxx
# The functions of a steady check cycle are linked next to each other
# (bench/hot-code.order, made by `make hot-code`): each cycle starts with cold
# caches and TLBs, and fewer pages of code mean fewer misses (bench/hot-code.sh).
HOT_CODE = $(CURDIR)/bench/hot-code.order
RELEASE_FLAGS = -c release --static-swift-stdlib -Xswiftc -Osize \
	-Xlinker -L$(STATIC_CXX) -Xswiftc -Xclang-linker -Xswiftc -static-libgcc \
	-Xswiftc -Xfrontend -Xswiftc -function-sections -Xswiftc -use-ld=lld \
	-Xlinker --symbol-ordering-file=$(HOT_CODE) -Xlinker --no-warn-symbol-ordering
BUILD_DEPS = libstdc++-12-dev
DEB_DEPS = $(BUILD_DEPS) dpkg-dev binutils systemd
TEST_DEPS = $(DEB_DEPS) lintian systemd-container debootstrap gcc libc6-dev python3 procps iproute2 vnstat docker.io busybox-static litecoind monero \
	prometheus prometheus-node-exporter prometheus-alertmanager systemd-journal-remote openssl libcurl4 etcd-server etcd-client iptables
BENCH_DEPS = $(BUILD_DEPS) monit procps gcc libc6-dev docker.io busybox-static strace litecoind libcurl4 etcd-server

.PHONY: check test unit-test toml-fuzz system-test package-test release deb bench hot-code deps-build deps-deb deps-test deps-bench clean

# Installs only what is missing, so repeated runs are quick and offline-safe.
# Waits for another apt to finish (the lock) and tries once more on a failure
# (a mirror hiccup).
APT = apt-get -o DPkg::Lock::Timeout=300 -o Acquire::Retries=3
define apt_install
	@missing=""; for p in $(1); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  for try in 1 2; do \
	    $(APT) update -qq && DEBIAN_FRONTEND=noninteractive $(APT) install -y -qq --no-install-recommends $$missing >/dev/null && break; \
	    [ $$try = 2 ] && exit 1; echo "apt failed; trying once more"; sleep 10; \
	  done; \
	fi
endef

deps-build:
	$(call apt_install,$(BUILD_DEPS))
deps-deb:
	$(call apt_install,$(DEB_DEPS))
deps-test:
	$(call apt_install,$(TEST_DEPS))
deps-bench:
	$(call apt_install,$(BENCH_DEPS))

release: deps-build
	@# The linker takes libstdc++.a from a directory with no libstdc++.so in it.
	@mkdir -p $(STATIC_CXX); a=$$(ls /usr/lib/gcc/x86_64-linux-gnu/*/libstdc++.a 2>/dev/null | sort -V | tail -n1); \
	  [ -n "$$a" ] || { echo "libstdc++.a not found: apt-get install libstdc++-12-dev"; exit 1; }; ln -sf "$$a" $(STATIC_CXX)/libstdc++.a
	@# SwiftPM does not relink when only the order file changed.
	@for b in nodeguardd nodeguard nodeguard-bench; do [ $(HOT_CODE) -nt .build/release/$$b ] && rm -f .build/release/$$b; done; true
	$(SWIFT) build $(RELEASE_FLAGS)

# A one-shot check of this host on the embedded defaults; its exit code
# (0 ok, 1 warning, 2 critical) is reported, not treated as a build failure.
check: release
	@.build/release/nodeguard check --defaults; rc=$$?; echo "nodeguard check exit code: $$rc"; [ $$rc -le 2 ]

unit-test: deps-build
	$(SWIFT) test --disable-swift-testing

system-test: deps-test release
	@# The lease across hosts (real etcd, ~6 minutes of waiting for our turns)
	@# runs beside the tests below; its output and status are taken before nspawn.
	@rm -f .build/lease-test.rc; (python3 system-tests/lease/lease-test.py .build/release; echo $$? > .build/lease-test.rc) > .build/lease-test.log 2>&1 &
	python3 system-tests/bandwidth/crash-safety.py .build/release 100
	system-tests/bandwidth/veth-traffic.sh .build/release
	python3 system-tests/docker/engine-test.py .build/release
	python3 system-tests/chain/litecoind-test.py .build/release
	python3 system-tests/chain/monerod-test.py .build/release
	python3 system-tests/chain/fake-rpc-test.py .build/release
	python3 system-tests/guard/slow-restart-test.py .build/release
	python3 system-tests/producer/standin-test.py
	@# Two runs at once, odd and even scenarios: most of each is waiting for our turns.
	python3 system-tests/producer/producer-test.py .build/release odd & odd=$$!; \
	python3 system-tests/producer/producer-test.py .build/release even; even=$$?; wait $$odd && [ $$even = 0 ]
	promtool check rules packaging/examples/nodeguard-alerts.yml
	cd system-tests/prometheus && promtool test rules nodeguard-alerts.test.yml
	python3 system-tests/prometheus/prometheus-test.py .build/release
	python3 system-tests/notify/notify-test.py .build/release
	@while [ ! -e .build/lease-test.rc ]; do sleep 2; done; cat .build/lease-test.log; [ "$$(cat .build/lease-test.rc)" = 0 ]
	system-tests/nspawn/run.sh .build/release

# The TOML reader against Python's tomllib on 20,000 mutants of the shipped
# config: no crash, no hang, no disagreement (system-tests/toml/fuzz.py).
toml-fuzz: deps-test release
	python3 system-tests/toml/fuzz.py .build/release 20000

test: deps-test release
	$(SWIFT) test --disable-swift-testing
	$(MAKE) toml-fuzz system-test package-test

# dist/nodeguard_VERSION_amd64.deb, and the unit's systemd-analyze security score.
deb: deps-deb release
	packaging/build-deb.sh dist

# lintian on the .deb, then the acceptance test: apt install from a local
# repository in a booted Debian 12, reload, upgrade to a rebuild, remove, purge,
# and the upgrade from the real 0.1.0 package (built from its commit here).
package-test: deps-test deb
	@v=$$(dpkg-parsechangelog -l packaging/debian/changelog -S Version); set -e; \
	echo "lintian dist/nodeguard_$${v}_amd64.deb"; \
	lintian --fail-on error,warning dist/nodeguard_$${v}_amd64.deb; \
	packaging/build-deb.sh dist/newer "$${v}+test1" >/dev/null; \
	old=$$(system-tests/package/build-0.1.0.sh dist/0.1.0); \
	system-tests/package/run.sh dist/nodeguard_$${v}_amd64.deb "dist/newer/nodeguard_$${v}+test1_amd64.deb" "$$old"

bench: deps-bench release
	bench/footprint.sh

# bench/hot-code.order again, from the daemon's steady cycle under callgrind.
hot-code: deps-bench release
	$(call apt_install,valgrind)
	bench/hot-code.sh

clean:
	rm -rf .build
