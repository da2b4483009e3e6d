/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The daemon's setup, in the process that keeps the locks (the daemon, or
 * with --foreground the original process).  setup_process() applies the
 * umask (o->umask), takes the pidfile lock and has our pid written (with
 * writer, by the intermediate process that ran setup_pidfile_writer()
 * before forking us; else by a helper of its own), takes the lockfile,
 * and opens the stdio files, in that order, filling *p; on a failure it
 * undoes what it did and ends the process with report_fail() on
 * reportfd.  setup_undo() removes what setup_process() made (the stdio
 * files, a created lockfile, the pidfile) for a later failure in plain
 * mode, while this process still holds the locks.
 */
#ifndef SETUP_H
#define SETUP_H

struct options;
struct pidlock_start;
struct prepared;

void setup_pidfile_writer(const struct options *o, int reportfd,
    struct pidlock_start *s);
void setup_process(const struct options *o, int reportfd,
    struct pidlock_start *writer, struct prepared *p);
void setup_undo(const struct options *o, const struct prepared *p);

#endif
