# zonectl - zones on Linux
CC      ?= gcc
CFLAGS  ?= -O2 -g
CFLAGS  += -std=gnu11 -Wall -Wextra -Werror -Iinclude -D_GNU_SOURCE
LDLIBS  := -lseccomp -lcap -lmnl -lcgroup -lyajl -lsystemd -lnftables -ldw -lelf
PREFIX  ?= /usr/local
SYSTEMDUNITDIR ?= $(PREFIX)/lib/systemd/system
B       := build

LIB_SRC := $(wildcard common/*.c isolate/*.c rctl/*.c netstack-bind/*.c \
             procfs-filter/*.c trace/*.c runtime/*/*.c)
HEADERS := $(wildcard include/*.h */*.h runtime/*/*.h)
CLI_SRC := $(wildcard cli/*.c)
LIB_OBJ := $(LIB_SRC:%.c=$(B)/%.o)
CLI_OBJ := $(CLI_SRC:%.c=$(B)/%.o)
UNIT    := $(patsubst tests/unit/%.c,$(B)/tests/%,$(wildcard tests/unit/test_*.c))

all: $(B)/zonectl

$(B)/%.o: %.c $(HEADERS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c -o $@ $<

# runtime/'s rooms share runtime/runtime.h
$(B)/runtime/%.o: CFLAGS += -Iruntime
# The config's key tables mix { key, fn, flags } entries, which leave the
# typed fields of struct jfield zero on purpose, with the JF_* macros'.
$(B)/runtime/config/%.o: CFLAGS += -Wno-missing-field-initializers

$(B)/libzone.a: $(LIB_OBJ)
	rm -f $@ && ar rcs $@ $^

# The zone's PID 1: a small static program, embedded in zonectl and run
# from a sealed memfd so nothing in a zone can reach the host's file.
$(B)/zinit: zinit/zinit.c
	@mkdir -p $(B)
	$(CC) -std=gnu11 -Wall -Wextra -Werror -Os -static -s -o $@ $<

$(B)/zinit_blob.o: $(B)/zinit
	cd $(B) && ld -r -b binary -z noexecstack -o zinit_blob.o zinit

# ---- BPF objects (netstack-bind/bpf, trace/bpf) ----------------------------
# Each netstack-bind/bpf/NAME.bpf.c and trace/bpf/NAME.bpf.c is compiled for the BPF target and
# linked into the programs that load it (zonectl, the netstack-bind unit
# tests) as a blob (_binary_NAME_bpf_o_start/_end, weak in the library)
# that libbpf opens from memory at run time: nothing is installed beside
# zonectl, and libzone.a and the other tests build without clang.
BPF_SRC    := $(wildcard netstack-bind/bpf/*.bpf.c trace/bpf/*.bpf.c)
BPF_BLOB   := $(patsubst %.bpf.c,$(B)/bpf/%_blob.o,$(notdir $(BPF_SRC)))
BPF_CFLAGS := -O2 -g -target bpf -Wall -Wextra -Werror \
              -I/usr/include/$(shell $(CC) -print-multiarch 2>/dev/null)
LDLIBS     += -lbpf

$(B)/bpf/%.bpf.o: netstack-bind/bpf/%.bpf.c netstack-bind/bpf/netbpf.h
	@mkdir -p $(dir $@)
	clang $(BPF_CFLAGS) -c -o $@ $< && llvm-strip -g $@

$(B)/bpf/%.bpf.o: trace/bpf/%.bpf.c trace/bpf/tracebpf.h
	@mkdir -p $(dir $@)
	clang $(BPF_CFLAGS) -c -o $@ $< && llvm-strip -g $@

$(B)/bpf/%_blob.o: $(B)/bpf/%.bpf.o
	cd $(B)/bpf && ld -r -b binary -z noexecstack -o $*_blob.o $*.bpf.o

$(filter $(B)/netstack-bind/%,$(LIB_OBJ)): netstack-bind/bpf/netbpf.h
$(filter $(B)/trace/%,$(LIB_OBJ)): trace/bpf/tracebpf.h
BPF_TESTS := $(B)/tests/test_antispoof $(B)/tests/test_netbpf
$(BPF_TESTS): $(BPF_BLOB)
$(BPF_TESTS): EXTRA_OBJ = $(BPF_BLOB)
# ---- end of BPF objects -----------------------------------------------------

$(B)/zonectl: $(CLI_OBJ) $(B)/libzone.a $(B)/zinit_blob.o $(BPF_BLOB)
	$(CC) $(CFLAGS) -o $@ $(CLI_OBJ) $(B)/zinit_blob.o $(BPF_BLOB) $(B)/libzone.a $(LDLIBS)

$(B)/tests/%: tests/unit/%.c $(B)/libzone.a $(B)/zinit_blob.o
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Iruntime -o $@ $< $(B)/zinit_blob.o $(EXTRA_OBJ) $(B)/libzone.a $(LDLIBS)

$(B)/tests/zprobe: tests/helpers/zprobe.c
	@mkdir -p $(dir $@)
	$(CC) -O2 -Wall -Wextra -Werror -o $@ $<

# Each fuzz harness also runs without libFuzzer, over its corpus and the
# crashes that became regression tests (tests/integration/fuzz.sh).
FUZZ_NAMES := $(patsubst tests/fuzz/fuzz_%.c,%,$(wildcard tests/fuzz/fuzz_*.c))
REPLAY     := $(FUZZ_NAMES:%=$(B)/tests/replay_%)

$(B)/tests/replay_%: tests/fuzz/fuzz_%.c tests/fuzz/replay.c tests/fuzz/fuzz.h $(B)/libzone.a $(B)/zinit_blob.o
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Iruntime -o $@ $< tests/fuzz/replay.c $(B)/zinit_blob.o $(B)/libzone.a $(LDLIBS)

# Frame pointers and symbols: the tracing tests find its functions by name.
$(B)/tests/zspin: tests/helpers/zspin.c
	@mkdir -p $(dir $@)
	$(CC) -O1 -g -fno-omit-frame-pointer -Wall -Wextra -Werror -o $@ $<

tests: $(UNIT) $(B)/tests/zprobe $(B)/tests/zspin $(REPLAY)

test: all tests
	tests/run

# ---- fuzzing: make fuzz [FUZZ_SECONDS=60] ---------------------------------
# libFuzzer harnesses (tests/fuzz/fuzz_*.c) over the parsers of untrusted
# input, with the library rebuilt by clang under ASan and UBSan.
FUZZ_SECONDS ?= 60
FUZZ_CFLAGS  := -g -O1 -std=gnu11 -Wall -Wextra -Werror -Iinclude -Iruntime -D_GNU_SOURCE \
                -fsanitize=address,undefined -fno-sanitize-recover=undefined \
                -Wno-unused-variable # clang's view of a lock held by a cleanup variable
FUZZ_OBJ     := $(LIB_SRC:%.c=$(B)/fuzz/%.o)
.SECONDARY: $(FUZZ_OBJ)

$(B)/fuzz/%.o: %.c $(HEADERS)
	@mkdir -p $(dir $@)
	clang $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -c -o $@ $<
$(B)/fuzz/runtime/config/%.o: FUZZ_CFLAGS += -Wno-missing-field-initializers

$(B)/fuzz/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/fuzz.h $(FUZZ_OBJ) $(BPF_BLOB) $(B)/zinit_blob.o
	clang $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ $< $(FUZZ_OBJ) $(BPF_BLOB) $(B)/zinit_blob.o $(LDLIBS)

fuzz: $(FUZZ_NAMES:%=$(B)/fuzz/fuzz_%)
	tests/fuzz/run $(FUZZ_SECONDS)

install: all
	install -D -m 755 $(B)/zonectl $(DESTDIR)$(PREFIX)/sbin/zonectl
	install -D -m 644 man/zonectl.8 $(DESTDIR)$(PREFIX)/share/man/man8/zonectl.8
	install -D -m 644 man/zonectl-config.5 $(DESTDIR)$(PREFIX)/share/man/man5/zonectl-config.5
	install -D -m 644 cli/zonectl.bash-completion $(DESTDIR)$(PREFIX)/share/bash-completion/completions/zonectl
	mkdir -p $(DESTDIR)$(SYSTEMDUNITDIR)
	sed 's|@SBINDIR@|$(PREFIX)/sbin|g' cli/zonectl.service.in >$(DESTDIR)$(SYSTEMDUNITDIR)/zonectl.service

clean:
	rm -rf $(B)

.PHONY: all tests test fuzz install clean
