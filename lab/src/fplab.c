/*
 * fplab: the lab's workloads, one static arm64 binary with a subcommand per workload.
 *
 * Every workload does two things at once: it drives the kernel through one family of the
 * protocol's events (context switches, KVM runs, signals, fork/exec, ptrace, VL changes,
 * migration, kernel-mode NEON), and it checks, from user space, that its own FP/SVE registers
 * survived each of them. The registers are filled and checked inside one asm block that spins
 * in between without any system call, so the only way they can change is the kernel's context
 * management: a preemption, an interrupt, a signal or a guest run in the middle of the spin.
 *
 * User-mode FP writes are invisible to ftrace. Each workload therefore writes a line to
 * trace_marker just before it fills its registers ("fplab <workload> <role> fp_write <n>"), and
 * another after it checked them ("... fp_check <n> ok|bad"): the lab's trace parser turns these
 * into the model's fp_write / sve_write events (lab/README.md). A marker is itself a write(2), so
 * it is issued before the fill, never between the fill and the check.
 *
 * Output: TAP-like lines ("ok 3 seed-kvm A iteration 3") on stdout, a summary line, and the exit
 * status 0 (all checks passed), 1 (a register check failed) or 4 (skipped: a feature is absent).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <elf.h> /* NT_PRFPREG; NT_ARM_SVE below */
#include <linux/if_alg.h>
#include <linux/kvm.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef NT_ARM_SVE
#define NT_ARM_SVE 0x405
#endif
#ifndef HWCAP_SVE
#define HWCAP_SVE (1 << 22)
#endif
#ifndef PR_SVE_SET_VL
#define PR_SVE_SET_VL 50
#define PR_SVE_GET_VL 51
#define PR_SVE_VL_LEN_MASK 0xffff
#endif

/* ---- reporting ---------------------------------------------------------------------------- */

static const char *workload = "fplab";
static int marker_fd = -1;
static unsigned seed_base; /* FPLAB_SEED: offsets every register pattern */
static int tests, failures;

/* One trace_marker line; silently nothing when tracefs is not mounted (runs outside the lab). */
static void mark(const char *fmt, ...)
{
	char buf[200];
	int n = snprintf(buf, sizeof(buf), "fplab %s ", workload);
	va_list ap;

	va_start(ap, fmt);
	n += vsnprintf(buf + n, sizeof(buf) - n, fmt, ap);
	va_end(ap);
	if (marker_fd >= 0 && n > 0)
		(void)!write(marker_fd, buf, n < (int)sizeof(buf) ? n : (int)sizeof(buf) - 1);
}

static void result(int ok, const char *fmt, ...)
{
	va_list ap;

	tests++;
	if (!ok)
		failures++;
	printf("%s %d %s ", ok ? "ok" : "not ok", tests, workload);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
}

static void die(const char *what)
{
	printf("not ok %d %s %s: %s\n", tests + 1, workload, what, strerror(errno));
	printf("# %s: error\n", workload);
	fflush(stdout);
	exit(2);
}

static int finish(void)
{
	printf("# %s: %d checks, %d failed\n", workload, tests, failures);
	fflush(stdout);
	return failures ? 1 : 0;
}

static void pin(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set))
		die("sched_setaffinity");
}

static int have_sve(void)
{
	return (getauxval(AT_HWCAP) & HWCAP_SVE) != 0;
}

static int sve_vl(void)
{
	return prctl(PR_SVE_GET_VL) & PR_SVE_VL_LEN_MASK;
}

/* ---- register fill / spin / store ---------------------------------------------------------- */

/* Spin iterations between fill and check: long enough to be preempted by the tick (4 ms at
 * HZ=250) under TCG, short enough to keep traces small. FPLAB_SPIN overrides it. */
static unsigned long spin = 4000000;

#define V_FILL(n) "dup v" #n ".16b, w9\n add w9, w9, #1\n"
#define V_FILL8(a, b, c, d, e, f, g, h) V_FILL(a) V_FILL(b) V_FILL(c) V_FILL(d) V_FILL(e) V_FILL(f) V_FILL(g) V_FILL(h)
#define VCLOB                                                                                     \
	"v0", "v1", "v2", "v3", "v4", "v5", "v6", "v7", "v8", "v9", "v10", "v11", "v12", "v13",      \
		"v14", "v15", "v16", "v17", "v18", "v19", "v20", "v21", "v22", "v23", "v24", "v25",  \
		"v26", "v27", "v28", "v29", "v30", "v31"

