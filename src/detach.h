/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef DETACH_H
#define DETACH_H

struct options;

struct notify;

int detach(const struct options *, struct notify *);

#endif
