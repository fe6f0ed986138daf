/*
 * capsuled.h: the configuration types shared by every module, and the
 * limits.  Built once at start-up (conf.c), read-only after workers fork.
 */
#ifndef CAPSULED_H
#define CAPSULED_H

#include <limits.h>
#include <stddef.h>

/*
 * The Makefile passes the version from debian/changelog, its one home.
 * A compile outside the Makefile (scripts/check-cross.sh) gets this.
 */
#ifndef CAPSULED_VERSION
#define CAPSULED_VERSION	"unknown"
#endif

#define CONF_NAME_MAX		255	/* host names */
#define CONF_PATH_MAX		1024	/* file system paths in the config */
#define CONF_HOSTS_MAX		64	/* server blocks */
#define CONF_ALIASES_MAX	16	/* names per server */
#define CONF_LOCATIONS_MAX	64	/* location blocks per server */
#define CONF_GEMLOGS_MAX	16	/* gemlog directories per server */
#define CONF_MIME_MAX		32	/* mime overrides per location */
#define CONF_PROXY_FROM_MAX	16	/* trusted PROXY protocol senders */
#define CONF_PARAMS_MAX		32	/* fastcgi-param per location */

#define CONF_DEFAULT_ROOT	"capsule"
#define CONF_DEFAULT_HOST	"localhost"
#define CONF_DEFAULT_PORT	1965
#define CONF_DEFAULT_CERTDIR	"certs"
#define CONF_DEFAULT_TIMEOUT	10	/* seconds for handshake + request */
#define CONF_DEFAULT_WTIMEOUT	30	/* seconds a write may stall */
#define CONF_DEFAULT_PERIP	32	/* connections per client address */
#define CONF_DEFAULT_FEED	20	/* Atom feed entries, 0 = all */
#define CONF_DEFAULT_GOPHER_CACHE 16	/* MiB of Gopher views per worker */
#define CONF_DEFAULT_CGI_TIMEOUT 10	/* seconds a program or backend gets */
#define CONF_DEFAULT_PROGRAMS	128	/* dynamic requests at once, in all */

/* Access log line formats and how much of the client address to keep. */
#define CONF_LOG_DEFAULT	0
#define CONF_LOG_COMMON		1
#define CONF_LOG_COMBINED	2
#define CONF_LOG_JSON		3
#define CONF_ADDR_TRUNCATE	0	/* the default: /24 or /48 */
#define CONF_ADDR_FULL		1
#define CONF_ADDR_NONE		2

/* Tri-state for settings a location may leave to its server. */
#define CONF_UNSET	(-1)

struct conf_mime {
	char	ext[32];
	char	type[128];
};

/*
 * What answers beneath a dynamic location: the program runner
 * (runner.c) runs a program or opens a connection for it.
 */
#define CONF_DYN_NONE		0
#define CONF_DYN_CGI		1	/* cgi on: executable files run */
#define CONF_DYN_SCGI		2	/* scgi "/path.sock" or "addr:port" */
#define CONF_DYN_FASTCGI	3	/* fastcgi ... */
#define CONF_DYN_PROXY		4	/* proxy "addr:port": Gemini over TLS */

struct conf_param {			/* fastcgi-param NAME VALUE */
	char	name[64];
	char	value[CONF_PATH_MAX];
};

/*
 * Titan uploads beneath a location (titan.c): who may write, what, how
 * much.  Off unless on is set; on needs a fingerprint or a token.
 */
#define CONF_TITAN_MAX_SIZE	(1024 * 1024)	/* titan-max-size default */
#define CONF_TOKEN_MAX		255		/* bytes of a titan-token */
#define CONF_TYPE_MAX		128		/* bytes of a MIME type */

struct conf_titan {
	int		 on;			/* 0/1 */
	int		 line;			/* of "titan on" */
	char		 (*fingerprints)[65];	/* who may upload */
	int		 nfingerprints;
	char		 (*tokens)[CONF_TOKEN_MAX + 1]; /* ... or who knows */
	int		 ntokens;
	char		 (*mimes)[CONF_TYPE_MAX]; /* "type/sub", or a
						   family: "type/" "*" */
	int		 nmimes;		/* 0 = any type */
	long long	 max_size;		/* bytes */
	int		 delete;		/* size=0 deletes: 0/1 */
	int		 dirfd;			/* its directory (O_PATH),
						   opened at start-up for the
						   sandbox; -1 */
};