/* V0-V31 := seed+i in every byte; spin; store V0-V31 to out[512]. */
static void v_fill_spin_store(unsigned seed, unsigned long n, uint8_t *out)
{
	asm volatile("mov w9, %w[s]\n" V_FILL8(0, 1, 2, 3, 4, 5, 6, 7) V_FILL8(8, 9, 10, 11, 12, 13, 14, 15)
			     V_FILL8(16, 17, 18, 19, 20, 21, 22, 23) V_FILL8(24, 25, 26, 27, 28, 29, 30, 31)
		     "1: subs %[n], %[n], #1\n b.ne 1b\n"
		     "st1 {v0.16b-v3.16b}, [%[p]], #64\n st1 {v4.16b-v7.16b}, [%[p]], #64\n"
		     "st1 {v8.16b-v11.16b}, [%[p]], #64\n st1 {v12.16b-v15.16b}, [%[p]], #64\n"
		     "st1 {v16.16b-v19.16b}, [%[p]], #64\n st1 {v20.16b-v23.16b}, [%[p]], #64\n"
		     "st1 {v24.16b-v27.16b}, [%[p]], #64\n st1 {v28.16b-v31.16b}, [%[p]], #64\n"
		     : [n] "+r"(n), [p] "+r"(out)
		     : [s] "r"(seed)
		     : "x9", "memory", "cc", VCLOB);
}

/* V0-V31 := seed+i; then one write(2) (x8/x0-x2 as given); store V0-V31 to out. The syscall
 * ABI preserves V0-V31, so any difference is the kernel's doing (kernel-mode NEON in write). */
static long v_fill_syscall_store(unsigned seed, long fd, const void *buf, long len, uint8_t *out)
{
	register long x0 asm("x0") = fd;
	register long x1 asm("x1") = (long)buf;
	register long x2 asm("x2") = len;
	register long x8 asm("x8") = __NR_write;

	asm volatile("mov w9, %w[s]\n" V_FILL8(0, 1, 2, 3, 4, 5, 6, 7) V_FILL8(8, 9, 10, 11, 12, 13, 14, 15)
			     V_FILL8(16, 17, 18, 19, 20, 21, 22, 23) V_FILL8(24, 25, 26, 27, 28, 29, 30, 31)
		     "svc #0\n"
		     "st1 {v0.16b-v3.16b}, [%[p]], #64\n st1 {v4.16b-v7.16b}, [%[p]], #64\n"
		     "st1 {v8.16b-v11.16b}, [%[p]], #64\n st1 {v12.16b-v15.16b}, [%[p]], #64\n"
		     "st1 {v16.16b-v19.16b}, [%[p]], #64\n st1 {v20.16b-v23.16b}, [%[p]], #64\n"
		     "st1 {v24.16b-v27.16b}, [%[p]], #64\n st1 {v28.16b-v31.16b}, [%[p]], #64\n"
		     : "+r"(x0), [p] "+r"(out)
		     : [s] "r"(seed), "r"(x1), "r"(x2), "r"(x8)
		     : "x9", "memory", "cc", VCLOB);
	return x0;
}

/* Read V0-V31 as they are now (after a fork or exec: what the kernel handed us). */
static void v_store(uint8_t *out)
{
	asm volatile("st1 {v0.16b-v3.16b}, [%[p]], #64\n st1 {v4.16b-v7.16b}, [%[p]], #64\n"
		     "st1 {v8.16b-v11.16b}, [%[p]], #64\n st1 {v12.16b-v15.16b}, [%[p]], #64\n"
		     "st1 {v16.16b-v19.16b}, [%[p]], #64\n st1 {v20.16b-v23.16b}, [%[p]], #64\n"
		     "st1 {v24.16b-v27.16b}, [%[p]], #64\n st1 {v28.16b-v31.16b}, [%[p]], #64\n"
		     : [p] "+r"(out)
		     :
		     : "memory");
}

