/* nop - exits 0 and does nothing else: no libc, no loader, a few pages.
 * The target of the memory benchmark, so that the peak RSS of
 * "LOADER ... -- nop" is the loader's own. */
void _start(void) __attribute__((noreturn));
void _start(void)
{
#if defined(__x86_64__)
	__asm__ volatile("mov $231, %eax\n\txor %edi, %edi\n\tsyscall");
#elif defined(__aarch64__)
	__asm__ volatile("mov x8, #94\n\tmov x0, #0\n\tsvc #0");
#else
#error "nop: add exit_group for this arch"
#endif
	for (;;)
		;
}
