# dockergsh: `make` sets everything up on a fresh Debian machine (as root):
# the host programs it and its tests run (apt-get, only what `command -v`
# does not find; the list is src/host_programs.ts), a pinned Deno from the npm
# registry, the executable, and a busybox image.
DENO_VERSION := 2.9.6
TOOLS := $(CURDIR)/.tools
DENO := $(TOOLS)/deno-$(DENO_VERSION)/deno
SOURCES := $(shell find main.ts src ffi -name '*.ts' 2>/dev/null)
# Debian's `su` (without -) keeps the caller's PATH, which has no sbin
# directory: add those it lacks, for the host-program check and the tests.
space := $() $()
SBIN_MISSING := $(strip $(foreach d,/usr/local/sbin /usr/sbin /sbin,$(if $(filter $(d),$(subst :, ,$(PATH))),,$(d))))
export PATH := $(PATH)$(if $(SBIN_MISSING),:$(subst $(space),:,$(SBIN_MISSING)))

.PHONY: all host-programs deno build image test check bench diff clean

all: host-programs build image

# apt-get install the packages of the listed host programs that are missing;
# a machine that has them all runs no apt at all.
host-programs:
	@build/host_programs.sh install

# Deno itself ships inside an npm package; unpack it into the project.
$(DENO): | host-programs
	@mkdir -p $(TOOLS)/deno-$(DENO_VERSION)
	cd $(TOOLS) && npm pack --silent @deno/linux-x64-glibc@$(DENO_VERSION) >/dev/null
	tar -xzf $(TOOLS)/deno-linux-x64-glibc-$(DENO_VERSION).tgz -C $(TOOLS)/deno-$(DENO_VERSION) --strip-components=1 package/deno
	rm -f $(TOOLS)/deno-linux-x64-glibc-$(DENO_VERSION).tgz
	chmod +x $(DENO)
	ln -sf deno-$(DENO_VERSION)/deno $(TOOLS)/deno

deno: $(DENO)

# `deno compile` needs its base runtime (denort) from the internet or from
# DENORT_BIN. Without it, ./dockergsh is still one file to copy: a
# self-extracting executable (build/self_extracting.sh) carrying the pinned
# Deno and the program bundled by `deno bundle`, which unpacks them once into
# the state root's runtime/<sha256>/ and runs from there.
# `./dockergsh --version` says which of the two was built.
build: dockergsh dockergsh-runc

dockergsh: $(DENO) $(SOURCES) deno.json build/self_extracting.sh build/self_extract_header.sh build/lazy_imports.sh
	@rm -f dockergsh
	@if $(DENO) compile --allow-all --no-prompt --output dockergsh main.ts >$(TOOLS)/compile.log 2>&1; then \
		echo "built ./dockergsh (deno compile, single executable)"; \
	else \
		url=$$(grep -m1 -oE 'https://dl\.deno\.land[^) ]*' $(TOOLS)/compile.log); \
		why=$${url:+it must download its base runtime from $$url, which is unreachable here (DENORT_BIN=/path/to/denort compiles offline)}; \
		echo "deno compile could not run: $${why:-$$(grep -m1 -iE 'error' $(TOOLS)/compile.log)}; building ./dockergsh self-extracting instead (the pinned Deno and the bundle in one file)"; \
		rm -rf $(TOOLS)/bundle; \
		$(DENO) bundle --quiet --platform deno --code-splitting --outdir $(TOOLS)/bundle main.ts && \
		build/lazy_imports.sh $(TOOLS)/bundle && \
		build/self_extracting.sh $(DENO) $(TOOLS)/bundle dockergsh && \
		echo "built ./dockergsh (self-extracting, $$(du -m dockergsh | cut -f1) MB)"; \
	fi
	@# Checked under a throw-away state root: the real one gets a runtime only when used.
	@rm -rf $(TOOLS)/build-root
	@DOCKERGSH_ROOT=$(TOOLS)/build-root ./dockergsh --version; rc=$$?; rm -rf $(TOOLS)/build-root; exit $$rc

# The OCI runtime is the same executable invoked as dockergsh-runc
# (busybox-style, on the name it was run by). A hard link rather than a
# symlink: clients that resolve symlinks first (`readlink -f`, as the
# containerd harness does) would otherwise lose the name.
dockergsh-runc: dockergsh
	ln -f dockergsh dockergsh-runc

# The image, and the same static busybox alone for tests to run on the host.
fixtures/busybox.tar fixtures/busybox &:
	test/fixtures/busybox_image.sh fixtures/busybox.tar fixtures/busybox

# Import the busybox image once; later runs keep the existing one.
image: dockergsh fixtures/busybox.tar
	@./dockergsh images -q busybox:latest | grep -q . || ./dockergsh import fixtures/busybox.tar busybox

test: host-programs build fixtures/busybox.tar fixtures/busybox
	$(DENO) test --allow-all

check: $(DENO)
	$(DENO) fmt --check
	$(DENO) lint
	$(DENO) check main.ts ffi src test bench

bench: host-programs build fixtures/busybox.tar
	$(DENO) run --allow-all bench/main.ts

# The differential measure against the real Docker (a private peer daemon):
# the same commands on both, "N same, N differ" at the end.
DOCKER_PEER ?= $(CURDIR)/../shared/peers/docker-peer.sh
diff: host-programs build
	@$(DOCKER_PEER) start >/dev/null
	PEER=$(DOCKER_PEER) test/differential/docker_diff.sh

clean:
	rm -rf dockergsh dockergsh-runc $(TOOLS) fixtures