#define Z_FILL(n) "dup z" #n ".b, w9\n add w9, w9, #1\n"
#define Z_FILL8(a, b, c, d, e, f, g, h) Z_FILL(a) Z_FILL(b) Z_FILL(c) Z_FILL(d) Z_FILL(e) Z_FILL(f) Z_FILL(g) Z_FILL(h)
#define Z_ST(n) "str z" #n ", [%[p], #" #n ", mul vl]\n"
#define Z_ST8(a, b, c, d, e, f, g, h) Z_ST(a) Z_ST(b) Z_ST(c) Z_ST(d) Z_ST(e) Z_ST(f) Z_ST(g) Z_ST(h)

/* Z0-Z31 := seed+i in every byte (the whole vector length); spin; store Z0-Z31 to out[32*VL]. */
static void z_fill_spin_store(unsigned seed, unsigned long n, uint8_t *out)
{
	asm volatile(".arch_extension sve\n mov w9, %w[s]\n" Z_FILL8(0, 1, 2, 3, 4, 5, 6, 7)
			     Z_FILL8(8, 9, 10, 11, 12, 13, 14, 15) Z_FILL8(16, 17, 18, 19, 20, 21, 22, 23)
				     Z_FILL8(24, 25, 26, 27, 28, 29, 30, 31)
		     "1: subs %[n], %[n], #1\n b.ne 1b\n" Z_ST8(0, 1, 2, 3, 4, 5, 6, 7)
			     Z_ST8(8, 9, 10, 11, 12, 13, 14, 15) Z_ST8(16, 17, 18, 19, 20, 21, 22, 23)
				     Z_ST8(24, 25, 26, 27, 28, 29, 30, 31)
		     : [n] "+r"(n)
		     : [s] "r"(seed), [p] "r"(out)
		     : "x9", "memory", "cc", VCLOB);
}

/* First register (0..31) whose bytes are not all seed+i over `width` bytes, or -1. */
static int first_bad(const uint8_t *regs, unsigned seed, int width)
{
	for (int r = 0; r < 32; r++)
		for (int b = 0; b < width; b++)
			if (regs[r * width + b] != (uint8_t)(seed + r))
				return r;
	return -1;
}

static uint8_t zbuf[32 * 256];

/* One fill/spin/check round of V (sve=0) or Z (sve=1) registers, with its markers. */
static int round_check(const char *role, unsigned i, int sve)
{
	unsigned seed = (seed_base + i * 37 + (role[0] << 3)) & 0xff;
	int width = sve ? sve_vl() : 16;
	int bad;

	mark("%s %s %u", role, sve ? "sve_write" : "fp_write", i);
	if (sve)
		z_fill_spin_store(seed, spin, zbuf);
	else
		v_fill_spin_store(seed, spin, zbuf);
	bad = first_bad(zbuf, seed, width);
	mark("%s %s %u %s", role, "fp_check", i, bad < 0 ? "ok" : "bad");
	if (bad >= 0)
		result(0, "%s round %u: %s%d corrupted (byte 0 = %#x, expected %#x)", role, i, sve ? "z" : "v", bad,
		       zbuf[bad * width], (seed + bad) & 0xff);
	return bad < 0;
}

/* ---- seed-kvm: task A (FP or SVE) beside vcpu thread B on one CPU --------------------------- */

/* Guest code, position independent: enable FP (CPACR_EL1.FPEN, and ZEN for the SVE guest), then
 * loop { FP add; MMIO store to 0x10000000 }. Every store exits to user space (KVM_EXIT_MMIO). */
asm(".pushsection .rodata\n .balign 4\n"
    ".globl guest_fp, guest_fp_end\n"
    "guest_fp:\n"
    " mov x0, #(3 << 20)\n msr cpacr_el1, x0\n isb\n"
    " movz x2, #0x1000, lsl #16\n fmov d0, #1.0\n fmov d1, xzr\n"
    "1: fadd d1, d1, d0\n fmov x1, d1\n str x1, [x2]\n b 1b\n"
    "guest_fp_end:\n"
    ".globl guest_sve, guest_sve_end\n"
    "guest_sve:\n .arch_extension sve\n"
    " mov x0, #(3 << 20)\n orr x0, x0, #(3 << 16)\n msr cpacr_el1, x0\n isb\n"
    " movz x2, #0x1000, lsl #16\n mov z0.s, #1\n mov z1.s, #0\n ptrue p0.s\n"
    "2: add z1.s, z1.s, z0.s\n uaddv d2, p0, z1.s\n fmov x1, d2\n str x1, [x2]\n b 2b\n"
    "guest_sve_end:\n"
    ".popsection\n");
