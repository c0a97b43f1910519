// SPDX-License-Identifier: GPL-2.0
/*
 * ctlfuzz FILE N SEED: N writes of random bytes to FILE, for the VM suite's
 * debugfs fuzzing (userspace-test/guest/tests.sh, fuzz_ctl).
 *
 * Each write(2) is one value to the control: 1 to 80 bytes, every 40th one
 * 5000 (over the control's limit), of random bytes and, one time in four,
 * of digits, blanks and signs, which come closer to a value it takes.  The
 * file is opened again every 16 writes.  Refused writes are the point; the
 * program counts what the kernel accepted and fails only if it cannot open
 * FILE.  Built static on the host by userspace-test/host/vm-test.sh: the
 * VM has busybox and nothing else.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	static const char near[] = "0123456789 +-\n\t";
	static char buf[5000];
	unsigned long n, i, accepted = 0;
	int fd = -1;

	if (argc != 4) {
		fprintf(stderr, "usage: %s FILE N SEED\n", argv[0]);
		return 2;
	}
	n = strtoul(argv[2], NULL, 10);
	srandom(strtoul(argv[3], NULL, 10));
	for (i = 0; i < n; i++) {
		size_t len = random() % 80 + 1, j;
		int digits = random() % 4 == 0;

		if (i % 40 == 39)
			len = sizeof(buf);
		for (j = 0; j < len; j++)
			buf[j] = digits ? near[random() % (sizeof(near) - 1)] :
					  (char)random();
		if (i % 16 == 0) {
			if (fd >= 0)
				close(fd);
			fd = open(argv[1], O_WRONLY);
			if (fd < 0) {
				perror(argv[1]);
				return 1;
			}
		}
		if (write(fd, buf, len) == (ssize_t)len)
			accepted++;
	}
	close(fd);
	printf("ctlfuzz: %s: %lu writes, %lu accepted\n", argv[1], n, accepted);
	return 0;
}
