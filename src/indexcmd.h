/*
 * indexcmd.h: the `capsuled index` subcommand, which writes a gemlog's
 * index.gmi and atom.xml with the same code the server uses to
 * generate them, for capsules served by something else.
 */
#ifndef INDEXCMD_H
#define INDEXCMD_H

/*
 * capsuled index [-a] [-o outdir] [-u baseurl] [-t title] dir
 * argv[0] is "index".  Without -o the index goes to stdout (-a: the
 * Atom feed instead); with -o both files are written into outdir,
 * each replaced atomically.  Returns the exit status: 0, 1 on
 * errors, 2 on usage errors; messages go to stderr.
 */
int	indexcmd_main(int argc, char *argv[]);

#endif