extern const char guest_fp[], guest_fp_end[], guest_sve[], guest_sve_end[];

#define GUEST_BASE 0x80000000ul
#define GUEST_SIZE 0x10000ul
#define MMIO_ADDR 0x10000000ul

struct vm {
	int kvm, vm, vcpu;
	struct kvm_run *run;
};

static void vm_create(struct vm *v, int sve_guest)
{
	struct kvm_vcpu_init init;
	uint64_t pc = GUEST_BASE;
	struct kvm_one_reg reg = {
		.id = KVM_REG_ARM64 | KVM_REG_SIZE_U64 | KVM_REG_ARM_CORE | KVM_REG_ARM_CORE_REG(regs.pc),
		.addr = (uint64_t)&pc,
	};
	void *mem;
	long sz;

	v->kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (v->kvm < 0)
		die("open /dev/kvm");
	v->vm = ioctl(v->kvm, KVM_CREATE_VM, 0);
	if (v->vm < 0)
		die("KVM_CREATE_VM");
	mem = mmap(NULL, GUEST_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED)
		die("mmap guest memory");
	if (sve_guest)
		memcpy(mem, guest_sve, guest_sve_end - guest_sve);
	else
		memcpy(mem, guest_fp, guest_fp_end - guest_fp);
	struct kvm_userspace_memory_region r = {
		.slot = 0, .guest_phys_addr = GUEST_BASE, .memory_size = GUEST_SIZE, .userspace_addr = (uint64_t)mem,
	};
	if (ioctl(v->vm, KVM_SET_USER_MEMORY_REGION, &r))
		die("KVM_SET_USER_MEMORY_REGION");
	v->vcpu = ioctl(v->vm, KVM_CREATE_VCPU, 0);
	if (v->vcpu < 0)
		die("KVM_CREATE_VCPU");
	if (ioctl(v->vm, KVM_ARM_PREFERRED_TARGET, &init))
		die("KVM_ARM_PREFERRED_TARGET");
	if (sve_guest)
		init.features[0] |= 1u << KVM_ARM_VCPU_SVE;
	if (ioctl(v->vcpu, KVM_ARM_VCPU_INIT, &init))
		die("KVM_ARM_VCPU_INIT");
	if (sve_guest) {
		int what = KVM_ARM_VCPU_SVE;
		if (ioctl(v->vcpu, KVM_ARM_VCPU_FINALIZE, &what))
			die("KVM_ARM_VCPU_FINALIZE");
	}
	if (ioctl(v->vcpu, KVM_SET_ONE_REG, &reg))
		die("KVM_SET_ONE_REG pc");
	sz = ioctl(v->kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (sz <= 0)
		die("KVM_GET_VCPU_MMAP_SIZE");
	v->run = mmap(NULL, sz, PROT_READ | PROT_WRITE, MAP_SHARED, v->vcpu, 0);
	if (v->run == MAP_FAILED)
		die("mmap kvm_run");
}

/* One KVM_RUN; 1 when the guest stopped at its MMIO store as it should. */
static int vm_run_once(struct vm *v)
{
	if (ioctl(v->vcpu, KVM_RUN, 0))
		die("KVM_RUN");
	return v->run->exit_reason == KVM_EXIT_MMIO && v->run->mmio.phys_addr == MMIO_ADDR && v->run->mmio.is_write;
}

/*
 * The seed (2017): task A uses FP (or SVE) on CPU 0 while vcpu thread B, also on CPU 0, enters a
 * guest that uses FP. A checks after every round that its registers came back intact. B sleeps
 * 1 ms between KVM_RUNs, so each wake-up preempts A in the middle of its spin.
 */
static int seed_kvm(int a_sve, int sve_guest, int rounds, int runs_max)
{
	volatile int *a_done = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	struct vm v;
	int runs = 0, good = 0, status = 0;
	pid_t a;

	if ((a_sve || sve_guest) && !have_sve()) {
		printf("# %s: SVE not available: skipped\n", workload);
		return 4;
	}
	pin(0);
	vm_create(&v, sve_guest); /* before the fork: A never touches /dev/kvm */
	a = fork();
	if (a < 0)
		die("fork");
	if (a == 0) {
		int ok = 1;
		for (int i = 0; i < rounds; i++)
			ok &= round_check("A", i, a_sve);
		*a_done = 1;
		_exit(ok ? 0 : 1);
	}
	while (!*a_done && runs < runs_max) {
		mark("B kvm_run %d", runs);
		good += vm_run_once(&v);
		runs++;
		usleep(1000);
	}
	if (waitpid(a, &status, 0) < 0)
		die("waitpid");
	result(WIFEXITED(status) && WEXITSTATUS(status) == 0, "A: %d rounds of %s with B's guest on the same CPU", rounds,
	       a_sve ? "SVE" : "FPSIMD");
	result(good == runs && runs > 0, "B: %d KVM_RUN calls, %d stopped at the guest's MMIO store", runs, good);
	return finish();
}

/* ---- signals: a timer signal interrupts live FP/SVE state; the handler clobbers it ---------- */

static volatile int handled;
static int sig_sve;
/* The handler's own store buffer: a signal may arrive after the interrupted round stored its
 * registers into zbuf and before it compared them, and must not overwrite what it compares. */
static uint8_t hbuf[32 * 256];

static void on_alarm(int sig)
{
	(void)sig;
	handled++;
	/* write(2) is async-signal-safe: the marker says the handler now writes the registers. */
	mark("H %s %d", sig_sve ? "sve_write" : "fp_write", handled);
	/* Clobber every register the interrupted code holds live: sigreturn must restore them. */
	if (sig_sve)
		z_fill_spin_store(0xa5, 1, hbuf);
	else
		v_fill_spin_store(0xa5, 1, hbuf);
}

static int signals(int sve, int rounds)
{
	struct sigaction sa = { .sa_handler = on_alarm };
	struct itimerval it = { { 0, 3000 }, { 0, 3000 } };
	int ok = 1;

	if (sve && !have_sve()) {
		printf("# %s: SVE not available: skipped\n", workload);
		return 4;
	}
	sig_sve = sve;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGALRM, &sa, NULL))
		die("sigaction");
	if (setitimer(ITIMER_REAL, &it, NULL))
		die("setitimer");
	for (int i = 0; i < rounds; i++)
		ok &= round_check("S", i, sve);
	it.it_value.tv_usec = it.it_interval.tv_usec = 0;
	setitimer(ITIMER_REAL, &it, NULL);
	result(ok, "%d rounds of %s survived %d signal handlers that clobber them", rounds, sve ? "SVE" : "FPSIMD",
	       handled);
	result(handled > 0, "the timer signal was delivered (%d times)", handled);
	return finish();
}