struct conf_location {
	char		 pattern[CONF_PATH_MAX];	/* fnmatch(3) */
	int		 auto_index;		/* CONF_UNSET, 0, 1 */
	char		 lang[32];		/* "" = inherit */
	char		 default_type[128];	/* "" = inherit */
	struct conf_mime mime[CONF_MIME_MAX];
	int		 nmime;
	/* Dynamic content (CONF_DYN_*) and where it comes from. */
	int		 dynamic;
	char		 backend[CONF_PATH_MAX];	/* socket path or
						   address:port */
	struct conf_param *params;		/* fastcgi-param */
	int		 nparams;
	char		 proxy_sni[CONF_NAME_MAX + 1];	/* "" = the
							   request's host */
	char		 proxy_fpr[65];		/* "" = any certificate */
	char		 where[CONF_PATH_MAX];	/* "file:line" of the block,
						   for checks after parsing */
	int		 block_status;		/* 0 = none, else 30..62 */
	char		 block_meta[CONF_PATH_MAX]; /* redirect target or
						       message; "%p" = path */
	int		 require_cert;		/* 0/1 */
	char		 (*fingerprints)[65];	/* allowed SHA-256 hex */
	int		 nfingerprints;
	struct conf_titan titan;
};

struct conf_host {
	char			 name[CONF_NAME_MAX + 1];
	char			 aliases[CONF_ALIASES_MAX][CONF_NAME_MAX + 1];
	int			 naliases;
	char			 root[CONF_PATH_MAX];
	char			 cert[CONF_PATH_MAX];
	char			 key[CONF_PATH_MAX];
	char			 lang[32];
	int			 auto_index;		/* 0/1 */
	char			 gemlogs[CONF_GEMLOGS_MAX][CONF_PATH_MAX];
	int			 ngemlogs;
	struct conf_location	 locations[CONF_LOCATIONS_MAX];
	int			 nlocations;
	int			 rootfd;		/* opened at start-up */
};

struct conf {
	char			 listen[CONF_NAME_MAX + 1]; /* "" = all */
	int			 port;		/* Gemini port */
	int			 public_port;	/* port in URLs, 0 = port */
	int			 gopher_port;	/* 0 = off */
	int			 gopher_public_port;	/* 0 = gopher_port */
	char			 gopher_host[CONF_NAME_MAX + 1]; /* "" = host */
	int			 workers;	/* 0 = one per core */
	char			 user[64];	/* "" = don't drop */
	char			 chroot[CONF_PATH_MAX];
	int			 timeout;	/* request phase, seconds */
	int			 write_timeout;	/* write stall, seconds */
	int			 max_conns;	/* 0 = from RLIMIT_NOFILE */
	int			 max_conns_per_ip;
	int			 tls_tickets;	/* TLS 1.3 tickets per handshake */
	char			 logfile[CONF_PATH_MAX]; /* "" = stderr */
	int			 log_format;	/* CONF_LOG_* */
	int			 log_address;	/* CONF_ADDR_* */
	int			 rate;		/* requests a minute per address,
						   0 = no limit */
	int			 burst;		/* requests at once */
	int			 feed_entries;	/* newest posts in an Atom
						   feed, 0 = all */
	int			 proxy_gemini;	/* PROXY header on Gemini */
	int			 proxy_gopher;	/* ... on Gopher */
	int			 gopher_cache;	/* MiB of views per worker */
	int			 cgi_timeout;	/* seconds for a dynamic reply */
	int			 max_programs;	/* dynamic requests at once */
	int			 max_programs_worker;	/* ... per worker, 0 =
							   max_programs */
	char			 proxy_from[CONF_PROXY_FROM_MAX][64];
	int			 nproxy_from;	/* 0 = from anywhere */
	int			 verbose;
	struct conf_host	 hosts[CONF_HOSTS_MAX];
	int			 nhosts;
};

#endif
