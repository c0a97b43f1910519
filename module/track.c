// SPDX-License-Identifier: GPL-2.0
/*
 * bufpool tracking mode.  Placeholder until tracking lands: tracking is off
 * and cannot be turned on.
 */
#include <linux/seq_file.h>

#include "internal.h"

const char *bufpool_track_state(struct bufpool *pool, char *buf, size_t len)
{
	return "off";
}

int bufpool_track_set(struct bufpool *pool, unsigned int sample)
{
	return sample ? -EOPNOTSUPP : 0;
}

void bufpool_track_show_outstanding(struct seq_file *m, struct bufpool *pool)
{
	seq_puts(m, "# tracking is off: no stacks\n");
}