/* ---- fork/exec ------------------------------------------------------------------------------ */

static uint8_t vbuf[512];

static int forkexec(const char *self, int rounds)
{
	for (int i = 0; i < rounds; i++) {
		unsigned seed = (seed_base + 0x40 + i) & 0xff;
		int status;
		pid_t c;

		mark("P fp_write %d", i);
		/* Fill, then fork in the same breath: the child returns from fork with V0-V31 as the
		 * parent had them (the syscall ABI preserves the V registers). */
		{
			register long x8 asm("x8") = __NR_clone;
			register long x0 asm("x0") = SIGCHLD;
			register long x1 asm("x1") = 0, x2 asm("x2") = 0, x3 asm("x3") = 0, x4 asm("x4") = 0;
			uint8_t *p = vbuf;
			asm volatile("mov w9, %w[s]\n" V_FILL8(0, 1, 2, 3, 4, 5, 6, 7) V_FILL8(8, 9, 10, 11, 12, 13, 14, 15)
					     V_FILL8(16, 17, 18, 19, 20, 21, 22, 23) V_FILL8(24, 25, 26, 27, 28, 29, 30, 31)
				     "svc #0\n"
				     "st1 {v0.16b-v3.16b}, [%[p]], #64\n st1 {v4.16b-v7.16b}, [%[p]], #64\n"
				     "st1 {v8.16b-v11.16b}, [%[p]], #64\n st1 {v12.16b-v15.16b}, [%[p]], #64\n"
				     "st1 {v16.16b-v19.16b}, [%[p]], #64\n st1 {v20.16b-v23.16b}, [%[p]], #64\n"
				     "st1 {v24.16b-v27.16b}, [%[p]], #64\n st1 {v28.16b-v31.16b}, [%[p]], #64\n"
				     : "+r"(x0), [p] "+r"(p)
				     : [s] "r"(seed), "r"(x1), "r"(x2), "r"(x3), "r"(x4), "r"(x8)
				     : "x9", "memory", "cc", VCLOB);
			c = x0;
		}
		if (c < 0)
			die("clone");
		if (c == 0) {
			int bad = first_bad(vbuf, seed, 16);
			if (bad >= 0)
				_exit(10);
			char arg[16];
			snprintf(arg, sizeof(arg), "%u", seed);
			mark("C exec %d", i);
			execl(self, self, "exec-child", arg, (char *)NULL);
			_exit(11);
		}
		result(first_bad(vbuf, seed, 16) < 0, "parent kept its V registers across fork %d", i);
		if (waitpid(c, &status, 0) < 0)
			die("waitpid");
		result(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		       "child %d: inherited the V registers; after exec none holds the old program's pattern (status %d)", i,
		       WIFEXITED(status) ? WEXITSTATUS(status) : -1);
	}
	return finish();
}

/*
 * After exec the kernel hands the new program zeroed FP registers (fpsimd_flush_thread), but
 * the C library's start-up code (static glibc: IFUNC resolvers, string functions) uses some V
 * registers before main, so zeroes cannot be checked here. What can be: no register still holds
 * the pattern the parent wrote before fork (that would be the old program's state leaking).
 */
static int exec_child(const char *seedarg)
{
	unsigned seed = seedarg ? strtoul(seedarg, NULL, 0) : 0;
	uint8_t regs[512];
	int same = 0;

	v_store(regs);
	for (int r = 0; r < 32; r++) {
		int all = 1;
		for (int b = 0; b < 16; b++)
			all &= regs[r * 16 + b] == (uint8_t)(seed + r);
		same += all;
	}
	return same ? 12 : 0;
}

/* ---- ptrace of the FP and SVE regsets -------------------------------------------------------- */

static int ptrace_fp(int rounds)
{
	for (int i = 0; i < rounds; i++) {
		unsigned seed = (seed_base + 0x20 + 3 * i) & 0xff, seed2 = (seed + 0x80) & 0xff;
		struct user_fpsimd_state fp;
		struct iovec iov = { &fp, sizeof(fp) };
		int status, bad;
		pid_t c = fork();

		if (c < 0)
			die("fork");
		if (c == 0) {
			/* Stop with live V registers (kill(2) preserves them), then check what the
			 * tracer wrote into them. */
			uint8_t regs[512];
			if (ptrace(PTRACE_TRACEME, 0, 0, 0))
				_exit(20);
			long self = getpid(); /* before the register variables: a call would clobber them */
			mark("T fp_write %d", i);
			{
				register long x8 asm("x8") = __NR_kill;
				register long x0 asm("x0") = self;
				register long x1 asm("x1") = SIGSTOP;
				uint8_t *p = regs;
				asm volatile("mov w9, %w[s]\n" V_FILL8(0, 1, 2, 3, 4, 5, 6, 7)
						     V_FILL8(8, 9, 10, 11, 12, 13, 14, 15) V_FILL8(16, 17, 18, 19, 20, 21, 22, 23)
							     V_FILL8(24, 25, 26, 27, 28, 29, 30, 31)
					     "svc #0\n"
					     "st1 {v0.16b-v3.16b}, [%[p]], #64\n st1 {v4.16b-v7.16b}, [%[p]], #64\n"
					     "st1 {v8.16b-v11.16b}, [%[p]], #64\n st1 {v12.16b-v15.16b}, [%[p]], #64\n"
					     "st1 {v16.16b-v19.16b}, [%[p]], #64\n st1 {v20.16b-v23.16b}, [%[p]], #64\n"
					     "st1 {v24.16b-v27.16b}, [%[p]], #64\n st1 {v28.16b-v31.16b}, [%[p]], #64\n"
					     : "+r"(x0), [p] "+r"(p)
					     : [s] "r"(seed), "r"(x1), "r"(x8)
					     : "x9", "memory", "cc", VCLOB);
			}
			_exit(first_bad(regs, seed2, 16) < 0 ? 0 : 21);
		}
		if (waitpid(c, &status, 0) < 0)
			die("waitpid (stop)");
		if (!WIFSTOPPED(status)) {
			result(0, "child did not stop for its tracer (wait status %#x)", status);
			return finish();
		}
		mark("D getregset %d", i);
		if (ptrace(PTRACE_GETREGSET, c, (void *)NT_PRFPREG, &iov))
			die("PTRACE_GETREGSET NT_PRFPREG");
		bad = first_bad((uint8_t *)fp.vregs, seed, 16);
		result(bad < 0, "tracer read the stopped child's V registers (round %d)", i);
		for (int r = 0; r < 32; r++)
			memset(&fp.vregs[r], (seed2 + r) & 0xff, 16);
		mark("D setregset %d", i);
		if (ptrace(PTRACE_SETREGSET, c, (void *)NT_PRFPREG, &iov))
			die("PTRACE_SETREGSET NT_PRFPREG");
		if (have_sve()) {
			/* Read the SVE regset too: it must say FPSIMD format (the child's last
			 * syscall discarded its SVE state) or hold the same V values. */
			static uint8_t sbuf[65536];
			struct iovec siov = { sbuf, sizeof(sbuf) };
			mark("D getregset-sve %d", i);
			if (ptrace(PTRACE_GETREGSET, c, (void *)NT_ARM_SVE, &siov))
				die("PTRACE_GETREGSET NT_ARM_SVE");
			result(siov.iov_len >= 16, "tracer read the SVE regset header (vl %u)",
			       ((struct user_sve_header *)sbuf)->vl);
		}
		if (ptrace(PTRACE_CONT, c, 0, 0))
			die("PTRACE_CONT");
		if (waitpid(c, &status, 0) < 0)
			die("waitpid");
		result(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		       "child resumed with the V registers the tracer wrote (status %d)",
		       WIFEXITED(status) ? WEXITSTATUS(status) : -1);
	}
	return finish();
}

/* ---- prctl(PR_SVE_SET_VL) ------------------------------------------------------------------- */

static int prctl_vl(int rounds)
{
	static const int vls[] = { 16, 32, 64, 256, 128 };
	int maxvl;

	if (!have_sve()) {
		printf("# %s: SVE not available: skipped\n", workload);
		return 4;
	}
	maxvl = prctl(PR_SVE_SET_VL, 256 | 0) & PR_SVE_VL_LEN_MASK; /* clamps to the largest */
	for (int i = 0; i < rounds; i++) {
		int want = vls[i % 5] > maxvl ? maxvl : vls[i % 5];
		mark("V set_vl %d %d", i, want);
		int got = prctl(PR_SVE_SET_VL, want);
		if (got < 0)
			die("PR_SVE_SET_VL");
		result((got & PR_SVE_VL_LEN_MASK) == want && sve_vl() == want, "VL set to %d bytes (round %d)", want, i);
		round_check("V", i, 1);
	}
	return finish();
}

/* ---- migration: A moves between CPUs 0 and 1 while B keeps CPU 1's registers busy ------------- */

static int migrate(int rounds)
{
	volatile int *stop = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	int ok = 1, status;
	pid_t b;

	if (sysconf(_SC_NPROCESSORS_ONLN) < 2) {
		printf("# %s: needs 2 CPUs: skipped\n", workload);
		return 4;
	}
	b = fork();
	if (b < 0)
		die("fork");
	if (b == 0) {
		pin(1);
		for (int i = 0; !*stop && i < 10000; i++)
			round_check("B", i, 0);
		_exit(0);
	}
	for (int i = 0; i < rounds; i++) {
		mark("A migrate %d %d", i, i & 1);
		pin(i & 1);
		ok &= round_check("A", i, 0);
	}
	*stop = 1;
	waitpid(b, &status, 0);
	result(ok, "A kept its V registers over %d migrations between CPU 0 and CPU 1", rounds);
	return finish();
}

/* ---- kernel-mode NEON: a hash computed by the kernel (AF_ALG) inside a live-FP syscall ------- */

static int kernel_neon(int rounds)
{
	struct sockaddr_alg sa = { .salg_family = AF_ALG, .salg_type = "hash", .salg_name = "sha256" };
	static uint8_t data[4096];
	uint8_t digest[32];
	int tfm, op;

	tfm = socket(AF_ALG, SOCK_SEQPACKET, 0);
	if (tfm < 0 || bind(tfm, (struct sockaddr *)&sa, sizeof(sa))) {
		printf("# %s: AF_ALG sha256 not available (%s): skipped\n", workload, strerror(errno));
		return 4;
	}
	op = accept(tfm, NULL, 0);
	if (op < 0)
		die("accept AF_ALG");
	memset(data, 0x5a, sizeof(data));
	for (int i = 0; i < rounds; i++) {
		unsigned seed = (seed_base + 0x60 + i) & 0xff;
		mark("K fp_write %d", i);
		long n = v_fill_syscall_store(seed, op, data, sizeof(data), vbuf);
		if (n != (long)sizeof(data))
			die("write AF_ALG");
		if (read(op, digest, sizeof(digest)) != sizeof(digest))
			die("read AF_ALG");
		result(first_bad(vbuf, seed, 16) < 0, "V registers intact across a kernel-mode NEON hash (round %d)", i);
	}
	return finish();
}

/* ---- main ----------------------------------------------------------------------------------- */

static int arg(char **argv, int argc, int i, int dflt)
{
	return i < argc ? atoi(argv[i]) : dflt;
}

int main(int argc, char **argv)
{
	const char *cmd = argc > 1 ? argv[1] : "";
	const char *env = getenv("FPLAB_SPIN");

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (env)
		spin = strtoul(env, NULL, 0);
	env = getenv("FPLAB_SEED");
	if (env)
		seed_base = strtoul(env, NULL, 0);
	if (!strcmp(cmd, "exec-child"))
		return exec_child(argc > 2 ? argv[2] : NULL);
	workload = cmd;
	marker_fd = open("/sys/kernel/tracing/trace_marker", O_WRONLY | O_CLOEXEC);
	printf("# %s: pid %d, SVE %s, VL %d\n", cmd, getpid(), have_sve() ? "yes" : "no", have_sve() ? sve_vl() : 0);
	if (!strcmp(cmd, "seed-kvm"))
		return seed_kvm(0, 0, arg(argv, argc, 2, 20), arg(argv, argc, 3, 300));
	if (!strcmp(cmd, "seed-kvm-sve"))
		return seed_kvm(1, 0, arg(argv, argc, 2, 20), arg(argv, argc, 3, 300));
	if (!strcmp(cmd, "kvm-sve-guest"))
		return seed_kvm(0, 1, arg(argv, argc, 2, 10), arg(argv, argc, 3, 150));
	if (!strcmp(cmd, "signals"))
		return signals(0, arg(argv, argc, 2, 10));
	if (!strcmp(cmd, "signals-sve"))
		return signals(1, arg(argv, argc, 2, 10));
	if (!strcmp(cmd, "fork-exec"))
		return forkexec(argv[0], arg(argv, argc, 2, 5));
	if (!strcmp(cmd, "ptrace"))
		return ptrace_fp(arg(argv, argc, 2, 5));
	if (!strcmp(cmd, "prctl-vl"))
		return prctl_vl(arg(argv, argc, 2, 10));
	if (!strcmp(cmd, "migrate"))
		return migrate(arg(argv, argc, 2, 10));
	if (!strcmp(cmd, "kernel-neon"))
		return kernel_neon(arg(argv, argc, 2, 10));
	fprintf(stderr,
		"usage: fplab seed-kvm|seed-kvm-sve|kvm-sve-guest|signals|signals-sve|fork-exec|ptrace|prctl-vl|migrate|kernel-neon [rounds]\n");
	return 2;
}
